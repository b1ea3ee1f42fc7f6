#!/usr/bin/env bash
# Rebuilds prebuilds/linux-x64/wirewatch.node: the addon with a static libpcap,
# stripped, exporting only Node-API symbols. Commit the result together with
# the native change it was built from (test/unit/prebuild.test.ts checks).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

bash scripts/build-libpcap.sh
export WIREWATCH_PCAP_STATIC_DIR="$ROOT/.deps/libpcap/install"
npx prebuildify --napi --strip --name wirewatch --node-gyp "$ROOT/scripts/prebuildify-cmake-shim.js"
# prebuildify leaves the static build in build/Release, where node-gyp-build
# would prefer it over the prebuild; keep the tree loading what users load.
rm -rf build

out=prebuilds/linux-x64/wirewatch.node
if ldd "$out" | grep -Eq 'libpcap|libdbus'; then
  echo "build-prebuild: $out links libpcap or dbus dynamically:" >&2
  ldd "$out" >&2
  exit 1
fi
extra=$(nm -D --defined-only "$out" | awk '{print $3}' | grep -Ev '^(napi_register_module_v1|node_api_module_get_api_version_v1)$' || true)
if [ -n "$extra" ]; then
  echo "build-prebuild: $out exports more than the Node-API entry points:" >&2
  echo "$extra" >&2
  exit 1
fi
echo "built $out ($(stat -c %s "$out") bytes), source hash $(node -e "console.log(require('./$out').sourceHash())")"
