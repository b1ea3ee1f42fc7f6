// The request guards as plain functions: the loopback check of open mode is
// also exercised over real HTTP (test/integration/api/auth.test.ts); here its
// inputs are spelled out, including the proxy case.
import { describe, expect, it } from 'vitest';
import { hasRole, isLocalRequest, isLoopbackHost, readCookie } from '../../../lib/api/auth/access.js';

const req = (remote: string | undefined, ip?: string) => ({ socket: { remoteAddress: remote }, ip }) as never;

describe('isLocalRequest', () => {
  it('needs a loopback peer', () => {
    expect(isLocalRequest(req('127.0.0.1'), false)).toBe(true);
    expect(isLocalRequest(req('::ffff:127.0.0.1'), false)).toBe(true);
    expect(isLocalRequest(req('::1'), false)).toBe(true);
    expect(isLocalRequest(req('192.0.2.2'), false)).toBe(false);
    expect(isLocalRequest(req(undefined), false)).toBe(false); // a destroyed socket
  });

  it('behind a trusted proxy, the forwarded client must be loopback too', () => {
    expect(isLocalRequest(req('127.0.0.1', '203.0.113.9'), true)).toBe(false);
    expect(isLocalRequest(req('127.0.0.1', '127.0.0.1'), true)).toBe(true);
    // without trust, a forwarded address is not looked at (and cannot help a remote peer)
    expect(isLocalRequest(req('127.0.0.1', '203.0.113.9'), false)).toBe(true);
    expect(isLocalRequest(req('203.0.113.9', '127.0.0.1'), true)).toBe(false);
  });
});

describe('readCookie', () => {
  it('finds the cookie among others and ignores look-alikes', () => {
    expect(readCookie('a=1; wirewatch_session=abc; b=2', 'wirewatch_session')).toBe('abc');
    expect(readCookie('xwirewatch_session=abc', 'wirewatch_session')).toBeUndefined();
    expect(readCookie('wirewatch_session', 'wirewatch_session')).toBeUndefined();
    expect(readCookie(undefined, 'wirewatch_session')).toBeUndefined();
    expect(readCookie(`a=${'x'.repeat(9000)}; wirewatch_session=abc`, 'wirewatch_session')).toBeUndefined();
  });
});

describe('roles', () => {
  it('admin includes viewer', () => {
    expect(hasRole({ kind: 'token', name: 't', role: 'admin' }, 'viewer')).toBe(true);
    expect(hasRole({ kind: 'token', name: 't', role: 'viewer' }, 'admin')).toBe(false);
  });
});

describe('isLoopbackHost (open mode: DNS rebinding)', () => {
  it('accepts localhost names and loopback addresses only', () => {
    for (const h of ['localhost', 'LOCALHOST', 'localhost.', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [undefined, '', 'localhost.evil.example', 'evil.example', 'localhostx', '192.0.2.2', '[fd00::2]', '0.0.0.0', '[::]']) expect(isLoopbackHost(h), String(h)).toBe(false);
  });
});
