#!/usr/bin/env bash
# Installs and runs the servers the integration tests use, on loopback, without systemd or Docker
# (Debian 12, as root): Redis 7 on 6379, PostgreSQL 15 on 5432 (role/db/password "zamio"), Mosquitto 2 on 1883
# (anonymous, loopback only, the shipped queue limits). Also installs the audio tools tests and fixtures use (ffmpeg, sox, espeak-ng).
#
# usage: scripts/services.sh install|start|verify|stop|all
# env:   RUN      state directory (default /tmp/zamio-services)
#        PG_MODE  system (Debian's 15/main cluster, default) | private (throwaway cluster under $RUN/pg)
set -euo pipefail
RUN=${RUN:-/tmp/zamio-services}
PG_MODE=${PG_MODE:-system}
PGBIN=/usr/lib/postgresql/15/bin
PACKAGES=(redis-server postgresql mosquitto mosquitto-clients ffmpeg sox libsox-fmt-mp3 espeak-ng alsa-utils python3)
export DEBIAN_FRONTEND=noninteractive

log() { echo "services: $*"; }

wait_for() {
  for _ in $(seq 150); do if "$@" >/dev/null 2>&1; then return 0; fi; sleep 0.1; done
  echo "services: timeout waiting for: $*" >&2
  return 1
}

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
mqtt_up() { mosquitto_pub -h 127.0.0.1 -p 1883 -t ci/ping -n >/dev/null 2>&1; }
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }

install() {
  # Skip apt entirely when everything is present: keeps repeated CI runs fast.
  if dpkg-query -W -f='${Status}\n' "${PACKAGES[@]}" 2>/dev/null | grep -vq '^install ok installed$' \
     || [ "$(dpkg-query -W -f='${Status}\n' "${PACKAGES[@]}" 2>/dev/null | wc -l)" -ne ${#PACKAGES[@]} ]; then
    log "installing ${PACKAGES[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" </dev/null >/dev/null
  else
    log "packages already installed"
  fi
}

start_redis() {
  if redis_up; then log "redis already running"; return; fi
  mkdir -p "$RUN/redis"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no \
    --dir "$RUN/redis" --pidfile "$RUN/redis/redis.pid" --logfile "$RUN/redis/redis.log"
  wait_for redis_up
  log "redis started"
}

start_mosquitto() {
  if mqtt_up; then log "mosquitto already running"; return; fi
  mkdir -p "$RUN/mosq"
  # 'user root' or it drops to user mosquitto and cannot write its pid/log here.
  cat > "$RUN/mosq/mosquitto.conf" <<CONF
listener 1883 127.0.0.1
allow_anonymous true
persistence false
user root
pid_file $RUN/mosq/mosquitto.pid
log_dest file $RUN/mosq/mosquitto.log
# The limits deploy/mosquitto/mosquitto.conf ships. With Mosquitto's default (1,000) a central that falls a few
# seconds behind loses fingerprints: the broker silently drops QoS 1 packets beyond that queue, even to a
# connected client (deploy/mosquitto/README.md).
max_queued_messages 200000
max_inflight_messages 100
CONF
  mosquitto -d -c "$RUN/mosq/mosquitto.conf"
  wait_for mqtt_up
  log "mosquitto started"
}

start_postgres() {
  local psql
  if [ "$PG_MODE" = system ]; then
    pg_lsclusters -h | grep -q '^15 main' || pg_createcluster 15 main >/dev/null
    if pg_up; then log "postgresql already running"; else pg_ctlcluster 15 main start; log "postgresql started"; fi
    psql=(su postgres -c "psql -v ON_ERROR_STOP=1 -q")
  else
    mkdir -p "$RUN/pg"
    chown postgres:postgres "$RUN/pg"
    [ -f "$RUN/pg/data/PG_VERSION" ] || su postgres -c "$PGBIN/initdb --no-instructions -D $RUN/pg/data -U postgres --auth-local=trust --auth-host=scram-sha-256" >/dev/null
    if pg_up; then
      log "postgresql already running"
    else
      su postgres -c "$PGBIN/pg_ctl -D $RUN/pg/data -l $RUN/pg/pg.log -w -o \"-c listen_addresses=127.0.0.1 -p 5432 -k $RUN/pg\" start" >/dev/null
      log "postgresql started"
    fi
    psql=(su postgres -c "psql -h $RUN/pg -v ON_ERROR_STOP=1 -q")
  fi
  wait_for pg_up
  # Idempotent: creates the role and database only when missing.
  "${psql[@]}" <<'SQL'
SELECT 'CREATE ROLE zamio LOGIN PASSWORD ''zamio''' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname='zamio')\gexec
SELECT 'CREATE DATABASE zamio OWNER zamio' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname='zamio')\gexec
SQL
}

start() {
  mkdir -p "$RUN"
  start_redis
  start_mosquitto
  start_postgres
}

verify() {
  redis-cli -h 127.0.0.1 -p 6379 ping
  PGPASSWORD=zamio psql -h 127.0.0.1 -U zamio -d zamio -tAc 'select version()'
  # Retained message, so there is no race between subscribing and publishing.
  local token="hello-$$"
  mosquitto_pub -h 127.0.0.1 -p 1883 -t ci/roundtrip -r -m "$token"
  local got
  got=$(mosquitto_sub -h 127.0.0.1 -p 1883 -t ci/roundtrip -C 1 -W 5)
  mosquitto_pub -h 127.0.0.1 -p 1883 -t ci/roundtrip -r -n   # clear the retained message
  [ "$got" = "$token" ] || { echo "services: mqtt round trip returned '$got'" >&2; return 1; }
  echo "mqtt ok"
  log "all services verified"
}

stop() {
  local pids=() f
  for f in "$RUN/redis/redis.pid" "$RUN/mosq/mosquitto.pid"; do [ -s "$f" ] && pids+=("$(cat "$f")"); done
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  if [ "$PG_MODE" = system ]; then f=/var/lib/postgresql/15/main/postmaster.pid; else f=$RUN/pg/data/postmaster.pid; fi
  if [ -s "$f" ]; then pids+=("$(head -1 "$f")"); kill -INT "$(head -1 "$f")" 2>/dev/null || true; fi  # fast shutdown
  for p in "${pids[@]}"; do for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; done
  log "stopped"
}

case "${1:-all}" in
  install|start|verify|stop) "$1" ;;
  all) install; start; verify ;;
  *) echo "usage: $0 install|start|verify|stop|all" >&2; exit 2 ;;
esac
