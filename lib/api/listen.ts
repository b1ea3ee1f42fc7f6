// Starts an HTTP server for an API app and resolves once it listens.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListenOptions {
  /** Address to bind (api.bind). */
  bind: string;
  /** 0 picks a free port (see server.address()). */
  port: number;
}

/**
 * Resolves with the listening server; rejects with the listen error (EADDRINUSE, EACCES, EADDRNOTAVAIL ...), message naming the address.
 * `app`: an Express app, or better Api.listener() (kept answers skip Express).
 */
export function listen(app: RequestListener, options: ListenOptions): Promise<Server> {
  const { bind, port } = options;
  if (typeof bind !== 'string' || bind.length === 0) throw new TypeError('bind: expected an address or host name');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port: expected an integer 0..65535, got ${String(port)}`);
  const server = createServer(app);
  // Slow-header clients must not hold sockets forever; streams are unaffected (headers arrive at once).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.close();
      const where = bind.includes(':') ? `[${bind}]:${port}` : `${bind}:${port}`;
      reject(Object.assign(new Error(`cannot listen on ${where}: ${error.code ?? error.message}`, { cause: error }), { code: error.code }));
    };
    server.once('error', onError);
    server.listen(port, bind, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}

/** "http://host:port" of a listening server (IPv6 in brackets). */
export function serverUrl(server: Server): string {
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}
