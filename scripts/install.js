// npm install hook: use the prebuilt addon when it loads on this machine,
// otherwise compile it from source (cmake-js against the system libpcap).
// Never `node-gyp rebuild`: there is no binding.gyp.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forceSource = process.env.WIREWATCH_BUILD_FROM_SOURCE === '1';

if (!forceSource) {
  try {
    require('node-gyp-build')(root);
    process.exit(0);
  } catch (error) {
    const reason = String(error && error.message ? error.message : error).split('\n')[0];
    console.error(`wirewatch: no prebuilt addon loads here (${reason}); building from source`);
  }
}

const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const result = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(
    'wirewatch: building the native addon failed. It needs cmake, a C++17 compiler and the libpcap headers ' +
      '(Debian/Ubuntu: apt-get install cmake g++ libpcap-dev; Fedora/RHEL: dnf install cmake gcc-c++ libpcap-devel).',
  );
  process.exit(1);
}
