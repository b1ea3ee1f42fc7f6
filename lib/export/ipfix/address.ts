// "host:port" / "[v6]:port" collector addresses (export.ipfix.collector).
import { isIP } from 'node:net';

export interface CollectorAddress {
  host: string;
  port: number;
  /** 4 or 6 for an IP literal, 0 for a name to resolve. */
  family: 0 | 4 | 6;
}

/** Parses a collector address; throws a TypeError that names the key and the expected form. */
export function parseCollector(text: unknown, key = 'export.ipfix.collector'): CollectorAddress {
  const bad = () => new TypeError(`${key}: expected "host:port" or "[IPv6]:port", got ${JSON.stringify(text)}`);
  if (typeof text !== 'string') throw bad();
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0 || text[end + 1] !== ':') throw bad();
    host = text.slice(1, end);
    portText = text.slice(end + 2);
    if (isIP(host) !== 6) throw bad();
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) throw bad();
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    // a bare IPv6 literal is ambiguous ("::1:4739"): brackets are required
    if (host.includes(':') || !/^[A-Za-z0-9.-]+$/.test(host)) throw bad();
  }
  if (!/^[0-9]{1,5}$/.test(portText)) throw bad();
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new RangeError(`${key}: port must be 1..65535, got ${port}`);
  const family = isIP(host);
  return { host, port, family: family === 4 ? 4 : family === 6 ? 6 : 0 };
}
