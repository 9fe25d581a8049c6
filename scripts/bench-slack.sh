#!/usr/bin/env bash
# The Slack endpoint under load, as an incident sees it: signed `/backline owner <name>` commands
# at a fixed rate against a real `backline serve` over a generated catalog, with live on-call
# from a local fake PagerDuty (every service has a `pagerduty.com/service-id`), so each owner
# answer carries its level-1 on-call from the on-call cache. The server and the load generator
# are pinned to different cores (`taskset`), so the latencies are the server's.
#
# Usage: scripts/bench-slack.sh [ENTITIES] (default 100000)
# Environment: BACKLINE (default target/release/backline), LOAD (the slack_load bench binary;
#   default: the newest target/release/deps/slack_load-*, built by
#   `cargo bench --no-run -p backline-bot --bench slack_load`), RATES (default "500 1000"),
#   REQUESTS per rate (default 30000), HOT (default 20: 90 % of questions about 20 names, as in an
#   incident; 0 for uniform names), TREE (an existing generated tree).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
entities=${1:-100000}
backline=$(realpath "${BACKLINE:-target/release/backline}")
load=${LOAD:-$(ls -t target/release/deps/slack_load-* 2>/dev/null | grep -v '\.d$' | head -1)}
rates=${RATES:-500 1000}
requests=${REQUESTS:-30000}
hot=${HOT:-20}
[ -x "$backline" ] || { echo "no binary at $backline (set BACKLINE or build it)" >&2; exit 2; }
[ -x "$load" ] || { echo "no slack_load bench binary (cargo bench --no-run -p backline-bot --bench slack_load)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
tree=${TREE:-$work/catalog}
[ -n "${TREE:-}" ] || "$backline" generate --entities "$entities" --out "$tree" >/dev/null 2>&1

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pd_port=$(free_port)
port=$(free_port)
python3 "$repo/scripts/fake-pagerduty.py" "$pd_port" >"$work/pagerduty.log" 2>&1 &
pids+=($!)
cat >"$work/backline.toml" <<TOML
[store]
url = "sqlite://$work/index.db"

[[source]]
name = "catalog"
path = "$tree"

[slack]
mode = "http"
allowed_teams = ["T0BENCH"]

[oncall]
timeout_ms = 3000

[[oncall.pagerduty]]
name = "prod"
base_url = "http://127.0.0.1:$pd_port"
TOML
export BACKLINE_SLACK_BOT_TOKEN=xoxb-bench BACKLINE_SLACK_SIGNING_SECRET=bench BACKLINE_PAGERDUTY_TOKEN=bench
"$backline" index --config "$work/backline.toml" >/dev/null 2>&1
taskset -c 0 "$backline" serve --config "$work/backline.toml" --listen "127.0.0.1:$port" --no-watch \
  >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "catalog: $tree ($entities entities requested); serve on core 0, load on core 1; hot names: $hot"
for rate in $rates; do
  echo "== owner at $rate requests/s, $requests requests"
  taskset -c 1 "$load" --url "http://127.0.0.1:$port" --secret bench --team T0BENCH --catalog "$tree" \
    --mix owner --rate "$rate" --requests "$requests" --hot "$hot"
done
kill "${pids[0]}" && sleep 0.5
cat "$work/pagerduty.log"
