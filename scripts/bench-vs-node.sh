#!/usr/bin/env bash
# Side by side, in one invocation: Backstage's own validator (the published
# `@backstage/catalog-model` pipeline that tests/differential/verdict.mjs runs in Node) and
# `backline check` (human and JSON output) over the same generated catalog. Prints the median
# wall time and the median peak RSS of each (from `/usr/bin/time`), and Backline's ratios
# against Node: how many times faster, what fraction of the memory.
#
# Usage: scripts/bench-vs-node.sh [ENTITIES] (default 100000)
# Environment: BACKLINE (the binary; default target/release/backline, build it with
#   `CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo build --release`
#   for a quick build), RUNS (runs of each, default 5), TREE (an existing tree to check instead of
#   generating one into a temporary directory).
# Needs: node >= 20 and `npm ci --prefix tests/differential` (scripts/test.sh runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

entities=${1:-100000}
runs=${RUNS:-5}
backline=$(realpath "${BACKLINE:-target/release/backline}")
verdict=$repo/tests/differential/verdict.mjs
[ -x "$backline" ] || { echo "no binary at $backline (set BACKLINE or build it)" >&2; exit 2; }
[ -d tests/differential/node_modules/@backstage/catalog-model ] \
  || { echo "Backstage's packages are missing: npm ci --prefix tests/differential" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree=${TREE:-$work/tree}
[ -n "${TREE:-}" ] || "$backline" generate --entities "$entities" --out "$tree" >/dev/null 2>&1

# The files `check` reads (walked and followed through Locations) are exactly the ones Node
# judges, relative to the tree as both see them.
cd "$tree"
"$backline" check . --format json >"$work/check.json" || true
node -e '
  const report = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const f of report.files) if (f.documents.length) console.log(f.path);
' "$work/check.json" >"$work/files"
files=$(wc -l <"$work/files")
bytes=$(tr '\n' '\0' <"$work/files" | xargs -0 cat | wc -c)

# One measured run with stdin from $1: prints "seconds kilobytes".
measure() {
  local input=$1
  shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" <"$input" >/dev/null 2>"$work/stderr" || {
    # `check` exits 1 when it finds errors; anything else is a failure of the run.
    status=$?
    [ "$status" -eq 1 ] || { cat "$work/stderr" >&2; exit "$status"; }
  }
  tail -1 "$work/time"
}

# Median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A wall rss
bench() {
  local name=$1 input=$2
  shift 2
  : >"$work/samples"
  for _ in $(seq "$runs"); do measure "$input" "$@" >>"$work/samples"; done
  wall[$name]=$(cut -d' ' -f1 "$work/samples" | median)
  rss[$name]=$(cut -d' ' -f2 "$work/samples" | median)
}

bench node "$work/files" node "$verdict" --stdin
bench human /dev/null "$backline" check .
bench json /dev/null "$backline" check . --format json

calc() { awk "BEGIN { print $1 }"; }
printf 'tree: %d files, %.1f MB (%s entities requested); median of %d runs, %d cores\n' \
  "$files" "$(calc "$bytes / 1000000")" "$entities" "$runs" "$(nproc)"
printf '%-44s %9s %11s %12s %12s\n' "" "wall (s)" "peak (MB)" "faster" "memory"
row() {
  local name=$1 label=$2
  printf '%-44s %9.2f %11.0f %11.1fx %11.2fx\n' "$label" "${wall[$name]}" "$(calc "${rss[$name]} / 1024")" \
    "$(calc "${wall[node]} / ${wall[$name]}")" "$(calc "${rss[$name]} / ${rss[node]}")"
}
row node "Backstage (catalog-model in Node)"
row human "backline check"
row json "backline check --format json"
