// Loads the native addon: node-gyp-build picks build/Release (a local source
// build) or prebuilds/linux-x64/wirewatch.node. WIREWATCH_ADDON=/path/x.node,
// or setAddonPath() before first use, loads a specific file instead.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddon } from './native-types.js';

const require = createRequire(import.meta.url);
/** The package root: dist/lib/capture → ../../.. when compiled, lib/capture → ../.. from source. */
export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

let addon: NativeAddon | undefined;
let overridePath: string | undefined = process.env.WIREWATCH_ADDON || undefined;

function findPackageRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = require(join(dir, 'package.json')) as { name?: string };
      if (pkg.name === 'wirewatch') return dir;
    } catch {
      // not here; keep climbing
    }
    dir = dirname(dir);
  }
  throw new Error(`wirewatch: cannot find the package root above ${start}`);
}

/** Loads a specific addon file instead of the one node-gyp-build would pick. Call before first use. */
export function setAddonPath(path: string): void {
  if (addon) throw new Error('wirewatch: the native addon is already loaded; call setAddonPath() earlier');
  overridePath = path;
}

export function loadAddon(): NativeAddon {
  if (addon) return addon;
  if (overridePath) {
    addon = require(overridePath) as NativeAddon;
  } else {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeAddon;
    addon = nodeGypBuild(packageRoot);
  }
  return addon;
}
