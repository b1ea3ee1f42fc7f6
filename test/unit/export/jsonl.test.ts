// The JSON-lines flow log: key order, size-based rotation and kept files, the
// bounded queue, failures that must not throw, and stdout for piping.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createJsonlSink, FLOW_KEYS, flowLine, type JsonlSink, type JsonlSinkOptions } from '../../../lib/export/index.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { isRoot, repoRoot } from '../../support/paths.js';
import { flow } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wirewatch-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `f${++n}`, 'flows.jsonl');
function sink(options: JsonlSinkOptions): JsonlSink {
  if (options.path && options.path !== '-') mkdirSync(join(options.path, '..'), { recursive: true });
  return createJsonlSink(options);
}
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);

describe('JSONL options and failures', () => {
  it('refuses bad options naming the key', () => {
    expect(() => createJsonlSink({ path: '' })).toThrow(/export\.jsonl\.path/);
    expect(() => createJsonlSink({ path: '-', max_size_mb: 0 })).toThrow(/export\.jsonl\.max_size_mb/);
    expect(() => createJsonlSink({ path: '-', max_size_mb: Infinity })).toThrow(/max_size_mb/);
    expect(() => createJsonlSink({ path: '-', keep: -1 })).toThrow(/export\.jsonl\.keep/);
    expect(() => createJsonlSink({ path: '-', keep: 1.5 })).toThrow(/keep/);
    expect(() => createJsonlSink({ path: '-', queue: 0 })).toThrow(/queue/);
  });

  it('a path that cannot be opened fails at creation with the path named', () => {
    expect(() => createJsonlSink({ path: join(dir, 'no', 'such', 'dir', 'x.jsonl') })).toThrow(/export\.jsonl\.path.*ENOENT/);
    expect(() => createJsonlSink({ path: dir })).toThrow(/EISDIR/);
  });

  it('write() never throws: unserialisable records are counted invalid', async () => {
    const path = fresh();
    const s = sink({ path });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const hostile = [flow({ bytes_c2s: 1n as unknown as number }), flow({ community_id: cyclic as unknown as string })];
    for (const h of hostile) expect(() => s.write(h)).not.toThrow();
    s.write(flow());
    await s.close();
    expect(s.stats()).toMatchObject({ invalid: 2, sent: 1, dropped: 0, errors: 0 });
    expect(lines(path)).toHaveLength(1);
  });

  it('a record with missing keys still gets every key, as null', async () => {
    const path = fresh();
    const s = sink({ path });
    s.write({ proto: 6 } as FlowRecord);
    await s.close();
    expect(Object.keys(JSON.parse(lines(path)[0]!))).toEqual([...FLOW_KEYS]);
    expect(JSON.parse(lines(path)[0]!).src_ip).toBeNull();
  });

  it('the directory vanishing under it counts errors and drops, never throws', async () => {
    const path = fresh();
    const s = sink({ path, max_size_mb: 400 / 1048576, keep: 2 });
    for (let i = 0; i < 3; i++) s.write(flow());
    await s.drained();
    rmSync(join(path, '..'), { recursive: true, force: true });
    for (let i = 0; i < 20; i++) s.write(flow()); // forces rotations into a directory that is gone
    await s.close();
    const st = s.stats();
    expect(st.errors).toBeGreaterThan(0);
    expect(st.last_error).toMatch(/ENOENT/);
    expect(st.sent + st.dropped).toBe(23);
    expect(st.dropped).toBeGreaterThan(0);
  });

  it.skipIf(isRoot)('a read-only directory: rotation fails, records are dropped rather than growing the file', async () => {
    const path = fresh();
    const s = sink({ path, max_size_mb: 1000 / 1048576, keep: 2 });
    chmodSync(join(path, '..'), 0o500);
    try {
      for (let i = 0; i < 20; i++) s.write(flow());
      await s.close();
    } finally {
      chmodSync(join(path, '..'), 0o700);
    }
    expect(statSync(path).size).toBeLessThanOrEqual(1000);
    expect(s.stats().errors).toBeGreaterThan(0);
  });
});

describe('JSONL lines', () => {
  it('one record per line, keys in DESIGN §7 order whatever the object order', async () => {
    const path = fresh();
    const s = sink({ path });
    const r = flow();
    const shuffled = Object.fromEntries(Object.entries(r).reverse()) as unknown as FlowRecord;
    s.write(shuffled);
    s.write(r);
    await s.close();
    const [a, b] = lines(path);
    expect(a).toBe(b);
    expect(Object.keys(JSON.parse(a!))).toEqual([
      'community_id', 'source', 'vlan', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'first_ns', 'last_ns',
      'packets_c2s', 'bytes_c2s', 'packets_s2c', 'bytes_s2c', 'tcp_flags', 'state', 'end_reason',
    ]);
    expect(JSON.parse(a!)).toEqual(r);
    expect(flowLine(r)).toBe(a);
  });

  it('appends to an existing file and counts its size toward rotation', async () => {
    const path = fresh();
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'x'.repeat(900) + '\n');
    const line = Buffer.byteLength(flowLine(flow())) + 1;
    const s = sink({ path, max_size_mb: (901 + line) / 1048576, keep: 1 });
    s.write(flow());
    s.write(flow());
    await s.close();
    expect(readFileSync(`${path}.1`, 'utf8').startsWith('x'.repeat(900))).toBe(true);
    expect(lines(`${path}.1`)).toHaveLength(2);
    expect(lines(path)).toHaveLength(1);
  });
});

describe('JSONL rotation', () => {
  const line = Buffer.byteLength(flowLine(flow())) + 1;

  it('files never exceed max_size_mb, keep N rotated files, oldest deleted, newest lines in path', async () => {
    const path = fresh();
    const max = line * 10 + 5; // 10 lines per file
    const s = sink({ path, max_size_mb: max / 1048576, keep: 3 });
    const total = 95;
    for (let i = 0; i < total; i++) s.write(flow({ bytes_c2s: i }));
    await s.close();
    const names = readdirSync(join(path, '..')).sort();
    expect(names).toEqual(['flows.jsonl', 'flows.jsonl.1', 'flows.jsonl.2', 'flows.jsonl.3']);
    for (const f of names) expect(statSync(join(path, '..', f)).size).toBeLessThanOrEqual(max);
    // the newest 35 records, oldest first: .3, .2, .1, then the live file
    const kept = [`${path}.3`, `${path}.2`, `${path}.1`, path].flatMap(lines).map((l) => JSON.parse(l).bytes_c2s);
    expect(kept).toEqual(Array.from({ length: 35 }, (_, i) => 60 + i));
    expect(s.stats()).toMatchObject({ sent: total, rotations: 9, dropped: 0 });
  });

  it('keep 0: a full file is deleted, no .1 appears', async () => {
    const path = fresh();
    const s = sink({ path, max_size_mb: (line * 4) / 1048576, keep: 0 });
    for (let i = 0; i < 10; i++) s.write(flow({ bytes_c2s: i }));
    await s.close();
    expect(readdirSync(join(path, '..'))).toEqual(['flows.jsonl']);
    expect(lines(path).map((l) => JSON.parse(l).bytes_c2s)).toEqual([8, 9]);
  });

  it('a line longer than max_size_mb goes alone into its own file', async () => {
    const path = fresh();
    const s = sink({ path, max_size_mb: 50 / 1048576, keep: 5 });
    for (let i = 0; i < 3; i++) s.write(flow());
    await s.close();
    expect([path, `${path}.1`, `${path}.2`].map((p) => lines(p).length)).toEqual([1, 1, 1]);
    expect(existsSync(`${path}.3`)).toBe(false);
  });
});

describe('JSONL bounded queue', () => {
  it('keeps at most `queue` records while the writer is busy; drops are counted', async () => {
    const path = fresh();
    const s = sink({ path, queue: 100 });
    for (let i = 0; i < 1000; i++) s.write(flow());
    expect(s.stats()).toMatchObject({ queued: 100, dropped: 900 });
    await s.close();
    expect(s.stats()).toMatchObject({ sent: 100, dropped: 900, queued: 0 });
    expect(lines(path)).toHaveLength(100);
    s.write(flow());
    expect(s.stats().dropped).toBe(901);
  });

  it('a large burst is written losslessly when the queue holds it', async () => {
    const path = fresh();
    const s = sink({ path, queue: 50_000 });
    for (let i = 0; i < 50_000; i++) s.write(flow({ bytes_c2s: i }));
    await s.close();
    const got = lines(path);
    expect(got).toHaveLength(50_000);
    expect(JSON.parse(got[49_999]!).bytes_c2s).toBe(49_999);
    expect(s.stats().messages).toBeLessThan(200); // chunked writes, not one per line
  });
});

describe('JSONL to stdout ("-")', () => {
  it('writes the lines to fd 1 for piping', () => {
    const require = createRequire(import.meta.url);
    const script = `
      import { createJsonlSink } from ${JSON.stringify(join(repoRoot, 'lib/export/index.ts'))};
      import { flow } from ${JSON.stringify(join(repoRoot, 'test/unit/export/helpers.ts'))};
      const s = createJsonlSink({ path: '-' });
      for (let i = 0; i < 2000; i++) s.write(flow({ bytes_c2s: i }));
      await s.close();
      process.stderr.write(JSON.stringify(s.stats()));
    `;
    const child = spawnSync(process.execPath, ['--import', require.resolve('tsx'), '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(child.status).toBe(0);
    const out = child.stdout.split('\n').filter((l) => l.length > 0);
    expect(out).toHaveLength(2000);
    expect(out.map((l) => JSON.parse(l).bytes_c2s)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(JSON.parse(child.stderr.slice(child.stderr.indexOf('{')))).toMatchObject({ sent: 2000, dropped: 0, rotations: 0 });
  });

  it('a reader that never reads: write() stays instant, the queue bounds memory, close() returns in bounded time', async () => {
    const require = createRequire(import.meta.url);
    const script = `
      import { createJsonlSink } from ${JSON.stringify(join(repoRoot, 'lib/export/index.ts'))};
      import { flow } from ${JSON.stringify(join(repoRoot, 'test/unit/export/helpers.ts'))};
      const s = createJsonlSink({ path: '-', queue: 5000, closeTimeoutMs: 300 });
      let worst = 0;
      for (let round = 0; round < 20; round++) {
        const t = performance.now();
        for (let i = 0; i < 5000; i++) s.write(flow());
        worst = Math.max(worst, performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
      const t0 = performance.now();
      await s.close();
      process.stderr.write(JSON.stringify({ close_ms: performance.now() - t0, worst_burst_ms: worst, ...s.stats() }) + '\\n');
      process.exit(0);
    `;
    const child = spawn(process.execPath, ['--import', require.resolve('tsx'), '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause(); // nobody reads: the pipe fills up
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const st = JSON.parse(err.slice(err.indexOf('{')));
    expect(st.close_ms).toBeLessThan(2500);
    expect(st.worst_burst_ms).toBeLessThan(500);
    expect(st.sent + st.dropped + st.invalid).toBe(100_000);
    expect(st.dropped).toBeGreaterThan(50_000);
    expect(st.queued).toBe(0);
  });
});
