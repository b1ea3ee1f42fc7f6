// A real Prometheus server (/usr/bin/prometheus) scrapes the API every second
// and a wirewatch series is read back through its HTTP query API.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCommand } from '../../support/paths.js';
import { apiConfig, expected, ReplayView, serve, tempDir, type Running } from './support.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const available = hasCommand('prometheus');

describe.skipIf(!available)('Prometheus scraping /metrics', () => {
  let view: ReplayView;
  let srv: Running;
  let dir: ReturnType<typeof tempDir>;
  let prom: ChildProcess | undefined;
  let log = '';
  let ticker: NodeJS.Timeout;

  beforeAll(async () => {
    view = await ReplayView.replay();
    srv = await serve({ view, store: null, api: apiConfig() });
    ticker = setInterval(() => view.tick(), 500); // a daemon ticks while Prometheus scrapes
    dir = tempDir('ww-prom-');
  });

  afterAll(async () => {
    clearInterval(ticker);
    if (prom && prom.exitCode === null) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (prom.exitCode === null) prom.kill('SIGKILL');
    }
    await srv?.close();
    dir?.remove();
  });

  it('reads wirewatch_packets_total back through the query API', async () => {
    const target = new URL(srv.url).host;
    const config = join(dir.path, 'prometheus.yml');
    writeFileSync(
      config,
      ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'scrape_configs:', '  - job_name: wirewatch', '    static_configs:', `      - targets: ['${target}']`, ''].join('\n'),
    );
    const port = await freePort();
    prom = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir.path, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    prom.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    prom.stderr!.on('data', (d: Buffer) => (log += d.toString()));

    const query = encodeURIComponent('wirewatch_packets_total{class="tcp"}');
    const deadline = Date.now() + 20_000;
    let result: Array<{ metric: Record<string, string>; value: [number, string] }> = [];
    while (Date.now() < deadline && prom.exitCode === null) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${query}`);
        if (r.ok) {
          const body = (await r.json()) as { status: string; data: { result: typeof result } };
          result = body.data.result;
          if (result.length > 0) break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(prom.exitCode, log).toBeNull();
    expect(result, `no series after 20 s; prometheus log:\n${log}`).toHaveLength(1);
    expect(result[0]!.metric).toMatchObject({ __name__: 'wirewatch_packets_total', class: 'tcp', source: 'mixed', job: 'wirewatch', instance: target });
    expect(Number(result[0]!.value[1])).toBe(expected['mixed.pcap']!.layers.tcp);

    const up = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=up`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
    expect(up.data.result[0]!.value[1]).toBe('1');
  }, 30_000);
});
