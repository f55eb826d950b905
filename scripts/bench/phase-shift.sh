#!/usr/bin/env bash
# Scans a benchmark set's programmes again with silence prepended, so every window of the stream matcher falls at
# another place in the music, and scores each shift. Live streams start at any moment, so a figure that holds at
# one phase only is luck. Truth times move by the shift.
# usage: scripts/bench/phase-shift.sh [DATA_DIR] [SHIFT_S ...]   (default bench-data/main; 0.5 1.765 2.5 3.3)
# Run run-accuracy.sh on DATA_DIR first: this reuses its catalogue. Work files go to DATA_DIR/phase-shift.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
data="$(cd "${1:-$repo/bench-data/main}" && pwd)"
shift $(( $# > 0 ? 1 : 0 ))
shifts=("$@")
(( ${#shifts[@]} > 0 )) || shifts=(0.5 1.765 2.5 3.3)
store="$data/results/zamio-data"
[[ -d "$store" ]] || { echo "no catalogue in $store: run scripts/bench/run-accuracy.sh $data first" >&2; exit 2; }
command -v sox >/dev/null || { echo "sox is required" >&2; exit 2; }

dotnet build "$repo/src/Zamio.Central" -c Release -v q -nologo >&2
dotnet build "$repo/bench/Zamio.Bench" -c Release -v q -nologo >&2
cli=(dotnet "$repo/src/Zamio.Central/bin/Release/net10.0/zamio-central.dll")
bench=(dotnet "$repo/bench/Zamio.Bench/bin/Release/net10.0/Zamio.Bench.dll")

for s in "${shifts[@]}"; do
  work="$data/phase-shift/$s"
  rm -rf "$work"
  mkdir -p "$work/programmes" "$work/results"
  for wav in "$data"/programmes/*.wav; do
    name="$(basename "$wav" .wav)"
    sox "$wav" "$work/programmes/$name.wav" pad "$s" 0
    python3 -B - "$wav" "$s" "$work/programmes/$name.truth.json" <<'EOF'
import json, sys
wav, shift, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
truth = json.load(open(wav[:-4] + '.truth.json'))
truth['duration'] += shift
for item in truth['plays'] + truth['unknown']:
    item['start'] = round(item['start'] + shift, 3)
    item['end'] = round(item['end'] + shift, 3)
json.dump(truth, open(out, 'w'), indent=1)
EOF
    "${cli[@]}" scan "$work/programmes/$name.wav" --data-dir "$store" >"$work/results/$name.jsonl" 2>"$work/results/$name.log" \
      || echo "scan failed for $name (shift $s), see $work/results/$name.log" >&2
    rm "$work/programmes/$name.wav"
  done
  echo
  echo "== shift $s s"
  "${bench[@]}" score-dir --programmes "$work/programmes" --results "$work/results" --json "$work/scan-summary.json"
done
