// Fills one batch buffer (see layout.h) row by row.
//
// Thread: owned by one source's capture thread between acquiring a buffer
// from the pool and publishing it; nobody else touches the buffer meanwhile.
#pragma once

#include <cstdint>
#include <cstring>

#include "../parse/parser.hpp"
#include "layout.h"

namespace wirewatch {

class BatchWriter {
 public:
  BatchWriter() = default;

  // Points the writer at an empty buffer of `capacity` rows and
  // `data_capacity` bytes of packet data, and writes its header.
  void attach(uint8_t* buffer, uint32_t capacity, uint32_t data_capacity, uint16_t source_id, uint32_t sequence);
  void detach() { base_ = nullptr; }
  bool attached() const { return base_ != nullptr; }

  uint32_t rows() const { return rows_; }
  bool full() const { return rows_ == capacity_; }
  bool empty() const { return rows_ == 0; }

  // Appends one packet. `copy` bytes of `data` go to the data region; the
  // caller guarantees copy <= the per-row copy limit the pool was sized for.
  void append(double ts_sec, uint32_t ts_nsec, uint32_t wire_len, uint32_t cap_len, uint16_t link_type,
              const uint8_t* data, uint32_t copy, const ParsedPacket* parsed, uint32_t hash);

  // Writes the final row count into the header; the buffer may then be handed over.
  void finish();

 private:
  template <typename T>
  T* column(ColumnId id) const { return reinterpret_cast<T*>(base_ + column_offset(id, capacity_)); }

  uint8_t* base_ = nullptr;
  uint32_t capacity_ = 0;
  uint32_t data_capacity_ = 0;
  uint32_t rows_ = 0;
  uint32_t data_used_ = 0;
  uint16_t source_id_ = 0;

  // Column pointers, resolved once per attach.
  double* ts_sec_ = nullptr;
  uint32_t *ts_nsec_ = nullptr, *wire_len_ = nullptr, *cap_len_ = nullptr, *payload_len_ = nullptr,
           *flow_hash_ = nullptr, *data_off_ = nullptr;
  uint8_t *src_addr_ = nullptr, *dst_addr_ = nullptr;
  uint16_t *source_id_col_ = nullptr, *link_type_ = nullptr, *vlan_ = nullptr, *src_port_ = nullptr,
           *dst_port_ = nullptr, *tcp_flags_ = nullptr, *layers_ = nullptr, *data_len_ = nullptr;
  uint8_t *l3_ = nullptr, *ip_proto_ = nullptr, *frag_ = nullptr, *error_ = nullptr, *error_layer_ = nullptr;
  uint8_t* data_ = nullptr;
};

}  // namespace wirewatch
