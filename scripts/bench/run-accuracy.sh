#!/usr/bin/env bash
# Runs the Zamio CLI over a benchmark set and scores it. See docs/bench-dataset.md.
# usage: scripts/bench/run-accuracy.sh [DATA_DIR]      (default bench-data/main)
# ZAMIO_CLI overrides the command under test, e.g. ZAMIO_CLI="python3 scripts/bench/oracle_cli.py".
# FILL_TRACKS=N pads the set's catalogue with tracks of random peaks up to N entries (Zamio.Perf fill-catalog), results in
# DATA_DIR/results-fillN: matching then searches a catalogue of the load bench's size, where a weak start's true alignment
# competes with many more chance ones. Random peaks are no one's music, so plays and clips are scored as before.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
data="$(cd "${1:-$repo/bench-data/main}" && pwd)"
results="$data/results${FILL_TRACKS:+-fill$FILL_TRACKS}"
store="$results/zamio-data"

echo "== building (Release)" >&2
dotnet build "$repo/bench/Zamio.Bench" -c Release -v q -nologo >&2
bench=(dotnet "$repo/bench/Zamio.Bench/bin/Release/net10.0/Zamio.Bench.dll")
if [[ -n "${ZAMIO_CLI:-}" ]]; then
  read -r -a cli <<<"$ZAMIO_CLI"
else
  dotnet build "$repo/src/Zamio.Central" -c Release -v q -nologo >&2
  cli=(dotnet "$repo/src/Zamio.Central/bin/Release/net10.0/zamio-central.dll")
fi

rm -rf "$results"
mkdir -p "$results" "$store"
now() { date +%s.%N; }

echo "== catalog add ($(ls "$data/catalog" | wc -l) tracks)" >&2
t0=$(now)
"${cli[@]}" catalog add "$data"/catalog/*.wav --data-dir "$store" >"$results/catalog.log" 2>&1 \
  || { echo "catalog add failed, see $results/catalog.log" >&2; tail -20 "$results/catalog.log" >&2; exit 1; }
echo "catalog add: $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}') s" >&2
# Entries holding another's recording, so the clip scores can tell a wrong answer from the same audio in another entry.
shared=()
if [[ -z "${ZAMIO_CLI:-}" ]] && "${cli[@]}" catalog overlaps --speed-search on --data-dir "$store" >"$results/overlaps.jsonl" 2>/dev/null; then
  shared=(--shared "$results/overlaps.jsonl")
fi
if [[ -n "${FILL_TRACKS:-}" ]]; then
  dotnet build "$repo/bench/Zamio.Perf" -c Release -v q -nologo >&2
  dotnet "$repo/bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll" fill-catalog --data-dir "$store" --tracks "$FILL_TRACKS" >&2
fi

# A clips-only set (make-dataset.sh --clips-only) has no programmes.
programmes=("$data"/programmes/*.wav)
[[ -e "${programmes[0]}" ]] || programmes=()
if (( ${#programmes[@]} > 0 )); then
printf "%-16s %9s %9s %8s\n" programme audio_s scan_s x_realtime | tee "$results/timings.txt"
total_audio=0; total_scan=0
for wav in "${programmes[@]}"; do
  name="$(basename "$wav" .wav)"
  t0=$(now)
  if ! "${cli[@]}" scan "$wav" --data-dir "$store" --retracted >"$results/$name.jsonl" 2>"$results/$name.log"; then
    echo "scan failed for $name, see $results/$name.log" >&2
  fi
  secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}')
  dur=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["duration"])' "${wav%.wav}.truth.json")
  printf "%-16s %9.1f %9.2f %8.1f\n" "$name" "$dur" "$secs" "$(awk -v d="$dur" -v s="$secs" 'BEGIN{print (s>0)?d/s:0}')" \
    | tee -a "$results/timings.txt"
  total_audio=$(awk -v a="$total_audio" -v d="$dur" 'BEGIN{print a+d}')
  total_scan=$(awk -v a="$total_scan" -v s="$secs" 'BEGIN{print a+s}')
done
printf "%-16s %9.1f %9.2f %8.1f\n" total "$total_audio" "$total_scan" \
  "$(awk -v d="$total_audio" -v s="$total_scan" 'BEGIN{print (s>0)?d/s:0}')" | tee -a "$results/timings.txt"
fi

echo "== identify ($(ls "$data"/clips/*.wav | wc -l) clips, one call)" >&2
t0=$(now)
"${cli[@]}" identify "$data"/clips/*.wav --data-dir "$store" >"$results/clips.jsonl" 2>"$results/clips.log" \
  || echo "identify failed, see $results/clips.log" >&2
echo "identify: $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}') s" >&2

if (( ${#programmes[@]} > 0 )); then
  echo
  echo "== plays"
  "${bench[@]}" score-dir --programmes "$data/programmes" --results "$results" "${shared[@]}" --json "$results/scan-summary.json"
fi
echo
echo "== clips"
"${bench[@]}" score-clips --truth "$data/clips/truth.jsonl" --results "$results/clips.jsonl" "${shared[@]}" \
  --json "$results/clips-summary.json"

# Baseline in the same run: the same engine without the speed search, i.e. plain landmark matching at the
# recorded speed. Skip with ZAMIO_BASELINE=0.
if [[ "${ZAMIO_BASELINE:-1}" != 0 && -z "${ZAMIO_CLI:-}" ]]; then
  base="$results/baseline"
  mkdir -p "$base"
  for wav in "${programmes[@]}"; do
    name="$(basename "$wav" .wav)"
    "${cli[@]}" scan "$wav" --data-dir "$store" --speed-search off >"$base/$name.jsonl" 2>"$base/$name.log" || true
  done
  "${cli[@]}" identify "$data"/clips/*.wav --data-dir "$store" --speed-search off >"$base/clips.jsonl" 2>"$base/clips.log" || true
  if (( ${#programmes[@]} > 0 )); then
    echo
    echo "== baseline: plays with --speed-search off"
    "${bench[@]}" score-dir --programmes "$data/programmes" --results "$base" --json "$base/scan-summary.json"
  fi
  echo
  echo "== baseline: clips with --speed-search off"
  "${bench[@]}" score-clips --truth "$data/clips/truth.jsonl" --results "$base/clips.jsonl" "${shared[@]}" --json "$base/clips-summary.json"
fi
