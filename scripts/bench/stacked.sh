#!/usr/bin/env bash
# Scans benchmark programmes again after several degradations in turn: a station that speeds songs up, processes
# for FM and is monitored through a low-bitrate stream off a noisy receiver meets them all at once, while each set
# applies one per programme. Each condition is the set's own (its profile's parameters, scripts/bench/bench_audio.py)
# and keeps the timeline, so the programme's truth still holds. The sets' programmes are pooled and scored as one.
# usage: scripts/bench/stacked.sh CHAIN PATTERN SET_DIR...
#   CHAIN: conditions in order, e.g. fm,mp3-64k,noisy15 (noisyN: the profile's noise at N dB SNR)
#   PATTERN: which programmes, e.g. 'speed-up|tempo'
# Run scripts/bench/run-accuracy.sh on each SET_DIR first: this reuses its catalogue. Work files go to
# SET_DIR/stacked/CHAIN; the pooled scores to stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
[[ $# -ge 3 ]] || { sed -n '2,10p' "$0" >&2; exit 2; }
chain="$1" pattern="$2"
shift 2
command -v sox >/dev/null && command -v ffmpeg >/dev/null || { echo "sox and ffmpeg are required" >&2; exit 2; }

dotnet build "$repo/src/Zamio.Central" -c Release -v q -nologo >&2
dotnet build "$repo/bench/Zamio.Bench" -c Release -v q -nologo >&2
cli=(dotnet "$repo/src/Zamio.Central/bin/Release/net10.0/zamio-central.dll")
bench=(dotnet "$repo/bench/Zamio.Bench/bin/Release/net10.0/Zamio.Bench.dll")

pool="$(mktemp -d)"
trap 'rm -rf "$pool"' EXIT
mkdir -p "$pool/programmes" "$pool/results"
seed=0
for dir in "$@"; do
  data="$(cd "$dir" && pwd)"
  set_name="$(basename "$data")"
  store="$data/results/zamio-data"
  [[ -d "$store" ]] || { echo "no catalogue in $store: run scripts/bench/run-accuracy.sh $data first" >&2; exit 2; }
  profile="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["profile"])' "$data/summary.json")"
  work="$data/stacked/$chain"
  rm -rf "$work"
  mkdir -p "$work"
  for wav in "$data"/programmes/*.wav; do
    name="$(basename "$wav" .wav)"
    [[ "$name" =~ $pattern ]] || continue
    seed=$((seed + 1))
    python3 -B "$here/stacked.py" "$wav" "$work/$name.wav" "$profile" "$seed" "$chain" >"$work/$name.chain.txt"
    "${cli[@]}" scan "$work/$name.wav" --data-dir "$store" --retracted >"$work/$name.jsonl" 2>"$work/$name.log" \
      || echo "scan failed for $set_name $name, see $work/$name.log" >&2
    rm "$work/$name.wav"
    ln -s "$data/programmes/$name.truth.json" "$pool/programmes/$set_name-$name.truth.json"
    ln -s "$work/$name.jsonl" "$pool/results/$set_name-$name.jsonl"
    echo "$set_name $name: $(cat "$work/$name.chain.txt")" >&2
  done
done
echo "== $chain on '$pattern', $# sets pooled"
"${bench[@]}" score-dir --programmes "$pool/programmes" --results "$pool/results"
