// A real HTTP webhook receiver on loopback: records every request (raw body,
// headers, arrival time) and answers with the status the test chooses.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the body was complete. */
  at: number;
}

export class Receiver {
  readonly requests: Received[] = [];
  /** Status for the n-th request (1-based); default 200. May wait. */
  answer: (r: Received, n: number) => number | Promise<number> = () => 200;
  /** Called on each request as it arrives (latency probes). */
  onRequest: ((r: Received) => void) | null = null;
  #server: Server | null = null;
  port = 0;

  /** Listens on `port` (0: any free one) on 127.0.0.1. */
  async listen(port = this.port): Promise<number> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const r: Received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() };
        this.requests.push(r);
        this.onRequest?.(r);
        const status = await this.answer(r, this.requests.length);
        res.writeHead(status, status >= 300 && status < 400 ? { location: 'http://127.0.0.1:1/elsewhere' } : {}).end('ok');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Stops listening and cuts every open connection (the receiver is "down"). */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Bodies parsed. */
  get bodies(): Array<{ version: number; delivery: number; attempt: number; sent_at: number; event: Record<string, unknown> }> {
    return this.requests.map((r) => JSON.parse(r.body));
  }
}

/** A port nothing listens on (taken from the kernel, then released). */
export async function freePort(): Promise<number> {
  const r = new Receiver();
  const port = await r.listen(0);
  await r.close();
  return port;
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
