// The batch layout: one source of truth for C++ and TypeScript.
//
// A batch is one ArrayBuffer: a fixed header, then one column per field
// (struct of arrays), then a byte region holding the first `copy_bytes` of
// every packet. Columns are laid out in the order below, each `capacity *
// width` bytes long and aligned to its element size (columns are ordered by
// element size, largest first, so no padding is needed between them).
//
// lib/capture/layout.ts mirrors this table; test/unit/layout.test.ts asks the
// addon for its offsets and proves the two agree.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wirewatch {

// X(name, c_type, elements_per_row)
#define WIREWATCH_COLUMNS(X)      \
  X(ts_sec, double, 1)            \
  X(ts_nsec, uint32_t, 1)         \
  X(wire_len, uint32_t, 1)        \
  X(cap_len, uint32_t, 1)         \
  X(payload_len, uint32_t, 1)     \
  X(flow_hash, uint32_t, 1)       \
  X(data_off, uint32_t, 1)        \
  X(src_addr, uint32_t, 4)        \
  X(dst_addr, uint32_t, 4)        \
  X(source_id, uint16_t, 1)       \
  X(link_type, uint16_t, 1)       \
  X(vlan, uint16_t, 1)            \
  X(src_port, uint16_t, 1)        \
  X(dst_port, uint16_t, 1)        \
  X(tcp_flags, uint16_t, 1)       \
  X(layers, uint16_t, 1)          \
  X(data_len, uint16_t, 1)        \
  X(l3, uint8_t, 1)               \
  X(ip_proto, uint8_t, 1)         \
  X(frag, uint8_t, 1)             \
  X(error, uint8_t, 1)            \
  X(error_layer, uint8_t, 1)

constexpr uint32_t kBatchMagic = 0x57574231;  // "WWB1"
constexpr uint32_t kBatchVersion = 1;

// Header words (uint32 each) at the start of every batch.
enum HeaderWord : uint32_t {
  kHdrMagic = 0,
  kHdrVersion = 1,
  kHdrRows = 2,          // rows filled in this batch
  kHdrCapacity = 3,      // rows the batch can hold
  kHdrDataUsed = 4,      // bytes used in the data region
  kHdrDataCapacity = 5,  // size of the data region
  kHdrSourceId = 6,
  kHdrSequence = 7,      // batch number within the source, starting at 0
  kHeaderWords = 8,
};
constexpr size_t kHeaderBytes = kHeaderWords * sizeof(uint32_t);

// l3 column
enum L3Kind : uint8_t { kL3None = 0, kL3Arp = 1, kL3Ipv4 = 2, kL3Ipv6 = 3, kL3Other = 4 };

// error column: the first problem found; the layers decoded before it stay.
enum ErrorKind : uint8_t {
  kErrNone = 0,
  kErrTruncated = 1,        // the capture ends before a header does (snaplen cut)
  kErrMalformed = 2,        // a length or field that cannot be right
  kErrUnsupportedLink = 3,  // a link type we do not decode
};

// error_layer column: which layer the error was found in.
enum ErrorLayer : uint8_t {
  kLayerNone = 0,
  kLayerLink = 1,
  kLayerVlan = 2,
  kLayerArp = 3,
  kLayerIpv4 = 4,
  kLayerIpv6 = 5,
  kLayerIpv6Ext = 6,
  kLayerTcp = 7,
  kLayerUdp = 8,
  kLayerIcmp = 9,
  kLayerIcmpv6 = 10,
};

// layers column: a bit per layer present in the frame (outermost headers only).
enum LayerBit : uint16_t {
  kHasEthernet = 1 << 0,
  kHasLlc = 1 << 1,       // 802.3 length field + LLC, not decoded further
  kHasVlan = 1 << 2,
  kHasArp = 1 << 3,
  kHasIpv4 = 1 << 4,
  kHasIpv6 = 1 << 5,
  kHasTcp = 1 << 6,
  kHasUdp = 1 << 7,
  kHasIcmp = 1 << 8,
  kHasIcmpv6 = 1 << 9,
  kHasSll = 1 << 10,      // Linux cooked capture v1 or v2
  kHasNull = 1 << 11,     // BSD loopback / null
};

// frag column
enum FragBit : uint8_t {
  kFragment = 1 << 0,       // part of a fragmented datagram
  kFragFirst = 1 << 1,      // offset 0: carries the L4 header
  kFragMore = 1 << 2,       // more-fragments flag set
};

// Column element types, as TypeScript names them.
enum ColumnType : uint8_t { kF64 = 0, kU32 = 1, kU16 = 2, kU8 = 3 };

template <typename T> constexpr ColumnType column_type_of();
template <> constexpr ColumnType column_type_of<double>() { return kF64; }
template <> constexpr ColumnType column_type_of<uint32_t>() { return kU32; }
template <> constexpr ColumnType column_type_of<uint16_t>() { return kU16; }
template <> constexpr ColumnType column_type_of<uint8_t>() { return kU8; }

enum ColumnId : uint32_t {
#define WIREWATCH_COLUMN_ID(name, type, width) kCol_##name,
  WIREWATCH_COLUMNS(WIREWATCH_COLUMN_ID)
#undef WIREWATCH_COLUMN_ID
  kColumnCount
};

struct ColumnInfo {
  const char* name;
  ColumnType type;
  uint32_t element_size;
  uint32_t width;
};

constexpr ColumnInfo kColumns[kColumnCount] = {
#define WIREWATCH_COLUMN_INFO(name, type, width) {#name, column_type_of<type>(), sizeof(type), width},
    WIREWATCH_COLUMNS(WIREWATCH_COLUMN_INFO)
#undef WIREWATCH_COLUMN_INFO
};

// Byte offset of column `id` in a batch of `capacity` rows.
constexpr size_t column_offset(ColumnId id, uint32_t capacity) {
  size_t off = kHeaderBytes;
  for (uint32_t i = 0; i < id; i++) off += size_t(capacity) * kColumns[i].element_size * kColumns[i].width;
  return off;
}

constexpr size_t data_region_offset(uint32_t capacity) { return column_offset(kColumnCount, capacity); }

constexpr size_t batch_bytes(uint32_t capacity, uint32_t data_capacity) {
  // Round the total up to 8 so the next pooled buffer could follow it aligned.
  return (data_region_offset(capacity) + data_capacity + 7) & ~size_t(7);
}

}  // namespace wirewatch
