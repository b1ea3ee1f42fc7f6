#!/usr/bin/env bash
# Runs every benchmark and prints a summary (`npm run bench`).
#
#   bash bench/run.sh
#   RUNS=5 bash bench/run.sh          capture-rate repetitions (default 3; best and median are printed)
#   QUICK=1 bash bench/run.sh         a tenth of the packets, to check the benchmarks themselves
#   KEEP_DATA=1 bash bench/run.sh     keep the generated captures in bench/.data for the next run
#   SKIP_LIVE=1 bash bench/run.sh     file benchmarks only (the live one needs root)
#   SKIP_FLOWTABLE=1                  leave out bench/flow-table.ts (FlowTable memory and rate)
#   EXPLORE=1 bash bench/run.sh       also addon variants (batchRows 8192, copyBytes 0) that show what defaults cost
#   LIVE_PACKETS=N                    packets per live profile (default 1000000, at most 2000000)
#
# Figures are printed, never judged as pass/fail; bench/RESULTS.md records measured ones.
# On a shared machine run it when `uptime` shows little load: other work only slows runs down.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
RUNS=${RUNS:-3}
mkdir -p bench/.data
OUT=$(mktemp -d bench/.data/run.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

echo "wirewatch benchmarks: $(date -u +%FT%TZ)"
echo "  $(uname -srm); $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)); $(free -g | awk '/^Mem:/ { print $2 " GiB RAM" }')"
echo "  node $(node --version); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo

args=(--runs "$RUNS" --json "$OUT/capture-rate.json")
[[ -n ${QUICK:-} ]] && args+=(--quick)
[[ -n ${KEEP_DATA:-} ]] && args+=(--keep)
[[ -n ${EXPLORE:-} ]] && args+=(--explore)
node --import tsx bench/capture-rate.ts "${args[@]}" | tee "$OUT/capture-rate.txt"

if [[ -z ${SKIP_FLOWTABLE:-} && -f bench/flow-table.ts ]]; then
  echo
  echo "flow-table: node --expose-gc --import tsx bench/flow-table.ts"
  node --expose-gc --import tsx bench/flow-table.ts | tee "$OUT/flow-table.txt"
fi

if [[ -z ${SKIP_LIVE:-} ]]; then
  echo
  live_packets=${LIVE_PACKETS:-1000000}
  [[ -n ${QUICK:-} ]] && live_packets=${LIVE_PACKETS:-100000}
  PACKETS=$live_packets bash bench/live-veth.sh | tee "$OUT/live.txt"
fi

echo
echo "================================ summary ================================"
sed -n '/^== SUMMARY/,/targets:/p' "$OUT/capture-rate.txt"
if [[ -s $OUT/flow-table.txt ]]; then
  echo
  echo "== SUMMARY flow-table (bench/flow-table.ts: 1 M flows, synthetic batches)"
  awk '{ printf "   %s\n", $0 }' "$OUT/flow-table.txt"
fi
if [[ -s $OUT/live.txt ]]; then
  echo
  echo "== SUMMARY live-veth (tcpreplay --topspeed over a veth pair; captured vs sent)"
  sed -n '/^profile /,$p' "$OUT/live.txt" | awk '{ printf "   %s\n", $0 }'
fi
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
