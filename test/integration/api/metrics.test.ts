// /metrics: values equal the replay, only aggregate labels, an isolated
// registry per app, and the real promtool accepts the output.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register, Registry } from 'prom-client';
import { CaptureSource } from '../../../lib/capture/index.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { Pipeline } from '../../../lib/pipeline/index.js';
import { METRIC_NAMES } from '../../../lib/api/index.js';
import { apiConfig, call, expected, MIXED, ReplayView, serve, type Running } from './support.js';

const exp = expected['mixed.pcap']!;

/** `name{labels} value` lines → [{ name, labels, value }]. */
function samples(text: string) {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** Every flow record of the replay (flushed at the end). */
async function allRecords(): Promise<FlowRecord[]> {
  const pipeline = new Pipeline();
  const records: FlowRecord[] = [];
  pipeline.on('flow', (r) => records.push(r));
  const source = CaptureSource.openFile({ file: MIXED, id: 3 });
  source.on('batch', (b) => pipeline.ingest(b));
  source.start();
  await source.ended();
  pipeline.flush();
  return records;
}

let view: ReplayView;
let srv: Running;
let text: string;
let records: FlowRecord[];

beforeAll(async () => {
  view = await ReplayView.replay();
  records = await allRecords();
  srv = await serve({ view, store: null, api: apiConfig(), storageErrors: () => 3 });
  view.emit('flows', records); // as the daemon does when flows end
  const r = await call(`${srv.url}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  text = r.text;
});

afterAll(async () => {
  await srv?.close();
});

describe('GET /metrics', () => {
  it('has every metric, each with help text and a type', () => {
    for (const name of METRIC_NAMES) {
      expect(text, name).toMatch(new RegExp(`^# HELP ${name} \\S.+$`, 'm'));
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'));
    }
    expect(METRIC_NAMES).toContain('wirewatch_packets_total');
    expect(METRIC_NAMES).toContain('wirewatch_capture_drops_total');
    expect(METRIC_NAMES).toContain('wirewatch_pipeline_lag_seconds');
  });

  it('is accepted by promtool check metrics', () => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('carries aggregate labels only: sources, classes, drop kinds, end reasons', () => {
    const names = new Set(samples(text).flatMap((s) => Object.keys(s.labels)));
    for (const n of names) expect(['source', 'class', 'kind', 'reason']).toContain(n);
    expect(text).not.toMatch(/\d+\.\d+\.\d+\.\d+|_ip=|port=/);
  });

  it('packets by class equal the replay (one source: labelled with its name)', () => {
    const tcp = value(text, 'wirewatch_packets_total', { source: 'mixed', class: 'tcp' });
    expect(tcp).toBe(exp.layers.tcp);
    const l4 = ['tcp', 'udp', 'icmp', 'other'].map((c) => value(text, 'wirewatch_packets_total', { source: 'mixed', class: c })!);
    expect(l4.reduce((a, b) => a + b, 0)).toBe(exp.packets);
    expect(value(text, 'wirewatch_packets_total', { class: 'icmp' })).toBe(exp.layers.icmp! + exp.layers.icmpv6!);
    expect(value(text, 'wirewatch_packets_total', { class: 'ipv6' })).toBe(exp.layers.ipv6);
    expect(value(text, 'wirewatch_bytes_total', { source: 'mixed', class: 'all' })).toBe(exp.wire_bytes);
  });

  it('flows, drops, lag and storage errors', () => {
    expect(value(text, 'wirewatch_active_flows')).toBe(view.snapshot()!.pipeline.flows.active);
    expect(value(text, 'wirewatch_flows_created_total', { class: 'tcp' })).toBe(view.pipeline.flowSummary.tcp);
    const byReason = new Map<string, number>();
    for (const r of records) byReason.set(r.end_reason!, (byReason.get(r.end_reason!) ?? 0) + 1);
    for (const reason of ['idle', 'active', 'fin', 'rst', 'evicted', 'shutdown']) {
      expect(value(text, 'wirewatch_flow_ends_total', { reason }), reason).toBe(byReason.get(reason) ?? 0);
    }
    expect(records.length).toBe(exp.flows.total);
    for (const kind of ['kernel', 'interface', 'ring']) expect(value(text, 'wirewatch_capture_drops_total', { source: 'mixed', kind })).toBe(0);
    expect(value(text, 'wirewatch_pipeline_lag_seconds')).toBe(0);
    expect(value(text, 'wirewatch_storage_errors_total')).toBe(3);
  });

  it('exact per-(source, class) packets and bytes when the embedder passes trafficTotals', async () => {
    const other = await serve({ view, store: null, api: apiConfig(), trafficTotals: view.trafficTotals });
    try {
      const t = (await call(`${other.url}/metrics`)).text;
      for (const total of view.trafficTotals()) {
        expect(value(t, 'wirewatch_packets_total', { source: 'mixed', class: total.cls })).toBe(total.packets);
        expect(value(t, 'wirewatch_bytes_total', { source: 'mixed', class: total.cls })).toBe(total.bytes);
      }
      expect(value(t, 'wirewatch_bytes_total', { class: 'all' })).toBeUndefined();
      expect(spawnSync('promtool', ['check', 'metrics'], { input: t }).status).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('uses its own registry (or the one passed in), never the global default', async () => {
    expect(await register.metrics()).not.toContain('wirewatch_');
    const mine = new Registry();
    const other = await serve({ view, store: null, api: apiConfig(), registry: mine });
    try {
      expect(other.api.registry).toBe(mine);
      expect(await mine.metrics()).toContain('wirewatch_active_flows');
    } finally {
      await other.close();
    }
    expect(srv.api.registry).not.toBe(mine);
  });
});
