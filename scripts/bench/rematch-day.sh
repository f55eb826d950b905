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
# ${TRACKS} unquoted on purpose: one argument per track
# shellcheck disable=SC2086
/usr/bin/time -f "wall %e s, cpu %U+%S s, max RSS %M KB" \
  dotnet src/Zamio.Central/bin/Release/net10.0/zamio-central.dll rematch ${TRACKS:-} "${station_arg[@]}" \
  --from 2026-11-30T00:00:00Z --to "$(date -u -d "2026-11-30 + $hours hours" +%Y-%m-%dT%H:%M:%SZ)" \
  --archive "$work/archive" --data-dir "$data" > "$work/rematch.jsonl" 2> "$work/rematch.err"
cat "$work/rematch.err" >&2
python3 - "$work" "${TRACKS:-}" <<'PY'
import json, sys
from datetime import datetime
work, tracks = sys.argv[1], set(sys.argv[2].split())
t = lambda s: datetime.fromisoformat(s).timestamp()
every = [json.loads(l) for l in open(f'{work}/rematch.jsonl')]
truth_all = [json.loads(l) for l in open(f'{work}/archive/truth.jsonl')]
hit = long = predicted = unmatched = 0
starts, ends = [], []
for station in sorted({f['station'] for f in every}):
    found = [f for f in every if f['station'] == station]
    end = max(t(f['end']) for f in found)
    truth = [p for p in truth_all if (not tracks or p['track'] in tracks) and t(p['end']) <= end + 60]
    taken = set()
    for p in truth:
        best = None
        for i, f in enumerate(found):
            ov = min(t(f['end']), t(p['end'])) - max(t(f['start']), t(p['start']))
            if i in taken or f['track'] != p['track'] or ov <= 0:
                continue
            if ov >= 0.5 * min(t(f['end']) - t(f['start']), t(p['end']) - t(p['start'])) or ov >= 10:
                if best is None or ov > best[1]:
                    best = (i, ov)
        if best:
            taken.add(best[0]); f = found[best[0]]
            starts.append(abs(t(f['start']) - t(p['start']))); ends.append(abs(t(f['end']) - t(p['end'])))
            hit += t(p['end']) - t(p['start']) >= 20
    long += sum(1 for p in truth if t(p['end']) - t(p['start']) >= 20)
    predicted += len(found); unmatched += len(found) - len(taken)
q = lambda xs, k: sorted(xs)[min(len(xs) - 1, int(round(k * (len(xs) - 1))))] if xs else float('nan')
print(f"truth plays of 20 s or more found: {hit} / {long}; predicted {predicted}, unmatched {unmatched}; "
      f"start error median / p95 {q(starts, .5):.1f} / {q(starts, .95):.1f} s, end {q(ends, .5):.1f} / {q(ends, .95):.1f} s")
PY
