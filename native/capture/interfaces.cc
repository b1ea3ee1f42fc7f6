#include "interfaces.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>

namespace wirewatch {

namespace {

std::string format_address(const sockaddr* sa) {
  if (!sa) return "";
  char text[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof text);
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text, sizeof text);
  }
  return text;
}

}  // namespace

std::vector<InterfaceInfo> list_interfaces(CaptureFailure& failure) {
  std::vector<InterfaceInfo> result;
  pcap_if_t* all = nullptr;
  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  if (pcap_findalldevs(&all, errbuf) != 0) {
    failure.set("capture_failed", std::string("cannot list interfaces: ") + errbuf);
    return result;
  }
  for (pcap_if_t* d = all; d; d = d->next) {
    InterfaceInfo info;
    info.name = d->name;
    info.description = d->description ? d->description : "";
    info.loopback = d->flags & PCAP_IF_LOOPBACK;
    info.up = d->flags & PCAP_IF_UP;
    info.running = d->flags & PCAP_IF_RUNNING;
    info.wireless = d->flags & PCAP_IF_WIRELESS;
    for (pcap_addr_t* a = d->addresses; a; a = a->next) {
      if (!a->addr || (a->addr->sa_family != AF_INET && a->addr->sa_family != AF_INET6)) continue;
      InterfaceAddress addr;
      addr.family = a->addr->sa_family == AF_INET ? "ipv4" : "ipv6";
      addr.address = format_address(a->addr);
      addr.netmask = format_address(a->netmask);
      addr.broadcast = format_address(a->broadaddr);
      info.addresses.push_back(addr);
    }
    result.push_back(info);
  }
  pcap_freealldevs(all);
  return result;
}

}  // namespace wirewatch
