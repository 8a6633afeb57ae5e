#!/usr/bin/env bash
# Runs the two-daemon and views benchmarks at 10,000, 100,000 and 1,000,000
# entries, once each, and writes the scale table into docs/PERFORMANCE.md
# (between the "scale:begin" and "scale:end" markers): whether catch-up,
# start-up, the views and a timeline page stay flat as the history grows.
# Usage: bench/scale.sh BUILD_DIR [SIZES...]   (about 20 minutes on 2 cores)
set -euo pipefail
build=${1:-build}
shift || true
sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then sizes=(10000 100000 1000000); fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for n in "${sizes[@]}"; do
  echo "bench-scale: two daemons, $n entries" >&2
  "$build/bench/sync_bench" "$build/daemon/kintsugid" --entries "$n" --samples 50 --idle-seconds 1 |
    python3 -c 'import json,sys
for l in sys.stdin:
    if l.strip(): d = json.loads(l); d["size"] = int(sys.argv[1]); d["from"] = "sync"; print(json.dumps(d))' "$n" >>"$out"
  echo "bench-scale: views, $n entries" >&2
  "$build/bench/views_bench" --entries "$n" --samples 200 |
    python3 -c 'import json,sys
for l in sys.stdin:
    if l.strip(): d = json.loads(l); d["size"] = int(sys.argv[1]); d["from"] = "views"; print(json.dumps(d))' "$n" >>"$out"
done
python3 bench/scale_table.py "$out" docs/PERFORMANCE.md
echo "bench-scale: results written to docs/PERFORMANCE.md"
