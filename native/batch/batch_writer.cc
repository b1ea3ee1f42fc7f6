#include "batch_writer.hpp"

namespace wirewatch {

void BatchWriter::attach(uint8_t* buffer, uint32_t capacity, uint32_t data_capacity, uint16_t source_id,
                         uint32_t sequence) {
  base_ = buffer;
  capacity_ = capacity;
  data_capacity_ = data_capacity;
  rows_ = 0;
  data_used_ = 0;
  source_id_ = source_id;

  auto* header = reinterpret_cast<uint32_t*>(base_);
  header[kHdrMagic] = kBatchMagic;
  header[kHdrVersion] = kBatchVersion;
  header[kHdrRows] = 0;
  header[kHdrCapacity] = capacity;
  header[kHdrDataUsed] = 0;
  header[kHdrDataCapacity] = data_capacity;
  header[kHdrSourceId] = source_id;
  header[kHdrSequence] = sequence;

  ts_sec_ = column<double>(kCol_ts_sec);
  ts_nsec_ = column<uint32_t>(kCol_ts_nsec);
  wire_len_ = column<uint32_t>(kCol_wire_len);
  cap_len_ = column<uint32_t>(kCol_cap_len);
  payload_len_ = column<uint32_t>(kCol_payload_len);
  flow_hash_ = column<uint32_t>(kCol_flow_hash);
  data_off_ = column<uint32_t>(kCol_data_off);
  src_addr_ = column<uint8_t>(kCol_src_addr);
  dst_addr_ = column<uint8_t>(kCol_dst_addr);
  source_id_col_ = column<uint16_t>(kCol_source_id);
  link_type_ = column<uint16_t>(kCol_link_type);
  vlan_ = column<uint16_t>(kCol_vlan);
  src_port_ = column<uint16_t>(kCol_src_port);
  dst_port_ = column<uint16_t>(kCol_dst_port);
  tcp_flags_ = column<uint16_t>(kCol_tcp_flags);
  layers_ = column<uint16_t>(kCol_layers);
  data_len_ = column<uint16_t>(kCol_data_len);
  l3_ = column<uint8_t>(kCol_l3);
  ip_proto_ = column<uint8_t>(kCol_ip_proto);
  frag_ = column<uint8_t>(kCol_frag);
  error_ = column<uint8_t>(kCol_error);
  error_layer_ = column<uint8_t>(kCol_error_layer);
  data_ = base_ + data_region_offset(capacity);
}

void BatchWriter::append(double ts_sec, uint32_t ts_nsec, uint32_t wire_len, uint32_t cap_len, uint16_t link_type,
                         const uint8_t* data, uint32_t copy, const ParsedPacket* parsed, uint32_t hash) {
  const uint32_t r = rows_++;
  ts_sec_[r] = ts_sec;
  ts_nsec_[r] = ts_nsec;
  wire_len_[r] = wire_len;
  cap_len_[r] = cap_len;
  source_id_col_[r] = source_id_;
  link_type_[r] = link_type;

  data_off_[r] = data_used_;
  data_len_[r] = static_cast<uint16_t>(copy);
  if (copy) {
    std::memcpy(data_ + data_used_, data, copy);
    data_used_ += copy;
  }

  if (parsed) {
    payload_len_[r] = parsed->payload_len;
    flow_hash_[r] = hash;
    std::memcpy(src_addr_ + size_t(r) * 16, parsed->src_addr, 16);
    std::memcpy(dst_addr_ + size_t(r) * 16, parsed->dst_addr, 16);
    vlan_[r] = parsed->vlan;
    src_port_[r] = parsed->src_port;
    dst_port_[r] = parsed->dst_port;
    tcp_flags_[r] = parsed->tcp_flags;
    layers_[r] = parsed->layers;
    l3_[r] = parsed->l3;
    ip_proto_[r] = parsed->ip_proto;
    frag_[r] = parsed->frag;
    error_[r] = parsed->error;
    error_layer_[r] = parsed->error_layer;
  } else {
    // Parsing switched off: the parsed columns read as "nothing decoded".
    payload_len_[r] = 0;
    flow_hash_[r] = 0;
    std::memset(src_addr_ + size_t(r) * 16, 0, 16);
    std::memset(dst_addr_ + size_t(r) * 16, 0, 16);
    vlan_[r] = src_port_[r] = dst_port_[r] = tcp_flags_[r] = layers_[r] = 0;
    l3_[r] = ip_proto_[r] = frag_[r] = error_[r] = error_layer_[r] = 0;
  }
}

void BatchWriter::finish() {
  auto* header = reinterpret_cast<uint32_t*>(base_);
  header[kHdrRows] = rows_;
  header[kHdrDataUsed] = data_used_;
}

}  // namespace wirewatch
