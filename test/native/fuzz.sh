#!/usr/bin/env bash
# Builds the native fuzzers with libFuzzer + ASan + UBSan and runs each for a
# bounded time (one job at a time):
#   parse_fuzzer (native/fuzz/parse_fuzzer.cc): the packet parser, SECONDS;
#   flow_fuzzer (native/fuzz/flow_fuzzer.cc): the flow table's core, FLOW_SECONDS.
#
#   test/native/fuzz.sh [SECONDS=60]
#
# Parser seeds: frames extracted from ../shared/corpus (when present) plus every
# input in test/fuzz-regressions/; flow seeds: test/fuzz-regressions/flow/. All
# are written under a temp dir (never into the repo). On any finding the
# crashing input is copied into test/fuzz-regressions/ (flow/ for the flow
# fuzzer; commit it: the parser's unit test program replays the parser's, and
# this script seeds every later run with both) and the script exits non-zero.
# Env: FUZZ_WORKDIR=DIR keeps the builds, seeds and corpora there (default: a
# temp dir removed on exit); CXX (default clang++); FUZZ_ARGS extra libFuzzer
# flags; FLOW_SECONDS (default SECONDS / 2).
set -euo pipefail

seconds="${1:-60}"
flow_seconds="${FLOW_SECONDS:-$((seconds / 2))}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
regressions="$root/test/fuzz-regressions"
corpus_src="$root/../shared/corpus"
cxx="${CXX:-clang++}"

if [[ -n "${FUZZ_WORKDIR:-}" ]]; then
  work="$FUZZ_WORKDIR"
  mkdir -p "$work"
else
  work="$(mktemp -d -t wirewatch-fuzz.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts" "$work/flow-seeds" "$work/flow-corpus" "$work/flow-artifacts"
flags=(-std=c++17 -g -O1 -ffp-contract=off -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I"$root/native")

echo "fuzz: building parse_fuzzer and flow_fuzzer with $cxx"
"$cxx" "${flags[@]}" "$root/native/fuzz/parse_fuzzer.cc" "$root/native/parse/parser.cc" -o "$work/parse_fuzzer"
"$cxx" "${flags[@]}" "$root/native/fuzz/flow_fuzzer.cc" "$root/native/flows/flow_core.cc" -o "$work/flow_fuzzer"

if [[ -d "$corpus_src" ]]; then
  python3 "$root/test/native/pcap_to_seeds.py" "$work/seeds" "$corpus_src"
else
  echo "fuzz: $corpus_src not found, seeding from regressions only"
fi
if compgen -G "$regressions/*" >/dev/null; then
  find "$regressions" -maxdepth 1 -type f ! -name 'README*' -exec cp {} "$work/seeds/" \;
fi
if compgen -G "$regressions/flow/*" >/dev/null; then
  cp "$regressions"/flow/* "$work/flow-seeds/"
fi
# libFuzzer wants at least one input to start from
printf '\x08\x01\x01\x01\x00\x00\x00\x00' >"$work/flow-seeds/minimal"

# fuzz NAME SECONDS CORPUS SEEDS ARTIFACTS REGRESSIONS: runs one fuzzer; findings go to REGRESSIONS.
failed=0
fuzz() {
  local name=$1 secs=$2 corpus=$3 seeds=$4 artifacts=$5 saved=$6 status
  echo "fuzz: running $name for ${secs}s"
  # Inputs already in the corpus (a kept FUZZ_WORKDIR) are reused. NEW/REDUCE
  # lines go to the log only.
  set +e
  # shellcheck disable=SC2086
  "$work/$name" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} \
    "$corpus" "$seeds" 2>&1 | tee "$work/$name.log" | grep --line-buffered -v 'NEW \|REDUCE '
  status=${PIPESTATUS[0]}
  set -e
  for f in "$artifacts"/*; do
    [[ -e "$f" ]] || continue
    mkdir -p "$saved"
    cp "$f" "$saved/$(basename "$f")"
    echo "fuzz: $name FINDING saved as ${saved#"$root"/}/$(basename "$f")" >&2
    status=1
  done
  [[ $status -eq 0 ]] || failed=1
}
fuzz parse_fuzzer "$seconds" "$work/corpus" "$work/seeds" "$work/artifacts" "$regressions"
[[ $flow_seconds -gt 0 ]] && fuzz flow_fuzzer "$flow_seconds" "$work/flow-corpus" "$work/flow-seeds" "$work/flow-artifacts" "$regressions/flow"
if [[ $failed -ne 0 ]]; then
  echo "fuzz: FAILED" >&2
  exit 1
fi
echo "fuzz: no findings"
