#include "module_functions.hpp"

#include <pcap/pcap.h>

#include "../batch/layout.h"
#include "../capture/interfaces.hpp"
#include "../capture/pcap_open.hpp"
#include "../parse/parser.hpp"
#include "../system/privileges.hpp"
#include "args.hpp"

#ifndef WIREWATCH_SOURCE_HASH
#error "WIREWATCH_SOURCE_HASH must be defined by the build (CMakeLists.txt)"
#endif

namespace wirewatch {

Napi::Value ListInterfaces(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CaptureFailure failure;
  const auto interfaces = list_interfaces(failure);
  if (failure) throw capture_error(env, failure.kind, failure.message);
  Napi::Array result = Napi::Array::New(env, interfaces.size());
  for (size_t i = 0; i < interfaces.size(); i++) {
    const InterfaceInfo& it = interfaces[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", it.name);
    o.Set("description", it.description);
    o.Set("loopback", it.loopback);
    o.Set("up", it.up);
    o.Set("running", it.running);
    o.Set("wireless", it.wireless);
    Napi::Array addresses = Napi::Array::New(env, it.addresses.size());
    for (size_t j = 0; j < it.addresses.size(); j++) {
      Napi::Object a = Napi::Object::New(env);
      a.Set("family", it.addresses[j].family);
      a.Set("address", it.addresses[j].address);
      if (!it.addresses[j].netmask.empty()) a.Set("netmask", it.addresses[j].netmask);
      if (!it.addresses[j].broadcast.empty()) a.Set("broadcast", it.addresses[j].broadcast);
      addresses[j] = a;
    }
    o.Set("addresses", addresses);
    result[i] = o;
  }
  return result;
}

Napi::Value LibpcapVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), pcap_lib_version());
}

// dropPrivileges(user, group?) -> { uid, gid }
Napi::Value DropPrivileges(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string user = require_string(info, 0, "user");
  const std::string group = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  const DropResult result = drop_privileges(user, group);
  if (!result.ok) throw capture_error(env, "privilege_drop_failed", "cannot drop privileges: " + result.error);
  Napi::Object o = Napi::Object::New(env);
  o.Set("uid", Napi::Number::New(env, result.uid));
  o.Set("gid", Napi::Number::New(env, result.gid));
  return o;
}

// checkFilter(expression, linkType = 1): throws bad_filter when it does not compile.
Napi::Value CheckFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string expression = require_string(info, 0, "filter");
  const int link_type = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 1;
  bpf_program program{};
  CaptureFailure failure;
  if (!compile_filter(link_type, 262144, expression, program, failure))
    throw capture_error(env, failure.kind, failure.message);
  pcap_freecode(&program);
  return env.Undefined();
}

// decodeFrame(linkType, bytes, sourceId = 0): the parser on one frame, as an
// object. For tests and diagnostics only; the capture path never builds objects.
Napi::Value DecodeFrame(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsTypedArray())
    throw Napi::TypeError::New(env, "decodeFrame(linkType: number, bytes: Uint8Array, sourceId?: number)");
  const uint32_t link_type = info[0].As<Napi::Number>().Uint32Value();
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  const uint16_t source_id = info.Length() > 2 && info[2].IsNumber() ? uint16_t(info[2].As<Napi::Number>().Uint32Value()) : 0;
  ParsedPacket p;
  parse_packet(bytes.Data(), uint32_t(bytes.ByteLength()), link_type, p);
  Napi::Object o = Napi::Object::New(env);
  o.Set("srcAddr", Napi::Buffer<uint8_t>::Copy(env, p.src_addr, 16));
  o.Set("dstAddr", Napi::Buffer<uint8_t>::Copy(env, p.dst_addr, 16));
  o.Set("payloadLen", p.payload_len);
  o.Set("vlan", p.vlan);
  o.Set("srcPort", p.src_port);
  o.Set("dstPort", p.dst_port);
  o.Set("tcpFlags", p.tcp_flags);
  o.Set("layers", p.layers);
  o.Set("l3", p.l3);
  o.Set("ipProto", p.ip_proto);
  o.Set("frag", p.frag);
  o.Set("error", p.error);
  o.Set("errorLayer", p.error_layer);
  o.Set("flowHash", Napi::Number::New(env, flow_hash(source_id, p)));
  return o;
}

// batchLayout(capacity) -> { headerBytes, dataOffset, columns: [{ name, type, elementSize, width, offset }] }
Napi::Value BatchLayout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "capacity must be a number");
  const uint32_t capacity = info[0].As<Napi::Number>().Uint32Value();
  static const char* type_names[] = {"f64", "u32", "u16", "u8"};
  Napi::Array columns = Napi::Array::New(env, kColumnCount);
  for (uint32_t i = 0; i < kColumnCount; i++) {
    Napi::Object c = Napi::Object::New(env);
    c.Set("name", kColumns[i].name);
    c.Set("type", type_names[kColumns[i].type]);
    c.Set("elementSize", kColumns[i].element_size);
    c.Set("width", kColumns[i].width);
    c.Set("offset", Napi::Number::New(env, double(column_offset(ColumnId(i), capacity))));
    columns[i] = c;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("magic", kBatchMagic);
  o.Set("version", kBatchVersion);
  o.Set("headerBytes", Napi::Number::New(env, double(kHeaderBytes)));
  o.Set("dataOffset", Napi::Number::New(env, double(data_region_offset(capacity))));
  o.Set("columns", columns);
  return o;
}

Napi::Value SourceHash(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), WIREWATCH_SOURCE_HASH); }

}  // namespace wirewatch
