#!/usr/bin/env bash
# Runs every benchmark and writes the results table into docs/PERFORMANCE.md
# (between the "bench:begin" and "bench:end" markers). Each figure is the
# median of several repetitions, with the spread (min to max) beside it, and
# each Kintsugi figure stands next to the machine limit it is held against,
# measured in the same run.
# Usage: bench/run.sh BUILD_DIR [REPETITIONS]
set -euo pipefail
build=${1:-build}
reps=${2:-5}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$build/bench/ledger_bench" --benchmark_repetitions="$reps" --benchmark_min_time=0.5 \
  --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json >/dev/null
python3 bench/table.py "$out" docs/PERFORMANCE.md
echo "bench: results written to docs/PERFORMANCE.md"
