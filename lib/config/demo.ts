// The embedded demo: `wirewatch run` with no config. Replays the bundled capture
// in a loop at real-time pace, stores under ./data (relative to the current
// directory) and serves the API on loopback with no users. examples/demo.yaml
// is the same config as a file.
import { join } from 'node:path';
import { packageRoot as defaultPackageRoot } from '../capture/binding.js';
import { configFromObject } from './load.js';
import type { Config } from './types.js';

/** The demo config; `cwd` is where ./data/wirewatch.db goes. */
export function demoConfig(packageRoot: string, cwd: string = process.cwd()): Config {
  return configFromObject(
    {
      capture: { backend: 'file', file: join(packageRoot, 'fixtures', 'demo.pcap'), speed: 1, loop: true, rebase_time: true },
      storage: { path: './data/wirewatch.db' },
      api: { bind: '127.0.0.1', port: 8080 },
      // Only has an effect when started as root.
      privileges: { drop: true },
    },
    cwd,
  );
}

/** The demo config for this package, data under the current directory. */
export function defaultConfig(): Config {
  return demoConfig(defaultPackageRoot);
}
