#!/usr/bin/env node
// prebuildify only knows node-gyp: it runs `<node-gyp> rebuild --target=...
// --devdir=... --release`. This shim turns that call into `cmake-js rebuild`
// against the static libpcap from scripts/build-libpcap.sh (its prefix comes
// in WIREWATCH_PCAP_STATIC_DIR).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
if (args[0] !== 'rebuild') {
  console.error(`prebuildify-cmake-shim: unexpected command ${args.join(' ')}`);
  process.exit(2);
}
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const staticDir = process.env.WIREWATCH_PCAP_STATIC_DIR;
if (!staticDir) {
  console.error('prebuildify-cmake-shim: WIREWATCH_PCAP_STATIC_DIR is not set (run it through npm run build:prebuild)');
  process.exit(2);
}
const cmakeArgs = ['rebuild', `--CDWIREWATCH_PCAP_STATIC_DIR=${staticDir}`];
if (args.includes('--debug')) cmakeArgs.push('--debug');
const result = spawnSync(process.execPath, [cmakeJs, ...cmakeArgs], { stdio: 'inherit' });
process.exit(result.status ?? 1);
