#!/usr/bin/env bash
# Proves the npm package installs the way users get it:
#  1. `npm pack`, then install the tarball into an empty project: the install
#     script must load prebuilds/linux-x64/wirewatch.node and compile nothing;
#  2. the same tarball with prebuilds/ removed: the install compiles from
#     source against the system libpcap, and that build loads.
# Needs the npm registry for the package's dependencies.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d -t wirewatch-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT

cd "$root"
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "packed $tarball ($(stat -c %s "$work/$tarball") bytes)"

check_load() { # dir expect(prebuild|source)
  local dir=$1 expect=$2
  (cd "$dir" && node --input-type=module -e "
    import { libpcapVersion, CaptureSource } from 'wirewatch';
    const src = CaptureSource.openFile({ file: 'node_modules/wirewatch/fixtures/demo.pcap' });
    let n = 0; src.on('batch', (b) => (n += b.rows));
    await src.start().ended();
    if (n === 0) throw new Error('no packets read');
    console.log(JSON.stringify({ version: libpcapVersion(), packets: n }));
  ")
  local pkg="$dir/node_modules/wirewatch"
  if [ "$expect" = prebuild ]; then
    [ ! -d "$pkg/build" ] || { echo "FAIL: the install compiled a build/ although a prebuild was there" >&2; exit 1; }
  else
    [ -f "$pkg/build/Release/wirewatch.node" ] || { echo "FAIL: no source build in $pkg/build/Release" >&2; exit 1; }
  fi
}

# Both installs at once: each spends about a minute compiling better-sqlite3's
# single C file on one core.
mkdir -p "$work/with-prebuild" "$work/unpacked" "$work/from-source"
tar -xzf "$work/$tarball" -C "$work/unpacked"
rm -rf "$work/unpacked/package/prebuilds"
(cd "$work/unpacked" && tar -czf "$work/no-prebuild.tgz" package)
install_into() { # dir tarball [npm flags...]
  local dir=$1 tgz=$2
  shift 2
  (cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund "$@" "$tgz" >install.log 2>&1)
}
install_into "$work/with-prebuild" "$work/$tarball" &
with_prebuild=$!
install_into "$work/from-source" "$work/no-prebuild.tgz" --foreground-scripts &
from_source=$!
wait "$with_prebuild" || { cat "$work/with-prebuild/install.log" >&2; exit 1; }
wait "$from_source" || { cat "$work/from-source/install.log" >&2; exit 1; }

echo "== install from the tarball (prebuild)"
check_load "$work/with-prebuild" prebuild
echo "ok: the prebuild loaded without compiling"

echo "== install from the tarball without prebuilds/ (source fallback)"
check_load "$work/from-source" source
grep -q "building from source" "$work/from-source/install.log" || { echo "FAIL: install.js did not say it builds from source" >&2; exit 1; }
ldd "$work/from-source/node_modules/wirewatch/build/Release/wirewatch.node" | grep -q libpcap ||
  { echo "FAIL: the source build does not link the system libpcap" >&2; exit 1; }
echo "ok: without a prebuild the install compiled against the system libpcap"
echo "package: 2 passed, 0 failed"
