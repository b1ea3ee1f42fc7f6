// Config tests write real files into a temporary directory and load them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../../lib/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'wirewatch-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

export const tmpDir = dir;

/** Writes `text` as a new config file and returns its path. */
export function writeConfig(text: string, name = `c${++n}.yaml`): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export function load(text: string, env: Record<string, string> = {}): Config {
  return loadConfig(writeConfig(text), env);
}

/** Loads `text` expecting a ConfigError; returns its issue messages. */
export function problems(text: string, env: Record<string, string> = {}): string[] {
  const file = writeConfig(text);
  let caught: unknown;
  try {
    loadConfig(file, env);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const e = caught as ConfigError;
  expect(e.code).toBe('config_invalid');
  expect(e.file).toBe(file);
  for (const i of e.issues) expect(i.message.startsWith(i.path === '' ? '' : `${i.path}: `)).toBe(true);
  return e.issues.map((i) => i.message);
}

/** The smallest valid config: replay a file. */
export const MINIMAL = 'capture:\n  file: x.pcap\n';
