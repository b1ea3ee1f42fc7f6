// Lists capture interfaces (pcap_findalldevs) as plain values.
#pragma once

#include <string>
#include <vector>

#include "capture_failure.hpp"

namespace wirewatch {

struct InterfaceAddress {
  std::string family;  // "ipv4" | "ipv6"
  std::string address;
  std::string netmask;
  std::string broadcast;
};

struct InterfaceInfo {
  std::string name;
  std::string description;
  std::vector<InterfaceAddress> addresses;
  bool loopback = false, up = false, running = false, wireless = false;
};

std::vector<InterfaceInfo> list_interfaces(CaptureFailure& failure);

}  // namespace wirewatch
