#!/usr/bin/env bash
# Soak: `wirewatch run` on the demo capture at N× speed (looped) with storage and
# the API on, RSS sampled every 10 s. Prints one line per sample and a summary.
#
#   bash bench/soak.sh [MINUTES=10] [SPEED=50]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
MINUTES=${1:-10}
SPEED=${2:-50}
[[ -f dist/lib/cli.js ]] || npm run build >/dev/null
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT
cat >"$DIR/soak.yaml" <<YAML
capture:
  backend: file
  file: $ROOT/fixtures/demo.pcap
  speed: $SPEED
  loop: true
storage:
  path: $DIR/data/wirewatch.db
api:
  port: 18089
privileges:
  drop: false
  allow_root: true
logging:
  level: warn
  format: json
YAML
node dist/lib/cli.js run --config "$DIR/soak.yaml" >"$DIR/log" 2>&1 &
PID=$!
echo "soak: demo.pcap at ${SPEED}x for ${MINUTES} min, pid $PID, $(date -u +%FT%TZ)"
printf '%6s %10s %10s %12s %10s\n' t_s rss_MiB hwm_MiB packets flows_active
end=$((SECONDS + MINUTES * 60))
while ((SECONDS < end)); do
  sleep 10
  rss=$(awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$PID/status")
  hwm=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$PID/status")
  stats=$(curl -s "http://127.0.0.1:18089/api/stats?window=60" || true)
  packets=$(sed -nE 's/.*"totals":\{"packets":([0-9]+).*/\1/p' <<<"$stats")
  active=$(sed -nE 's/.*"active":([0-9]+).*/\1/p' <<<"$stats" | head -1)
  printf '%6d %10s %10s %12s %10s\n' "$((MINUTES * 60 - (end - SECONDS)))" "$rss" "$hwm" "${packets:-?}" "${active:-?}"
done
kill -TERM "$PID"
wait "$PID" || true
echo "exit; db size $(du -sh "$DIR/data" | cut -f1); log lines at warn+: $(wc -l <"$DIR/log")"
