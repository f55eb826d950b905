#!/usr/bin/env bash
# Redis warm start: writes a synthetic catalogue of HOURS hours into Redis (`Zamio.Perf fill-redis-cache`, key prefix
# zamio-perf-warm-HOURS): the cached peaks and the built index snapshot. Then starts central `serve` with PostgreSQL
# (schema zperf, no tracks) and Redis configured and times process start -> first HTTP 200 from /health/ready
# (polled every 50 ms), RUNS times from the snapshot and RUNS times from the peaks (Zamio__Redis__IndexSnapshots=false,
# the path without snapshots), alternating, so both are measured under the same machine load.
# usage: scripts/bench/central-warm.sh [HOURS...]     (default: 100 1000)   env: RUNS (2), PORT (8092)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(100 1000)
RUNS=${RUNS:-2}; PORT=${PORT:-8092}
# A private copy of the build, taken now, so rebuilds during a run cannot change it.
BIN=/tmp/zperf/central-bin-warm
rm -rf "$BIN"; mkdir -p /tmp/zperf; cp -r src/Zamio.Central/bin/Release/net10.0 "$BIN"
PGPASSWORD=zamio psql -q -h 127.0.0.1 -U zamio zamio -c 'CREATE SCHEMA IF NOT EXISTS zperf' >/dev/null
PERF=bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll
echo "commit $(git rev-parse --short HEAD); nproc $(nproc)"
for H in "${SIZES[@]}"; do
  PREFIX=zamio-perf-warm-$H
  echo "\$ dotnet $PERF fill-redis-cache --redis 127.0.0.1:6379 --prefix $PREFIX --hours $H"
  dotnet "$PERF" fill-redis-cache --redis 127.0.0.1:6379 --prefix "$PREFIX" --hours "$H"
  echo "redis used_memory: $(redis-cli -h 127.0.0.1 info memory | grep '^used_memory_human' | tr -d '\r')"
  for r in $(seq "$RUNS"); do
    for MODE in snapshot peaks; do
      LOG=/tmp/zperf/warm-$H-$MODE-$r.log
      SNAPSHOTS=true; [ "$MODE" = peaks ] && SNAPSHOTS=false
      load=$(cut -d' ' -f1-3 /proc/loadavg)
      start=$(date +%s.%N)
      ConnectionStrings__Postgres="Host=127.0.0.1;Username=zamio;Password=zamio;Database=zamio;Search Path=zperf" \
      ConnectionStrings__Redis=127.0.0.1:6379 Zamio__Redis__KeyPrefix="$PREFIX" Zamio__Redis__IndexSnapshots=$SNAPSHOTS \
        dotnet "$BIN/zamio-central.dll" serve --data-dir /tmp/zperf/warm-data --urls "http://127.0.0.1:$PORT" --mqtt-port 0 >"$LOG" 2>&1 &
      CPID=$!
      ready=timeout
      for _ in $(seq 2400); do
        kill -0 "$CPID" 2>/dev/null || { ready="exited (see $LOG)"; break; }
        if curl -fs "http://127.0.0.1:$PORT/health/ready" >/tmp/zperf/ready.json 2>/dev/null; then ready=$(echo "$(date +%s.%N) - $start" | bc); break; fi
        sleep 0.05
      done
      rss=$(awk 2>/dev/null '/VmRSS/ {printf "%.0f MiB", $2/1024}' /proc/$CPID/status)
      echo "$H h $MODE run $r: ready after ${ready} s; RSS at ready $rss; load avg at start $load; $(cat /tmp/zperf/ready.json)"
      grep -i "index loaded\|snapshot" "$LOG" | head -3 || true
      kill "$CPID" 2>/dev/null || true; wait "$CPID" 2>/dev/null || true
    done
  done
done
