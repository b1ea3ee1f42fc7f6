#!/usr/bin/env bash
# Builds and runs the native parser tests with ASan + UBSan (no test framework).
#
#   test/native/run.sh            unit tests + replay of test/fuzz-regressions/
#   test/native/run.sh --bench    also build (-O2, no sanitizers) and run the micro-benchmark
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mktemp -d -t wirewatch-native-test.XXXXXX)"
trap 'rm -rf "$out"' EXIT
cxx="${CXX:-g++}"
warn=(-Wall -Wextra -Wshadow -Werror)

echo "native: building parser_test with $cxx (ASan, UBSan)"
"$cxx" -std=c++17 -g -O1 "${warn[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer "$root/test/native/parser_test.cc" "$root/native/parse/parser.cc" \
  -o "$out/parser_test"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  "$out/parser_test" "$root/test/fuzz-regressions"

if [[ "${1:-}" == "--bench" ]]; then
  echo "native: building parser_bench with $cxx (-O2)"
  "$cxx" -std=c++17 -O2 "${warn[@]}" "$root/test/native/parser_bench.cc" "$root/native/parse/parser.cc" \
    -o "$out/parser_bench"
  "$out/parser_bench"
fi
