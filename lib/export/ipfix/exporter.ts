// The IPFIX exporter (export.ipfix): FlowRecords → bounded queue → messages →
// UDP or TCP. write() only queues; a setImmediate drain encodes and sends, so
// the pipeline never waits for the network.
//
// Templates: over UDP at start and again whenever template_refresh_s has passed
// (checked when a message is built and by an idle timer), so a collector that
// restarts learns them again (RFC 7011 §8.4); over TCP once at the start of each
// connection, where the sequence number also restarts (a new transport session).
import type { FlowRecord } from '../../flows/index.js';
import { BoundedQueue } from '../queue.js';
import { delay, emptyStats, type ExportLogger, type ExportStats, type FlowSink } from '../sink.js';
import { parseCollector } from './address.js';
import { MessageEncoder } from './encoder.js';
import { FLOW_TEMPLATE_IPV4, FLOW_TEMPLATE_IPV6, FLOW_TEMPLATES, PreparedFlow, prepareFlow } from './flow-templates.js';
import { type BackoffOptions, MAX_UDP_PAYLOAD_V4, TcpTransport, type Transport, UdpTransport } from './transport.js';
import { SET_ID_TEMPLATE } from './elements.js';

/** The `export.ipfix` config section (YAML keys). */
export interface IpfixSection {
  /** "host:port", IPv6 as "[::1]:4739". Default "127.0.0.1:4739". */
  collector?: string;
  /** Default "udp". */
  transport?: 'udp' | 'tcp';
  /** Default 1. */
  observation_domain_id?: number;
  /** UDP template resend interval, seconds (0 = in every message). Default 600. */
  template_refresh_s?: number;
  /** 512..65535 (UDP: at most 65507 is used). Default 1400. */
  max_message_size?: number;
  /** Records held while the transport is slow or down. Default 10000. */
  queue?: number;
}

export interface IpfixExporterOptions extends IpfixSection {
  logger?: ExportLogger;
  /** Wall clock in ms: Export Time and template refresh. Default Date.now. */
  clock?: () => number;
  /** TCP reconnect (and UDP name resolution retry) delays. */
  backoff?: BackoffOptions;
  /** Longest close() waits for the queue to drain and the transport to close, ms (default 2000). */
  closeTimeoutMs?: number;
  /**
   * How long a few records may wait for company before they are sent, ms (default
   * 100): flows end a few at a time, and one datagram per handful costs a syscall
   * per handful. A message's worth of records is sent at once.
   */
  lingerMs?: number;
}

export const IPFIX_DEFAULTS = {
  collector: '127.0.0.1:4739',
  transport: 'udp',
  observation_domain_id: 1,
  template_refresh_s: 600,
  max_message_size: 1400,
  queue: 10_000,
} as const;

/** Records encoded per drain turn before yielding to the event loop. */
const DRAIN_BUDGET = 4096;

function intOption(value: unknown, key: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`export.ipfix.${key}: expected an integer ${min}..${max}, got ${JSON.stringify(value)}`);
  return value;
}

export class IpfixExporter implements FlowSink {
  readonly name = 'ipfix';
  readonly transport: 'udp' | 'tcp';
  readonly collector: string;
  readonly #queue: BoundedQueue<FlowRecord>;
  readonly #encoder: MessageEncoder<PreparedFlow>;
  readonly #prepared = new PreparedFlow();
  readonly #transport: Transport;
  readonly #stats = emptyStats();
  readonly #logger: ExportLogger | undefined;
  readonly #clock: () => number;
  readonly #refreshMs: number;
  readonly #closeTimeoutMs: number;
  #refreshTimer: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  readonly #lingerMs: number;
  /** Records that fill about one message: enough to send without lingering. */
  readonly #batch: number;
  #lastTemplatesAt = -Infinity;
  #scheduled = false;
  #inflightMessages = 0;
  #closing = false;
  #closed: Promise<void> | null = null;
  #idleWaiters: Array<() => void> = [];
  /** The error code last logged, so a failing collector logs once per streak, not once per message. */
  #loggedError = '';
  #connectedBefore = false;

  constructor(options: IpfixExporterOptions = {}) {
    const o = { ...IPFIX_DEFAULTS, ...stripUndefined(options) };
    const address = parseCollector(o.collector);
    if (o.transport !== 'udp' && o.transport !== 'tcp') throw new TypeError(`export.ipfix.transport: expected "udp" or "tcp", got ${JSON.stringify(o.transport)}`);
    const domain = intOption(o.observation_domain_id, 'observation_domain_id', 0, 0xffffffff);
    const refresh = intOption(o.template_refresh_s, 'template_refresh_s', 0, 86_400);
    let maxSize = intOption(o.max_message_size, 'max_message_size', 512, 65_535);
    const queue = intOption(o.queue, 'queue', 1, 10_000_000);
    if (o.transport === 'udp') maxSize = Math.min(maxSize, MAX_UDP_PAYLOAD_V4);
    this.transport = o.transport;
    this.collector = o.collector;
    this.#logger = options.logger;
    this.#clock = options.clock ?? Date.now;
    this.#refreshMs = refresh * 1000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    this.#lingerMs = options.lingerMs ?? 100;
    this.#batch = Math.max(1, Math.floor((maxSize - 20) / FLOW_TEMPLATE_IPV4.recordLength));
    this.#queue = new BoundedQueue(queue);
    this.#encoder = new MessageEncoder({
      observationDomainId: domain,
      maxMessageSize: maxSize,
      templates: FLOW_TEMPLATES,
      templatesInEveryMessage: o.transport === 'udp' && refresh === 0,
      clock: this.#clock,
      onMessage: (message, records) => this.#send(message, records),
    });
    const hooks = {
      onReady: () => this.#onReady(),
      onWritable: () => this.#schedule(),
      onDown: () => this.#warn('lost', `IPFIX collector ${this.collector} (tcp) went away; reconnecting`),
      onError: (error: Error, during: string) => this.#onError(error, during),
    };
    this.#transport = o.transport === 'tcp' ? new TcpTransport(address, hooks, options.backoff) : new UdpTransport(address, hooks, options.backoff);
    if (o.transport === 'udp' && refresh > 0) {
      this.#refreshTimer = setInterval(() => this.#schedule(), this.#refreshMs);
      this.#refreshTimer.unref();
    }
    this.#transport.start();
  }

  write(record: FlowRecord): void {
    if (this.#closing || !this.#queue.push(record)) {
      this.#stats.dropped++;
      return;
    }
    if (this.#queue.length >= this.#batch || this.#lingerMs <= 0) this.#schedule();
    else this.#lingerTimer ??= setTimeout(() => this.#schedule(), this.#lingerMs);
  }

  stats(): ExportStats {
    return { ...this.#stats, queued: this.#queue.length, connected: this.#transport.ready };
  }

  /** Resolves once nothing is queued or in flight (it may never, while a TCP collector is down). */
  drained(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#refreshTimer);
    this.#schedule();
    const started = Date.now();
    const wait = delay(this.#closeTimeoutMs);
    await Promise.race([this.drained(), wait.promise]);
    wait.cancel();
    this.#stats.dropped += this.#queue.clear();
    await this.#transport.close(Math.max(100, this.#closeTimeoutMs - (Date.now() - started)));
    this.#wakeIdle();
  }

  #onReady(): void {
    this.#loggedError = '';
    if (this.#transport.kind === 'tcp') {
      if (this.#connectedBefore) this.#stats.reconnects++;
      this.#connectedBefore = true;
      this.#logger?.info?.(`IPFIX exporter connected to ${this.collector} (tcp)`);
      this.#encoder.resetSession();
    } else {
      this.#encoder.includeTemplates();
      this.#lastTemplatesAt = this.#clock();
    }
    // the templates go out at once, before any data record
    this.#encoder.flush();
    this.#schedule();
  }

  #onError(error: Error, during: string): void {
    this.#stats.errors++;
    this.#stats.last_error = `${during}: ${error.message}`;
    this.#warn(`${during}:${(error as NodeJS.ErrnoException).code ?? error.message}`, `IPFIX exporter to ${this.collector}: ${during} failed: ${error.message}`);
  }

  #warn(key: string, message: string): void {
    if (this.#loggedError === key) return;
    this.#loggedError = key;
    this.#logger?.warn(message);
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    const t = this.#transport;
    if (!t.ready) return;
    // refresh 0 means templates in every message: the encoder does that itself
    if (t.kind === 'udp' && this.#refreshMs > 0 && this.#clock() - this.#lastTemplatesAt >= this.#refreshMs) {
      this.#encoder.includeTemplates();
      this.#lastTemplatesAt = this.#clock();
    }
    const queue = this.#queue;
    const prepared = this.#prepared;
    let budget = DRAIN_BUDGET;
    while (queue.length > 0 && budget-- > 0 && t.writable) {
      const record = queue.shift()!;
      let ok = false;
      try {
        ok = prepareFlow(record, prepared);
      } catch {
        // a getter that throws on a hostile object: not ours to propagate
      }
      if (!ok) {
        this.#stats.invalid++;
        continue;
      }
      this.#encoder.add(prepared.v6 ? FLOW_TEMPLATE_IPV6 : FLOW_TEMPLATE_IPV4, prepared);
    }
    this.#encoder.flush();
    if (queue.length > 0 && t.writable) this.#schedule();
    if (this.#isIdle()) this.#wakeIdle();
  }

  #send(message: Buffer, records: number): void {
    this.#inflightMessages++;
    const carriesTemplates = message.readUInt16BE(16) === SET_ID_TEMPLATE;
    this.#transport.send(message, (error) => {
      this.#inflightMessages--;
      if (error) {
        this.#stats.dropped += records;
        this.#onError(error, 'send');
        // the collector may have missed the templates too: send them again with the next message
        if (carriesTemplates && this.#transport.kind === 'udp') this.#lastTemplatesAt = -Infinity;
      } else {
        this.#stats.sent += records;
        this.#stats.messages++;
        this.#stats.bytes += message.length;
        if (this.#loggedError.startsWith('send:')) this.#loggedError = '';
      }
      if (this.#queue.length > 0) this.#schedule();
      else if (this.#isIdle()) this.#wakeIdle();
    });
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#inflightMessages === 0 && !this.#encoder.pending;
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Builds the exporter for an `export.ipfix` section; throws (TypeError/RangeError naming the key) on a bad option. */
export function createIpfixExporter(options: IpfixExporterOptions = {}): IpfixExporter {
  return new IpfixExporter(options);
}
