// Packet parser: link layer → VLAN → L3 → L4. See parser.hpp for the contract.
//
// Reading rules (what the columns mean, decided here):
//  - `l3` and `ip_proto` say what the enclosing layer ANNOUNCES (ethertype / AF /
//    IP protocol after the extension chain); a layer bit above the link layer says
//    that layer's fixed header was CAPTURED and structurally valid, so its fields
//    in the row are meaningful. A frame whose IPv4 header is cut has l3=kL3Ipv4,
//    no kHasIpv4. tshark counts a layer as soon as the layer below hands over to
//    it, even with 0 bytes left; counting by l3/ip_proto comes closer to that.
//  - The link bits (kHasEthernet, kHasSll, kHasNull) follow the link type: set
//    for every frame of that DLT, even one too short for the link header (the
//    error column says so; no row field comes from the link header). This is
//    also how tshark counts "eth".
//  - A layer whose fixed part decoded but whose variable part is bad keeps its bit
//    and fields and carries the error: IPv4 options cut (truncated, kLayerIpv4),
//    TCP options cut (truncated, kLayerTcp, ports and flags still set).
//  - A header must fit first in what its parent DECLARES (IP total/payload length:
//    else kErrMalformed), then in what was CAPTURED (else kErrTruncated). The
//    first check does not depend on snaplen, so it wins when both fail.
//  - payload_len: the L4 payload when the L4 header fully validated; otherwise the
//    IP payload (after IPv4 options / the IPv6 extension chain) when the IP header
//    and chain validated (non-first fragments, other protocols, L4 errors);
//    otherwise 0. Always from the IP length fields, never from caplen.
//  - Fixed-part sizes: Ethernet 14, VLAN 4, LLC 3, SLL 16, SLL2 20, null 4, ARP 8
//    (plus the 2 x (hlen + plen) address bytes it announces, else kErrMalformed),
//    IPv4 20, IPv6 40, each IPv6 extension 8, TCP 20, UDP 8, ICMP/ICMPv6 4 (type,
//    code, checksum; the 4 message-specific bytes count as ICMP payload).
//  - Lengths we cannot know without the wire length are errors: IPv4 total length
//    0 (TSO / BIG TCP captures, which Wireshark guesses from the frame length) is
//    kErrMalformed at kLayerIpv4. IPv6 payload length 0 with a hop-by-hop header
//    reads the RFC 2675 Jumbo Payload option; without a valid one the payload is
//    0 bytes long, so the first header after the chain (an extension or the L4
//    header) is kErrMalformed at its own layer. An IP length larger than the capture is never an error (the
//    parser cannot tell a snaplen cut from a lie).
//  - Not walked: AH inside IPv4 (ip_proto 51), tunnels (GRE, IP-in-IP, ...).
#include "parser.hpp"

#include <cstring>

#include "views.hpp"

namespace wirewatch {

using namespace parse;

namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherArp = 0x0806;
constexpr uint16_t kEtherRarp = 0x8035;  // same packet format as ARP
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88a8;
constexpr uint16_t kEtherQinQOld = 0x9100;
constexpr uint16_t kMaxLengthField = 1500;  // 802.3: type field <= 1500 is a length
constexpr uint16_t kSllProto8022 = 0x0004;  // SLL protocol: 802.2 LLC frame
constexpr uint16_t kFirstEthertype = 0x0600;

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoFragment = 44;
constexpr uint8_t kProtoIcmpv6 = 58;
constexpr uint8_t kProtoNoNext = 59;
constexpr uint8_t kProtoHopByHop = 0;

// IPv6 extension headers walked before giving up (each is >= 8 bytes, so the walk
// always advances; this only caps the time spent on a garbage chain).
constexpr int kMaxIpv6Extensions = 16;

inline void fail(ParsedPacket& out, ErrorKind kind, ErrorLayer layer) {
  out.error = kind;
  out.error_layer = layer;
}

inline void set_v4_mapped(uint8_t* dst16, const uint8_t* v4) {
  for (int i = 0; i < 10; i++) dst16[i] = 0;
  dst16[10] = 0xff;
  dst16[11] = 0xff;
  dst16[12] = v4[0];
  dst16[13] = v4[1];
  dst16[14] = v4[2];
  dst16[15] = v4[3];
}

inline void copy16(uint8_t* dst, const uint8_t* src) {
  for (int i = 0; i < 16; i++) dst[i] = src[i];
}

// L4 header directly carried by the outermost IP header. `avail` = captured bytes
// from the L4 header on, `declared` = IP payload length from the IP length fields.
inline void parse_l4(const uint8_t* p, uint32_t avail, uint32_t declared, ParsedPacket& out) {
  switch (out.ip_proto) {
    case kProtoTcp: {
      if (declared < TcpView::kLen) return fail(out, kErrMalformed, kLayerTcp);
      TcpView t;
      if (ErrorKind e = TcpView::from_bytes(p, avail, t)) return fail(out, e, kLayerTcp);
      out.layers |= kHasTcp;
      out.src_port = t.src_port();
      out.dst_port = t.dst_port();
      out.tcp_flags = t.flags();
      const uint32_t hl = t.header_len();
      if (hl > declared) return fail(out, kErrMalformed, kLayerTcp);
      if (hl > avail) return fail(out, kErrTruncated, kLayerTcp);  // options cut
      out.payload_len = declared - hl;
      return;
    }
    case kProtoUdp: {
      if (declared < UdpView::kLen) return fail(out, kErrMalformed, kLayerUdp);
      UdpView u;
      if (ErrorKind e = UdpView::from_bytes(p, avail, u)) return fail(out, e, kLayerUdp);
      out.layers |= kHasUdp;
      out.src_port = u.src_port();
      out.dst_port = u.dst_port();
      // Length 0 is legal only in an IPv6 jumbogram (RFC 2675).
      const uint16_t ulen = u.length();
      if (ulen < UdpView::kLen && !(ulen == 0 && declared > 0xffff)) {
        return fail(out, kErrMalformed, kLayerUdp);
      }
      // A UDP length past the end of the IP payload cannot be right, except in
      // a first fragment, whose UDP length covers the whole datagram.
      if (ulen > declared && !(out.frag & kFragment)) return fail(out, kErrMalformed, kLayerUdp);
      out.payload_len = declared - UdpView::kLen;
      return;
    }
    case kProtoIcmp:
    case kProtoIcmpv6: {
      const bool v6 = out.ip_proto == kProtoIcmpv6;
      const ErrorLayer layer = v6 ? kLayerIcmpv6 : kLayerIcmp;
      if (declared < IcmpView::kLen) return fail(out, kErrMalformed, layer);
      IcmpView ic;
      if (ErrorKind e = IcmpView::from_bytes(p, avail, ic)) return fail(out, e, layer);
      out.layers |= v6 ? kHasIcmpv6 : kHasIcmp;
      out.src_port = ic.type();
      out.dst_port = ic.code();
      out.payload_len = declared - IcmpView::kLen;
      return;
    }
    default:
      return;  // other IP protocols: ip_proto only, payload_len = IP payload
  }
}

inline void parse_ipv4(const uint8_t* p, uint32_t n, ParsedPacket& out) {
  out.l3 = kL3Ipv4;
  Ipv4View ip;
  if (ErrorKind e = Ipv4View::from_bytes(p, n, ip)) return fail(out, e, kLayerIpv4);
  out.layers |= kHasIpv4;
  set_v4_mapped(out.src_addr, ip.src());
  set_v4_mapped(out.dst_addr, ip.dst());
  out.ip_proto = ip.protocol();
  const uint16_t off = ip.frag_offset();
  const bool mf = ip.more_fragments();
  if (mf || off != 0) {
    out.frag = uint8_t(kFragment | (off == 0 ? kFragFirst : 0) | (mf ? kFragMore : 0));
  }
  const uint32_t hl = ip.header_len();
  if (hl > n) return fail(out, kErrTruncated, kLayerIpv4);  // options cut
  const uint32_t tl = ip.total_len();
  if (tl < hl) return fail(out, kErrMalformed, kLayerIpv4);
  // Total length, not caplen: Ethernet padding after the datagram is not payload,
  // and a snaplen-cut datagram still reports its full payload.
  const uint32_t payload = tl - hl;
  out.payload_len = payload;
  if (off != 0) return;  // non-first fragment: no L4 header here
  parse_l4(p + hl, n - hl, payload, out);
}

// Jumbo Payload option (RFC 2675) inside a captured hop-by-hop header of `len`
// bytes. Returns false when there is none.
inline bool find_jumbo(const uint8_t* hbh, uint32_t len, uint32_t& value) {
  uint32_t i = 2;  // options start after next-header and length
  while (i < len) {
    const uint8_t type = hbh[i];
    if (type == 0) {  // Pad1
      i++;
      continue;
    }
    if (i + 1 >= len) return false;
    const uint32_t olen = hbh[i + 1];
    if (type == 0xc2 && olen == 4 && i + 6 <= len) {
      value = be32(hbh + i + 2);
      return true;
    }
    i += 2 + olen;
  }
  return false;
}

inline void parse_ipv6(const uint8_t* p, uint32_t n, ParsedPacket& out) {
  out.l3 = kL3Ipv6;
  Ipv6View ip;
  if (ErrorKind e = Ipv6View::from_bytes(p, n, ip)) return fail(out, e, kLayerIpv6);
  out.layers |= kHasIpv6;
  copy16(out.src_addr, ip.src());
  copy16(out.dst_addr, ip.dst());
  uint8_t nh = ip.next_header();
  out.ip_proto = nh;

  const uint8_t* q = p + Ipv6View::kLen;
  const uint32_t avail = n - Ipv6View::kLen;  // captured bytes after the fixed header
  // Payload length 0 with a hop-by-hop header may be a jumbogram: the real length
  // is in the Jumbo Payload option, read once that header is captured. Until then
  // nothing bounds the walk but the capture.
  uint64_t declared = ip.payload_len();
  bool jumbo_pending = declared == 0 && nh == kProtoHopByHop;
  if (jumbo_pending) declared = UINT64_MAX;

  uint32_t off = 0;  // extension bytes walked, relative to q
  for (int i = 0; Ipv6ExtView::is_extension(nh); i++) {
    if (i == kMaxIpv6Extensions) return fail(out, kErrMalformed, kLayerIpv6Ext);
    if (off + uint64_t(Ipv6ExtView::kLen) > declared) return fail(out, kErrMalformed, kLayerIpv6Ext);
    Ipv6ExtView x;
    if (ErrorKind e = Ipv6ExtView::from_bytes(q + off, avail - off, nh, x)) {
      return fail(out, e, kLayerIpv6Ext);
    }
    const uint32_t len = x.header_len();
    if (off + uint64_t(len) > declared) return fail(out, kErrMalformed, kLayerIpv6Ext);
    if (len > avail - off) return fail(out, kErrTruncated, kLayerIpv6Ext);
    if (jumbo_pending) {
      uint32_t jumbo = 0;
      declared = find_jumbo(q + off, len, jumbo) ? jumbo : 0;
      jumbo_pending = false;
      if (off + uint64_t(len) > declared) return fail(out, kErrMalformed, kLayerIpv6Ext);
    }
    nh = x.next_header();
    out.ip_proto = nh;
    off += len;
    if (x.kind == kProtoFragment) {
      const uint16_t foff = x.frag_offset();
      const bool mf = x.more_fragments();
      if (mf || foff != 0) {  // a second fragment header (nonsense, but seen) overrides the first
        out.frag = uint8_t(kFragment | (foff == 0 ? kFragFirst : 0) | (mf ? kFragMore : 0));
      }
      if (foff != 0) {  // non-first fragment: the rest is fragment data
        out.payload_len = uint32_t(declared - off);
        return;
      }
    }
  }
  // declared >= off here: every header was checked against it (and it is finite:
  // jumbo_pending only survives when the chain has no extension header, which
  // cannot happen since it starts with hop-by-hop).
  const uint32_t payload = uint32_t(declared - off);
  out.payload_len = payload;
  if (nh == kProtoNoNext) return;
  parse_l4(q + off, avail - off, payload, out);
}

inline void parse_arp(const uint8_t* p, uint32_t n, ParsedPacket& out) {
  out.l3 = kL3Arp;
  ArpView a;
  if (ErrorKind e = ArpView::from_bytes(p, n, a)) return fail(out, e, kLayerArp);
  out.layers |= kHasArp;
  // The addresses the lengths announce are missing. ARP frames are far below any
  // snaplen we accept, so this is a lying length rather than a capture cut.
  if (a.full_len() > n) return fail(out, kErrMalformed, kLayerArp);
}

// After an 802.3 length field (or SLL protocol 4): 802.2 LLC, not decoded further.
// Novell's "raw 802.3" puts IPX straight after the length (checksum 0xffff, never
// a valid DSAP/SSAP pair): that is an L3 of its own, not LLC.
inline void parse_llc(const uint8_t* p, uint32_t n, ParsedPacket& out) {
  LlcView llc;
  if (ErrorKind e = LlcView::from_bytes(p, n, llc)) return fail(out, e, kLayerLink);
  if (llc.is_novell_raw()) {
    out.l3 = kL3Other;
    return;
  }
  out.layers |= kHasLlc;
}

// Ethertype dispatch after a link header that may carry VLAN tags (Ethernet, SLL).
// `n` = captured bytes from the first byte after the type field.
inline void parse_ethertype(const uint8_t* p, uint32_t n, uint16_t type, ParsedPacket& out) {
  // Stacked tags: each iteration consumes 4 bytes, so the loop ends with the capture.
  while (type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld) {
    VlanView v;
    if (ErrorKind e = VlanView::from_bytes(p, n, v)) return fail(out, e, kLayerVlan);
    if (!(out.layers & kHasVlan)) {
      out.layers |= kHasVlan;
      out.vlan = v.vid();  // the outer tag
    }
    type = v.ethertype();
    p += VlanView::kLen;
    n -= VlanView::kLen;
  }
  switch (type) {
    case kEtherIpv4: return parse_ipv4(p, n, out);
    case kEtherIpv6: return parse_ipv6(p, n, out);
    case kEtherArp:
    case kEtherRarp: return parse_arp(p, n, out);
    default: break;
  }
  if (type <= kMaxLengthField) return parse_llc(p, n, out);
  out.l3 = kL3Other;
}

// SLL protocol field: an ethertype, except for the small values Linux uses for
// non-Ethernet payloads (802.2 LLC = 4; Novell raw 802.3, CAN, netlink family ...).
inline void parse_sll_protocol(const uint8_t* p, uint32_t n, uint16_t proto, ParsedPacket& out) {
  if (proto >= kFirstEthertype) return parse_ethertype(p, n, proto, out);
  if (proto == kSllProto8022) return parse_llc(p, n, out);
  out.l3 = kL3Other;
}

// BSD address family in a null/loop header.
inline void parse_af(const uint8_t* p, uint32_t n, uint32_t af, ParsedPacket& out) {
  switch (af) {
    case 2: return parse_ipv4(p, n, out);  // AF_INET everywhere
    case 24:                               // AF_INET6: NetBSD, OpenBSD, BSD/OS
    case 28:                               // FreeBSD, DragonFly
    case 30:                               // Darwin
      return parse_ipv6(p, n, out);
    default: out.l3 = kL3Other; return;
  }
}

}  // namespace

void parse_packet(const uint8_t* data, uint32_t caplen, uint32_t link_type, ParsedPacket& out) {
  std::memset(&out, 0, sizeof out);  // every field, and the padding, to zero
  if (data == nullptr) caplen = 0;
  switch (link_type) {
    case 1: {  // DLT_EN10MB
      EthernetView e;
      out.layers |= kHasEthernet;
      if (ErrorKind err = EthernetView::from_bytes(data, caplen, e)) return fail(out, err, kLayerLink);
      return parse_ethertype(data + EthernetView::kLen, caplen - EthernetView::kLen, e.ethertype(), out);
    }
    case 113: {  // DLT_LINUX_SLL
      SllView s;
      out.layers |= kHasSll;
      if (ErrorKind err = SllView::from_bytes(data, caplen, s)) return fail(out, err, kLayerLink);
      return parse_sll_protocol(data + SllView::kLen, caplen - SllView::kLen, s.protocol(), out);
    }
    case 276: {  // DLT_LINUX_SLL2
      Sll2View s;
      out.layers |= kHasSll;
      if (ErrorKind err = Sll2View::from_bytes(data, caplen, s)) return fail(out, err, kLayerLink);
      return parse_sll_protocol(data + Sll2View::kLen, caplen - Sll2View::kLen, s.protocol(), out);
    }
    case 0:      // DLT_NULL: AF in the writer's byte order
    case 108: {  // DLT_LOOP: AF in network byte order
      NullView v;
      out.layers |= kHasNull;
      if (ErrorKind err = NullView::from_bytes(data, caplen, v)) return fail(out, err, kLayerLink);
      const uint32_t af = link_type == 0 ? v.af_host_order() : v.af_network_order();
      return parse_af(data + NullView::kLen, caplen - NullView::kLen, af, out);
    }
    case 101:  // LINKTYPE_RAW
    case 12:   // DLT_RAW (most platforms)
    case 14: {  // DLT_RAW (OpenBSD)
      if (caplen == 0) return fail(out, kErrTruncated, kLayerLink);
      switch (data[0] >> 4) {
        case 4: return parse_ipv4(data, caplen, out);
        case 6: return parse_ipv6(data, caplen, out);
        default: return fail(out, kErrMalformed, kLayerLink);  // neither IPv4 nor IPv6
      }
    }
    default:
      return fail(out, kErrUnsupportedLink, kLayerLink);
  }
}

namespace {

// One multiply-xorshift round (both halves are bijections of h for a fixed w, so
// no input word can collapse the state).
inline uint64_t mix_round(uint64_t h, uint64_t w) {
  h ^= w;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 31);
}

// One (address, port) endpoint → 64 well-mixed bits (splitmix64-style finaliser).
inline uint64_t endpoint_hash(uint64_t addr_hi, uint64_t addr_lo, uint32_t port) {
  uint64_t x = addr_hi * 0xd6e8feb86659fd93ull ^ addr_lo;
  x = (x ^ (x >> 32)) * 0x9e3779b97f4a7c15ull ^ port;
  x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ull;
  return x ^ (x >> 32);
}

}  // namespace

// Hash input, in this order: seed, then the two (address, port) endpoints ordered
// so the smaller one comes first (address compared as two big-endian 64-bit
// words, then port), then (source_id, vlan, ip_proto) and the two ports.
// ICMP/ICMPv6 rows hash with ports 0 (type/code are not an endpoint: echo request
// and reply must land in the same bucket whatever key the flow table uses).
// Non-IP rows have zero addresses and ports, so they hash to a per-(source, vlan)
// constant. The value depends only on these bytes (no per-process seed), so it is
// the same across runs and hosts; the flow table must bound probe lengths itself.
uint32_t flow_hash(uint16_t source_id, const ParsedPacket& p) {
  // Each endpoint is hashed on its own and the two are combined with
  // symmetric operations (sum and xor), so swapping them gives the same value
  // without a data-dependent ordering branch: that branch mispredicted on
  // about every other packet and made the hash cost three times the parser.
  const bool icmp = p.ip_proto == kProtoIcmp || p.ip_proto == kProtoIcmpv6;
  const uint64_t a = endpoint_hash(be64(p.src_addr), be64(p.src_addr + 8), icmp ? 0 : p.src_port);
  const uint64_t b = endpoint_hash(be64(p.dst_addr), be64(p.dst_addr + 8), icmp ? 0 : p.dst_port);
  uint64_t h = 0x9e3779b97f4a7c15ull;
  h = mix_round(h, uint64_t(source_id) << 32 | uint64_t(p.vlan) << 16 | p.ip_proto);
  h = mix_round(h, a + b);
  h = mix_round(h, a ^ b);
  h *= 0x94d049bb133111ebull;
  return uint32_t(h ^ (h >> 32));
}

}  // namespace wirewatch
