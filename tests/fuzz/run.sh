#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time (`make fuzz`).
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS
#
# BUILD_DIR is a build configured with -DKINTSUGI_FUZZ=ON whose `fuzz_targets`
# are built. Each target runs for SECONDS on a working corpus,
# tests/fuzz/corpus-work/<target> (gitignored), which starts from the checked-in
# seeds and keeps what earlier runs found. Crash inputs are written to
# tests/fuzz/corpus-work/crashes/<target>/, never into the checked-in corpus.
# Prints the executions each target ran and whether it crashed; exits non-zero
# when any target crashed, timed out or ran out of memory.
set -uo pipefail

if [[ $# -ne 2 || ! "$2" =~ ^[0-9]+$ || "$2" -eq 0 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$(cd "$1" 2>/dev/null && pwd) || { echo "fuzz: no build directory $1" >&2; exit 2; }
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
work="$here/corpus-work"

# target:seed corpus:max input length
targets=(
  "entry_decode_fuzz:entry_decode:70000"
  "ipc_request_fuzz:ipc_request:70000"
  "body_fuzz:body:8192"
  "invite_fuzz:invite:512"
  "beacon_fuzz:beacon:512"
  "sync_fuzz:sync:70000"
  "pairing_fuzz:pairing:512"
  "sync_session_fuzz:sync_session:1024"
  "backup_fuzz:backup:8192"
  "notify_fuzz:notify:4096"
  "partner_fuzz:partner:2048"
)

# Recoverable UBSan reports become crashes; ASan checks stay on.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}"

failed=0
summary=()
for spec in "${targets[@]}"; do
  IFS=: read -r name corpus max_len <<<"$spec"
  bin="$build/tests/fuzz/$name"
  if [[ ! -x "$bin" ]]; then
    echo "fuzz: $bin is missing; build the fuzz_targets target with KINTSUGI_FUZZ=ON" >&2
    summary+=("$name: MISSING")
    failed=1
    continue
  fi
  seeds="$here/corpus/$corpus"
  dir="$work/$name"
  crashes="$work/crashes/$name"
  log="$work/$name.log"
  mkdir -p "$dir" "$crashes"
  cp -n "$seeds"/* "$dir"/ 2>/dev/null || true

  echo "fuzz: $name for ${seconds}s (corpus $dir, log $log)"
  "$bin" "$dir" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" \
    >"$log" 2>&1
  status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  [[ -n "$runs" ]] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
  [[ -n "$runs" ]] || runs="?"
  if [[ $status -eq 0 ]]; then
    line="$name: $runs executions, no crash"
  else
    failed=1
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    line="$name: $runs executions, CRASH (exit $status) ${artifact:+input $artifact}"
    echo "---- $name: last lines of $log ----" >&2
    tail -n 60 "$log" >&2
    echo "----" >&2
  fi
  echo "fuzz: $line"
  summary+=("$line")
done

echo "fuzz: summary"
for line in "${summary[@]}"; do echo "  $line"; done
if [[ $failed -ne 0 ]]; then
  echo "fuzz: FAILED (crash inputs under $work/crashes)" >&2
  exit 1
fi
echo "fuzz: no crashes"
