#!/usr/bin/env bash
# Runs every benchmark and writes the results table into docs/PERFORMANCE.md
# (between the "bench:begin" and "bench:end" markers). Each figure is the
# median of several repetitions, with the spread (min to max) beside it, and
# each Kintsugi figure stands next to the machine limit or the budget it is
# held against, measured in the same run.
# Usage: bench/run.sh BUILD_DIR [REPETITIONS]
#   SYNC_ENTRIES (default 100000) and IDLE_SECONDS (default 60) size the
#   two-daemon runs; VIEWS_ENTRIES (default 100000) the views' ledger.
set -euo pipefail
build=${1:-build}
reps=${2:-3}
entries=${SYNC_ENTRIES:-100000}
idle=${IDLE_SECONDS:-60}
view_entries=${VIEWS_ENTRIES:-100000}
micro=$(mktemp)
sync=$(mktemp)
views=$(mktemp)
window=$(mktemp)
trap 'rm -f "$micro" "$sync" "$views" "$window"' EXIT
echo "bench: micro-benchmarks ($reps repetitions)" >&2
"$build/bench/ledger_bench" --benchmark_repetitions="$reps" --benchmark_min_time=0.5 \
  --benchmark_format=json --benchmark_out="$micro" --benchmark_out_format=json >/dev/null
for run in $(seq "$reps"); do
  echo "bench: two daemons, run $run of $reps ($entries entries, ${idle}s idle)" >&2
  "$build/bench/sync_bench" "$build/daemon/kintsugid" --entries "$entries" --samples 1000 \
    --idle-seconds "$idle" >>"$sync"
done
for run in $(seq "$reps"); do
  echo "bench: views on $view_entries entries, run $run of $reps" >&2
  "$build/bench/views_bench" --entries "$view_entries" --samples 1000 >>"$views"
done
for run in $(seq "$reps"); do
  echo "bench: the window under Xvfb, run $run of $reps" >&2
  bench/window_bench.sh "$build" >>"$window"
done
python3 bench/table.py "$micro" "$sync" "$views" "$window" docs/PERFORMANCE.md
echo "bench: results written to docs/PERFORMANCE.md"
