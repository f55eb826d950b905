#!/usr/bin/env bash
# Builds the broadcast-like accuracy benchmark. See docs/bench-dataset.md.
# usage: scripts/bench/make-dataset.sh [OUT_DIR] [--seed N] [--heldout] [--music-pool tuned|unseen|unseen-wide] [--outro-talk SHARE] [--crossfade-max S] [--jobs N] [--clips-only]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

out=""
seed=""
heldout=0
only=""
clips_only=0
outro_talk=""
crossfade_max=""
pool=tuned
jobs="$(nproc 2>/dev/null || echo 2)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seed) seed="$2"; shift 2 ;;
    --heldout) heldout=1; shift ;;
    --music-pool) pool="$2"; shift 2 ;;  # unseen: music the engine was never tuned on
    --outro-talk) outro_talk="$2"; shift 2 ;;  # share of songs a presenter talks over the end of
    --crossfade-max) crossfade_max="$2"; shift 2 ;;  # longest music-to-music overlap (default 6 s)
    --jobs) jobs="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;  # debugging: build just these programmes
    --clips-only) clips_only=1; shift ;;  # clips of every degradation, 5/10/15 s, no programmes
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) out="$1"; shift ;;
  esac
done
if [[ -z "$out" ]]; then
  if [[ $heldout -eq 1 ]]; then out="$repo/bench-data/heldout"; else out="$repo/bench-data/main"; fi
fi
if [[ -z "$seed" ]]; then
  if [[ $heldout -eq 1 ]]; then seed=7919; else seed=1234; fi
fi

for tool in ffmpeg ffprobe sox espeak-ng python3 dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

# The music comes from Debian game-music packages (free licences, no internet needed once cached).
# ZAMIO_MUSIC_CACHE holds the .deb files and their extracted tree x/; it is reused when present.
cache="${ZAMIO_MUSIC_CACHE:-}"
if [[ -z "$cache" ]]; then
  if [[ -d /work/music-cache ]]; then cache=/work/music-cache; else cache="$repo/bench-data/music-cache"; fi
fi
mkdir -p "$cache/x"
# The pool's packages, as make_dataset.py defines them (MUSIC_POOLS).
packages_of() {
  python3 -B - "$here" "$1" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from make_dataset import MUSIC_POOLS
if sys.argv[2] not in MUSIC_POOLS:
    sys.exit(f"unknown music pool {sys.argv[2]} ({', '.join(MUSIC_POOLS)})")
print(' '.join(MUSIC_POOLS[sys.argv[2]]))
PY
}
pool_packages=$(packages_of "$pool") || exit 2
read -r -a packages <<<"$pool_packages"
for pkg in "${packages[@]}"; do
  deb=$(ls "$cache/${pkg}"_*.deb 2>/dev/null | head -n1 || true)
  if [[ -z "$deb" ]]; then
    echo "downloading $pkg into $cache" >&2
    (cd "$cache" && apt-get download "$pkg") || {
      echo "apt-get download $pkg failed (try: sudo apt-get update)" >&2; exit 1; }
    deb=$(ls "$cache/${pkg}"_*.deb | head -n1)
  fi
  if [[ ! -e "$cache/x/.extracted-$pkg" ]]; then
    dpkg-deb -x "$deb" "$cache/x"
    touch "$cache/x/.extracted-$pkg"
  fi
done

args=(--music "$cache/x" --out "$out" --seed "$seed" --jobs "$jobs" --cache "$(dirname "$out")/.cache")
[[ $heldout -eq 1 ]] && args+=(--heldout)
args+=(--music-pool "$pool")
[[ -n "$only" ]] && args+=(--only "$only")
[[ -n "$outro_talk" ]] && args+=(--outro-talk "$outro_talk")
[[ -n "$crossfade_max" ]] && args+=(--crossfade-max "$crossfade_max")
[[ $clips_only -eq 1 ]] && args+=(--clips-only)
start=$(date +%s)
python3 -B "$here/make_dataset.py" "${args[@]}"
echo "dataset ready in $out ($(( $(date +%s) - start )) s)"
