#!/usr/bin/env bash
# Renders every screen of the window against the sample couple's ledger
# (Alex's side) into docs/screenshots/, under Xvfb when there is no display.
# Usage: packaging/screenshots.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -m 700 "$work/run"
export XDG_RUNTIME_DIR="$work/run"
"$build/daemon/kintsugi-sample" "$work/alex" "$work/sam" >/dev/null
"$build/daemon/kintsugid" --data-dir "$work/alex" --no-listen --no-discovery --log-level warn &
pids+=($!)
for _ in $(seq 200); do
  "$build/client/kintsugictl" --data-dir "$work/alex" --timeout 200 status >/dev/null 2>&1 && break
  sleep 0.05
done
shoot=("$build/ui/kintsugi" --data-dir "$work/alex" --screenshot docs/screenshots --geometry 1100x760)
if [[ -n "${DISPLAY:-}" ]]; then "${shoot[@]}"; else xvfb-run -a -s "-screen 0 1280x800x24" "${shoot[@]}"; fi
