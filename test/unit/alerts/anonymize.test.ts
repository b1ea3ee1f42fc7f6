// Webhook anonymization: every address becomes a keyed token, the same address
// (whatever its spelling) the same token; nothing else in a reason changes.
import { describe, expect, it } from 'vitest';
import { createAnonymizer, type AlertEvent } from '../../../lib/alerts/index.js';

const KEY = 'anonymize-key-0123456789';

function event(o: Partial<AlertEvent>): AlertEvent {
  return { id: 1, rule: 'r', kind: 'anomaly', severity: 'info', state: 'firing', value: 1, reason: '', started_at: 1, time: 1, ...o };
}

describe('createAnonymizer', () => {
  const anon = createAnonymizer(KEY);

  it('leaves what only looks like an address alone', () => {
    const reason = 'moved 4.18 MB in the hour from 04:00 UTC so far, z = 14.4, tcp/443, 1.2.3, 999.1.1.1, ::g, deadbeef, 10.0.0.256';
    expect(anon(event({ reason })).reason).toBe(reason);
  });

  it('replaces IPv4, IPv6 and MAC addresses in the reason, host and peer, keeping the rest', () => {
    const e = anon(
      event({
        host: '10.0.0.5',
        peer: '2001:db8::bad',
        source: 'eth0',
        reason: '10.0.0.5 contacted 2001:db8::bad (tcp/443) via 02:00:00:00:00:0a, then fe80::1: and 192.0.2.1.',
      }),
    );
    const tokens = e.reason.match(/anon-[0-9a-f]{16}/g)!;
    expect(tokens).toHaveLength(5);
    expect(new Set(tokens).size).toBe(5);
    expect(e.reason).toMatch(/^anon-[0-9a-f]{16} contacted anon-[0-9a-f]{16} \(tcp\/443\) via anon-[0-9a-f]{16}, then anon-[0-9a-f]{16}: and anon-[0-9a-f]{16}\.$/);
    expect(e.host).toBe(tokens[0]);
    expect(e.peer).toBe(tokens[1]);
    expect(e.source).toBe('eth0');
    expect(JSON.stringify(e)).not.toMatch(/10\.0\.0\.5|2001:db8|02:00:00|fe80|192\.0\.2/);
  });

  it('one address, one token, whatever the spelling; another key, other tokens', () => {
    const a = anon(event({ host: '10.0.0.5', peer: '2001:db8::1' }));
    const b = anon(event({ host: '::ffff:10.0.0.5', peer: '2001:0DB8:0:0:0:0:0:1' }));
    expect(b.host).toBe(a.host);
    expect(b.peer).toBe(a.peer);
    const other = createAnonymizer('another-key-0123456789')(event({ host: '10.0.0.5' }));
    expect(other.host).not.toBe(a.host);
  });

  it('does not change the event it was given', () => {
    const original = event({ host: '10.0.0.5', reason: '10.0.0.5' });
    anon(original);
    expect(original).toMatchObject({ host: '10.0.0.5', reason: '10.0.0.5' });
  });
});
