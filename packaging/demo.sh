#!/usr/bin/env bash
# `make run`: two paired partners on this machine, Alex and Sam, each with
# their own data dir and daemon on loopback, holding six weeks of sample
# history, and both windows side by side. Without a display it says so and
# prints a short kintsugictl tour against the same two daemons instead.
# Ctrl-C stops everything it started.
# Usage: packaging/demo.sh BUILD_DIR
#   DEMO_DIR (default BUILD_DIR/demo) holds the two data dirs; DEMO_PORT_A and
#   DEMO_PORT_B (default 47600 and 47610) are the daemons' sync ports.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
demo="${DEMO_DIR:-$build/demo}"
alex="$demo/alex"
sam="$demo/sam"
port_a=${DEMO_PORT_A:-47600}
port_b=${DEMO_PORT_B:-47610}
pids=()

stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT
trap 'exit 130' INT TERM

ctl() {
  local dir=$1
  shift
  "$build/client/kintsugictl" --data-dir "$dir" "$@"
}

wait_for() {
  local dir=$1 pid=$2
  for _ in $(seq 200); do
    ctl "$dir" --timeout 200 status >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { echo "demo: kintsugid for $dir did not start" >&2; exit 1; }
    sleep 0.05
  done
  echo "demo: kintsugid for $dir does not answer" >&2
  exit 1
}

rm -rf "$demo"
mkdir -p "$demo/run-alex" "$demo/run-sam"
chmod 700 "$demo/run-alex" "$demo/run-sam"
"$build/daemon/kintsugi-sample" "$alex" "$sam" --name-a Alex --name-b Sam

for who in alex sam; do
  dir="$demo/$who"
  port=$port_a
  [[ $who == sam ]] && port=$port_b
  # Each partner's daemon keeps its own runtime dir, as on two machines.
  XDG_RUNTIME_DIR="$demo/run-$who" "$build/daemon/kintsugid" --data-dir "$dir" \
    --listen "127.0.0.1:$port" --no-discovery --log-level warn &
  pids+=($!)
done
XDG_RUNTIME_DIR="$demo/run-alex" wait_for "$alex" "${pids[0]}"
XDG_RUNTIME_DIR="$demo/run-sam" wait_for "$sam" "${pids[1]}"
XDG_RUNTIME_DIR="$demo/run-alex" ctl "$alex" peer add "127.0.0.1:$port_b" >/dev/null
XDG_RUNTIME_DIR="$demo/run-sam" ctl "$sam" peer add "127.0.0.1:$port_a" >/dev/null

if [[ -n "${DISPLAY:-}" ]] && [[ -x "$build/ui/kintsugi" ]]; then
  XDG_RUNTIME_DIR="$demo/run-alex" "$build/ui/kintsugi" --data-dir "$alex" --geometry 760x860+0+0 &
  pids+=($!)
  XDG_RUNTIME_DIR="$demo/run-sam" "$build/ui/kintsugi" --data-dir "$sam" --geometry 760x860+780+0 &
  pids+=($!)
  cat <<EOF

Two partners are running on this machine: Alex (left) and Sam (right), each
with their own daemon and ledger in $demo, paired and syncing over loopback,
with six weeks of history. Propose an agreement in one window and accept it
in the other. Ctrl-C here stops everything.
EOF
  wait "${pids[2]}" "${pids[3]}" || true
  exit 0
fi

cat <<EOF

No display, so no windows: here is the same couple through kintsugictl.
Two daemons are running (Alex on 127.0.0.1:$port_a, Sam on 127.0.0.1:$port_b),
each with its own ledger in $demo, paired, with six weeks of history.

Try, in another terminal:

  alias alex='XDG_RUNTIME_DIR=$demo/run-alex $build/client/kintsugictl --data-dir $alex'
  alias sam='XDG_RUNTIME_DIR=$demo/run-sam $build/client/kintsugictl --data-dir $sam'
  alex agreements                  # what the two of you agreed, and how it has been kept
  sam trends                       # mood and trust, day by day and over seven days
  alex agree propose --title "Sunday walk" --text "We walk on Sunday mornings." --category ritual
  sam pending                      # Sam sees it, and can 'sam agree accept ID'
  alex timeline --limit 10         # both partners' entries, in causal order
  alex verify                      # every signature and chain link, re-checked

Alex's agreements right now:
EOF
XDG_RUNTIME_DIR="$demo/run-alex" ctl "$alex" agreements
echo
echo "Press Ctrl-C to stop both daemons."
wait "${pids[0]}" "${pids[1]}"
