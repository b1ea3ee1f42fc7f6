#!/usr/bin/env bash
# Builds libpcap 1.10.x as a static, position-independent library for the
# prebuilt addon, with every optional module (D-Bus, libnl, USB, RDMA, ...)
# off, so the addon needs nothing but libc at run time.
#
# The source is Debian's upstream tarball (the only source reachable here),
# checked against a pinned SHA-256. Nothing is committed: the tarball, the
# tree and the result live under .deps/ (git-ignored).
#
# Output: .deps/libpcap/install/{include,lib/libpcap.a}
set -euo pipefail

VERSION=1.10.3
SHA256=2a8885c403516cf7b0933ed4b14d6caa30e02052489ebd414dc75ac52e7559e6
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS="$ROOT/.deps/libpcap"
TARBALL="$DEPS/libpcap_${VERSION}.orig.tar.gz"
PREFIX="$DEPS/install"

mkdir -p "$DEPS"

if [ -f "$PREFIX/lib/libpcap.a" ] && [ "$(cat "$PREFIX/.version" 2>/dev/null)" = "$VERSION" ]; then
  echo "libpcap $VERSION already built in $PREFIX"
  exit 0
fi

need() { command -v "$1" >/dev/null || { echo "build-libpcap: '$1' is missing (apt-get install $2)" >&2; exit 1; }; }
need flex flex
need bison bison
need cmake cmake
need apt-get apt

if [ ! -f "$TARBALL" ]; then
  echo "fetching libpcap $VERSION source from the Debian archive"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # A private deb-src list, so the system's apt configuration is left alone.
  cat >"$work/src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  apt_opts=(-o "Dir::Etc::sourcelist=$work/src.sources" -o "Dir::Etc::sourceparts=-"
            -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Sandbox::User=root")
  apt-get "${apt_opts[@]}" -qq update
  (cd "$work" && apt-get "${apt_opts[@]}" -qq source --download-only "libpcap=${VERSION}-1")
  cp "$work/libpcap_${VERSION}.orig.tar.gz" "$TARBALL"
fi

echo "$SHA256  $TARBALL" | sha256sum -c --quiet - || {
  echo "build-libpcap: SHA-256 mismatch for $TARBALL; refusing to build" >&2
  rm -f "$TARBALL"
  exit 1
}

rm -rf "$DEPS/src" "$DEPS/build" "$PREFIX"
mkdir -p "$DEPS/src" "$DEPS/build"
tar -xzf "$TARBALL" -C "$DEPS/src" --strip-components=1

cmake -S "$DEPS/src" -B "$DEPS/build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DENABLE_REMOTE=OFF -DBUILD_WITH_LIBNL=OFF -DDISABLE_LINUX_USBMON=ON -DDISABLE_BLUETOOTH=ON \
  -DDISABLE_NETMAP=ON -DDISABLE_DPDK=ON -DDISABLE_DBUS=ON -DDISABLE_RDMA=ON -DDISABLE_DAG=ON \
  -DDISABLE_SEPTEL=ON -DDISABLE_SNF=ON -DDISABLE_TC=ON >"$DEPS/configure.log"
cmake --build "$DEPS/build" --target pcap_static -j"$(nproc)" >"$DEPS/build.log"

mkdir -p "$PREFIX/lib" "$PREFIX/include"
cp "$DEPS/build/libpcap.a" "$PREFIX/lib/libpcap.a"
cp -r "$DEPS/src/pcap" "$PREFIX/include/"
cp "$DEPS/src/pcap.h" "$PREFIX/include/"
echo "$VERSION" >"$PREFIX/.version"
echo "libpcap $VERSION built: $PREFIX/lib/libpcap.a"
