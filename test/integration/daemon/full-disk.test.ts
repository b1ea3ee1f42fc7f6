// The whole daemon on a full disk (root: a 1 MiB tmpfs): the history writer
// fails with SQLITE_FULL, /readyz's storage check says so, one error line is
// logged, and capture goes on counting; stop() still ends cleanly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromObject } from '../../../lib/config/index.js';
import { Daemon } from '../../../lib/daemon/index.js';
import { createLogger } from '../../../lib/log/index.js';
import { fixture, isRoot } from '../../support/paths.js';
import { logCapture } from './support.js';

describe.skipIf(!isRoot)('daemon on a full disk (1 MiB tmpfs)', () => {
  let mnt = '';
  let daemon: Daemon | null = null;
  afterEach(async () => {
    await daemon?.stop();
    daemon = null;
    if (mnt) {
      execFileSync('umount', ['-l', mnt]);
      rmSync(mnt, { recursive: true, force: true });
      mnt = '';
    }
  });

  it('storage turns not ready with SQLITE_FULL, logged once, while capture keeps counting', async () => {
    mnt = mkdtempSync(join(tmpdir(), 'ww-daemon-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    const config = configFromObject(
      {
        capture: { backend: 'file', file: fixture('demo.pcap'), speed: 'max', loop: true, rebase_time: true },
        storage: { path: join(mnt, 'wirewatch.db'), flush_ms: 100 },
        api: { enabled: false },
        privileges: { drop: false, allow_root: true },
      },
      mnt,
    );
    const { stream, lines } = logCapture();
    daemon = await Daemon.start({ config, logger: createLogger({ level: 'info', format: 'json', stream }) });
    const d = daemon;
    const deadline = Date.now() + 20_000;
    let storage = d.ready().checks.find((c) => c.name === 'storage');
    while (Date.now() < deadline && storage?.ok !== false) {
      await new Promise((r) => setTimeout(r, 100));
      storage = d.ready().checks.find((c) => c.name === 'storage');
    }
    expect(storage).toMatchObject({ ok: false, detail: expect.stringMatching(/SQLITE_FULL|full/i) });
    expect(d.ready().ready).toBe(false);
    expect(d.storageErrors()).toBeGreaterThan(0);

    // Capture and the pipeline go on regardless.
    const before = d.snapshot()!.pipeline.totals.packets;
    await new Promise<void>((resolve) => d.once('snapshot', () => d.once('snapshot', () => resolve())));
    expect(d.snapshot()!.pipeline.totals.packets).toBeGreaterThan(before);
    expect(d.ready().checks.find((c) => c.name.startsWith('source:'))).toMatchObject({ ok: true });

    const errors = lines().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1); // once, not per flush
    expect(errors[0]).toMatchObject({ component: 'store', error: expect.stringMatching(/SQLITE_FULL/) });
  }, 40_000);
});
