#!/usr/bin/env node
// The `wirewatch` command. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from './capture/binding.js';
import { CaptureError, CaptureSource, LayerCounts, libpcapVersion, listInterfaces } from './index.js';

const HELP = `wirewatch: real-time network monitor

Usage:
  wirewatch replay FILE [--bpf EXPR] [--speed N|max] [--json]
      Reads a pcap/pcapng file through the capture and parse pipeline and prints a summary.
      e.g. wirewatch replay capture.pcap --bpf "tcp port 443" --json
  wirewatch interfaces [--json]
      Lists the interfaces libpcap can capture on.
  wirewatch --version | --help

With no command, replays the bundled demo capture.`;

class UsageError extends Error {}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return `wirewatch ${pkg.version} (${libpcapVersion()})`;
}

function interfacesCommand(args: string[]): void {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const list = listInterfaces();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  for (const i of list) {
    const flags = [i.up ? 'up' : 'down', i.running ? 'running' : '', i.loopback ? 'loopback' : '', i.wireless ? 'wireless' : '']
      .filter(Boolean)
      .join(',');
    const addresses = i.addresses.map((a) => a.address).join(' ');
    process.stdout.write(`${i.name.padEnd(18)} ${flags.padEnd(22)} ${addresses}${i.description ? `  (${i.description})` : ''}\n`);
  }
}

async function replayCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { bpf: { type: 'string' }, speed: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('replay needs exactly one capture file');
  const file = positionals[0]!;
  let speed: number | 'max' = 'max';
  if (values.speed !== undefined && values.speed !== 'max') {
    speed = Number(values.speed);
    if (!(speed > 0)) throw new UsageError(`--speed: expected a number > 0 or "max", got "${values.speed}"`);
  }
  const counts = new LayerCounts();
  const started = performance.now();
  const source = CaptureSource.openFile({ file, filter: values.bpf, speed });
  source.on('batch', (batch) => counts.add(batch));
  source.start();
  await source.ended();
  const elapsedMs = performance.now() - started;
  const summary = {
    file,
    ...counts.toJSON(),
    elapsed_ms: Math.round(elapsedMs),
    pps: elapsedMs > 0 ? Math.round((counts.packets / elapsedMs) * 1000) : 0,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    const l = summary.layers;
    process.stdout.write(
      `${file}: ${summary.packets} packets, ${summary.bytes} bytes in ${summary.elapsed_ms} ms (${summary.pps} packets/s)\n` +
        `  layers: ${Object.entries(l).map(([k, v]) => `${k} ${v}`).join(', ')}\n` +
        `  errors: ${Object.entries(summary.errors).map(([k, v]) => `${k} ${v}`).join(', ')}\n`,
    );
  }
  if (source.error) throw source.error;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        await replayCommand([join(packageRoot, 'fixtures/demo.pcap')]);
        return 0;
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
        interfacesCommand(rest);
        return 0;
      case 'replay':
        await replayCommand(rest);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}" (see wirewatch --help)`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`wirewatch: ${message}\n`);
    // Bad input (a file, a filter, an argument) is the user's to fix: exit 2.
    if (error instanceof UsageError || error instanceof TypeError || error instanceof RangeError) return 2;
    if (error instanceof CaptureError && ['bad_file', 'truncated_file', 'file_not_found', 'bad_filter', 'no_such_device'].includes(error.kind)) return 2;
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return 2;
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
