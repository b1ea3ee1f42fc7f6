// The dashboard in a real browser (Debian chromium via playwright-core) against
// a real daemon replaying fixtures/demo.pcap. Every test ends by asserting that
// the page logged no console error and no request failed, except the ones the
// test expected (a 401 for a wrong password, refused connections while the
// daemon restarts). Screenshots of each view go to test/artifacts/.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import { CHROMIUM, launch, newPage, screenshot, screenshotOf, type Problem, type Recorder } from './browser.js';
import { PASSWORD, TestDaemon, USER } from './daemon.js';
// The dashboard's own formatters: the test checks the page shows exactly what they make of /api/stats.
import { formatBits, formatRate } from '../../web/js/format.js';

/** expect.poll with a timeout that suits a busy 2-core machine (vitest's default is 1 s). */
const poll: typeof expect.poll = (fn, options) => expect.poll(fn, { timeout: 5000, ...options });

/** Debian's chromium (DESIGN §3; .ci/run installs it). Without it these tests are skipped, not failed. */
const haveChromium = existsSync(CHROMIUM);

let daemon: TestDaemon;
let browser: Browser;
let context: BrowserContext | null = null;
let recorder: Recorder | null = null;

/** A session shared by the tests that are not about logging in (logins are rate-limited per client: 5 at once). */
let sessionCookie = '';

beforeAll(async () => {
  if (!haveChromium) return;
  [daemon, browser] = await Promise.all([TestDaemon.start(), launch()]);
  const res = await fetch(`${daemon.url}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: USER, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  sessionCookie = /wirewatch_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.dispose();
}, 30_000);

afterEach(async () => {
  await context?.close();
  context = null;
  recorder = null;
});

/** A fresh browser context on the dashboard; `session`: already logged in (the shared session cookie). */
async function open(options: Parameters<typeof newPage>[1] & { session?: boolean } = {}): Promise<Page> {
  const made = await newPage(browser, options);
  context = made.context;
  recorder = made.recorder;
  if (options.session) await context.addCookies([{ name: 'wirewatch_session', value: sessionCookie, url: daemon.url, httpOnly: true, sameSite: 'Strict' }]);
  await made.page.goto(daemon.url + '/');
  return made.page;
}

function is401(p: Problem, path: string): boolean {
  if (p.kind === 'http') return p.status === 401 && (p.url ?? '').includes(path);
  if (p.kind === 'console') return /status of 401/.test(p.text) && (p.url ?? '').includes(path);
  return false;
}

async function loggedIn(page: Page): Promise<void> {
  await page.locator('#app').waitFor({ state: 'visible' });
  expect(await page.getByRole('button', { name: 'Log out' }).isVisible()).toBe(true);
  await poll(() => page.locator('#st-conn-text').textContent(), { timeout: 10_000 }).toBe('live');
}

async function login(page: Page): Promise<void> {
  await page.locator('#login-view').waitFor({ state: 'visible' });
  await page.getByLabel('User name').fill(USER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#app').waitFor({ state: 'visible' });
  await poll(() => page.locator('#st-conn-text').textContent(), { timeout: 10_000 }).toBe('live');
}

function expectClean(): void {
  expect(recorder?.problems ?? [], 'console errors or failed requests').toEqual([]);
}

/**
 * Pixels of the chart's canvas in the first series' colour (--c1): the drawn
 * line and its fill. Axes and grid lines have other colours, so an empty chart
 * scores (near) zero.
 */
async function seriesPixels(page: Page, selector: string): Promise<number> {
  return page.locator(`${selector} canvas`).evaluate((canvas: HTMLCanvasElement) => {
    const hex = getComputedStyle(document.documentElement).getPropertyValue('--c1').trim();
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! > 200 && Math.abs(data[i]! - r) + Math.abs(data[i + 1]! - g) + Math.abs(data[i + 2]! - b) < 48) n++;
    }
    return n;
  });
}

async function apiJson(page: Page, path: string, init: RequestInit = {}): Promise<any> {
  return page.evaluate(
    async ([p, i]) => {
      const res = await fetch(p, { credentials: 'same-origin', ...i });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
    [path, init] as const,
  );
}

describe.skipIf(!haveChromium)('dashboard', () => {
  it('shows an error for a wrong password and stays on the login page', async () => {
    const page = await open();
    recorder!.allow((p) => is401(p, '/api/login'));
    await page.locator('#login-view').waitFor({ state: 'visible' });
    await screenshot(page, 'login', false);
    await page.getByLabel('User name').fill(USER);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.locator('#login-error').textContent()).toMatch(/wrong user name or password/i);
    expect(await page.locator('#app').isVisible()).toBe(false);
    await screenshot(page, 'login-error', false);
    expectClean();
  });

  it('logs in and draws the bandwidth charts with the numbers of /api/stats', async () => {
    const page = await open();
    await login(page);
    // Both charts draw a non-empty series.
    await poll(() => page.locator('#chart-bps').getAttribute('data-points').then(Number), { timeout: 15_000 }).toBeGreaterThan(2);
    expect(Number(await page.locator('#chart-pps').getAttribute('data-points'))).toBeGreaterThan(2);
    expect(await seriesPixels(page, '#chart-bps')).toBeGreaterThan(100);
    expect(await seriesPixels(page, '#chart-pps')).toBeGreaterThan(100);

    // Freeze capture so the page and /api/stats describe the same second, then compare each window.
    expect((await apiJson(page, '/api/control/stop', { method: 'POST' })).status).toBe(200);
    try {
      await poll(() => page.locator('#st-state-value').textContent(), { timeout: 10_000 }).toBe('paused');
      for (const window of [1, 10, 60]) {
        await page.getByRole('radio', { name: `${window} s` }).check({ force: true });
        const stats = (await apiJson(page, `/api/stats?window=${window}`)).body;
        await poll(() => page.locator('#kpi-bps').textContent()).toBe(formatBits(stats.rate.bps));
        expect(await page.locator('#kpi-pps').textContent()).toBe(formatRate(stats.rate.pps));
        const tcp = page.locator('#proto-body tr[data-cls="tcp"] td').nth(2);
        expect(await tcp.textContent()).toBe(formatBits(stats.classes.tcp.bps));
        if (stats.top_hosts.length > 0) expect(await page.locator('#talkers-body tr td').first().textContent()).toBe(stats.top_hosts[0].ip);
      }
    } finally {
      await apiJson(page, '/api/control/start', { method: 'POST' });
    }
    await page.getByRole('radio', { name: '1 s' }).check({ force: true });
    await poll(() => page.locator('#st-state-value').textContent(), { timeout: 10_000 }).toBe('capturing');
    await page.waitForTimeout(1500);
    await screenshot(page, 'live');
    expectClean();
  });

  it('sorts and filters the connections table', async () => {
    const page = await open({ session: true });
    await loggedIn(page);
    const rows = page.locator('#conn-table tbody tr:not(.filler)');
    await poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThan(3);

    const column = async (attr: string) => (await rows.evaluateAll((trs, a) => trs.map((tr) => Number(tr.getAttribute(`data-${a}`))), attr)) as number[];
    const sortedDesc = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! >= x);
    const sortedAsc = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! <= x);

    // Default: bytes, largest first.
    await poll(async () => sortedDesc(await column('bytes'))).toBe(true);
    await page.getByRole('button', { name: 'Sort by packets' }).click();
    await poll(() => page.locator('#conn-table th[data-key="packets"]').getAttribute('aria-sort')).toBe('descending');
    await poll(async () => sortedDesc(await column('packets'))).toBe(true);
    await page.getByRole('button', { name: 'Sort by packets' }).click();
    await poll(() => page.locator('#conn-table th[data-key="packets"]').getAttribute('aria-sort')).toBe('ascending');
    await poll(async () => sortedAsc(await column('packets'))).toBe(true);

    // Protocol filter: only UDP rows.
    await page.getByLabel('Filter by protocol').first().selectOption('17');
    await poll(async () => {
      const protos = await column('proto');
      return protos.length > 0 && protos.every((p) => p === 17);
    }).toBe(true);
    // Port filter: DNS only.
    await page.getByLabel('Filter by port').first().fill('53');
    await poll(async () => {
      const text = await rows.evaluateAll((trs) => trs.map((tr) => `${tr.children[1]!.textContent} ${tr.children[2]!.textContent}`));
      return text.length > 0 && text.every((t) => /:53\b/.test(t));
    }, { timeout: 10_000 }).toBe(true);
    await screenshotOf(page, page.locator('article:has(#conn-table)'), 'connections-filtered');
    // Address filter: every row has that address at one end.
    await page.getByLabel('Filter by port').first().fill('');
    await page.getByLabel('Filter by protocol').first().selectOption('');
    const someAddress = (await rows.first().locator('td').nth(1).textContent())!.replace(/^\[/, '').replace(/\]?:\d+$/, '');
    await page.getByLabel('Filter by address or CIDR').first().fill(someAddress);
    await poll(async () => {
      const ends = await rows.evaluateAll((trs) => trs.map((tr) => `${tr.children[1]!.getAttribute('title')} ${tr.children[2]!.getAttribute('title')}`));
      return ends.length > 0 && ends.every((t) => t.includes(someAddress));
    }, { timeout: 10_000 }).toBe(true);
    // A half-typed address is a hint in the page, not a 400 from the server.
    await page.getByLabel('Filter by address or CIDR').first().fill('10.0.0.x');
    await poll(() => page.locator('#conn-table .flows-error').textContent()).toMatch(/address/i);
    expectClean();
  });

  it('opens the history view, gets a series and narrows the range on a click', async () => {
    const page = await open({ session: true });
    await loggedIn(page);
    await page.getByRole('link', { name: 'History' }).click();
    await poll(() => page.locator('#chart-history').getAttribute('data-points').then(Number), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await seriesPixels(page, '#chart-history')).toBeGreaterThan(100);
    await poll(() => page.locator('#hist-talkers-body tr:not(.filler)').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await screenshot(page, 'history');
    const before = [Number(await page.locator('#chart-history').getAttribute('data-from')), Number(await page.locator('#chart-history').getAttribute('data-to'))];
    // Click near the right end of the plot: the replay's data is the latest minutes.
    const over = page.locator('#chart-history .u-over');
    const box = (await over.boundingBox())!;
    await over.click({ position: { x: box.width * 0.99, y: box.height / 2 } });
    await poll(async () => Number(await page.locator('#chart-history').getAttribute('data-to')) - Number(await page.locator('#chart-history').getAttribute('data-from'))).toBeLessThan(before[1]! - before[0]!);
    expect(await page.getByRole('button', { name: 'Zoom out' }).isEnabled()).toBe(true);
    await poll(() => page.locator('#chart-history').getAttribute('data-points').then(Number), { timeout: 10_000 }).toBeGreaterThan(0);
    await screenshot(page, 'history-zoomed');
    // The test config's rules fire on the replay: the panel lists them, newest first, with the firing count on the tab.
    await page.getByRole('link', { name: 'Alerts' }).click();
    await poll(() => page.locator('#alerts-list li[data-id]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator('#alerts-list li[data-id="1"], #alerts-list li[data-id]').first().textContent()).toMatch(/busy-link|any-traffic/);
    // Read in one go: alerts keep arriving while the test looks.
    const { firing, badge } = await page.evaluate(() => ({
      firing: document.querySelectorAll('#alerts-list li[data-state="firing"]').length,
      badge: document.getElementById('alert-badge')!.hidden ? '' : document.getElementById('alert-badge')!.textContent,
    }));
    expect(badge).toBe(firing > 0 ? String(firing) : '');
    await screenshot(page, 'alerts', false);
    expectClean();
  });

  it('logs out to the login page, and the session is gone', async () => {
    const page = await open();
    await login(page);
    // Logging out closes the page's own event stream: that abort is intended.
    recorder!.allow((p) => p.kind === 'requestfailed' && (p.url ?? '').endsWith('/api/stream') && p.text.includes('ERR_ABORTED'));
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    expect(await page.locator('#app').isVisible()).toBe(false);
    recorder!.allow((p) => is401(p, '/api/sources') || is401(p, '/api/stream'));
    expect((await apiJson(page, '/api/sources')).status).toBe(401);
    expectClean();
  });

  it('shows the login again when the session ends elsewhere', async () => {
    const page = await open();
    await login(page);
    const token = (await context!.cookies(daemon.url)).find((c) => c.name === 'wirewatch_session')!.value;
    // Ended from outside the page (another tab's logout, expiry): the page's next request gets a 401.
    const res = await fetch(`${daemon.url}/api/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    recorder!.allow((p) => p.kind === 'http' ? p.status === 401 : p.kind === 'console' ? /status of 401/.test(p.text) : false);
    recorder!.allow((p) => p.kind === 'requestfailed' && (p.url ?? '').endsWith('/api/stream') && p.text.includes('ERR_ABORTED'));
    await page.locator('#login-view').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#login-error').textContent()).toMatch(/session ended/i);
    expect(await page.locator('#app').isVisible()).toBe(false);
    await screenshot(page, 'session-ended', false);
    expectClean();
  });

  it('looks right on a phone in dark mode', async () => {
    const page = await open({ width: 390, height: 844, dark: true, mobile: true, session: true });
    await loggedIn(page);
    await poll(() => page.locator('#chart-bps').getAttribute('data-points').then(Number), { timeout: 15_000 }).toBeGreaterThan(2);
    // Nothing wider than the screen except the connections table's own scroller.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'live-phone-dark', false);
    await screenshot(page, 'live-phone-dark-full');
    expectClean();
  });

  it('fills the live chart on a laptop screen and stays smooth (the README screenshot)', async () => {
    // Wait until the replay has covered a few minutes of packet time (10× speed): the page's backfill
    // from the history then draws 1 s points for them, and the stream adds to it.
    const started = 1767225600; // fixtures/demo.pcap starts 2026-01-01T00:00:00Z
    await poll(async () => {
      const res = await fetch(`${daemon.url}/api/stats`, { headers: { Authorization: `Bearer ${sessionCookie}` } });
      return ((await res.json()) as { time: number }).time - started;
    }, { timeout: 25_000, interval: 1000 }).toBeGreaterThan(150);
    const page = await open({ width: 1280, height: 860, session: true });
    await loggedIn(page);
    await poll(() => page.locator('#chart-bps').getAttribute('data-points').then(Number), { timeout: 20_000 }).toBeGreaterThan(100);
    await poll(() => page.locator('#conn-table tbody tr:not(.filler)').count(), { timeout: 10_000 }).toBeGreaterThan(5);
    // Smooth at 1 update/s: no main-thread task over 50 ms (a "long task") while snapshots arrive.
    await page.evaluate(() => {
      const w = window as any;
      w.__longTasks = [];
      new PerformanceObserver((list) => w.__longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    });
    const t0 = await page.locator('#bw-kpis').getAttribute('data-time');
    await page.waitForTimeout(4000);
    expect(await page.locator('#bw-kpis').getAttribute('data-time')).not.toBe(t0);
    const longTasks = (await page.evaluate(() => (window as any).__longTasks)) as number[];
    // Nothing jumps while data arrives: the browser's own layout-shift score since the page loaded.
    const shifts = await page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          new PerformanceObserver((list) => resolve(list.getEntries().map((e: any) => e.value))).observe({ type: 'layout-shift', buffered: true });
          setTimeout(() => resolve([]), 500); // no entries at all: no shift
        }),
    );
    const cls = shifts.reduce((a, b) => a + b, 0);
    console.log(`live view: ${longTasks.length} long tasks in 4 s ${JSON.stringify(longTasks.map(Math.round))}; layout shift ${cls.toFixed(4)} (${shifts.length} shifts)`);
    expect(longTasks.length).toBe(0);
    expect(cls).toBeLessThan(0.01);
    await page.getByRole('radio', { name: '10 s' }).check({ force: true });
    await page.waitForTimeout(1200);
    await screenshot(page, 'live-laptop', false);
    expectClean();
  }, 60_000);

  it('recovers by itself after a daemon restart (no reload)', async () => {
    const page = await open({ dark: true, session: true });
    await loggedIn(page);
    await poll(() => page.locator('#chart-bps').getAttribute('data-points').then(Number), { timeout: 15_000 }).toBeGreaterThan(2);
    await page.evaluate(() => ((window as any).__sameDocument = true));

    // While the daemon is down, refused connections and a 503 from a starting daemon are expected.
    const stopAllowing = recorder!.allow(
      (p) =>
        p.kind === 'requestfailed' ||
        (p.kind === 'console' && /ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET|ERR_INCOMPLETE_CHUNKED_ENCODING|status of 50[23]/.test(p.text)) ||
        (p.kind === 'http' && (p.status === 502 || p.status === 503)),
    );
    await daemon.stop();
    await poll(() => page.locator('#st-conn-text').textContent(), { timeout: 10_000 }).toBe('reconnecting');
    expect(await page.locator('#banner').isVisible()).toBe(true);
    await screenshot(page, 'reconnecting', false);
    await daemon.launch();
    await poll(() => page.locator('#st-conn-text').textContent(), { timeout: 20_000 }).toBe('live');
    stopAllowing();

    // New snapshots arrive, the session survived, the same document is still there.
    const t0 = await page.locator('#bw-kpis').getAttribute('data-time');
    await poll(() => page.locator('#bw-kpis').getAttribute('data-time'), { timeout: 10_000 }).not.toBe(t0);
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    expect(await page.locator('#login-view').isVisible()).toBe(false);
    expect(await page.locator('#banner').isVisible()).toBe(false);
    await poll(() => page.locator('#conn-table tbody tr:not(.filler)').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(2000);
    await screenshot(page, 'live-dark-after-restart');
    expectClean();
  }, 90_000);
});

describe.skipIf(!haveChromium)('dashboard without users (open on loopback)', () => {
  let openDaemon: TestDaemon;
  beforeAll(async () => {
    openDaemon = await TestDaemon.start({ users: false });
  }, 60_000);
  afterAll(async () => {
    await openDaemon?.dispose();
  }, 30_000);

  it('skips the login page and has nothing to log out of', async () => {
    const made = await newPage(browser);
    context = made.context;
    recorder = made.recorder;
    const page = made.page;
    await page.goto(openDaemon.url + '/');
    await page.locator('#app').waitFor({ state: 'visible' });
    expect(await page.locator('#login-view').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Log out' }).isVisible()).toBe(false);
    await poll(() => page.locator('#chart-bps').getAttribute('data-points').then(Number), { timeout: 15_000 }).toBeGreaterThan(1);
    expectClean();
  });
});
