// securityHeaders must answer with exactly the headers helmet itself sets,
// compared over real HTTP on loopback.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { describe, expect, it } from 'vitest';
import { SECURITY_POLICY, securityHeaderSet, securityHeaders } from '../../../lib/api/security-headers.js';

/** The headers of GET / from an app that runs `middleware`, without the ones every answer has. */
async function headersOf(middleware: express.RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(middleware);
  app.get('/', (_req, res) => res.json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const out: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      if (!['date', 'connection', 'keep-alive', 'content-length', 'content-type'].includes(name)) out[name] = value;
    });
    return out;
  } finally {
    server.close();
  }
}

describe('securityHeaders', () => {
  const policies: Array<[string, HelmetOptions]> = [
    ["wirewatch's policy", SECURITY_POLICY],
    ["helmet's defaults", {}],
    ['HSTS on, frames denied', { strictTransportSecurity: { maxAge: 600 }, xFrameOptions: { action: 'deny' } }],
  ];
  it.each(policies)('%s: the same headers as helmet, with the same values', async (_name, policy) => {
    const expected = await headersOf(helmet(policy));
    expect(Object.keys(expected).length).toBeGreaterThan(8);
    expect(await headersOf(securityHeaders(securityHeaderSet(policy)))).toEqual(expected);
  });

  it("wirewatch's policy: same-origin CSP without unsafe sources, no HSTS", async () => {
    const h = await headersOf(securityHeaders(securityHeaderSet(SECURITY_POLICY)));
    expect(h['content-security-policy']).toContain("default-src 'self'");
    expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(h['content-security-policy']).not.toMatch(/unsafe|https:|data:/);
    expect(h['strict-transport-security']).toBeUndefined();
    expect(h['x-content-type-options']).toBe('nosniff');
  });
});
