#!/usr/bin/env bash
# Whole-pipeline throughput: `wirewatch replay` (capture + parser + flow table +
# windows) against the flow tools people already run, on the same files, in one
# run, as ratios. Prints figures only; bench/RESULTS.md records measured ones.
#
#   bash bench/pipeline-peers.sh [--only flows|small] [--runs N]
#
# Contenders, each in its own process, timed by /usr/bin/time (wall + peak RSS):
#   C loop     bench/.data/pcap_loop: pcap_next_ex, counts packets (the ceiling)
#   wirewatch  node dist/lib/cli.js replay FILE --json
#   softflowd  softflowd -r FILE -c none -m 2000000   (-c none: no control socket to block on;
#              -m: room for every flow, or it expires flows early)
#   nfpcapd    nfpcapd -r FILE -w DIR -B 2000000       (nfdump's pcap collector; node cache for 1 M flows)
#   argus      argus -r FILE -w FILE.argus
#   tshark     tshark -n -q -r FILE -z conv,tcp -z conv,udp (reassembly off)
# pmacctd is left out: it loses packets when reading files, so its rate means nothing.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DATA=bench/.data
RUNS=1
ONLY=flows,small
while [[ $# -gt 0 ]]; do
  case $1 in
    --only) ONLY=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) echo "usage: $0 [--only flows,small] [--runs N]" >&2; exit 2 ;;
  esac
done
mkdir -p "$DATA"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

[[ -x $DATA/pcap_loop ]] || gcc -O2 -o "$DATA/pcap_loop" bench/pcap_loop.c -lpcap
[[ -f dist/lib/cli.js ]] || npm run build >/dev/null

capture() { # key → file, generator args
  case $1 in
    flows) echo "$DATA/flows-3.5m.pcap|--packets 3500000 --flows 1000000" ;;
    small) echo "$DATA/small-10m.pcap|--packets 10000000 --small" ;;
  esac
}

# run NAME CMD...: prints "NAME seconds maxrss_kb" (best wall time of RUNS).
run() {
  local name=$1; shift
  local best='' rss=''
  for ((r = 0; r < RUNS; r++)); do
    /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err" || { echo "$name failed: $(tail -2 "$TMP/err")" >&2; return 0; }
    read -r secs kb <"$TMP/time"
    if [[ -z $best ]] || awk "BEGIN { exit !($secs < $best) }"; then best=$secs; rss=$kb; cp "$TMP/out" "$TMP/$name.out"; fi
  done
  echo "$name $best $rss"
}

echo "wirewatch pipeline vs peers: $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
for key in ${ONLY//,/ }; do
  IFS='|' read -r file genargs <<<"$(capture "$key")"
  if [[ ! -f $file ]]; then
    echo "generating $file (gen-fixtures $genargs)" >&2
    # shellcheck disable=SC2086
    node --import tsx scripts/gen-fixtures.ts --out "$file" $genargs >&2
  fi
  cat "$file" >/dev/null # warm the page cache: every contender reads from memory
  packets=$("$DATA/pcap_loop" "$file" | sed -E 's/.*"packets":([0-9]+).*/\1/')
  echo
  echo "== $key: $file, $packets packets"
  results=()
  results+=("$(run c-loop "$DATA/pcap_loop" "$file")")
  results+=("$(run wirewatch node dist/lib/cli.js replay "$file" --json)")
  results+=("$(run softflowd softflowd -r "$file" -c none -m 2000000)")
  rm -rf "$TMP/nf" && mkdir -p "$TMP/nf"
  results+=("$(run nfpcapd nfpcapd -r "$file" -w "$TMP/nf" -B 2000000)")
  results+=("$(run argus argus -r "$file" -w "$TMP/out.argus")")
  results+=("$(run tshark tshark -n -q -r "$file" -o tcp.desegment_tcp_streams:FALSE -o ip.defragment:FALSE -z conv,tcp -z conv,udp)")
  ceiling='' fastest_peer=0 ours=0
  printf '%-10s %10s %12s %10s\n' contender seconds packets/s 'peak RSS'
  for line in "${results[@]}"; do
    [[ -n $line ]] || continue
    read -r name secs kb <<<"$line"
    pps=$(awk "BEGIN { printf \"%.0f\", $packets / ($secs > 0 ? $secs : 0.01) }")
    printf '%-10s %10s %12s %7s MiB\n' "$name" "$secs" "$pps" "$((kb / 1024))"
    case $name in
      c-loop) ceiling=$pps ;;
      wirewatch) ours=$pps ;;
      *) (( pps > fastest_peer )) && fastest_peer=$pps ;;
    esac
  done
  if [[ -f $TMP/wirewatch.out ]]; then
    echo "wirewatch summary: $(cut -c1-400 "$TMP/wirewatch.out")"
  fi
  awk -v o="$ours" -v c="$ceiling" -v p="$fastest_peer" 'BEGIN {
    printf "wirewatch ÷ C loop: %.1f %% (target ≥ 25 %%); wirewatch ÷ fastest peer: %.2f× (target ≥ 5×)\n", 100 * o / c, o / p }'
done
