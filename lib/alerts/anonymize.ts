// Webhook anonymization (alerts.webhook.anonymize_key): every IP and MAC
// address in a payload becomes a keyed hash, so a receiver can correlate the
// alerts of one host without learning which host it is. The same address
// always gives the same token under one key, whatever its spelling.
import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { addressKey } from './networks.js';
import type { AlertEvent } from './types.js';

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
/** Runs of characters an address can be made of, not inside a word ("::g", "x10.0.0.1"); each is tested below. */
const CANDIDATE = /(?<!\w)[0-9A-Fa-f:.]{2,}(?!\w)/g;

export type Anonymizer = (event: AlertEvent) => AlertEvent;

export function createAnonymizer(key: string): Anonymizer {
  const cache = new Map<string, string>();
  const token = (canonical: string): string => {
    let t = cache.get(canonical);
    if (t === undefined) {
      t = `anon-${createHmac('sha256', key).update(canonical).digest('hex').slice(0, 16)}`;
      if (cache.size >= 4096) cache.clear();
      cache.set(canonical, t);
    }
    return t;
  };
  /** The token of `text` if it is an address, else null. */
  const replace = (text: string): string | null => {
    if (isIP(text) !== 0) return token(`ip:${addressKey(text) ?? text}`);
    if (MAC.test(text)) return token(`mac:${text.toLowerCase()}`);
    return null;
  };
  const scrub = (text: string): string =>
    text.replace(CANDIDATE, (run) => {
      // "10.0.0.5." or "fe80::1:" at the end of a clause: retry without the trailing punctuation.
      for (let end = run.length; end >= 2; end--) {
        const hit = replace(run.slice(0, end));
        if (hit !== null) return hit + run.slice(end);
        const last = run[end - 1];
        if (last !== '.' && last !== ':') break;
      }
      return run;
    });
  return (event) => {
    const out: AlertEvent = { ...event, reason: scrub(event.reason) };
    if (event.host !== undefined) out.host = replace(event.host) ?? scrub(event.host);
    if (event.peer !== undefined) out.peer = replace(event.peer) ?? scrub(event.peer);
    return out;
  };
}
