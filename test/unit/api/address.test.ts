import { describe, expect, it } from 'vitest';
import { clientKey, isLoopbackAddress } from '../../../lib/api/address.js';

describe('isLoopbackAddress', () => {
  it('refuses what is not a loopback IP address', () => {
    for (const a of [undefined, '', 'localhost', '127.0.0.1 ', '127.1', '0127.0.0.1', '128.0.0.1', '126.255.255.255', '0.0.0.0', '::', '::2', '::1:0', '1::1', '::ffff:128.0.0.1', '::127.0.0.1', '192.0.2.2', 'fd00::2', 'x'.repeat(100)]) {
      expect(isLoopbackAddress(a), String(a)).toBe(false);
    }
  });

  it('accepts 127.0.0.0/8, ::1 and their other spellings', () => {
    for (const a of ['127.0.0.1', '127.255.255.254', '127.0.0.0', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::FFFF:127.9.9.9', '::1%lo']) {
      expect(isLoopbackAddress(a), a).toBe(true);
    }
  });
});

describe('clientKey', () => {
  it('keys IPv4 (also v4-mapped) by address and IPv6 by /64', () => {
    expect(clientKey('10.1.2.3')).toBe('10.1.2.3');
    expect(clientKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientKey('2001:db8:1:2::1')).toBe(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey(undefined)).toBe('unknown');
    expect(clientKey('')).toBe('unknown');
    expect(clientKey('not an address')).toBe('not an address');
  });
});
