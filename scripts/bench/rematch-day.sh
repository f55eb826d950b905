#!/usr/bin/env bash
# Times `rematch` over a day of one station's fingerprint archive and scores what it finds.
# usage: scripts/bench/rematch-day.sh [DATA_DIR] [HOURS]    (defaults: bench-data/main/results/zamio-data, 24)
# The archive is the main set's programmes back to back (bench/Zamio.Perf archive-day), against DATA_DIR's catalogue
# (run-accuracy.sh leaves the main set's there; the load bench's 1,000 tracks are /tmp/zperf/cat1000).
# env: TRACKS    rematch only these tracks (space-separated), as after adding them to the catalogue
#      STATIONS  archive that many stations (the same day each) and rematch them all in one call (default 1)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:-bench-data/main/results/zamio-data}
hours=${2:-24}
work=${WORK:-/tmp/zamio-rematch-day}
rm -rf "$work" && mkdir -p "$work"
dotnet build src/Zamio.Central -c Release -v q -nologo >/dev/null
dotnet build bench/Zamio.Perf -c Release -v q -nologo >/dev/null
stations=${STATIONS:-1}
for i in $(seq 1 "$stations"); do
  dotnet bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll archive-day --out "$work/archive" --hours "$hours" --station "bench-fm-$i"
done
station_arg=(--station bench-fm-1)
[ "$stations" -gt 1 ] && station_arg=()
to="$(date -u -d "2026-11-30 + $hours hours" +%Y-%m-%dT%H:%M:%SZ)"
# ${TRACKS} unquoted on purpose: one argument per track
# shellcheck disable=SC2086
/usr/bin/time -f "wall %e s, cpu %U+%S s, max RSS %M KB" \
  dotnet src/Zamio.Central/bin/Release/net10.0/zamio-central.dll rematch ${TRACKS:-} "${station_arg[@]}" \
  --from 2026-11-30T00:00:00Z --to "$to" --archive "$work/archive" --data-dir "$data" > "$work/rematch.jsonl" 2> "$work/rematch.err"
cat "$work/rematch.err" >&2
# Scored like the programmes: each station's plays in seconds from the day's start against its truth, cut to the period
# rematched (and to the named tracks, when some were).
mkdir -p "$work/truth" "$work/results"
python3 - "$work" "$hours" "${TRACKS:-}" <<'PY'
import json, os, sys
from datetime import datetime, timezone
work, hours, tracks = sys.argv[1], float(sys.argv[2]), set(sys.argv[3].split())
start = datetime(2026, 11, 30, tzinfo=timezone.utc).timestamp()
period = hours * 3600
found = {}
for line in open(f'{work}/rematch.jsonl'):
    p = json.loads(line)
    found.setdefault(p['station'], []).append({'track': p['track'], 'confidence': p['confidence'], 'speed': p['speed'],
        'start': datetime.fromisoformat(p['start']).timestamp() - start, 'end': datetime.fromisoformat(p['end']).timestamp() - start})
for name in os.listdir(f'{work}/archive/truth'):
    truth = json.load(open(f'{work}/archive/truth/{name}'))
    truth['duration'] = period
    # What began before the period's end, cut there: rematch reads no packet after it.
    truth['plays'] = [dict(p, end=min(p['end'], period)) for p in truth['plays'] if p['start'] < period and (not tracks or p['track'] in tracks)]
    truth['unknown'] = [dict(u, end=min(u['end'], period)) for u in truth['unknown'] if u['start'] < period]
    json.dump(truth, open(f'{work}/truth/{name}', 'w'))
    station = name[:-len('.truth.json')]
    with open(f'{work}/results/{station}.jsonl', 'w') as out:
        for p in found.get(station, []):
            out.write(json.dumps(p) + '\n')
PY
dotnet build bench/Zamio.Bench -c Release -v q -nologo >/dev/null
dotnet bench/Zamio.Bench/bin/Release/net10.0/Zamio.Bench.dll score-dir --programmes "$work/truth" --results "$work/results"
