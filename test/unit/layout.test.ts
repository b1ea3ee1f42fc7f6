// The batch layout is defined twice (native/batch/layout.h and
// lib/capture/layout.ts): prove they agree, offsets and constants alike.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/capture/binding.js';
import {
  BATCH_MAGIC,
  BATCH_VERSION,
  COLUMNS,
  ELEMENT_SIZE,
  ERROR_KIND,
  ERROR_LAYER,
  FRAG,
  HEADER,
  HEADER_BYTES,
  L3,
  LAYER,
  batchBytes,
  columnOffsets,
} from '../../lib/capture/layout.js';
import { repoRoot } from '../support/paths.js';

const header = readFileSync(join(repoRoot, 'native/batch/layout.h'), 'utf8');

/** Reads `kName = <int or 1 << n>` enumerators of one C++ enum from layout.h. */
function cppEnum(enumName: string): Record<string, number> {
  const body = header.match(new RegExp(`enum ${enumName}[^{]*\\{([^}]*)\\}`))?.[1];
  if (!body) throw new Error(`enum ${enumName} not found in layout.h`);
  const values: Record<string, number> = {};
  for (const m of body.matchAll(/k(\w+)\s*=\s*(\d+)(?:\s*<<\s*(\d+))?/g)) {
    values[m[1]!] = m[3] ? Number(m[2]) << Number(m[3]) : Number(m[2]);
  }
  return values;
}

const camel = (snake: string) => snake.replace(/(^|_)(\w)/g, (_m, _u, c: string) => c.toUpperCase());

describe('batch layout', () => {
  const addon = loadAddon();

  it.each([1, 7, 1024, 4096])('TypeScript and the addon agree on column offsets for %i rows', (capacity) => {
    const native = addon.batchLayout(capacity);
    const ts = columnOffsets(capacity);
    expect(native.columns.map((c) => c.name)).toEqual(COLUMNS.map((c) => c[0]));
    for (const [i, [name, type, width]] of COLUMNS.entries()) {
      const n = native.columns[i]!;
      expect({ name: n.name, type: n.type, width: n.width, size: n.elementSize, offset: n.offset }).toEqual({
        name,
        type,
        width,
        size: ELEMENT_SIZE[type],
        offset: ts.columns[name],
      });
      expect(n.offset % n.elementSize, `${name} is aligned`).toBe(0);
    }
    expect(native.dataOffset).toBe(ts.dataOffset);
    expect(native.headerBytes).toBe(HEADER_BYTES);
    expect(native.magic).toBe(BATCH_MAGIC);
    expect(native.version).toBe(BATCH_VERSION);
    expect(batchBytes(capacity, 100) % 8).toBe(0);
  });

  it('header words match', () => {
    const words = cppEnum('HeaderWord');
    for (const [name, index] of Object.entries(HEADER)) expect(words[`Hdr${camel(name)}`], name).toBe(index);
  });

  it('l3, error, error-layer, layer and fragment constants match', () => {
    const l3 = cppEnum('L3Kind');
    for (const [name, v] of Object.entries(L3)) expect(l3[`L3${camel(name)}`], name).toBe(v);
    const errors = cppEnum('ErrorKind');
    for (const [name, v] of Object.entries(ERROR_KIND)) expect(errors[`Err${camel(name)}`], name).toBe(v);
    const layers = cppEnum('ErrorLayer');
    for (const [name, v] of Object.entries(ERROR_LAYER)) expect(layers[`Layer${camel(name)}`], name).toBe(v);
    const bits = cppEnum('LayerBit');
    for (const [name, v] of Object.entries(LAYER)) expect(bits[`Has${camel(name)}`], name).toBe(v);
    const frag = cppEnum('FragBit');
    expect(frag).toEqual({ Fragment: FRAG.fragment, FragFirst: FRAG.first, FragMore: FRAG.more });
    // Nothing defined in C++ is missing in TypeScript.
    expect(Object.keys(bits).length).toBe(Object.keys(LAYER).length);
    expect(Object.keys(layers).length).toBe(Object.keys(ERROR_LAYER).length);
  });
});
