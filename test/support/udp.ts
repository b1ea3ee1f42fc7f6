// Bounded UDP test traffic to the loopback address only.
import dgram from 'node:dgram';

/** Binds a receiver on 127.0.0.1 (so no ICMP port-unreachable replies appear) and returns its port. */
export async function udpReceiver(): Promise<{ port: number; close: () => void }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.on('message', () => {});
  return { port: socket.address().port, close: () => socket.close() };
}

/** Sends one datagram per entry of `sizes` to 127.0.0.1:port, paced lightly. */
export async function sendUdp(port: number, sizes: number[]): Promise<void> {
  const socket = dgram.createSocket('udp4');
  for (const [i, size] of sizes.entries()) {
    await new Promise<void>((resolve, reject) =>
      socket.send(Buffer.alloc(size, i & 0xff), port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
    );
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 1));
  }
  socket.close();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
