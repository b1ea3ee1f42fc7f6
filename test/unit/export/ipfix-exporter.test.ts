// The IPFIX exporter over real loopback sockets: templates, refresh, size bound,
// sequence numbers, the bounded queue, and TCP reconnects with backoff.
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, createIpfixExporter, type IpfixExporter, type IpfixExporterOptions } from '../../../lib/export/index.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { flow, sleep, tcpCollector, udpCollector, until } from './helpers.js';
import { IpfixSession, splitStream } from './ipfix-decode.js';

const open: IpfixExporter[] = [];
function exporter(options: IpfixExporterOptions): IpfixExporter {
  const e = createIpfixExporter({ backoff: { initialMs: 20, maxMs: 200 }, ...options });
  open.push(e);
  return e;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

const v6 = (over: Partial<FlowRecord> = {}) => flow({ src_ip: '2001:db8::1', dst_ip: '2001:db8::2', ...over });

describe('createIpfixExporter refuses bad options, naming the key', () => {
  const cases: Array<[Partial<IpfixExporterOptions>, RegExp]> = [
    [{ collector: '' }, /export\.ipfix\.collector/],
    [{ collector: 'localhost' }, /collector/],
    [{ collector: '::1:4739' }, /collector/], // a bare IPv6 literal is ambiguous
    [{ collector: '[::1]' }, /collector/],
    [{ collector: '[::1]4739' }, /collector/],
    [{ collector: '[10.0.0.1]:4739' }, /collector/],
    [{ collector: '127.0.0.1:0' }, /port/],
    [{ collector: '127.0.0.1:65536' }, /port/],
    [{ collector: '127.0.0.1:-1' }, /collector/],
    [{ collector: '127.0.0.1:47x9' }, /collector/],
    [{ collector: 'bad host:4739' }, /collector/],
    [{ collector: 4739 as unknown as string }, /collector/],
    [{ transport: 'sctp' as 'udp' }, /export\.ipfix\.transport/],
    [{ max_message_size: 511 }, /export\.ipfix\.max_message_size/],
    [{ max_message_size: 65536 }, /max_message_size/],
    [{ observation_domain_id: -1 }, /observation_domain_id/],
    [{ observation_domain_id: 1.5 }, /observation_domain_id/],
    [{ template_refresh_s: -1 }, /template_refresh_s/],
    [{ queue: 0 }, /export\.ipfix\.queue/],
    [{ queue: '10' as unknown as number }, /queue/],
  ];
  for (const [options, message] of cases) {
    it(`${JSON.stringify(options)}`, () => {
      expect(() => createIpfixExporter({ collector: '127.0.0.1:4739', ...options })).toThrow(message);
    });
  }
});

describe('write() never throws', () => {
  it('garbage records are counted invalid, good ones still go out', async () => {
    const c = await udpCollector();
    const e = exporter({ collector: `127.0.0.1:${c.port}` });
    const hostile: unknown[] = [
      null,
      undefined,
      42,
      'flow',
      {},
      flow({ bytes_c2s: 10n as unknown as number }),
      flow({ src_ip: '10.0.0.1', dst_ip: 'fd00::1' }),
      Object.defineProperty(flow(), 'src_ip', { get: () => { throw new Error('boom'); } }),
      flow({ end_reason: null }),
    ];
    for (const h of hostile) expect(() => e.write(h as FlowRecord)).not.toThrow();
    e.write(flow());
    await e.drained();
    await until(() => c.datagrams.length >= 2);
    expect(e.stats()).toMatchObject({ invalid: hostile.length, sent: 1, dropped: 0, queued: 0 });
    await c.close();
  });
});

describe('IPFIX over UDP', () => {
  it('sends templates at start, then data decodable with them; stats count records, messages, bytes', async () => {
    const c = await udpCollector();
    const e = exporter({ collector: `127.0.0.1:${c.port}`, observation_domain_id: 42 });
    await until(() => c.datagrams.length === 1);
    const session = new IpfixSession();
    const first = session.decode(c.datagrams[0]!);
    expect(first.sets.map((s) => s.id)).toEqual([2]);
    expect(first.domain).toBe(42);
    for (let i = 0; i < 5; i++) e.write(flow());
    for (let i = 0; i < 3; i++) e.write(v6());
    await e.drained();
    await until(() => c.datagrams.length === 2);
    const data = session.decode(c.datagrams[1]!);
    expect(data.sets.map((s) => [s.id, s.records.length])).toEqual([[256, 5], [257, 3]]);
    expect(data.sequence).toBe(0);
    const s = e.stats();
    expect(s).toMatchObject({ sent: 8, messages: 2, dropped: 0, errors: 0, connected: true, last_error: null });
    expect(s.bytes).toBe(c.datagrams[0]!.length + c.datagrams[1]!.length);
    await c.close();
  });

  it('never exceeds max_message_size and numbers datagrams by the records before them', async () => {
    const c = await udpCollector();
    const e = exporter({ collector: `127.0.0.1:${c.port}`, max_message_size: 512, queue: 5000 });
    const records = Array.from({ length: 3000 }, (_, i) => (i % 3 ? flow({ bytes_c2s: i }) : v6({ bytes_c2s: i })));
    const received = () => c.datagrams.reduce((n, d) => n + Math.floor((d.length - 16) / 72), 0);
    // paced in bursts of 300 (~50 datagrams), so the receiver's socket buffer never overflows
    for (let i = 0; i < records.length; i += 300) {
      for (const r of records.slice(i, i + 300)) e.write(r);
      await e.drained();
      await until(() => e.stats().sent === Math.min(i + 300, records.length));
      await sleep(5);
    }
    await until(() => c.datagrams.length > 0 && received() > 0 && e.stats().messages === c.datagrams.length);
    const session = new IpfixSession();
    let before = 0;
    const seen: bigint[] = [];
    for (const d of c.datagrams) {
      expect(d.length).toBeLessThanOrEqual(512);
      const m = session.decode(d);
      expect(m.sequence).toBe(before);
      before += m.records.length;
      for (const r of m.records) seen.push(r.octetDeltaCount as bigint);
    }
    expect(seen).toEqual(records.map((r) => BigInt(r.bytes_c2s))); // in order, none lost on loopback
    await c.close();
  });

  it('resends templates once template_refresh_s has passed', async () => {
    const c = await udpCollector();
    let now = 1_767_225_600_000;
    const e = exporter({ collector: `127.0.0.1:${c.port}`, template_refresh_s: 600, clock: () => now });
    await until(() => c.datagrams.length === 1);
    const session = new IpfixSession();
    const sets = () => c.datagrams.map((d) => session.decode(d).sets.map((s) => s.id));
    e.write(flow());
    await until(() => c.datagrams.length === 2);
    now += 599_999;
    e.write(flow());
    await until(() => c.datagrams.length === 3);
    now += 1;
    e.write(flow());
    await until(() => c.datagrams.length === 4);
    e.write(flow());
    await until(() => c.datagrams.length === 5);
    expect(sets()).toEqual([[2], [256], [256], [2, 256], [256]]);
    const times = c.datagrams.map((d) => d.readUInt32BE(4));
    expect(times).toEqual([1767225600, 1767225600, 1767226199, 1767226200, 1767226200]);
    await c.close();
  });

  it('an idle exporter still resends the templates every template_refresh_s', async () => {
    const c = await udpCollector();
    exporter({ collector: `127.0.0.1:${c.port}`, template_refresh_s: 1 });
    await until(() => c.datagrams.length === 2, 4000);
    const session = new IpfixSession();
    expect(c.datagrams.map((d) => session.decode(d).sets.map((s) => s.id))).toEqual([[2], [2]]);
    await c.close();
  });

  it('template_refresh_s 0: every datagram carries the templates', async () => {
    const c = await udpCollector();
    const e = exporter({ collector: `127.0.0.1:${c.port}`, template_refresh_s: 0, max_message_size: 600 });
    for (let i = 0; i < 40; i++) e.write(v6());
    await e.drained();
    await until(() => e.stats().sent === 40 && c.datagrams.length === e.stats().messages);
    const session = new IpfixSession();
    for (const d of c.datagrams) expect(session.decode(d).sets[0]!.id).toBe(2);
    expect(c.datagrams.length).toBe(11); // the start message + 40 records at 4 per 600-byte message
    await sleep(200);
    expect(c.datagrams.length).toBe(11); // and nothing more while idle
    await c.close();
  });

  it('an IPv6 collector ([::1]:port) receives the same messages', async () => {
    const c = await udpCollector(6);
    const e = exporter({ collector: `[::1]:${c.port}` });
    e.write(v6());
    e.write(flow());
    await e.drained();
    await until(() => c.datagrams.length === 2);
    const session = new IpfixSession();
    expect(c.datagrams.flatMap((d) => session.decode(d).records).length).toBe(2);
    await c.close();
  });

  it('a host name is resolved once (localhost)', async () => {
    const c = await udpCollector();
    const e = exporter({ collector: `localhost:${c.port}` });
    e.write(flow());
    await until(() => e.stats().sent === 1);
    expect(e.stats().connected).toBe(true);
    await c.close();
  });
});

describe('bounded queue', () => {
  it('keeps at most `queue` records; the rest are dropped and counted', async () => {
    const c = await udpCollector();
    const e = exporter({ collector: `127.0.0.1:${c.port}`, queue: 10 });
    for (let i = 0; i < 100; i++) e.write(flow());
    expect(e.stats()).toMatchObject({ queued: 10, dropped: 90 });
    await e.drained();
    expect(e.stats()).toMatchObject({ queued: 0, dropped: 90, sent: 10 });
    await c.close();
  });

  it('close() flushes what is queued; write() after close() is dropped', async () => {
    const c = await udpCollector();
    const e = exporter({ collector: `127.0.0.1:${c.port}`, queue: 20_000 });
    for (let i = 0; i < 5000; i++) e.write(flow());
    await e.close();
    expect(e.stats()).toMatchObject({ sent: 5000, dropped: 0, queued: 0 });
    e.write(flow());
    expect(e.stats().dropped).toBe(1);
    await e.close(); // idempotent
    await c.close();
  });

  it('close() gives up after closeTimeoutMs when the collector is unreachable and counts the rest dropped', async () => {
    const e = exporter({ collector: '127.0.0.1:9', transport: 'tcp', closeTimeoutMs: 200 });
    for (let i = 0; i < 7; i++) e.write(flow());
    const t0 = Date.now();
    await e.close();
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(e.stats()).toMatchObject({ sent: 0, dropped: 7, queued: 0, connected: false });
    expect(e.stats().errors).toBeGreaterThan(0);
    expect(e.stats().last_error).toMatch(/ECONNREFUSED/);
  });
});

describe('IPFIX over TCP', () => {
  const decodeStream = (chunks: Buffer[]) => {
    const { messages, rest } = splitStream(Buffer.concat(chunks));
    expect(rest.length).toBe(0);
    const session = new IpfixSession();
    return messages.map((m) => session.decode(m));
  };

  it('templates once per connection; reconnects with backoff, a new session restarts sequence and templates', async () => {
    const c = await tcpCollector();
    const e = exporter({ collector: `127.0.0.1:${c.port}`, transport: 'tcp' });
    for (let i = 0; i < 300; i++) e.write(i % 2 ? flow() : v6());
    await until(() => e.stats().sent === 300);
    await until(() => Buffer.concat(c.streams[0] ?? []).length > 0 && decodeStream(c.streams[0]!).reduce((n, m) => n + m.records.length, 0) === 300);
    let msgs = decodeStream(c.streams[0]!);
    expect(msgs[0]!.sets.map((s) => s.id)).toEqual([2]);
    expect(msgs.slice(1).every((m) => m.sets.every((s) => s.id !== 2))).toBe(true);
    let before = 0;
    for (const m of msgs) {
      expect(m.length).toBeLessThanOrEqual(1400);
      expect(m.sequence).toBe(before);
      before += m.records.length;
    }

    c.dropConnections();
    await until(() => !e.stats().connected);
    // records written while the collector is away wait in the queue
    for (let i = 0; i < 50; i++) e.write(flow({ bytes_c2s: i }));
    await until(() => c.streams.length === 2 && e.stats().sent === 350);
    expect(e.stats().reconnects).toBe(1);
    await until(() => decodeStream(c.streams[1]!).reduce((n, m) => n + m.records.length, 0) === 50);
    msgs = decodeStream(c.streams[1]!);
    expect(msgs[0]!.sets[0]!.id).toBe(2);
    expect(msgs[0]!.sequence).toBe(0);
    expect(msgs.flatMap((m) => m.records).map((r) => r.octetDeltaCount)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i)));
    await c.close();
  });

  it('starts before the collector: records wait (bounded) until it listens', async () => {
    const probe = await tcpCollector();
    const port = probe.port;
    await probe.close(); // nothing listens there now
    const e = exporter({ collector: `127.0.0.1:${port}`, transport: 'tcp', queue: 5 });
    for (let i = 0; i < 20; i++) e.write(flow());
    expect(e.stats()).toMatchObject({ queued: 5, dropped: 15, sent: 0 });
    await until(() => e.stats().errors >= 2); // at least one retry happened
    const c = await tcpCollector(port);
    await until(() => e.stats().sent === 5, 5000);
    expect(e.stats()).toMatchObject({ reconnects: 0, connected: true, queued: 0 });
    await c.close();
  });

  it('sent + dropped + invalid + queued accounts for every write across connection losses', async () => {
    const c = await tcpCollector();
    const e = exporter({ collector: `127.0.0.1:${c.port}`, transport: 'tcp', queue: 1000 });
    let written = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 400; i++, written++) e.write(flow());
      await sleep(5);
      c.dropConnections();
      await sleep(30);
    }
    await until(() => e.stats().queued === 0 && e.stats().connected, 5000);
    await e.drained();
    const s = e.stats();
    expect(s.sent + s.dropped + s.invalid + s.queued).toBe(written);
    expect(s.reconnects).toBeGreaterThanOrEqual(1);
    // each connection's stream is whole messages
    for (const stream of c.streams) decodeStream(stream);
    await c.close();
  });
});

describe('backoffDelay', () => {
  it('doubles from initialMs, caps at maxMs, with jitter in [d/2, d]', () => {
    const o = { initialMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10, 1000].map((a) => backoffDelay(a, o, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect([0, 1, 4].map((a) => backoffDelay(a, o, () => 0))).toEqual([50, 100, 500]);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(2, o);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });
});
