// Child process (started as root): opens `lo`, drops to nobody, then proves the
// drop stuck and that the open handle still captures. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { CaptureSource, dropPrivileges } from '../../../lib/index.js';
import { sendUdp, sleep, udpReceiver } from '../../support/udp.js';

const receiver = await udpReceiver();
const startBeforeDrop = process.argv[2] === 'start-before-drop';
const source = CaptureSource.openLive({ interface: 'lo', filter: `udp and dst port ${receiver.port}`, timeoutMs: 10 });
let captured = 0;
source.on('batch', (b) => (captured += b.rows));
if (startBeforeDrop) source.start();
const dropped = dropPrivileges({ user: 'nobody' });
if (!startBeforeDrop) source.start();

const status = readFileSync('/proc/self/status', 'utf8');
const ids = (key: string) => status.match(new RegExp(`^${key}:\\s+(.*)$`, 'm'))![1]!.trim().split(/\s+/).map(Number);
// Every thread of the process, not just this one, must have changed.
const threadUids = (await import('node:fs')).readdirSync('/proc/self/task').map((tid) => {
  const s = readFileSync(`/proc/self/task/${tid}/status`, 'utf8');
  return s.match(/^Uid:\s+(.*)$/m)![1]!.trim().split(/\s+/).map(Number);
});
let regained = false;
try {
  process.setuid(0);
  regained = true;
} catch {
  // expected
}
let regainedGid = false;
try {
  process.setgid(0);
  regainedGid = true;
} catch {
  // expected
}

await sendUdp(receiver.port, Array(20).fill(100));
for (let i = 0; i < 100 && captured < 20; i++) await sleep(20);
await source.stop();
receiver.close();
console.log(
  JSON.stringify({
    dropped,
    uid: ids('Uid'),
    gid: ids('Gid'),
    groups: status.match(/^Groups:\s*(.*)$/m)![1]!.trim(),
    capEff: status.match(/^CapEff:\s*(.*)$/m)![1]!.trim(),
    capPrm: status.match(/^CapPrm:\s*(.*)$/m)![1]!.trim(),
    noNewPrivs: status.match(/^NoNewPrivs:\s*(.*)$/m)![1]!.trim(),
    threadUids,
    regained,
    regainedGid,
    captured,
  }),
);
