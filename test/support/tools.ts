// Runs the reference tools (capinfos, tshark, tcpdump) the tests compare with.
import { execFileSync } from 'node:child_process';

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });

/** Packet count and wire-byte total as capinfos reports them. */
export function capinfos(file: string): { packets: number; wireBytes: number } {
  const line = run('capinfos', ['-T', '-m', '-r', '-c', '-d', file]).trim().split('\n').pop()!;
  const fields = line.split(',');
  return { packets: Number(fields[1]), wireBytes: Number(fields[2]) };
}

/** Every frame's timestamp ("sec.nnnnnnnnn") as tshark prints it. */
export function tsharkTimestamps(file: string): string[] {
  return run('tshark', ['-r', file, '-n', '-T', 'fields', '-e', 'frame.time_epoch'])
    .split('\n')
    .filter((l) => l.length > 0);
}

/** How many packets of `file` a BPF filter accepts, per tcpdump (same libpcap compiler). */
export function tcpdumpCount(file: string, filter: string): number {
  const out = run('tcpdump', ['-r', file, '-n', '-q', filter]);
  return out.split('\n').filter((l) => l.length > 0).length;
}
