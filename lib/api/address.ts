// Client addresses: is a peer on loopback, and under which key is it rate
// limited. Addresses come from the socket (or, behind a trusted proxy, from
// X-Forwarded-For via Express's req.ip).
import { isIP } from 'node:net';
import { parseAddress } from '../store/address.js';

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. Anything unparsable is not loopback. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (typeof address !== 'string') return false;
  const bytes = parseAddress(address.split('%')[0]!);
  if (!bytes) return false;
  const v4Mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (v4Mapped) return bytes[12] === 127;
  return bytes.subarray(0, 15).every((b) => b === 0) && bytes[15] === 1;
}

/**
 * The rate-limit key of a client: the IPv4 address, or the /64 of an IPv6 one
 * (one host usually owns a whole /64, and could otherwise rotate through it to
 * get a fresh bucket per request).
 */
export function clientKey(address: string | undefined): string {
  if (typeof address !== 'string' || address === '') return 'unknown';
  const plain = address.split('%')[0]!;
  const bytes = isIP(plain) ? parseAddress(plain) : null;
  if (!bytes) return plain;
  const v4Mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (v4Mapped) return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  return `${bytes.subarray(0, 8).toString('hex')}::/64`;
}
