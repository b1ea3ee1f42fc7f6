// createFlowSinks over config-shaped objects, and the bounded queue under them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BoundedQueue, createFlowSinks, type ExportSection } from '../../../lib/export/index.js';
import { flow, udpCollector, until } from './helpers.js';
import { IpfixSession } from './ipfix-decode.js';

const dir = mkdtempSync(join(tmpdir(), 'wirewatch-sinks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('BoundedQueue', () => {
  it('refuses bad capacities', () => {
    for (const c of [0, -1, 1.5, NaN]) expect(() => new BoundedQueue(c)).toThrow(/capacity/);
  });
  it('is FIFO across wrap-around and refuses when full', () => {
    const q = new BoundedQueue<number>(3);
    const out: number[] = [];
    for (let i = 0; i < 10; i++) {
      if (q.length === 3) out.push(q.shift()!);
      expect(q.push(i)).toBe(true);
    }
    expect(q.length).toBe(3);
    expect(q.push(99)).toBe(false);
    expect(q.peek()).toBe(7);
    while (q.length) out.push(q.shift()!);
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(q.shift()).toBeUndefined();
    q.push(1);
    expect(q.clear()).toBe(1);
    expect(q.length).toBe(0);
  });
});

describe('createFlowSinks', () => {
  it('no export section, or empty subsections: no sinks', () => {
    expect(createFlowSinks(undefined)).toEqual([]);
    expect(createFlowSinks(null)).toEqual([]);
    expect(createFlowSinks({})).toEqual([]);
    expect(createFlowSinks({ ipfix: null, jsonl: null })).toEqual([]);
  });

  it('a bad key throws naming it, and a sink already built is closed', async () => {
    expect(() => createFlowSinks({ ipfix: { collector: 'nope' } })).toThrow(/export\.ipfix\.collector/);
    expect(() => createFlowSinks({ ipfix: { collector: '127.0.0.1:4739' }, jsonl: { path: join(dir, 'missing', 'x') } })).toThrow(/export\.jsonl\.path/);
  });

  it('builds both from YAML-shaped config (defaults filled in), and both receive the same records', async () => {
    const c = await udpCollector();
    const warnings: string[] = [];
    const config: ExportSection = {
      ipfix: { collector: `127.0.0.1:${c.port}`, transport: 'udp', observation_domain_id: 9, template_refresh_s: 600, max_message_size: 1400, queue: 100 },
      jsonl: { path: join(dir, 'flows.jsonl'), max_size_mb: 100, keep: 5 },
    };
    const sinks = createFlowSinks(config, { warn: (m) => warnings.push(m) });
    expect(sinks.map((s) => s.name)).toEqual(['ipfix', 'jsonl']);
    for (let i = 0; i < 10; i++) for (const s of sinks) s.write(flow({ bytes_c2s: i }));
    await Promise.all(sinks.map((s) => s.close()));
    await until(() => c.datagrams.length >= 2);
    const session = new IpfixSession();
    const viaIpfix = c.datagrams.flatMap((d) => session.decode(d).records.map((r) => Number(r.octetDeltaCount)));
    const viaJsonl = readFileSync(join(dir, 'flows.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).bytes_c2s);
    expect(viaIpfix).toEqual(viaJsonl);
    expect(session.decode(c.datagrams[0]!).domain).toBe(9);
    for (const s of sinks) expect(s.stats()).toMatchObject({ sent: 10, dropped: 0, errors: 0 });
    expect(warnings).toEqual([]);
    await c.close();
  });

  it('logs a failing collector once per streak, not once per message', async () => {
    const warnings: string[] = [];
    const [s] = createFlowSinks({ ipfix: { collector: '127.0.0.1:9', transport: 'tcp' } }, { warn: (m) => warnings.push(m) });
    await until(() => s!.stats().errors >= 1);
    await s!.close();
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(/127\.0\.0\.1:9.*connect.*ECONNREFUSED/);
  });
});
