// Baseline for bench/capture-rate.ts: the least a libpcap reader can do.
// Opens a capture file, reads every packet with pcap_next_ex(), counts packets
// and sums wire lengths (so the loop touches each header), and prints one JSON
// line: {"packets":N,"bytes":B,"seconds":S,"pps":R,"maxrss_kb":K}.
//
//   gcc -O2 -o pcap_loop bench/pcap_loop.c -lpcap
//   ./pcap_loop FILE
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// Peak RSS of this process image in KiB. Not getrusage(): its ru_maxrss
// survives execve() and so reports the parent's size if that was larger.
static long vm_hwm_kb(void) {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  long kb = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "VmHWM:", 6) == 0) {
      kb = strtol(line + 6, NULL, 10);
      break;
    }
  }
  fclose(f);
  return kb;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  char errbuf[PCAP_ERRBUF_SIZE];
  const double t0 = now_s();
  pcap_t* p = pcap_open_offline(argv[1], errbuf);
  if (!p) {
    fprintf(stderr, "pcap_loop: %s\n", errbuf);
    return 1;
  }
  struct pcap_pkthdr* h;
  const u_char* data;
  uint64_t packets = 0, bytes = 0;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    packets++;
    bytes += h->len;
  }
  const double t1 = now_s();
  if (rc == PCAP_ERROR) {
    fprintf(stderr, "pcap_loop: %s (after %llu packets)\n", pcap_geterr(p), (unsigned long long)packets);
    return 1;
  }
  pcap_close(p);
  printf("{\"packets\":%llu,\"bytes\":%llu,\"seconds\":%.6f,\"pps\":%.0f,\"maxrss_kb\":%ld,\"libpcap\":\"%s\"}\n",
         (unsigned long long)packets, (unsigned long long)bytes, t1 - t0, (double)packets / (t1 - t0), vm_hwm_kb(),
         pcap_lib_version());
  return 0;
}
