#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS each (default 60) and prints, per target, the
# executions, executions per second and findings (new files in fuzz/artifacts/<target>/).
#
#   scripts/fuzz.sh            # one minute each
#   scripts/fuzz.sh 600        # ten minutes each
#   FUZZ_TARGETS="question parse_file" scripts/fuzz.sh 120
#   FUZZ_RUNS=10000000 scripts/fuzz.sh 7200   # stop each target after ten million executions
#   FUZZ_MAX_LEN=2048 scripts/fuzz.sh 600     # inputs up to 2 KiB (default: libFuzzer's choice,
#                                             # which follows the largest seed: slow for parse_file)
#
# Needs a nightly toolchain (`rustup toolchain install nightly`) and cargo-fuzz (`cargo install
# cargo-fuzz`). Inputs that grow coverage are kept in fuzz/corpus/<target>/ (not committed), seeded
# from fuzz/seeds/<target>/ and, for parse_file, from examples/ and the catalog's regression
# inputs. A finding is a bug: fix it, then copy its input into the regression tests (for catalog
# files: crates/catalog/tests/regressions/; for lsp_edits: fuzz/regressions/lsp_edits/) so the
# normal test suite runs it from then on.
# Exit status: 0 when no target found anything, 1 otherwise.
set -euo pipefail

seconds="${1:-60}"
runs=()
[ -n "${FUZZ_RUNS:-}" ] && runs=("-runs=$FUZZ_RUNS")
[ -n "${FUZZ_MAX_LEN:-}" ] && runs+=("-max_len=$FUZZ_MAX_LEN")
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

# `-s none`: every target is safe Rust, so sanitizers only slow it down (about 2x).
fuzz=(cargo +nightly fuzz)
targets="${FUZZ_TARGETS:-$("${fuzz[@]}" list)}"
"${fuzz[@]}" build -s none >/dev/null

status=0
printf '%-22s %14s %10s %9s\n' target executions exec/s findings
for target in $targets; do
    mkdir -p "corpus/$target" "artifacts/$target"
    seeds=()
    [ -d "seeds/$target" ] && seeds+=("seeds/$target")
    [ -d "regressions/$target" ] && seeds+=("regressions/$target")
    if [ "$target" = parse_file ]; then
        seeds+=("$root/examples" "$root/crates/catalog/tests/regressions")
    fi
    # `slow-unit-*` files are reports, not findings: a real hang is a `timeout-*` (-timeout=10),
    # and a unit is only ever "slow" without timing out when the whole process was paused.
    before=$(find "artifacts/$target" -type f ! -name 'slow-unit-*' | wc -l)
    log="$(mktemp)"
    # Findings stop a run early; -rss_limit_mb and -timeout make memory and time blow-ups findings.
    "${fuzz[@]}" run -s none "$target" "corpus/$target" "${seeds[@]}" -- \
        -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
        "${runs[@]}" >"$log" 2>&1 || true
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    [ -n "${FUZZ_LOG_DIR:-}" ] && cp "$log" "$FUZZ_LOG_DIR/$target.log"
    after=$(find "artifacts/$target" -type f ! -name 'slow-unit-*' | wc -l)
    found=$((after - before))
    rate="-"
    if [ -n "$execs" ] && [ -n "$elapsed" ] && [ "$elapsed" -gt 0 ]; then rate=$((execs / elapsed)); fi
    printf '%-22s %14s %10s %9s\n' "$target" "${execs:-?}" "$rate" "$found"
    if [ "$found" -gt 0 ] || [ -z "$execs" ]; then
        status=1
        echo "  log: $log" >&2
        grep -m5 -E 'panicked|ERROR|SUMMARY' "$log" | sed 's/^/  /' >&2 || true
    else
        rm -f "$log"
    fi
done
exit "$status"
