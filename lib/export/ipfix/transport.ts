// The two IPFIX transports. Both report through TransportHooks and never throw
// after construction. Only the JS thread touches them.
//
// UDP (RFC 7011 §10.3): one datagram per message; at most MAX_INFLIGHT sends
// pending in libuv, so a slow socket backs up into the exporter's bounded queue
// instead of into unbounded send requests.
// TCP (RFC 7011 §10.4): one connection; backpressure from socket.write(); when
// the connection fails it is retried with exponential backoff and jitter.
import dgram from 'node:dgram';
import { lookup } from 'node:dns';
import net from 'node:net';
import { delay } from '../sink.js';
import type { CollectorAddress } from './address.js';

export interface TransportHooks {
  /** Usable now: UDP socket open, or a TCP connection (re)established (a new transport session). */
  onReady(): void;
  /** Room for more messages after backpressure. */
  onWritable(): void;
  onDown(): void;
  onError(error: Error, during: 'resolve' | 'connect' | 'send' | 'socket'): void;
}

export interface Transport {
  readonly kind: 'udp' | 'tcp';
  readonly ready: boolean;
  /** False while the transport cannot take another message without queueing unboundedly. */
  readonly writable: boolean;
  /** Where messages go, "address:port" (after resolution). */
  readonly peer: string;
  start(): void;
  send(message: Buffer, done: (error: Error | null) => void): void;
  /** Ends the transport, waiting at most `timeoutMs` for written data to leave. */
  close(timeoutMs: number): Promise<void>;
}

const MAX_INFLIGHT = 64;
/** Largest UDP payload over IPv4 (65535 - 20 - 8); IPv6 allows 65527. */
export const MAX_UDP_PAYLOAD_V4 = 65507;

export interface BackoffOptions {
  /** First retry delay, ms (default 500). */
  initialMs?: number;
  /** Cap of the doubling delay, ms (default 30000). */
  maxMs?: number;
}

/** Delay before retry number `attempt` (0-based): the doubling delay capped, then "equal jitter" in [d/2, d]. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const d = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return d / 2 + random() * (d / 2);
}

export class UdpTransport implements Transport {
  readonly kind = 'udp';
  readonly #address: CollectorAddress;
  readonly #hooks: TransportHooks;
  readonly #backoff: BackoffOptions;
  #socket: dgram.Socket | null = null;
  #ip = '';
  #inflight = 0;
  #closed = false;
  #attempt = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(address: CollectorAddress, hooks: TransportHooks, backoff: BackoffOptions = {}) {
    this.#address = address;
    this.#hooks = hooks;
    this.#backoff = backoff;
  }

  get ready(): boolean {
    return this.#socket !== null;
  }

  get writable(): boolean {
    return this.#socket !== null && this.#inflight < MAX_INFLIGHT;
  }

  get peer(): string {
    return `${this.#ip || this.#address.host}:${this.#address.port}`;
  }

  start(): void {
    const { host, family } = this.#address;
    if (family !== 0) return this.#open(host, family);
    // resolve once, not per datagram (dgram.send would look the name up every time)
    lookup(host, (error, ip, fam) => {
      if (this.#closed) return;
      if (error) {
        this.#hooks.onError(error, 'resolve');
        this.#retry = setTimeout(() => this.start(), backoffDelay(this.#attempt++, this.#backoff));
        this.#retry.unref();
        return;
      }
      this.#open(ip, fam === 6 ? 6 : 4);
    });
  }

  #open(ip: string, family: 4 | 6): void {
    const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    socket.on('error', (e) => this.#hooks.onError(e, 'socket'));
    this.#socket = socket;
    this.#ip = ip;
    this.#hooks.onReady();
  }

  send(message: Buffer, done: (error: Error | null) => void): void {
    const socket = this.#socket;
    if (!socket) return done(new Error('UDP socket is not open'));
    this.#inflight++;
    try {
      socket.send(message, this.#address.port, this.#ip, (error) => {
        this.#inflight--;
        done(error ?? null);
        this.#hooks.onWritable();
      });
    } catch (error) {
      // a socket closed under us throws synchronously (ERR_SOCKET_DGRAM_NOT_RUNNING)
      this.#inflight--;
      done(error as Error);
    }
  }

  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const socket = this.#socket;
    this.#socket = null;
    if (!socket) return;
    const wait = delay(timeoutMs);
    await Promise.race([new Promise<void>((resolve) => socket.close(() => resolve())), wait.promise]);
    wait.cancel();
  }
}

export class TcpTransport implements Transport {
  readonly kind = 'tcp';
  readonly #address: CollectorAddress;
  readonly #hooks: TransportHooks;
  readonly #backoff: BackoffOptions;
  #socket: net.Socket | null = null;
  #connected = false;
  #closed = false;
  #attempt = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(address: CollectorAddress, hooks: TransportHooks, backoff: BackoffOptions = {}) {
    this.#address = address;
    this.#hooks = hooks;
    this.#backoff = backoff;
  }

  get ready(): boolean {
    return this.#connected;
  }

  get writable(): boolean {
    return this.#connected && this.#socket !== null && !this.#socket.writableNeedDrain;
  }

  get peer(): string {
    return `${this.#address.host}:${this.#address.port}`;
  }

  start(): void {
    if (this.#closed) return;
    const socket = net.connect({ host: this.#address.host, port: this.#address.port });
    this.#socket = socket;
    socket.on('connect', () => {
      this.#connected = true;
      this.#attempt = 0;
      // dead collectors are noticed even when we have nothing to send
      socket.setKeepAlive(true, 30_000);
      this.#hooks.onReady();
    });
    socket.on('drain', () => this.#hooks.onWritable());
    socket.on('error', (e) => this.#hooks.onError(e, this.#connected ? 'send' : 'connect'));
    // a collector never talks back; its FIN means it is going away
    socket.on('data', () => {});
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      const was = this.#connected;
      this.#connected = false;
      if (this.#socket === socket) this.#socket = null;
      if (was) this.#hooks.onDown();
      if (this.#closed) return;
      this.#retry = setTimeout(() => this.start(), backoffDelay(this.#attempt++, this.#backoff));
      this.#retry.unref();
    });
  }

  send(message: Buffer, done: (error: Error | null) => void): void {
    const socket = this.#socket;
    if (!socket || !this.#connected) return done(new Error('not connected'));
    socket.write(message, (error) => done(error ?? null));
  }

  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const socket = this.#socket;
    if (!socket) return;
    const wait = delay(timeoutMs);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    if (this.#connected) socket.end();
    else socket.destroy();
    await Promise.race([closed, wait.promise]);
    wait.cancel();
    socket.destroy();
  }
}
