// A real daemon for the browser tests: `wirewatch run --config FILE` from source
// (tsx), replaying fixtures/demo.pcap in a loop, SQLite in a temp dir, one admin
// user. The port is picked here (a port the OS just handed out) because the log
// cannot tell us a port 0 choice; restart() reuses port and database.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../lib/auth/password.js';
import { repoRoot } from '../support/paths.js';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');

export const USER = 'admin';
export const PASSWORD = 'correct horse battery';

/** The command that runs the daemon (WW_BROWSER_DAEMON=dev: test/browser/dev-server.ts, until `run` serves the API). */
function entry(): string[] {
  return process.env.WW_BROWSER_DAEMON === 'dev' ? [join(repoRoot, 'test/browser/dev-server.ts')] : [join(repoRoot, 'lib/cli.ts'), 'run'];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export class TestDaemon {
  readonly dir: string;
  readonly configPath: string;
  readonly port: number;
  #child: ChildProcess | null = null;
  #output = '';

  private constructor(dir: string, configPath: string, port: number) {
    this.dir = dir;
    this.configPath = configPath;
    this.port = port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Daemon output so far (for failure messages). */
  get output(): string {
    return this.#output;
  }

  static async start(options: { users?: boolean } = {}): Promise<TestDaemon> {
    const dir = mkdtempSync(join(tmpdir(), 'ww-browser-'));
    const port = await freePort();
    const users = options.users === false ? '[]' : `\n    - { username: ${USER}, password_hash: "${await hashPassword(PASSWORD)}", role: admin }`;
    const yaml = `# browser test daemon
capture:
  backend: file
  file: ${JSON.stringify(join(repoRoot, 'fixtures/demo.pcap'))}
  speed: 10
  loop: true
storage:
  path: ${JSON.stringify(join(dir, 'wirewatch.db'))}
  # demo.pcap is dated 2026-01-01: keep its replayed history whatever today's date is.
  retention_days: 3650
  samples_hours: 8760
api:
  bind: 127.0.0.1
  port: ${port}
  users: ${users}
alerts:
  rules:
    # Fires during the capture's bursts and resolves between them: the alerts panel has something to show.
    - { name: busy-link, metric: bytes_per_s, scope: total, window: 10, op: ">", threshold: 50000, for_s: 0, cooldown_s: 0, severity: warning }
    - { name: any-traffic, metric: packets_per_s, scope: total, window: 60, op: ">", threshold: 0, severity: info }
privileges:
  drop: false
  allow_root: true
logging:
  level: warn
  format: json
`;
    const configPath = join(dir, 'wirewatch.yaml');
    writeFileSync(configPath, yaml);
    const daemon = new TestDaemon(dir, configPath, port);
    await daemon.launch();
    return daemon;
  }

  async launch(): Promise<void> {
    try {
      await this.#launch();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async #launch(): Promise<void> {
    const child = spawn(process.execPath, ['--import', tsx, ...entry(), '--config', this.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout?.on('data', (d: Buffer) => (this.#output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.#output += d.toString()));
    const deadline = Date.now() + 25_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}:\n${this.#output}`);
      try {
        const res = await fetch(`${this.url}/healthz`);
        if (res.ok) {
          await this.#firstSnapshot();
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`daemon did not answer /healthz within 25 s:\n${this.#output}`);
  }

  /** /healthz answers before the first tick; the tests want data. */
  async #firstSnapshot(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${this.url}/readyz`).catch(() => null);
      if (res?.ok) return;
      await res?.text();
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGTERM and wait for the exit (flows and storage flushed). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
    this.#child = null;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
