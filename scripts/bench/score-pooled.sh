#!/usr/bin/env bash
# Scores several benchmark sets as one: the programmes and clips of every SET_DIR, with the results that
# scripts/bench/run-accuracy.sh left in SET_DIR/results, pooled (names prefixed by the set's name) and scored by
# Zamio.Bench score-dir and score-clips. A condition's 95th percentile then rests on every set's plays, not one set's.
# usage: scripts/bench/score-pooled.sh SET_DIR...      (run scripts/bench/run-accuracy.sh on each first)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
[[ $# -gt 0 ]] || { sed -n '2,5p' "$0" >&2; exit 2; }

pool="$(mktemp -d)"
trap 'rm -rf "$pool"' EXIT
mkdir -p "$pool/programmes" "$pool/results"
: >"$pool/clips-truth.jsonl"
: >"$pool/clips.jsonl"
: >"$pool/overlaps.jsonl"
for dir in "$@"; do
  set_name="$(basename "$(cd "$dir" && pwd)")"
  [[ -f "$dir/results/clips.jsonl" ]] || { echo "no results in $dir/results: run scripts/bench/run-accuracy.sh $dir first" >&2; exit 1; }
  for truth in "$dir"/programmes/*.truth.json; do
    name="$(basename "$truth" .truth.json)"
    [[ -f "$dir/results/$name.jsonl" ]] || { echo "no scan of $name in $dir/results" >&2; exit 1; }
    ln -s "$(cd "$(dirname "$truth")" && pwd)/$name.truth.json" "$pool/programmes/$set_name-$name.truth.json"
    ln -s "$(cd "$dir/results" && pwd)/$name.jsonl" "$pool/results/$set_name-$name.jsonl"
  done
  sed -E "s/\"clip\": ?\"/&$set_name-/" "$dir/clips/truth.jsonl" >>"$pool/clips-truth.jsonl"
  sed -E "s/\"clip\": ?\"/&$set_name-/" "$dir/results/clips.jsonl" >>"$pool/clips.jsonl"
  # Shared recordings are the tracks' own, so every set's list holds for the pool.
  [[ -f "$dir/results/overlaps.jsonl" ]] && cat "$dir/results/overlaps.jsonl" >>"$pool/overlaps.jsonl"
done

dotnet build "$repo/bench/Zamio.Bench" -c Release -v q -nologo >&2
bench=(dotnet "$repo/bench/Zamio.Bench/bin/Release/net10.0/Zamio.Bench.dll")
echo "== plays, $# sets pooled"
"${bench[@]}" score-dir --programmes "$pool/programmes" --results "$pool/results" --shared "$pool/overlaps.jsonl"
echo
echo "== clips, $# sets pooled"
"${bench[@]}" score-clips --truth "$pool/clips-truth.jsonl" --results "$pool/clips.jsonl" --shared "$pool/overlaps.jsonl"
