// Packet classes (contracts "Packet classes"): tcp | udp | icmp | other
// partition every frame, ipv4 | ipv6 by the outermost IP header, counted by
// what the headers announce, as the replay summary's layer counts do.
import { describe, expect, it } from 'vitest';
import { countedLayers } from '../../../lib/capture/layer-counts.js';
import { ERROR_LAYER, FRAG, L3, LAYER } from '../../../lib/capture/layout.js';
import { CLASS_NAMES } from '../../../lib/stats/index.js';
import { CLS, ipClass, protocolClass } from '../../../lib/stats/classes.js';

const V4 = LAYER.ethernet | LAYER.ipv4;
const V6 = LAYER.ethernet | LAYER.ipv6;

describe('packet classes: hostile rows', () => {
  it('non-IP rows are other and have no IP class, whatever the other columns say', () => {
    expect(protocolClass(LAYER.ethernet | LAYER.arp, L3.arp, 6, 0)).toBe(CLS.other);
    expect(protocolClass(0, L3.none, 17, 0)).toBe(CLS.other);
    expect(protocolClass(LAYER.tcp, L3.other, 6, 0)).toBe(CLS.other); // stray bits do not make it TCP
    expect(ipClass(L3.arp)).toBe(-1);
    expect(ipClass(L3.none)).toBe(-1);
    expect(ipClass(L3.other)).toBe(-1);
  });

  it('an IP header that did not decode is still ipv4/ipv6, but its protocol field is not trusted: other', () => {
    expect(ipClass(L3.ipv4)).toBe(CLS.ipv4);
    expect(protocolClass(LAYER.ethernet, L3.ipv4, 6, 0)).toBe(CLS.other);
    expect(protocolClass(LAYER.ethernet, L3.ipv6, 17, 0)).toBe(CLS.other);
  });

  it('non-first fragments are other; first fragments count as their protocol', () => {
    expect(protocolClass(V4, L3.ipv4, 17, FRAG.fragment)).toBe(CLS.other);
    expect(protocolClass(V4, L3.ipv4, 17, FRAG.fragment | FRAG.more)).toBe(CLS.other);
    expect(protocolClass(V6, L3.ipv6, 6, FRAG.fragment)).toBe(CLS.other);
    expect(protocolClass(V4 | LAYER.udp, L3.ipv4, 17, FRAG.fragment | FRAG.first | FRAG.more)).toBe(CLS.udp);
  });

  it('a TCP header cut by the snaplen (no tcp bit) still counts as tcp', () => {
    expect(protocolClass(V4, L3.ipv4, 6, 0)).toBe(CLS.tcp);
  });
});

describe('packet classes', () => {
  it('CLASS_NAMES is the contract order and CLS indexes it', () => {
    expect(CLASS_NAMES).toEqual(['ipv4', 'ipv6', 'tcp', 'udp', 'icmp', 'other']);
    for (const [name, index] of Object.entries(CLS)) expect(CLASS_NAMES[index]).toBe(name);
  });

  it('ICMP and ICMPv6 are icmp over either IP version; other protocols are other', () => {
    expect(protocolClass(V4 | LAYER.icmp, L3.ipv4, 1, 0)).toBe(CLS.icmp);
    expect(protocolClass(V6 | LAYER.icmpv6, L3.ipv6, 58, 0)).toBe(CLS.icmp);
    expect(protocolClass(V6, L3.ipv6, 1, 0)).toBe(CLS.icmp);
    expect(protocolClass(V4, L3.ipv4, 47, 0)).toBe(CLS.other); // GRE
    expect(protocolClass(V6, L3.ipv6, 132, 0)).toBe(CLS.other); // SCTP
  });

  it('agrees with the replay summary (countedLayers) on every combination of columns', () => {
    const layerSets = [0, LAYER.ethernet, V4, V6, V4 | LAYER.tcp, V4 | LAYER.udp, V6 | LAYER.icmpv6, LAYER.ethernet | LAYER.arp];
    const l3s = [L3.none, L3.arp, L3.ipv4, L3.ipv6, L3.other];
    const protos = [0, 1, 6, 17, 47, 58, 132];
    const frags = [0, FRAG.fragment, FRAG.fragment | FRAG.first, FRAG.fragment | FRAG.more];
    let checked = 0;
    for (const layers of layerSets) {
      for (const l3 of l3s) {
        for (const proto of protos) {
          for (const frag of frags) {
            const b = countedLayers(layers, l3, proto, frag, ERROR_LAYER.none);
            const want =
              b & LAYER.tcp ? CLS.tcp : b & LAYER.udp ? CLS.udp : b & (LAYER.icmp | LAYER.icmpv6) ? CLS.icmp : CLS.other;
            expect(protocolClass(layers, l3, proto, frag)).toBe(want);
            const ip = b & LAYER.ipv4 ? CLS.ipv4 : b & LAYER.ipv6 ? CLS.ipv6 : -1;
            expect(ipClass(l3)).toBe(ip);
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(8 * 5 * 7 * 4);
  });
});
