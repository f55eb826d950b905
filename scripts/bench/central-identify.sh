#!/usr/bin/env bash
# identify latency: cuts 15 s clips from the benchmark programmes (half WAV, half MP3 via ffmpeg), starts central
# `serve` on the 1,000-track catalogue, runs `Zamio.Perf identify-latency` (200 sequential requests after warm-up).
# usage: scripts/bench/central-identify.sh        env: DATA (default /tmp/zperf/cat1000), PORT (8091)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-/tmp/zperf/cat1000}; PORT=${PORT:-8091}; CLIPS=/tmp/zperf/clips
BIN=/tmp/zperf/central-bin
rm -rf "$BIN" && cp -r src/Zamio.Central/bin/Release/net10.0 "$BIN"  # a fresh copy: the build under test, not an earlier one
rm -rf "$CLIPS" && mkdir -p "$CLIPS"
i=0
for p in bench-data/main/programmes/*.wav; do
  for start in 130 400 700; do
    i=$((i+1)); name=$(basename "$p" .wav)-$start
    if [ $((i % 2)) -eq 0 ]; then
      ffmpeg -loglevel error -y -ss "$start" -t 15 -i "$p" -ac 1 -b:a 128k "$CLIPS/$name.mp3"
    else
      sox "$p" "$CLIPS/$name.wav" trim "$start" 15
    fi
  done
done
Logging__LogLevel__Default=Warning dotnet "$BIN/zamio-central.dll" serve --data-dir "$DATA" --urls "http://127.0.0.1:$PORT" --mqtt-port 0 \
  >/tmp/zperf/central-identify.log 2>&1 &
CPID=$!
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
echo "dotnet bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll identify-latency --central http://127.0.0.1:$PORT --clips $CLIPS --requests 200 --warmup 20"
dotnet bench/Zamio.Perf/bin/Release/net10.0/Zamio.Perf.dll identify-latency --central "http://127.0.0.1:$PORT" --clips "$CLIPS" --requests 200 --warmup 20 || true
kill "$CPID"; wait "$CPID" 2>/dev/null || true
