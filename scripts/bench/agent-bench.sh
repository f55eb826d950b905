#!/usr/bin/env bash
# Station agent benchmark (issue 3's numbers): CPU and memory of one station, uplink bytes, and a broker outage
# drained from the spool. Everything runs against private Mosquitto instances on spare ports.
#
# usage: scripts/bench/agent-bench.sh
# env:   HOURS   audio hours per run (default 24: one hour of audio replayed 24 times through a folder of symlinks)
#        PARTS   which runs: "cpu outage" (default), or one of them
#        WORK    scratch dir (default /tmp/zamio-agent-bench); about 320 MB of audio + spool
#        OUT     markdown report (default $WORK/report-<parts>.md)
#        RTT_MS  outage run only: put a userspace TCP proxy that delays each direction by RTT_MS/2 between the agent
#                and the broker (emulates a slow uplink without touching `tc`/qdiscs; default 0 = direct)
#        WINDOW  QoS 1 publishes in flight (Agent__PublishWindow; default: the agent's 32; 1 = the old stop-and-wait)
#
# Run "cpu" measures (a) CPU seconds per audio second and VmRSS sampled every second, and (b) uplink bytes from a
# subscriber's copy of every publish. Run "outage" starts the agent with the broker down, lets the whole input land
# in the spool, then starts the broker and a QoS 1 subscriber and times the drain (c).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
HOURS=${HOURS:-24}
PARTS=${PARTS:-"cpu outage"}
WORK=${WORK:-/tmp/zamio-agent-bench}
RTT_MS=${RTT_MS:-0}
WINDOW=${WINDOW:-}
[ -z "$WINDOW" ] || export Agent__PublishWindow=$WINDOW
OUT=${OUT:-$WORK/report-${PARTS// /-}-${HOURS}h-rtt${RTT_MS}${WINDOW:+-w$WINDOW}.md}
STATION=bench-fm
KEY=bench-key
START_TIME=2025-03-01T00:00:00Z
mkdir -p "$WORK"

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start_broker() { # PORT DIR -> sets BROKER_PID
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n' "$1" > "$2/mosquitto.conf"
  mosquitto -c "$2/mosquitto.conf" >"$2/mosquitto.log" 2>&1 &
  BROKER_PID=$!; PIDS+=("$BROKER_PID")
  wait_port "$1"
}

start_subscriber() { # PORT FILE -> sets SUB_PID; one line per publish: arrival time, payload length, payload hex
  mosquitto_sub -h 127.0.0.1 -p "$1" -q 1 -i "bench-sub-$$-$RANDOM" -t 'zamio/v1/stations/+/fp' -F '%U %l %x' >"$2" &
  SUB_PID=$!; PIDS+=("$SUB_PID")
  sleep 0.5 # connect and subscribe before the agent (which retries after >= 1 s) gets through
}

delay_proxy() { # LISTEN_PORT TARGET_PORT ONE_WAY_MS -> background TCP proxy delaying every chunk, order kept
  python3 - "$@" <<'PY' &
import asyncio, sys
listen, target, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000

async def pump(reader, writer):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()
    async def send():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            await asyncio.sleep(max(0, due - loop.time()))
            writer.write(data)
            await writer.drain()
        writer.close()
    sender = asyncio.create_task(send())
    try:
        while data := await reader.read(65536):
            queue.put_nowait((loop.time() + delay, data))
    except ConnectionError:
        pass
    queue.put_nowait((0, None))
    await sender

async def handle(cr, cw):
    try:
        br, bw = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        cw.close(); return
    await asyncio.gather(pump(cr, bw), pump(br, cw), return_exceptions=True)

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()
asyncio.run(main())
PY
  PIDS+=("$!")
  wait_port "$1"
}

rss_sampler() { # PID CSV: elapsed_s,vmrss_kb every second until the process ends
  python3 - "$1" "$2" <<'PY' &
import sys, time
pid, path = sys.argv[1], sys.argv[2]
t0 = time.time()
with open(path, "w") as f:
    f.write("elapsed_s,vmrss_kb\n")
    while True:
        try:
            with open(f"/proc/{pid}/status") as s:
                kb = next(int(l.split()[1]) for l in s if l.startswith("VmRSS:"))
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            break
        f.write(f"{time.time()-t0:.0f},{kb}\n"); f.flush()
        time.sleep(1)
PY
  PIDS+=("$!")
}

# ---- build ------------------------------------------------------------------------------------------------------
log "publishing the agent (Release)"
dotnet publish src/Zamio.Agent -c Release -o "$WORK/agent" -v q -nologo >/dev/null
AGENT="$WORK/agent/zamio-agent"

# ---- audio: ~1 h of programme audio, replayed HOURS times through symlinks ----------------------------------------
HOUR="$WORK/hour.wav"
if [ ! -s "$HOUR" ]; then
  if compgen -G "bench-data/main/programmes/*.wav" >/dev/null; then
    log "concatenating bench-data/main/programmes/*.wav into one hour"
    sox $(ls bench-data/main/programmes/*.wav) "$HOUR" trim 0 3600
  else
    log "no programme audio: synthesising one hour of chords and noise with sox"
    sox -n -r 44100 -c 1 -b 16 "$HOUR" synth 3600 pluck 220 pluck 277 pluck 330 pinknoise remix - gain -12 tremolo 0.3 40
  fi
fi
HOUR_SECONDS=$(soxi -D "$HOUR")
DAY="$WORK/input-${HOURS}h"
rm -rf "$DAY" && mkdir -p "$DAY"
for i in $(seq -w 1 "$HOURS"); do ln -s "$HOUR" "$DAY/h$i.wav"; done
AUDIO_SECONDS=$(python3 -c "print($HOUR_SECONDS*$HOURS)")

NPROC=$(nproc)
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
  echo "## Agent benchmark ($(date -u +%FT%TZ))"
  echo
  echo "| machine | value |"
  echo "|---|---|"
  echo "| CPU | $CPU_MODEL, nproc $NPROC |"
  echo "| load average at start | $(cut -d' ' -f1-3 /proc/loadavg) |"
  echo "| input | $HOURS × $(basename "$HOUR") ($HOUR_SECONDS s, $(soxi -r "$HOUR") Hz mono) = $AUDIO_SECONDS s of audio |"
  echo "| command | \`PARTS=\"$PARTS\" HOURS=$HOURS RTT_MS=$RTT_MS${WINDOW:+ WINDOW=$WINDOW} scripts/bench/agent-bench.sh\` |"
  echo
} >"$OUT"

agent_cmd() { # PORT SPOOL
  echo "$AGENT --station $STATION --key $KEY --source file:$DAY --broker mqtt://127.0.0.1:$1 --pace fast --start-time $START_TIME --spool-dir $2"
}

# Publishes in a subscriber file: count, order, duplicates, bytes (payload + MQTT 5 PUBLISH framing).
analyse() { # FILE PRODUCED AUDIO_SECONDS
  python3 - "$@" <<'PY'
import sys
path, produced, audio = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
seqs, times, payload, framing = [], [], 0, 0
topic_len = len("zamio/v1/stations/bench-fm/fp")
for line in open(path):
    t, n, hx = line.split()
    n = int(n); b = bytes.fromhex(hx)
    id_len = b[6]
    seqs.append(int.from_bytes(b[7 + id_len:15 + id_len], "little"))
    times.append(float(t))
    # PUBLISH, MQTT 5, QoS 1: variable header = topic (2 + len) + packet id (2) + property length (1, no properties)
    remaining = 2 + topic_len + 2 + 1 + n
    varint = 1 if remaining < 128 else 2 if remaining < 16384 else 3
    payload += n; framing += 1 + varint + (remaining - n)
uniq = len(set(seqs))
in_order = all(a < b for a, b in zip(seqs, seqs[1:]))
print(f"received={len(seqs)} unique={uniq} duplicates={len(seqs)-uniq} produced={produced} "
      f"in_order={in_order} first={seqs[0] if seqs else None} last={seqs[-1] if seqs else None} "
      f"missing={produced-uniq} payload_bytes={payload} framing_bytes={framing} "
      f"first_arrival={times[0] if times else 0:.3f} last_arrival={times[-1] if times else 0:.3f} "
      f"payload_Bps={payload/audio:.1f} mqtt_Bps={(payload+framing)/audio:.1f} "
      f"mean_payload={payload/max(1,len(seqs)):.0f} packets_per_s={len(seqs)/audio:.3f}")
PY
}
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# ---- (a)+(b) CPU, memory, uplink ---------------------------------------------------------------------------------
if [[ " $PARTS " == *" cpu "* ]]; then
  RUN="$WORK/cpu"; rm -rf "$RUN" && mkdir -p "$RUN"
  PORT=$(free_port)
  start_broker "$PORT" "$RUN"
  start_subscriber "$PORT" "$RUN/publishes.txt"
  mosquitto_sub -h 127.0.0.1 -p "$PORT" -t "zamio/v1/stations/$STATION/status" -F '%l %p' >"$RUN/status.txt" &
  PIDS+=("$!")
  CMD=$(agent_cmd "$PORT" "$RUN/spool")
  log "cpu run: $CMD"
  T0=$(date +%s.%N)
  /usr/bin/time -f '%e %U %S %M' -o "$RUN/time.txt" $CMD >"$RUN/agent.log" 2>&1 &
  TIME_PID=$!
  sleep 0.2
  APID=$(pgrep -P "$TIME_PID" | head -1)
  rss_sampler "$APID" "$RUN/rss.csv"
  RC=0; wait "$TIME_PID" || RC=$?
  T1=$(date +%s.%N)
  sleep 1
  read -r WALL USER SYS MAXRSS <"$RUN/time.txt"
  PRODUCED=$(python3 -c "import re;print(max([int(m) for m in re.findall(r'last sequence (\d+)', open('$RUN/agent.log').read())] or [0]))")
  A=$(analyse "$RUN/publishes.txt" "$PRODUCED" "$AUDIO_SECONDS")
  STATUS_BYTES=$(awk '{print $1}' "$RUN/status.txt" | sort -n | tail -1)
  RSS=$(python3 - "$RUN/rss.csv" <<'PY'
import csv, statistics, sys
rows = [int(r["vmrss_kb"]) for r in csv.DictReader(open(sys.argv[1]))]
n = len(rows); q = max(1, n // 10)
print(f"samples={n} start={rows[min(5,n-1)]/1024:.1f} median={statistics.median(rows)/1024:.1f} "
      f"max={max(rows)/1024:.1f} final={rows[-1]/1024:.1f} first10pct_median={statistics.median(rows[:q])/1024:.1f} "
      f"last10pct_median={statistics.median(rows[-q:])/1024:.1f}")
PY
)
  python3 - "$OUT" <<PY
cpu = $USER + $SYS
audio = $AUDIO_SECONDS
mqtt_bps = float("$(field mqtt_Bps "$A")")
status = ${STATUS_BYTES:-0}
status_pub = 1 + 2 + 2 + len("zamio/v1/stations/$STATION/status") + 1 + status  # retained QoS 0/1 PUBLISH, every 30 s
tcp = float("$(field packets_per_s "$A")") * 52  # one TCP/IPv4 segment (with timestamps) per packet
with open("$OUT", "a") as f:
    f.write("### (a) CPU and memory, one station, fast pace\n\n| metric | value | target |\n|---|---|---|\n")
    f.write(f"| wall time | {$WALL:.0f} s ({audio/$WALL:.0f}× real time) | |\n")
    f.write(f"| CPU user + sys | {$USER:.1f} + {$SYS:.1f} = {cpu:.1f} s | |\n")
    f.write(f"| CPU per audio second = share of one core live | {100*cpu/audio:.3f} % | ≤ 2 % |\n")
    f.write(f"| VmRSS (MB, 1 s samples): $(echo "$RSS" | sed 's/=/ /g') | max {$MAXRSS/1024:.1f} (time -f %M) | ≤ 80 MB, no growth |\n\n")
    f.write("### (b) Uplink per second of audio\n\n| component | bytes/s |\n|---|---|\n")
    f.write(f"| fingerprint payload | $(field payload_Bps "$A") |\n")
    f.write(f"| + MQTT 5 PUBLISH framing (topic, packet id, header) | {mqtt_bps:.1f} |\n")
    f.write(f"| + status heartbeat ({status} B JSON every 30 s, framed) | {mqtt_bps + status_pub/30:.1f} |\n")
    f.write(f"| + TCP/IPv4 headers estimate (52 B per packet) | {mqtt_bps + status_pub/30 + tcp:.1f} |\n")
    f.write(f"| target | ≤ 512 (0.5 KB/s) |\n\n")
    f.write("subscriber check: $A\n\n")
PY
  log "cpu run done: wall $WALL s, cpu $USER+$SYS s; $RSS"
  kill "$BROKER_PID" 2>/dev/null || true
fi

# ---- (c) outage: everything spooled, then drained --------------------------------------------------------------
if [[ " $PARTS " == *" outage "* ]]; then
  RUN="$WORK/outage"; rm -rf "$RUN" && mkdir -p "$RUN"
  PORT=$(free_port) # closed until the input is spooled
  CMD=$(agent_cmd "$PORT" "$RUN/spool")
  log "outage run (broker down): $CMD"
  /usr/bin/time -f '%e %U %S %M' -o "$RUN/time.txt" $CMD >"$RUN/agent.log" 2>&1 &
  TIME_PID=$!
  T0=$(date +%s.%N)
  until grep -q 'Finished file:' "$RUN/agent.log"; do
    kill -0 "$TIME_PID" 2>/dev/null || { log "agent exited early"; tail "$RUN/agent.log"; exit 1; }
    sleep 1
  done
  T1=$(date +%s.%N)
  SPOOL_BYTES=$(du -sb "$RUN/spool" | cut -f1)
  log "input spooled ($SPOOL_BYTES bytes); starting broker and subscriber"
  if [ "$RTT_MS" -gt 0 ]; then
    BPORT=$(free_port)
    start_broker "$BPORT" "$RUN"
    start_subscriber "$BPORT" "$RUN/publishes.txt"
    delay_proxy "$PORT" "$BPORT" "$((RTT_MS / 2))"
  else
    start_broker "$PORT" "$RUN"
    start_subscriber "$PORT" "$RUN/publishes.txt"
  fi
  T2=$(date +%s.%N)
  RC=0; wait "$TIME_PID" || RC=$?
  T3=$(date +%s.%N)
  sleep 1
  kill "$SUB_PID" 2>/dev/null || true
  PRODUCED=$(python3 -c "import re;print(max([int(m) for m in re.findall(r'last sequence (\d+)', open('$RUN/agent.log').read())] or [0]))")
  A=$(analyse "$RUN/publishes.txt" "$PRODUCED" "$AUDIO_SECONDS")
  python3 - "$OUT" <<PY
audio = $AUDIO_SECONDS
spool_phase = $T1 - $T0
from_broker = $T3 - $T2
first, last = float("$(field first_arrival "$A")"), float("$(field last_arrival "$A")")
flow = last - first
with open("$OUT", "a") as f:
    f.write("### (c) Broker outage: whole input spooled, then drained (RTT $RTT_MS ms, window ${WINDOW:-32}, capped by the broker receive maximum)\n\n| metric | value | target |\n|---|---|---|\n")
    f.write(f"| spooling {audio:.0f} s of audio with the broker down | {spool_phase:.0f} s, spool {$SPOOL_BYTES/1e6:.1f} MB | |\n")
    f.write(f"| broker start → agent exit (all delivered; includes the reconnect backoff) | {from_broker:.1f} s = {audio/from_broker:.0f}× real time | ≥ 100× |\n")
    f.write(f"| first → last packet at the subscriber | {flow:.1f} s = {audio/max(flow,1e-9):.0f}× real time | ≥ 100× |\n")
    f.write(f"| produced / received / unique | $PRODUCED / $(field received "$A") / $(field unique "$A") | all |\n")
    f.write(f"| in order, duplicates, missing | $(field in_order "$A"), $(field duplicates "$A"), $(field missing "$A") | True, 0, 0 |\n")
    f.write(f"| agent exit code | $RC | 0 |\n\n")
    f.write("subscriber check: $A\n\n")
PY
  log "outage run done: $A"
fi

echo "| load average at end | $(cut -d' ' -f1-3 /proc/loadavg) |" >>"$OUT"
cat "$OUT"
