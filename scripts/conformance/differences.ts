// Deliberate differences between wirewatch and libpcap/capinfos/tshark. Each
// entry must keep occurring exactly as written: a listed frame that no longer
// differs (or a rule that matches nothing in a full run) is reported as stale,
// and any difference not listed here fails `npm run conformance`.
//
// Checks (see scripts/conformance.ts):
//   capinfos      file: our packet count / wire bytes vs capinfos
//   timestamp     frame: our "sec.nnnnnnnnn" vs tshark frame.time_epoch
//   frame length  frame: our wire length vs tshark frame.len
//   layers        frame: our LAYER bits vs the outermost layers in tshark's frame.protocols
//   counted       frame: the layers LayerCounts counts (countedLayers()) vs the same
//   malformed     frame: tshark calls it malformed in a layer we decode, our row has no error
// For layers/counted, `diff` is the exact difference: "-tcp" = tshark counts tcp
// and we do not, "+vlan" = we count vlan and tshark does not.
//
import { LAYER } from '../../lib/index.js';

export type Check = 'capinfos' | 'timestamp' | 'frame length' | 'layers' | 'counted' | 'malformed';

export interface Facts {
  check: Check;
  file: string;
  /** 1-based frame number as tshark numbers them; 0 for file-level checks. */
  frame: number;
  /** tshark frame.protocols split on ':' ([] for file-level checks). */
  tokens: string[];
  /** Index of the last token our parser decodes the bytes of (see chain.ts). */
  scopeEnd: number;
  /** Link type of our row (file-level: of every row, or -1 when they differ). */
  linkType: number;
  /** Our row's LAYER bits (0 for file-level checks). */
  layers: number;
  /** check 'timestamp': both sides' "sec.nnnnnnnnn". */
  ourTime: string;
  tsharkTime: string;
  /** checks 'frame length' and 'capinfos': our and the reference's bytes, and the packets they cover. */
  ourBytes: number;
  refBytes: number;
  packets: number;
}

export interface FramesDifference {
  file: string;
  /** 1-based frames; omitted for file-level checks (capinfos). */
  frames?: number[];
  checks: Check[];
  /** checks 'layers'/'counted': the exact difference, e.g. "-tcp". */
  diff?: string;
  reason: string;
}

export interface RuleDifference {
  rule: string;
  checks: Check[];
  reason: string;
  applies: (f: Facts) => boolean;
}

export const RULES: RuleDifference[] = [
  {
    rule: 'malformed-beyond-our-layers',
    checks: ['malformed'],
    reason:
      'tshark found the malformation in a protocol above the layers we decode (application data, tunnel ' +
      'payloads, headers quoted in ICMP errors, Ethernet trailers): not ours to flag',
    applies: (f) => f.tokens.length - 1 > f.scopeEnd,
  },
  {
    rule: 'icmp-message-body',
    checks: ['malformed'],
    reason:
      'ICMP/ICMPv6: we decode type, code and checksum (4 bytes) and leave the message body (options, quoted ' +
      'packets) to payload; tshark flags malformed options there',
    applies: (f) => {
      const last = f.tokens[f.tokens.length - 1];
      return (last === 'icmp' && (f.layers & LAYER.icmp) !== 0) || (last === 'icmpv6' && (f.layers & LAYER.icmpv6) !== 0);
    },
  },
  {
    rule: 'pcapng-packet-without-timestamp',
    checks: ['timestamp'],
    reason: 'pcapng Simple Packet Blocks carry no timestamp: libpcap reports 0, tshark prints none',
    applies: (f) => f.tsharkTime === '' && f.ourTime === '0.000000000',
  },
  {
    rule: 'sunatm-pseudo-header',
    checks: ['capinfos', 'frame length'],
    reason:
      'SunATM (DLT 123): libpcap counts the 4-byte pseudo-header in the frame length, Wireshark moves it ' +
      'out of the frame; we count what libpcap reads',
    applies: (f) => f.linkType === 123 && f.ourBytes - f.refBytes === 4 * f.packets,
  },
];

const CUT =
  'header cut short of its fixed size (snaplen or a short frame): the parser sets a layer bit only for a ' +
  'captured fixed header (the row has error truncated at that layer); tshark lists the protocol anyway';
const BAD_IPV4 =
  'IPv4 header invalid (version not 4, or IHL < 5): malformed/ipv4, no bit; tshark still lists ip ' +
  '(and decodes a version-6 header as IPv6)';
const BAD_L4 =
  'L4 header invalid (TCP data offset < 5) or longer than the IP payload length: malformed at L4, no bit; ' +
  'tshark lists the protocol and flags it malformed';
const LENGTH_ZERO =
  'IP length field 0 (TSO / BIG TCP capture): the payload length cannot be known without guessing from the ' +
  'frame length, so the row is malformed (at ipv4, or at L4 for IPv6 payload length 0 without hop-by-hop) ' +
  'with no L4 bit; tshark guesses from the frame length';
const AH_IN_IPV4 = 'AH inside IPv4 is not walked (ip_proto 51, no L4): tshark decodes the ICMP after AH';
const LONG_V6_CHAIN =
  'IPv6 extension chain longer than 16 headers: malformed/ipv6_ext by design (bounds the walk); ' +
  'tshark walks all of them to UDP';
const IPV4_BAD_TOTAL_LENGTH =
  'IPv4 total length smaller than the header (invalid, malformed/ipv4): tshark stops at ip; LayerCounts still ' +
  'counts the protocol the decoded header announces';
const IPV6_BAD_VERSION =
  'Ethertype 0x86dd with IP version not 6 (malformed/ipv6): tshark\'s IPv6 dissector refuses it (data); ' +
  'LayerCounts counts what the Ethertype announces (l3 ipv6)';
const JUMBO_BEYOND_FRAME =
  'Jumbo Payload length (3858694210) larger than the frame: the parser never sees the wire length, so a ' +
  'length beyond the capture is not an error; other hop-by-hop options (a second, invalid Jumbo option, a ' +
  'CALIPSO option of bad length) are skipped, not validated';
const ATM_ARP =
  'ATM ARP (hardware type 19, RFC 2225) has its own variable address layout; the parser checks only the ' +
  'generic 2 x (hlen + plen) address bytes, which this frame satisfies';
const BAD_SUBSECOND =
  'sub-second field >= 1 s (invalid): we carry the excess into the seconds (exact 64-bit nanoseconds); ' +
  'tshark prints 10 fraction digits or wraps its 32-bit nanoseconds';

export const FRAMES: FramesDifference[] = [
  // --- headers cut short: LAYER bit clear, LayerCounts still counts the layer
  { file: 'fixtures/snaplen-96.pcap', frames: [112, 114, 115, 116, 118, 119, 120, 121, 122], checks: ['layers'], diff: '-tcp', reason: CUT },
  { file: 'tcpdump/ip_ts_opts_asan.pcap', frames: [1], checks: ['layers'], diff: '-icmp', reason: CUT },
  { file: 'tcpdump/ipv4_invalid_length.pcap', frames: [1], checks: ['layers'], diff: '-ipv4', reason: CUT },
  { file: 'tcpdump/ipv6_39_byte_header.pcap', frames: [1], checks: ['layers'], diff: '-ipv6', reason: CUT },
  { file: 'tcpdump/ipv6_invalid_length.pcap', frames: [1], checks: ['layers'], diff: '-ipv6', reason: CUT },
  { file: 'tcpdump/tcp_header_heapoverflow.pcap', frames: [1], checks: ['layers'], diff: '-tcp', reason: CUT },
  { file: 'tcpdump/udp-length-heapoverflow.pcap', frames: [1], checks: ['layers'], diff: '-udp', reason: CUT },
  // --- invalid headers
  { file: 'tcpdump/bad-ipv4-version-pgm-heapoverflow.pcap', frames: [1], checks: ['layers'], diff: '-ipv4', reason: BAD_IPV4 },
  { file: 'tcpdump/gre-heapoverflow-1.pcap', frames: [2], checks: ['layers'], diff: '-ipv4', reason: BAD_IPV4 },
  { file: 'tcpdump/ipv4_invalid_hdr_length.pcap', frames: [1], checks: ['layers'], diff: '-ipv4', reason: BAD_IPV4 },
  { file: 'tcpdump/kday1.pcap', frames: [1], checks: ['layers'], diff: '-ipv4', reason: BAD_IPV4 },
  { file: 'tcpdump/kday3.pcap', frames: [2], checks: ['layers'], diff: '-ipv4', reason: BAD_IPV4 },
  { file: 'gopacket/layers__testdata__linux_sll_oversized_addr.pcapng', frames: [95], checks: ['layers'], diff: '-tcp', reason: BAD_L4 },
  { file: 'tcpdump/icmp-icmp_print-oobr-1.pcap', frames: [1], checks: ['layers'], diff: '-icmp', reason: BAD_L4 },
  // --- IP length 0 (TSO / BIG TCP)
  { file: 'tcpdump/bigtcp-ipv4.pcap', frames: [1], checks: ['layers'], diff: '-tcp', reason: LENGTH_ZERO },
  { file: 'tcpdump/bigtcp-ipv4-geneve-ipv4.pcap', frames: [1], checks: ['layers'], diff: '-udp', reason: LENGTH_ZERO },
  { file: 'tcpdump/bigtcp-ipv4-geneve-ipv6.pcap', frames: [1], checks: ['layers'], diff: '-udp', reason: LENGTH_ZERO },
  { file: 'tcpdump/bigtcp-ipv4-vxlan-ipv4.pcap', frames: [1], checks: ['layers'], diff: '-udp', reason: LENGTH_ZERO },
  { file: 'tcpdump/bigtcp-ipv4-vxlan-ipv6.pcap', frames: [1], checks: ['layers'], diff: '-udp', reason: LENGTH_ZERO },
  { file: 'tcpdump/bigtcp-ipv6.pcap', frames: [1], checks: ['layers'], diff: '-tcp', reason: LENGTH_ZERO },
  { file: 'tcpdump/bigtcp-ipv6-geneve-ipv4.pcap', frames: [1], checks: ['layers'], diff: '-udp', reason: LENGTH_ZERO },
  { file: 'tcpdump/bigtcp-ipv6-geneve-ipv6.pcap', frames: [1], checks: ['layers'], diff: '-udp', reason: LENGTH_ZERO },
  { file: 'tcpdump/bigtcp-ipv6-vxlan-ipv4.pcap', frames: [1], checks: ['layers'], diff: '-udp', reason: LENGTH_ZERO },
  { file: 'tcpdump/bigtcp-ipv6-vxlan-ipv6.pcap', frames: [1], checks: ['layers'], diff: '-udp', reason: LENGTH_ZERO },
  { file: 'tcpdump/icmp-length-zero.pcapng', frames: [1], checks: ['layers'], diff: '-icmp', reason: LENGTH_ZERO },
  { file: 'tcpdump/icmpv6-length-zero.pcapng', frames: [1], checks: ['layers'], diff: '-icmpv6', reason: LENGTH_ZERO },
  { file: 'tcpdump/ipv4_tcp_http_xml_tso.pcap', frames: [1], checks: ['layers'], diff: '-tcp', reason: LENGTH_ZERO },
  // --- not walked
  { file: 'libpcap/filter__ah-ipip-ping.pcap', frames: [1], checks: ['layers', 'counted'], diff: '-icmp', reason: AH_IN_IPV4 },
  { file: 'libpcap/filter__ipv6_ext_headers.pcap', frames: [1], checks: ['layers', 'counted'], diff: '-udp', reason: LONG_V6_CHAIN },
  // --- counted by announcement where tshark does not count
  { file: 'tcpdump/ipv4_invalid_total_length_2.pcap', frames: [1], checks: ['counted'], diff: '+udp', reason: IPV4_BAD_TOTAL_LENGTH },
  { file: 'tcpdump/ipv6-bad-version.pcap', frames: [2, 4], checks: ['counted'], diff: '+ipv6', reason: IPV6_BAD_VERSION },
  // --- malformed in a way the parser does not look at
  { file: 'tcpdump/ipv6-too-long-jumbo.pcap', frames: [1], checks: ['malformed'], reason: JUMBO_BEYOND_FRAME },
  // --- timestamps
  { file: 'tcpdump/timestamp_invalid_micro.pcap', frames: [2, 3], checks: ['timestamp'], reason: BAD_SUBSECOND },
  { file: 'tcpdump/timestamp_invalid_nano.pcap', frames: [2], checks: ['timestamp'], reason: BAD_SUBSECOND },
  { file: 'tcpdump/timestamp_invalid_nano.pcap', frames: [3], checks: ['timestamp'], reason: BAD_SUBSECOND },
  { file: 'tcpdump/rx_serviceid_oobr.pcap', frames: [2], checks: ['timestamp'], reason: BAD_SUBSECOND },
  { file: 'tcpdump/atm-oam-loopback-print-overrun.pcap', frames: [1], checks: ['timestamp'], reason: BAD_SUBSECOND },
  // --- ARP variants whose address layout we do not decode
  { file: 'tcpdump/arp-oobr.pcap', frames: [1166], checks: ['malformed'], reason: ATM_ARP },
];
