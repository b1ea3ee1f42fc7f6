// The committed prebuild is what users without a compiler run: prove it was
// built from this tree, links no libpcap/dbus, and exports only Node-API.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/capture/binding.js';
import type { NativeAddon } from '../../lib/capture/native-types.js';
import { nativeSourceHash } from '../../lib/capture/source-hash.js';
import { repoRoot } from '../support/paths.js';

const require = createRequire(import.meta.url);
const prebuild = join(repoRoot, 'prebuilds/linux-x64/wirewatch.node');
const treeHash = nativeSourceHash(repoRoot);
const REBUILD = 'native sources changed: run `npm run build:prebuild` and commit prebuilds/';

describe('prebuilt addon', () => {
  it('exists and was built from the native sources in this tree', () => {
    expect(existsSync(prebuild)).toBe(true);
    const addon = require(prebuild) as NativeAddon;
    expect(addon.sourceHash(), REBUILD).toBe(treeHash);
    expect(addon.libpcapVersion()).toMatch(/libpcap version 1\.10\./);
  });

  it('links libpcap statically and needs no dbus', () => {
    const ldd = execFileSync('ldd', [prebuild], { encoding: 'utf8' });
    expect(ldd).not.toMatch(/libpcap|libdbus|libnl|libstdc\+\+/);
  });

  it('exports only the Node-API entry points', () => {
    const symbols = execFileSync('nm', ['-D', '--defined-only', prebuild], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/).pop());
    expect(symbols.sort()).toEqual(['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
  });

  it('the addon the library loads matches the tree too (no stale local build)', () => {
    expect(loadAddon().sourceHash(), 'a stale build/Release? rebuild it or remove build/').toBe(treeHash);
  });
});
