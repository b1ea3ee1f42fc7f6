// `wirewatch interfaces [--json]`: the interfaces libpcap can capture on.
import { parseArgs } from 'node:util';
import { listInterfaces } from '../capture/interfaces.js';

export function interfaces(args: string[]): void {
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
