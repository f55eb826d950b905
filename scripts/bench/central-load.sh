#!/usr/bin/env bash
# Central load benchmark: for each station count, starts a fresh central `serve` in external-broker mode against
# Mosquitto (127.0.0.1:1883) with a 1,000-track catalogue, runs `Zamio.Perf central-load`, stops central.
# usage: scripts/bench/central-load.sh [SECONDS] [N...]        (defaults: 90 s; 100 250 500 1000 2000)
# env:   DATA    catalogue data dir (default /tmp/zperf/cat1000; built when missing); each run copies its
#                catalog.db into a fresh /tmp/zperf/run-N, so no run sees another's stations or plays
#        CONNS   MQTT connections per run (default: one per station)
#        OUT     markdown output (default /tmp/zperf/central-load.md)
#        MEASURE_AFTER  time only songs that start this many seconds into the run (default 0)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_RUN=${1:-90}; shift || true
STEPS=("$@"); [ ${#STEPS[@]} -gt 0 ] || STEPS=(100 250 500 1000 2000)
DATA=${DATA:-/tmp/zperf/cat1000}
OUT=${OUT:-/tmp/zperf/central-load.md}
PORT=${PORT:-8090}
BIN=/tmp/zperf/central-bin
mkdir -p /tmp/zperf
dotnet build src/Zamio.Central -c Release -v q -nologo >/dev/null
dotnet build bench/Zamio.Perf -c Release -v q -nologo >/dev/null
rm -rf "$BIN" && cp -r src/Zamio.Central/bin/Release/net10.0 "$BIN"
if [ ! -f "$DATA/catalog.db" ]; then
  dotnet "$BIN/zamio-central.dll" catalog add bench-data/main/catalog --data-dir "$DATA"
  dotnet bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll fill-catalog --data-dir "$DATA" --tracks 1000
fi
BROKER_PID=$(cat /tmp/zamio-services/mosq/mosquitto.pid 2>/dev/null || echo 0)
: > "$OUT"
for N in "${STEPS[@]}"; do
  LOG=/tmp/zperf/central-$N.log
  # Each run starts from the catalogue alone: stations and plays left by earlier runs (tens of thousands after a
  # day of runs) slow central down and would make runs incomparable.
  RUN_DATA=/tmp/zperf/run-$N
  rm -rf "$RUN_DATA" && mkdir -p "$RUN_DATA" && cp "$DATA/catalog.db" "$RUN_DATA/"
  Central__Mqtt__Host=127.0.0.1 Central__Mqtt__Port=1883 Logging__LogLevel__Default=Warning \
    dotnet "$BIN/zamio-central.dll" serve --data-dir "$RUN_DATA" --urls "http://127.0.0.1:$PORT" >"$LOG" 2>&1 &
  CPID=$!
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -s "http://127.0.0.1:$PORT/health/ready"; echo
  echo "## N=$N  (central pid $CPID, mosquitto pid $BROKER_PID)" | tee -a "$OUT"
  echo '```' >> "$OUT"
  echo "dotnet bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll central-load --stations $N --broker 127.0.0.1:1883 --seconds $SECONDS_RUN --pace realtime --central http://127.0.0.1:$PORT --central-pid $CPID --broker-pid $BROKER_PID --data-dir $RUN_DATA --measure-after ${MEASURE_AFTER:-0} ${CONNS:+--connections $CONNS}" >> "$OUT"
  echo '```' >> "$OUT"
  dotnet bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll central-load --stations "$N" --broker 127.0.0.1:1883 \
    --seconds "$SECONDS_RUN" --pace realtime --central "http://127.0.0.1:$PORT" --central-pid "$CPID" \
    --broker-pid "$BROKER_PID" --data-dir "$RUN_DATA" --measure-after "${MEASURE_AFTER:-0}" ${CONNS:+--connections $CONNS} 2> /tmp/zperf/load-$N.err | tee -a "$OUT" || true
  kill "$CPID"; wait "$CPID" 2>/dev/null || true
done
