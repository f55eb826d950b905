#!/usr/bin/env bash
# Central load benchmark: for each station count, starts a fresh central `serve` in external-broker mode against
# Mosquitto (127.0.0.1:1883) with a 1,000-track catalogue, runs `Zamio.Perf central-load`, stops central.
# usage: scripts/bench/central-load.sh [SECONDS] [N...]        (defaults: 90 s; 100 250 500 1000 2000)
# env:   DATA    catalogue data dir (default /tmp/zperf/cat1000; built when missing); each run copies its
#                catalog.db into a fresh /tmp/zperf/run-N, so no run sees another's stations or plays
#        CONNS   MQTT connections per run (default: one per station)
#        OUT     markdown output (default /tmp/zperf/central-load.md); each step's stderr (with the backlog timeline)
#                goes beside it as OUT-without-.md-N.err, each measured song's delay as OUT-without-.md-N.tsv, each
#                instance's /metrics at the end as OUT-without-.md-N-I.metrics (and MEASURE_AFTER + 60 s into the run as
#                OUT-without-.md-N-I.start.metrics: the difference is the steady state's)
#        MEASURE_AFTER  time only songs that start this many seconds into the run (default 0)
#        SHARED  1: the scale-out deployment instead of embedded defaults: catalogue, stations and plays in PostgreSQL
#                (schema zload_N_INSTANCES, recreated per run), index cache and rate limits in Redis (a fresh key prefix per run)
#        PACKET_SECONDS  audio per packet, as the agent's --packet-seconds (default 1, the agent's default)
#        JOIN    spread: stations join their programme at offsets spread over it (songs start at any time), instead of
#                8-38 s before one of its songs (the stations joined before one song start it within half a minute)
#        SETS    benchmark sets whose programmes the stations air (default main), e.g. "main fresh3 unseen wide": more
#                song starts under the delay percentiles than main's 29 clear ones; their catalogues join the 1,000 tracks
#        INSTANCES  central instances sharing the stations through the broker's shared subscription (default 1;
#                more than one needs SHARED=1); HTTP ports PORT, PORT+1, ...
#        POLL_MS  how often the bench also polls GET /api/v1/plays beside the live feed (default 500 ms); each poll
#                returns every play of the last two minutes (about a megabyte at 2,000 stations), work central does
#                for the observer
#        REMATCH_AT  seconds into the run at which every station's archive is rematched over HTTP meanwhile (see below)
#        CENTRAL_ENV  extra environment for central alone, e.g. "DOTNET_GCDynamicAdaptationMode=1" to compare a runtime
#                setting without touching the load generator
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_RUN=${1:-90}; shift || true
STEPS=("$@"); [ ${#STEPS[@]} -gt 0 ] || STEPS=(100 250 500 1000 2000)
SETS=${SETS:-main}
SET_LIST=($SETS)
DATA=${DATA:-/tmp/zperf/cat1000$([ "$SETS" = main ] || echo "-${SETS// /-}")}
PROGRAMMES=$(printf 'bench-data/%s/programmes,' "${SET_LIST[@]}"); PROGRAMMES=${PROGRAMMES%,}
CATALOGS=$(printf 'bench-data/%s/catalog,' "${SET_LIST[@]}"); CATALOGS=${CATALOGS%,}
OUT=${OUT:-/tmp/zperf/central-load.md}
PORT=${PORT:-8090}
BIN=/tmp/zperf/central-bin
mkdir -p /tmp/zperf
dotnet build src/Zamio.Central -c Release -v q -nologo >/dev/null
dotnet build bench/Zamio.Perf -c Release -v q -nologo >/dev/null
rm -rf "$BIN" && cp -r src/Zamio.Central/bin/Release/net10.0 "$BIN"
if [ ! -f "$DATA/catalog.db" ]; then
  for S in "${SET_LIST[@]}"; do dotnet "$BIN/zamio-central.dll" catalog add "bench-data/$S/catalog" --data-dir "$DATA"; done
  dotnet bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll fill-catalog --data-dir "$DATA" --tracks 1000
fi
BROKER_PID=$(cat /tmp/zamio-services/mosq/mosquitto.pid 2>/dev/null || echo 0)
SHARED=${SHARED:-0}
INSTANCES=${INSTANCES:-1}
if [ "$INSTANCES" -gt 1 ] && [ "$SHARED" != 1 ]; then echo "INSTANCES > 1 needs SHARED=1" >&2; exit 2; fi
PG_BASE=${PG_BASE:-Host=127.0.0.1;Username=zamio;Password=zamio;Database=zamio}
ADMIN_KEY=bench-admin-key-0123456789
# REMATCH_AT=S: S seconds into the run, rematch every station's archived packets over HTTP (POST /api/v1/rematches) while
# the stations go on, and write when it was queued and ended, and its summary, to OUT-N-rematch.txt.
rematch_during() {
  local url=$1 out=$2 location status
  sleep "$REMATCH_AT"
  location=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $ADMIN_KEY" \
    "$url/api/v1/rematches?from=$(date -u -d '-1 hour' +%FT%TZ)&to=$(date -u -d '+1 hour' +%FT%TZ)" | tr -d '\r' | sed -n 's/^Location: //Ip')
  echo "queued $(date -u +%T.%N) $location" > "$out"
  [ -n "$location" ] || return 0
  while sleep 1; do
    status=$(curl -s -H "Authorization: Bearer $ADMIN_KEY" "$url$location")
    case "$status" in *'"status":"done"'*|*'"status":"failed"'*) break ;; esac
  done
  echo "ended $(date -u +%T.%N)" >> "$out"
  echo "$status" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["status"], j["error"], json.dumps(j["summary"]), "plays", len(j["plays"] or []))' >> "$out"
}
: > "$OUT"
for N in "${STEPS[@]}"; do
  # Each run starts from the catalogue alone: stations and plays left by earlier runs (tens of thousands after a
  # day of runs) slow central down and would make runs incomparable.
  RUN_DATA=/tmp/zperf/run-$N
  rm -rf "$RUN_DATA" && mkdir -p "$RUN_DATA" && cp "$DATA/catalog.db" "$RUN_DATA/"
  SHARED_ENV=()
  REGISTER=(--data-dir "$RUN_DATA")
  if [ "$SHARED" = 1 ]; then
    SCHEMA=zload_${N}_$INSTANCES
    PGCONN="$PG_BASE;Search Path=$SCHEMA"
    PGPASSWORD=zamio psql -q -h 127.0.0.1 -U zamio -d zamio -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE; CREATE SCHEMA $SCHEMA" >/dev/null
    dotnet bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll fill-catalog --data-dir "$RUN_DATA" --postgres "$PGCONN"
    SHARED_ENV=(ConnectionStrings__Postgres="$PGCONN" ConnectionStrings__Redis=127.0.0.1:6379 Zamio__Redis__KeyPrefix="zload-$N-$(date +%s)")
    REGISTER=(--postgres "$PGCONN")
  fi
  PIDS=(); URLS=()
  for I in $(seq 0 $((INSTANCES - 1))); do
    LOG=/tmp/zperf/central-$N-$I.log
    URL="http://127.0.0.1:$((PORT + I))"
    mkdir -p "$RUN_DATA/i$I" && cp "$RUN_DATA/catalog.db" "$RUN_DATA/i$I/"
    # shellcheck disable=SC2086 # CENTRAL_ENV is a list of NAME=VALUE words
    env "${SHARED_ENV[@]}" ${CENTRAL_ENV:-} Central__Mqtt__Host=127.0.0.1 Central__Mqtt__Port=1883 Logging__LogLevel__Default=Warning Central__AdminKey="$ADMIN_KEY" \
      dotnet "$BIN/zamio-central.dll" serve --data-dir "$RUN_DATA/i$I" --urls "$URL" >"$LOG" 2>&1 &
    PIDS+=($!); URLS+=("$URL")
  done
  for URL in "${URLS[@]}"; do
    for _ in $(seq 300); do curl -fs "$URL/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
    curl -s "$URL/health/ready"; echo
  done
  CENTRALS=$(IFS=,; echo "${URLS[*]}"); CPIDS=$(IFS=,; echo "${PIDS[*]}")
  [ "$SHARED" = 1 ] || REGISTER=(--data-dir "$RUN_DATA/i0")
  echo "## N=$N  (central pid(s) $CPIDS, mosquitto pid $BROKER_PID$([ "$SHARED" = 1 ] && echo ", PostgreSQL + Redis, $INSTANCES instance(s)"))" | tee -a "$OUT"
  ARGS=(central-load --stations "$N" --broker 127.0.0.1:1883 --seconds "$SECONDS_RUN" --pace realtime --central "$CENTRALS"
    --central-pid "$CPIDS" --broker-pid "$BROKER_PID" "${REGISTER[@]}" --measure-after "${MEASURE_AFTER:-0}" --packet-seconds "${PACKET_SECONDS:-1}" --delays-out "${OUT%.md}-$N.tsv" --programmes "$PROGRAMMES" --catalog-dir "$CATALOGS" ${CONNS:+--connections $CONNS} ${JOIN:+--join $JOIN} ${POLL_MS:+--poll-ms $POLL_MS})
  echo '```' >> "$OUT"
  echo "dotnet bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll ${ARGS[*]}" >> "$OUT"
  echo '```' >> "$OUT"
  REMATCH_PID=
  # Central's own view once the start-up burst is over, to set against the end's (steady-state ingest lag).
  ( sleep $(( ${MEASURE_AFTER:-0} + 60 )); for I in "${!URLS[@]}"; do curl -s "${URLS[$I]}/metrics" >"${OUT%.md}-$N-$I.start.metrics" || true; done ) &
  if [ -n "${REMATCH_AT:-}" ]; then rematch_during "${URLS[0]}" "${OUT%.md}-$N-rematch.txt" & REMATCH_PID=$!; fi
  ZAMIO_ADMIN_KEY="$ADMIN_KEY" dotnet bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll "${ARGS[@]}" 2> "${OUT%.md}-$N.err" | tee -a "$OUT" || true
  [ -z "$REMATCH_PID" ] || wait "$REMATCH_PID"
  # Central's own view (ingest lag, play write times) beside the bench's.
  for I in "${!URLS[@]}"; do curl -s "${URLS[$I]}/metrics" >"${OUT%.md}-$N-$I.metrics" || true; done
  for P in "${PIDS[@]}"; do kill "$P"; wait "$P" 2>/dev/null || true; done
done
