#!/usr/bin/env bash
# A real Backstage backend (catalog plugin only) on the local PostgreSQL, for testing Backline's
# Backstage client against the real thing rather than a fake.
#
#   scripts/backstage-backend.sh start   # install (pinned by tests/backstage/package-lock.json), start, wait until served
#   scripts/backstage-backend.sh stop
#   BACKLINE_BACKSTAGE_URL=http://127.0.0.1:7077 cargo test -p backline-backstage --test real_backstage -- --ignored
#
# Needs Node 20+, npm, and PostgreSQL on 127.0.0.1:5432 whose `postgres` role may create
# databases (the catalog creates `backline_bs_catalog` itself). The port is BACKSTAGE_PORT
# (default 7077); the static token is BACKLINE_BACKSTAGE_TOKEN (default: a fixed test value).
# Nothing is compiled natively: better-sqlite3 is an optional peer dependency and stays out.
set -euo pipefail
cd "$(dirname "$0")/../tests/backstage"

export BACKSTAGE_PORT="${BACKSTAGE_PORT:-7077}"
export BACKLINE_BACKSTAGE_TOKEN="${BACKLINE_BACKSTAGE_TOKEN:-backline-test-token-0123456789}"
url="http://127.0.0.1:${BACKSTAGE_PORT}"
pidfile=backend.pid

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# Counts the entities other than Locations that the backend serves (0 while it is starting).
served() {
  local body
  body="$(curl -sf -H "Authorization: Bearer ${BACKLINE_BACKSTAGE_TOKEN}" \
    "${url}/api/catalog/entities/by-query?limit=1000&fields=kind" 2>/dev/null)" || { echo 0; return; }
  printf '%s' "$body" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).items.filter(e=>e.kind!=="Location").length)}catch{console.log(0)}})'
}

case "${1:-start}" in
  start)
    if running; then
      echo "Backstage backend already running at ${url} (pid $(cat "$pidfile"))"
      exit 0
    fi
    if [ ! -d node_modules/@backstage/plugin-catalog-backend ]; then
      npm ci --no-audit --no-fund
    fi
    node index.js --config app-config.yaml >backend.log 2>&1 &
    echo $! >"$pidfile"
    # A fresh database takes a few seconds of migrations, then one processing round.
    for _ in $(seq 1 120); do
      if ! running; then
        echo "the backend exited; see tests/backstage/backend.log" >&2
        tail -20 backend.log >&2
        exit 1
      fi
      if [ "$(served)" -ge 4 ]; then
        echo "Backstage backend at ${url} (pid $(cat "$pidfile")), token in BACKLINE_BACKSTAGE_TOKEN"
        exit 0
      fi
      sleep 1
    done
    echo "the backend did not serve the catalog within 120 s; see tests/backstage/backend.log" >&2
    exit 1
    ;;
  stop)
    if running; then
      kill "$(cat "$pidfile")"
      for _ in $(seq 1 10); do running || break; sleep 1; done
    fi
    rm -f "$pidfile"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
