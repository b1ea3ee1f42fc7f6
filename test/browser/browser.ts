// Debian chromium driven by playwright-core (DESIGN §3: never download a
// browser), plus a recorder of everything that went wrong in a page: console
// errors, uncaught exceptions, failed requests and HTTP errors. Each test
// asserts the recorder is empty, minus what it expected (a 401 for a wrong
// password, refused connections while the daemon restarts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { repoRoot } from '../support/paths.js';

export const CHROMIUM = '/usr/bin/chromium';
export const artifactsDir = join(repoRoot, 'test', 'artifacts');

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface Problem {
  kind: 'console' | 'pageerror' | 'requestfailed' | 'http';
  text: string;
  url?: string;
  status?: number;
}

/** Records what went wrong in a page; `allow` filters out expected problems. */
export class Recorder {
  readonly problems: Problem[] = [];
  #allow: Array<(p: Problem) => boolean> = [];

  constructor(page: Page) {
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') this.#add({ kind: 'console', text: `${msg.type()}: ${msg.text()}`, url: msg.location().url });
    });
    page.on('pageerror', (error) => this.#add({ kind: 'pageerror', text: String(error.stack ?? error) }));
    page.on('requestfailed', (req) => this.#add({ kind: 'requestfailed', text: `${req.method()} ${req.url()}: ${req.failure()?.errorText}`, url: req.url() }));
    page.on('response', (res) => {
      if (res.status() >= 400) this.#add({ kind: 'http', text: `${res.request().method()} ${res.url()} → ${res.status()}`, url: res.url(), status: res.status() });
    });
  }

  /** Problems matching `rule` are expected from now on. Returns a function that stops allowing them. */
  allow(rule: (p: Problem) => boolean): () => void {
    this.#allow.push(rule);
    return () => {
      this.#allow = this.#allow.filter((r) => r !== rule);
    };
  }

  #add(p: Problem): void {
    if (this.#allow.some((rule) => rule(p))) return;
    this.problems.push(p);
  }
}

export async function newPage(browser: Browser, options: { width?: number; height?: number; dark?: boolean; mobile?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; recorder: Recorder }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1366, height: options.height ?? 900 },
    colorScheme: options.dark ? 'dark' : 'light',
    isMobile: options.mobile ?? false,
    hasTouch: options.mobile ?? false,
    deviceScaleFactor: options.mobile ? 2 : 1,
  });
  const page = await context.newPage();
  const recorder = new Recorder(page);
  return { context, page, recorder };
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  // A full-page capture of a scrolled page would paint the sticky header mid-page.
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage });
  return path;
}

/** One element (e.g. a card) only, cut from a full-page capture (so the sticky header stays at the top). */
export async function screenshotOf(page: Page, locator: Locator, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${name}: the element is not visible`);
  await page.screenshot({ path, fullPage: true, clip: box });
  return path;
}
