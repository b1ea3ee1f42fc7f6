// tshark's frame.protocols cut down to the layers DESIGN §7 counts, as LAYER
// bits: the outermost link layer (only `eth` has a counter), the VLAN tags right
// after it, ARP or the FIRST IP header, and the L4 protocol that this IP header
// carries directly (IPv6 extension headers in between allowed). Anything else
// ends the walk: headers quoted in ICMP errors, tunnel payloads, and layers
// behind LLC/SNAP, MPLS, PPPoE... are not ours to count.
import { LAYER } from '../../lib/index.js';

/** The layers compared per frame (LAYER bits with a `layers` counter in DESIGN §7). */
export const COMPARED = [
  'ethernet', 'vlan', 'arp', 'ipv4', 'ipv6', 'tcp', 'udp', 'icmp', 'icmpv6',
] as const satisfies readonly (keyof typeof LAYER)[];
export type Compared = (typeof COMPARED)[number];
export const COMPARED_MASK = COMPARED.reduce((m, k) => m | LAYER[k], 0);

/** tshark names of the IPv6 extension headers the walk may cross. */
export const IPV6_EXTENSIONS = new Set(['ipv6.hopopts', 'ipv6.routing', 'ipv6.fraghdr', 'ipv6.dstopts', 'ipv6.shim6', 'ah']);
const LINK_GLUE = new Set(['ethertype']);
const VLAN = new Set(['vlan', 'ieee8021ad']);
const L4: Record<string, number> = { tcp: LAYER.tcp, udp: LAYER.udp, icmp: LAYER.icmp, icmpv6: LAYER.icmpv6 };

export interface Outermost {
  /** LAYER bits (COMPARED only). */
  bits: number;
  /**
   * Index of the last token our parser decodes the bytes of: the walk above plus
   * `ethertype` glue, LLC presence, ARP (tshark's `atmarp` is the same ARP
   * packet) and IPv6 extension headers. A malformation tshark reports beyond
   * it is in a protocol we do not decode.
   */
  scopeEnd: number;
  tokens: string[];
}

export function outermost(protocols: string): Outermost {
  const tokens = protocols.split(':');
  let bits = 0;
  let scopeEnd = 0; // the first token is the link layer (eth, sll, null, raw, ...)
  if (tokens[0] === 'eth') bits |= LAYER.ethernet;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (LINK_GLUE.has(t)) {
      scopeEnd = i;
      continue;
    }
    if (VLAN.has(t)) {
      bits |= LAYER.vlan;
      scopeEnd = i;
      continue;
    }
    if (t === 'llc') {
      scopeEnd = i;
      break;
    }
    if (t === 'arp') {
      bits |= LAYER.arp;
      scopeEnd = tokens[i + 1] === 'atmarp' ? i + 1 : i;
      break;
    }
    if (t === 'ip' || t === 'ipv6') {
      bits |= t === 'ip' ? LAYER.ipv4 : LAYER.ipv6;
      let j = i + 1;
      while (j < tokens.length && IPV6_EXTENSIONS.has(tokens[j]!)) j++;
      scopeEnd = j - 1;
      const l4 = L4[tokens[j] ?? ''];
      if (l4 !== undefined) {
        bits |= l4;
        scopeEnd = j;
      }
      break;
    }
    break;
  }
  return { bits, scopeEnd, tokens };
}

/** Names of the COMPARED layers in `bits`. */
export function layerNames(bits: number): Compared[] {
  return COMPARED.filter((k) => bits & LAYER[k]);
}
