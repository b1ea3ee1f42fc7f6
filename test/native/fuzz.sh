#!/usr/bin/env bash
# Builds native/fuzz/parse_fuzzer.cc with libFuzzer + ASan + UBSan and runs it for
# a bounded time (one job).
#
#   test/native/fuzz.sh [SECONDS=60]
#
# Seeds: frames extracted from ../shared/corpus (when present) plus every input in
# test/fuzz-regressions/, written under a temp dir (never into the repo). On any
# finding the crashing input is copied into test/fuzz-regressions/ (commit it; the
# unit test program replays that directory) and the script exits non-zero.
# Env: FUZZ_WORKDIR=DIR keeps the build, seeds and corpus there (default: a temp
# dir removed on exit); CXX (default clang++); FUZZ_ARGS extra libFuzzer flags.
set -euo pipefail

seconds="${1:-60}"
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
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"

echo "fuzz: building parse_fuzzer with $cxx"
"$cxx" -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$root/native" "$root/native/fuzz/parse_fuzzer.cc" "$root/native/parse/parser.cc" \
  -o "$work/parse_fuzzer"

if [[ -d "$corpus_src" ]]; then
  python3 "$root/test/native/pcap_to_seeds.py" "$work/seeds" "$corpus_src"
else
  echo "fuzz: $corpus_src not found, seeding from regressions only"
fi
if compgen -G "$regressions/*" >/dev/null; then
  find "$regressions" -maxdepth 1 -type f ! -name 'README*' -exec cp {} "$work/seeds/" \;
fi

echo "fuzz: running for ${seconds}s"
# Inputs already in $work/corpus (a kept FUZZ_WORKDIR) are reused. NEW/REDUCE
# lines go to the log only.
set +e
# shellcheck disable=SC2086
"$work/parse_fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" ${FUZZ_ARGS:-} \
  "$work/corpus" "$work/seeds" 2>&1 | tee "$work/fuzz.log" | grep --line-buffered -v 'NEW \|REDUCE '
status=${PIPESTATUS[0]}
set -e

found=0
for f in "$work"/artifacts/*; do
  [[ -e "$f" ]] || continue
  name="$(basename "$f")"
  cp "$f" "$regressions/$name"
  echo "fuzz: FINDING saved as test/fuzz-regressions/$name" >&2
  found=1
done
if [[ $status -ne 0 || $found -ne 0 ]]; then
  echo "fuzz: FAILED (libFuzzer exit $status)" >&2
  exit 1
fi
echo "fuzz: no findings"
