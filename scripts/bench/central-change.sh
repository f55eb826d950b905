#!/usr/bin/env bash
# Catalogue change latency on a large catalogue: two central instances (PostgreSQL schema zperf, Redis prefix
# zamio-perf-warm-HOURS filled by `Zamio.Perf fill-redis-cache`, as central-warm.sh) warm from the index snapshot;
# a track is added through instance A's API (`POST /api/v1/tracks`, answered once it is live on A), then instance B
# is asked to identify a 10 s clip of it every 50 ms until it names the track; then the track is deleted on A and B
# is polled until it no longer names it. Times are from the start of A's request to the start of the first probe of B
# that shows the change (the change was live on B by then; a probe that finds nothing runs identify's wider searches,
# which on a large catalogue take longer than the change did), with that probe's own duration beside them. Between the
# two, the track's title is changed on A (`PATCH /api/v1/tracks/ID`) and B's plays of it (a play written to the probe
# station's rows) are polled until they show the new title.
# usage: scripts/bench/central-change.sh [HOURS]     (default 1000)   env: RUNS (3)
set -euo pipefail
cd "$(dirname "$0")/../.."
H=${1:-1000}; RUNS=${RUNS:-3}; PREFIX=zamio-perf-warm-$H; ADMIN=bench-admin-key-0123456789
BIN=/tmp/zperf/central-bin-change; PERF=bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll
dotnet build src/Zamio.Central -c Release -v q -nologo >/dev/null
dotnet build bench/Zamio.Perf -c Release -v q -nologo >/dev/null
rm -rf "$BIN" /tmp/zperf/change-a /tmp/zperf/change-b; mkdir -p /tmp/zperf; cp -r src/Zamio.Central/bin/Release/net10.0 "$BIN"
PGPASSWORD=zamio psql -q -h 127.0.0.1 -U zamio zamio -c 'CREATE SCHEMA IF NOT EXISTS zperf' >/dev/null
PGPASSWORD=zamio psql -q -h 127.0.0.1 -U zamio zamio -c "DELETE FROM zperf.tracks WHERE id LIKE 'change-%'" >/dev/null 2>&1 || true
# Refilled every run: the previous run's changes moved the catalogue version past the stored snapshot.
dotnet "$PERF" fill-redis-cache --redis 127.0.0.1:6379 --prefix "$PREFIX" --hours "$H" >&2
SOURCE=$(ls bench-data/main/catalog/*.wav | head -1)
CLIP=/tmp/zperf/change-clip.wav
sox "$SOURCE" -r 8000 -c 1 "$CLIP" trim 30 10
echo "commit $(git rev-parse --short HEAD); nproc $(nproc); catalogue $H h synthetic + $(basename "$SOURCE") added/removed; load $(cut -d' ' -f1-3 /proc/loadavg)"
start() {
  ConnectionStrings__Postgres="Host=127.0.0.1;Username=zamio;Password=zamio;Database=zamio;Search Path=zperf" \
  ConnectionStrings__Redis=127.0.0.1:6379 Zamio__Redis__KeyPrefix="$PREFIX" \
    dotnet "$BIN/zamio-central.dll" serve --data-dir "/tmp/zperf/change-$1" --urls "http://127.0.0.1:$2" \
    --mqtt-port 0 --admin-key "$ADMIN" >"/tmp/zperf/change-$1.log" 2>&1 &
  echo $!
}
PA=$(start a 8093); PB=$(start b 8094)
trap 'kill $PA $PB 2>/dev/null || true' EXIT
for pair in "$PA:8093:a" "$PB:8094:b"; do
  IFS=: read -r pid port name <<<"$pair"
  for _ in $(seq 1200); do
    kill -0 "$pid" 2>/dev/null || { echo "instance $name exited, see /tmp/zperf/change-$name.log" >&2; exit 1; }
    curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.1
  done
done
now() { date +%s.%N; }
fmt() { awk '{ if ($1 == "timeout") print $1; else { gsub(/[()]/, "", $2); printf "%.2f (%.2f)", $1, $2 } }' <<<"$1"; }
names() { curl -s -F "file=@$CLIP" "http://127.0.0.1:8094/api/v1/identify" | grep -q "\"track\":\"$1\""; }
# A play of the added track on a probe station, so B's plays show the track's title.
PSQL=(psql -q -h 127.0.0.1 -U zamio zamio)
titled() { curl -s -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:8094/api/v1/plays?station=change-probe&from=2020-01-01T00:00:00Z" | grep -q "\"title\":\"$1\""; }
echo "| run | add: A answers 201 s | add: B names it s (probe s) | describe: A answers 200 s | describe: B's plays show it s (probe s) | remove: A answers 204 s | remove: B stops naming it s (probe s) |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for r in $(seq "$RUNS"); do
  id=change-$r
  t0=$(now)
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" -F "file=@$SOURCE" -F "id=$id" http://127.0.0.1:8093/api/v1/tracks)
  ta=$(echo "$(now) - $t0" | bc); [ "$code" = 201 ] || { echo "add answered $code"; exit 1; }
  tb=timeout; for _ in $(seq 600); do tp=$(now); if names "$id"; then tb="$(echo "$tp - $t0" | bc) ($(echo "$(now) - $tp" | bc))"; break; fi; sleep 0.05; done
  PGPASSWORD=zamio "${PSQL[@]}" -c "INSERT INTO zperf.plays VALUES ('change-probe', '$id', 's', 1, '$id', '2021-01-01T00:00:00Z', '2021-01-01T00:03:00Z', 1, 1, 'closed', now())"
  # B reads the descriptions into its copy (the add changed its index), so the change below must reach that copy.
  titled "Probe $r" && { echo "B shows the title before the change"; exit 1; }
  t0=$(now)
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/merge-patch+json' \
    -d "{\"title\":\"Probe $r\"}" "http://127.0.0.1:8093/api/v1/tracks/$id")
  tc=$(echo "$(now) - $t0" | bc); [ "$code" = 200 ] || { echo "describe answered $code"; exit 1; }
  tt=timeout; for _ in $(seq 600); do tp=$(now); if titled "Probe $r"; then tt="$(echo "$tp - $t0" | bc) ($(echo "$(now) - $tp" | bc))"; break; fi; sleep 0.05; done
  PGPASSWORD=zamio "${PSQL[@]}" -c "DELETE FROM zperf.plays WHERE station = 'change-probe'"
  t0=$(now)
  code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:8093/api/v1/tracks/$id")
  td=$(echo "$(now) - $t0" | bc); [ "$code" = 204 ] || { echo "delete answered $code"; exit 1; }
  te=timeout; for _ in $(seq 600); do tp=$(now); if ! names "$id"; then te="$(echo "$tp - $t0" | bc) ($(echo "$(now) - $tp" | bc))"; break; fi; sleep 0.05; done
  printf "| %s | %.2f | %s | %.2f | %s | %.2f | %s |\n" "$r" "$ta" "$(fmt "$tb")" "$tc" "$(fmt "$tt")" "$td" "$(fmt "$te")"
done
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg); RSS A $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' /proc/$PA/status), B $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' /proc/$PB/status)"
grep -h "rebuilt\|merged\|Index loaded" /tmp/zperf/change-a.log /tmp/zperf/change-b.log | head -12
