#!/usr/bin/env bash
# Identify of long clips (30, 60, 90 s) against a benchmark set's catalogue: cut, identify in one call, score.
# usage: scripts/bench/long-clips.sh [DATA_DIR]   (default bench-data/main; run run-accuracy.sh on it first, whose
# catalogue this reuses). Cuts go to DATA_DIR/long-clips (git-ignored with the rest of bench-data).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
data="$(cd "${1:-$repo/bench-data/main}" && pwd)"
cache="${ZAMIO_MUSIC_CACHE:-}"
if [[ -z "$cache" ]]; then
  if [[ -d /work/music-cache ]]; then cache=/work/music-cache; else cache="$repo/bench-data/music-cache"; fi
fi
store="$data/results/zamio-data"
[[ -d "$store" ]] || { echo "no catalogue in $store: run scripts/bench/run-accuracy.sh $data first" >&2; exit 2; }
out="$data/long-clips"
if [[ ! -f "$out/truth.jsonl" ]]; then
  mkdir -p "$out"
  echo "== cutting long clips into $out" >&2
  python3 -B "$here/long_clips.py" make "$data" "$cache" "$out"
fi
dotnet build "$repo/src/Zamio.Central" -c Release -v q -nologo >&2
dotnet "$repo/src/Zamio.Central/bin/Release/net10.0/zamio-central.dll" identify "$out"/*.wav --data-dir "$store" \
  >"$out/results.jsonl" 2>"$out/identify.log" || true
python3 -B "$here/long_clips.py" score "$out" "$out/results.jsonl"
