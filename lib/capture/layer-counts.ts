// Per-layer frame counts of DESIGN §7 (the `replay --json` summary's `packets`,
// `bytes`, `layers` and `errors`), accumulated batch by batch without allocating.
//
// DESIGN §7 counts a frame by the outermost layers it CARRIES, like `bytes` counts
// wire lengths: a snaplen cut or a broken header does not make a frame stop being
// TCP/IPv4. So the counts follow what each layer ANNOUNCES (the `l3` and
// `ip_proto` columns), not only the LAYER bits, which the parser sets for a header
// only when its fixed part was captured and valid (see countedLayers()). This is
// also what tshark counts: a TCP header cut to 2 bytes by the snaplen is still
// `tcp` in its frame.protocols.
//  - packets: every row; bytes: the sum of wire (original) lengths.
//  - ethernet: the link bit (set for every frame of link type 1).
//  - vlan: frames with a VLAN tag (decoded, or announced and cut).
//  - arp, ipv4, ipv6: by `l3`; other: `l3` none of these (non-IP Ethertypes, LLC,
//    unsupported link types, frames too short for their link header).
//  - tcp, udp, icmp, icmpv6: the protocol the outermost IP header (after any IPv6
//    extension headers) announces, when that IP header decoded and the frame is
//    not a non-first fragment. ICMP is protocol 1, ICMPv6 58, whatever the IP version.
//  - errors: rows by ERROR_KIND (the first problem the parser met in the frame).
import type { Batch } from './batch.js';
import { ERROR_KIND, ERROR_LAYER, FRAG, L3, LAYER } from './layout.js';

const IP_TCP = 6;
const IP_UDP = 17;
const IP_ICMP = 1;
const IP_ICMPV6 = 58;

/**
 * The LAYER bits a row counts in (DESIGN §7), from its columns. A superset of the
 * row's own ethernet/vlan/arp/ipv4/ipv6/tcp/udp/icmp/icmpv6 bits: it adds the
 * layers that were announced but whose header is cut or invalid.
 */
export function countedLayers(layers: number, l3: number, ipProto: number, frag: number, errorLayer: number): number {
  let bits = layers & LAYER.ethernet;
  if (layers & LAYER.vlan || errorLayer === ERROR_LAYER.vlan) bits |= LAYER.vlan;
  if (l3 === L3.arp) bits |= LAYER.arp;
  else if (l3 === L3.ipv4 || l3 === L3.ipv6) {
    bits |= l3 === L3.ipv4 ? LAYER.ipv4 : LAYER.ipv6;
    const nonFirstFragment = (frag & (FRAG.fragment | FRAG.first)) === FRAG.fragment;
    if (layers & (LAYER.ipv4 | LAYER.ipv6) && !nonFirstFragment) {
      if (ipProto === IP_TCP) bits |= LAYER.tcp;
      else if (ipProto === IP_UDP) bits |= LAYER.udp;
      else if (ipProto === IP_ICMP) bits |= LAYER.icmp;
      else if (ipProto === IP_ICMPV6) bits |= LAYER.icmpv6;
    }
  }
  return bits;
}

export interface LayerCountsJSON {
  packets: number;
  bytes: number;
  layers: {
    ethernet: number;
    vlan: number;
    arp: number;
    ipv4: number;
    ipv6: number;
    tcp: number;
    udp: number;
    icmp: number;
    icmpv6: number;
    other: number;
  };
  errors: { truncated: number; malformed: number; unsupported_link: number };
}

export class LayerCounts {
  packets = 0;
  bytes = 0;
  ethernet = 0;
  vlan = 0;
  arp = 0;
  ipv4 = 0;
  ipv6 = 0;
  tcp = 0;
  udp = 0;
  icmp = 0;
  icmpv6 = 0;
  other = 0;
  truncated = 0;
  malformed = 0;
  unsupportedLink = 0;

  /** Adds every row of `batch`. */
  add(batch: Batch): void {
    const rows = batch.rows;
    const layers = batch.layers;
    const l3 = batch.l3;
    const ipProto = batch.ipProto;
    const frag = batch.frag;
    const error = batch.error;
    const errorLayer = batch.errorLayer;
    const wireLen = batch.wireLen;
    let bytes = 0;
    for (let i = 0; i < rows; i++) {
      bytes += wireLen[i]!;
      const b = countedLayers(layers[i]!, l3[i]!, ipProto[i]!, frag[i]!, errorLayer[i]!);
      if (b & LAYER.ethernet) this.ethernet++;
      if (b & LAYER.vlan) this.vlan++;
      if (b & LAYER.arp) this.arp++;
      else if (b & LAYER.ipv4) this.ipv4++;
      else if (b & LAYER.ipv6) this.ipv6++;
      else this.other++;
      if (b & LAYER.tcp) this.tcp++;
      else if (b & LAYER.udp) this.udp++;
      else if (b & LAYER.icmp) this.icmp++;
      else if (b & LAYER.icmpv6) this.icmpv6++;
      switch (error[i]) {
        case ERROR_KIND.truncated: this.truncated++; break;
        case ERROR_KIND.malformed: this.malformed++; break;
        case ERROR_KIND.unsupported_link: this.unsupportedLink++; break;
      }
    }
    this.packets += rows;
    this.bytes += bytes;
  }

  /** Back to zero, to reuse the accumulator. */
  reset(): void {
    this.packets = this.bytes = 0;
    this.ethernet = this.vlan = this.arp = this.ipv4 = this.ipv6 = 0;
    this.tcp = this.udp = this.icmp = this.icmpv6 = this.other = 0;
    this.truncated = this.malformed = this.unsupportedLink = 0;
  }

  toJSON(): LayerCountsJSON {
    return {
      packets: this.packets,
      bytes: this.bytes,
      layers: {
        ethernet: this.ethernet,
        vlan: this.vlan,
        arp: this.arp,
        ipv4: this.ipv4,
        ipv6: this.ipv6,
        tcp: this.tcp,
        udp: this.udp,
        icmp: this.icmp,
        icmpv6: this.icmpv6,
        other: this.other,
      },
      errors: { truncated: this.truncated, malformed: this.malformed, unsupported_link: this.unsupportedLink },
    };
  }
}
