#!/usr/bin/env bash
# `make run`: a daemon on a fresh demo data dir, with a short tour of
# kintsugictl. Runs in the foreground until Ctrl-C.
# Usage: packaging/tour.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
demo="$build/demo/partner-a"
daemon="$build/daemon/kintsugid"
ctl=("$build/client/kintsugictl" --data-dir "$demo")

rm -rf "$build/demo"
mkdir -p "$build/demo"
"$daemon" --data-dir "$demo" --log-level warn &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 100); do
  "${ctl[@]}" --timeout 200 status >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { echo "kintsugid did not start" >&2; exit 1; }
  sleep 0.05
done

"${ctl[@]}" init --name "Alex" >/dev/null
"${ctl[@]}" checkin --note "Plans changed: home by 21:00. Telling you before, not after." \
  --mood 6 --trust 5 >/dev/null
"${ctl[@]}" checkin --note "Our Sunday talk helped. Thank you for listening." \
  --mood 7 --trust 6 >/dev/null

cat <<TOUR

Kintsugi is running: one partner's daemon (pid $pid) on a fresh demo ledger
in $demo, with two check-ins already written.

Try it in another terminal:

  alias kctl='$build/client/kintsugictl --data-dir $demo'
  kctl status                      # who you are, how many entries
  kctl checkin --note "Home late, the bus broke down" --mood 5 --trust 6
  kctl log                         # newest entries, each verified and opened
  kctl verify                      # re-checks every signature and chain link
  kctl watch                       # live events as entries are appended
  kctl log --json | head -30       # what scripts and the window see

Everything on disk is sealed: try  grep -c "bus broke" $demo/ledger.db*
Press Ctrl-C here to stop the daemon.
TOUR
"${ctl[@]}" log
wait "$pid"
