#!/usr/bin/env bash
# Live capture benchmark over a veth pair between two network namespaces.
#
#   sudo bash bench/live-veth.sh            (needs root: ip netns, veth, tcpreplay)
#   PACKETS=500000 PROFILES="small" bash bench/live-veth.sh
#
# Namespace A holds vethA (10.213.0.1/30), namespace B holds vethB
# (10.213.0.2/30); nothing else is in either namespace and no route leads out,
# so no packet can leave the pair. For each profile a capture made by
# scripts/gen-fixtures.ts is rewritten (tcprewrite) so every frame goes from
# vethA's MAC to vethB's MAC and every IPv4 packet from 10.213.0.1 to
# 10.213.0.2, then replayed with `tcpreplay --topspeed -i vethA` in A while one
# capturer listens on vethB in B:
#   wirewatch  bench/live-capture.ts (defaults: snaplen 256, 32 MiB buffer, 50 ms timeout)
#   tcpdump    tcpdump -i vethB -w /dev/null -s 256 -B 32768 (same snaplen and buffer)
# It prints sent vs captured vs kernel-dropped for both, side by side.
#
# Replies: B owns 10.213.0.2, so its stack answers (TCP RST, ICMP). A blackhole
# route for 10.213.0.1 in B discards those answers before they reach vethB, and
# IPv6 is off on both ends (no router or neighbour solicitations), so vethB
# carries exactly the replayed frames.
#
# Environment: PACKETS (per profile, default 1000000, at most 2000000),
# PROFILES ("small mixed": small = 60-byte frames, mixed = realistic mix),
# DRAIN_S (seconds to let captures drain after the replay, default 2).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PACKETS=${PACKETS:-1000000}
PROFILES=${PROFILES:-small mixed}
DRAIN_S=${DRAIN_S:-2}
MAX_PACKETS=2000000
if ((PACKETS > MAX_PACKETS)); then
  echo "live-veth: PACKETS=$PACKETS is above the bound; using $MAX_PACKETS" >&2
  PACKETS=$MAX_PACKETS
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "live-veth: skipped (needs root for network namespaces)" >&2
  exit 0
fi
for tool in ip tcpreplay tcprewrite tcpdump node; do
  command -v "$tool" >/dev/null || { echo "live-veth: $tool is not installed" >&2; exit 1; }
done

NS_A="ww-bench-a-$$"
NS_B="ww-bench-b-$$"
WORK="$ROOT/bench/.data/live-$$"
BG_PIDS=()

cleanup() {
  local pid child
  # Our capturers (and tcpdump under /usr/bin/time), by id: a process left in a
  # namespace would keep it alive after `ip netns del`.
  for pid in "${BG_PIDS[@]}"; do
    for child in $(pgrep -P "$pid" 2>/dev/null); do kill "$child" 2>/dev/null || true; done
    kill "$pid" 2>/dev/null || true
  done
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK"
log() { echo "live-veth: $*" >&2; }

# ---------------------------------------------------------------- namespaces
ip netns add "$NS_A"
ip netns add "$NS_B"
for ns in "$NS_A" "$NS_B"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip link add vethA netns "$NS_A" mtu 9000 type veth peer name vethB netns "$NS_B" mtu 9000
ip -n "$NS_A" addr add 10.213.0.1/30 dev vethA
ip -n "$NS_B" addr add 10.213.0.2/30 dev vethB
ip -n "$NS_B" route add blackhole 10.213.0.1/32
ip -n "$NS_A" link set vethA up
ip -n "$NS_B" link set vethB up
MAC_A=$(ip netns exec "$NS_A" cat /sys/class/net/vethA/address)
MAC_B=$(ip netns exec "$NS_B" cat /sys/class/net/vethB/address)
log "vethA $MAC_A 10.213.0.1 (netns $NS_A) <-> vethB $MAC_B 10.213.0.2 (netns $NS_B)"

counter() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }

# ---------------------------------------------------------------- captures to replay
declare -A GEN_ARGS=([small]="--small" [mixed]="")
for profile in $PROFILES; do
  [[ -v GEN_ARGS[$profile] ]] || { log "unknown profile '$profile' (small, mixed)"; exit 2; }
  log "generating $profile capture: $PACKETS packets"
  # shellcheck disable=SC2086
  (cd "$ROOT" && node --import tsx scripts/gen-fixtures.ts --out "$WORK/$profile-raw.pcap" --packets "$PACKETS" ${GEN_ARGS[$profile]} >/dev/null 2>"$WORK/gen.log") ||
    { cat "$WORK/gen.log" >&2; exit 1; }
  # tcprewrite warns once per ICMP/IPv6 packet it cannot checksum (quoted or truncated headers): expected.
  tcprewrite --enet-smac="$MAC_A" --enet-dmac="$MAC_B" \
    --srcipmap=0.0.0.0/0:10.213.0.1/32 --dstipmap=0.0.0.0/0:10.213.0.2/32 --fixcsum \
    -i "$WORK/$profile-raw.pcap" -o "$WORK/$profile.pcap" 2>/dev/null
  rm -f "$WORK/$profile-raw.pcap"
done

# ---------------------------------------------------------------- one measurement
# Sets R_* globals for the table.
wait_for() {  # wait_for FILE PATTERN SECONDS
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  log "timed out waiting for '$2' in $1"; cat "$1" >&2 || true
  return 1
}

replay() {  # replay FILE: runs tcpreplay in A, sets R_SENT R_FAILED R_REPLAY_PPS
  local out
  out=$(ip netns exec "$NS_A" tcpreplay --topspeed --preload-pcap -i vethA "$1" 2>&1)
  R_SENT=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' <<<"$out" | head -1)
  R_FAILED=$(sed -n 's/.*Failed packets: *\([0-9]*\).*/\1/p' <<<"$out" | head -1)
  R_REPLAY_PPS=$(sed -n 's/.*Rated:.*, *\([0-9.]*\) pps.*/\1/p' <<<"$out" | head -1)
  R_REPLAY_S=$(sed -n 's/.*Actual:.* sent in \([0-9.]*\) seconds.*/\1/p' <<<"$out" | head -1)
  [[ -n $R_SENT ]] || { log "tcpreplay said: $out"; return 1; }
}

measure() {  # measure PROFILE TOOL
  local profile=$1 tool=$2 file="$WORK/$1.pcap" pid rx0 txdrop0 rxdrop0 out
  rm -f "$WORK/ready" "$WORK/cap.out" "$WORK/cap.err"
  if [[ $tool == wirewatch ]]; then
    (cd "$ROOT" && exec ip netns exec "$NS_B" node --import tsx bench/live-capture.ts --interface vethB --ready "$WORK/ready") \
      >"$WORK/cap.out" 2>"$WORK/cap.err" &
    pid=$!
    BG_PIDS+=("$pid")
    wait_for "$WORK/ready" . 30
    local target=$pid
  else
    ip netns exec "$NS_B" /usr/bin/time -f 'cpu_user=%U cpu_sys=%S maxrss_kb=%M' \
      tcpdump -i vethB -n -w /dev/null -s 256 -B 32768 >"$WORK/cap.out" 2>"$WORK/cap.err" &
    pid=$!
    BG_PIDS+=("$pid")
    wait_for "$WORK/cap.err" 'listening on' 30
    # GNU time ignores SIGINT while it waits; signal tcpdump itself (time's only child).
    local target
    target=$(pgrep -P "$pid" | head -1)
  fi
  sleep 0.3
  rx0=$(counter "$NS_B" vethB rx_packets)
  txdrop0=$(counter "$NS_A" vethA tx_dropped)
  rxdrop0=$(counter "$NS_B" vethB rx_dropped)
  replay "$file"
  sleep "$DRAIN_S"
  R_RX=$(( $(counter "$NS_B" vethB rx_packets) - rx0 ))
  R_VETH_DROP=$(( $(counter "$NS_A" vethA tx_dropped) - txdrop0 ))
  R_STACK_DROP=$(( $(counter "$NS_B" vethB rx_dropped) - rxdrop0 ))
  kill -INT "$target"
  wait "$pid" || true
  BG_PIDS=()
  if [[ $tool == wirewatch ]]; then
    out=$(tail -1 "$WORK/cap.out")
    [[ $out == \{* ]] || { log "wirewatch capture failed:"; cat "$WORK/cap.err" >&2; return 1; }
    read -r R_CAPTURED R_RECEIVED R_KDROP R_OTHERDROP R_CPU R_RSS < <(node -e '
      const r = JSON.parse(process.argv[1]);
      console.log(r.captured, r.kernelReceived, r.kernelDrops, r.ringDrops + r.interfaceDrops,
                  r.cpuUserS.toFixed(2) + "/" + r.cpuSysS.toFixed(2), Math.round(r.maxRssKb / 1024));' "$out")
  else
    local err
    err=$(cat "$WORK/cap.err")
    R_CAPTURED=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' <<<"$err")
    R_RECEIVED=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' <<<"$err")
    R_KDROP=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' <<<"$err")
    R_OTHERDROP=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by interface.*/\1/p' <<<"$err")
    R_OTHERDROP=${R_OTHERDROP:-0}
    R_CPU=$(sed -n 's/.*cpu_user=\([0-9.]*\) cpu_sys=\([0-9.]*\).*/\1\/\2/p' <<<"$err")
    R_RSS=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' <<<"$err" | awk '{printf "%d", $1 / 1024}')
    [[ -n $R_CAPTURED ]] || { log "tcpdump said: $err"; return 1; }
  fi
}

# ---------------------------------------------------------------- run
printf -v HEAD '%-7s %-10s %9s %6s %10s %9s %9s %9s %10s %9s %9s %7s %11s %9s\n' \
  profile tool sent failed 'replay pps' 'at vethB' 'veth drop' captured 'recv(filt)' 'kern drop' 'othr drop' 'cap %' 'CPU usr/sys' 'stk drop'
ROWS=""
for profile in $PROFILES; do
  for tool in wirewatch tcpdump; do
    log "$profile: replaying $PACKETS packets with $tool capturing"
    measure "$profile" "$tool"
    pctv=$(awk -v c="$R_CAPTURED" -v s="$R_SENT" 'BEGIN { printf "%.2f", s ? 100 * c / s : 0 }')
    printf -v line '%-7s %-10s %9s %6s %10.0f %9s %9s %9s %10s %9s %9s %7s %11s %9s  RSS %s MiB\n' \
      "$profile" "$tool" "$R_SENT" "$R_FAILED" "$R_REPLAY_PPS" "$R_RX" "$R_VETH_DROP" "$R_CAPTURED" "$R_RECEIVED" \
      "$R_KDROP" "$R_OTHERDROP" "$pctv" "$R_CPU" "$R_STACK_DROP" "$R_RSS"
    printf '%s' "$line" >&2
    ROWS+=$line
  done
done

echo
echo "live-veth: $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $PACKETS packets per profile"
echo "  sent = tcpreplay --topspeed --preload-pcap successful packets; at vethB = vethB rx_packets delta (what a capturer can see);"
echo "  veth drop = vethA tx_dropped (lost before the tap); recv(filt) = pcap_stats ps_recv; kern drop = ps_drop;"
echo "  othr drop = wirewatch ring + interface drops / tcpdump interface drops; cap % = captured / sent; CPU = capturer user/sys seconds, whole run;"
echo "  stk drop = vethB rx_dropped: frames B's stack discarded after the tap (e.g. VLAN tags with no VLAN device), not capture loss"
printf '%s' "$HEAD$ROWS"
