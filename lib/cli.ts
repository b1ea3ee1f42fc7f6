#!/usr/bin/env node
// The `wirewatch` command. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './capture/binding.js';
import { CaptureError } from './capture/errors.js';
import { libpcapVersion } from './capture/interfaces.js';
import { UsageError } from './commands/usage-error.js';
import { ConfigError } from './config/errors.js';
import { DaemonStartError } from './daemon/errors.js';

// Each command's module is loaded when it runs: `run` pulls in Express, SQLite,
// zod and winston (~0.35 s of start-up here), which `replay` and `interfaces`
// do not need.
const run = async (args: string[]) => (await import('./commands/run.js')).run(args);

const HELP = `wirewatch: real-time network monitor

Usage:
  wirewatch run [--config FILE] [--log-level error|warn|info|debug]
      The daemon: capture, flows, history in SQLite, alerts, export, API and dashboard.
      Without --config it runs the embedded demo (a looped replay of a bundled capture,
      SQLite under ./data, dashboard on http://127.0.0.1:8080/). SIGHUP reloads the config,
      SIGTERM/SIGINT stop after flushing open flows and storage.
      e.g. wirewatch run --config /etc/wirewatch/wirewatch.yaml
  wirewatch check-config FILE
      Validates a config and prints the effective config (defaults filled, secrets redacted).
      e.g. wirewatch check-config examples/wirewatch.yaml
  wirewatch hash-password
      Reads a password from stdin and prints the scrypt hash for api.users[].password_hash.
      e.g. printf '%s' 'correct horse battery' | wirewatch hash-password
  wirewatch replay FILE [--bpf EXPR] [--speed N|max] [--json] [--flows-out FILE.jsonl]
      Runs a pcap/pcapng file through the whole pipeline (parser, flow table, windows) and
      prints a summary; --flows-out writes one JSON line per flow (open flows end as "shutdown").
      e.g. wirewatch replay capture.pcap --bpf "tcp port 443" --json --flows-out flows.jsonl
  wirewatch interfaces [--json]
      Lists the interfaces libpcap can capture on (with addresses and up/running flags).
      e.g. wirewatch interfaces --json
  wirewatch --version | --help

With no command, runs the embedded demo (as wirewatch run).

Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad input (file, filter, config).`;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return `wirewatch ${pkg.version} (${libpcapVersion()})`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        return await run([]);
      case 'run':
        return await run(rest);
      case 'check-config':
        if (rest.length !== 1) throw new UsageError('check-config needs exactly one config file');
        return (await import('./config/commands.js')).checkConfigCommand(rest[0]!, process.stdout);
      case 'hash-password':
        return await (await import('./config/commands.js')).hashPasswordCommand(process.stdin, process.stdout, process.stderr);
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(`${HELP}\n`);
        return 0;
      case '--version':
      case '-V':
        process.stdout.write(`${version()}\n`);
        return 0;
      case 'interfaces':
        (await import('./commands/interfaces.js')).interfaces(rest);
        return 0;
      case 'replay':
        await (await import('./commands/replay.js')).replay(rest);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}" (see wirewatch --help)`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`wirewatch: ${message}\n`);
    // Bad input (a file, a filter, an argument) is the user's to fix: exit 2.
    if (error instanceof UsageError || error instanceof TypeError || error instanceof RangeError) return 2;
    if (error instanceof ConfigError) return 2;
    if (error instanceof DaemonStartError && error.code !== 'worker_exit') return 2;
    if (error instanceof CaptureError && ['bad_file', 'truncated_file', 'file_not_found', 'bad_filter', 'no_such_device'].includes(error.kind)) return 2;
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return 2;
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
