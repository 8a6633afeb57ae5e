#!/usr/bin/env bash
# The demo (`make run`), run as a person runs it, under Xvfb: it starts two
# daemons that are paired, hold the sample history and reach each other, and
# opens both windows; Ctrl-C (SIGINT to its process group, as a terminal
# sends it) stops everything it started.
# Usage: tests/integration/demo_test.sh BUILD_DIR   (with DISPLAY set)
set -euo pipefail
set -m  # the demo gets its own process group, with SIGINT not ignored
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
demo_pid=
cleanup() {
  [[ -n "$demo_pid" ]] && kill -KILL -- "-$demo_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "demo_test: $*" >&2
  echo "--- the demo said:" >&2
  cat "$work/out" >&2 || true
  exit 1
}
[[ -n "${DISPLAY:-}" ]] || fail "no DISPLAY: run under xvfb-run (ctest does)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export DEMO_DIR="$work/demo" DEMO_PORT_A=$(free_port) DEMO_PORT_B=$(free_port)
"$here/packaging/demo.sh" "$build" >"$work/out" 2>&1 &
demo_pid=$!

ctl() {
  local who=$1
  shift
  XDG_RUNTIME_DIR="$DEMO_DIR/run-$who" "$build/client/kintsugictl" --data-dir "$DEMO_DIR/$who" --timeout 500 "$@"
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# Both daemons answer, paired, with the same ledger and weeks of entries.
for _ in $(seq 300); do
  ctl alex status --json >/dev/null 2>&1 && ctl sam status --json >/dev/null 2>&1 && break
  kill -0 "$demo_pid" 2>/dev/null || fail "the demo exited early"
  sleep 0.1
done
a=$(ctl alex status --json) || fail "Alex's daemon does not answer"
s=$(ctl sam status --json) || fail "Sam's daemon does not answer"
[[ $(field "['paired']" <<<"$a") == True && $(field "['paired']" <<<"$s") == True ]] || fail "not paired"
[[ $(field "['ledger']" <<<"$a") == $(field "['ledger']" <<<"$s") ]] || fail "two different ledgers"
[[ $(field "['name']" <<<"$a") == Alex && $(field "['name']" <<<"$s") == Sam ]] || fail "wrong names"
(( $(field "['entries']" <<<"$a") >= 100 )) || fail "Alex holds $(field "['entries']" <<<"$a") entries, not weeks of history"
agreements=$(ctl alex agreements --json | field "['agreements'].__len__()")
(( agreements >= 3 )) || fail "only $agreements agreements in the sample history"

# They reach each other, and both windows are open.
online=
for _ in $(seq 200); do
  online=$(ctl alex peers --json | field "['peers'][0]['online']")
  [[ $online == True ]] && break
  sleep 0.1
done
[[ $online == True ]] || fail "Alex's daemon never saw Sam's online"
for who in alex sam; do
  pgrep -f "ui/kintsugi --data-dir $DEMO_DIR/$who" >/dev/null || fail "no window for $who"
done

# Ctrl-C stops everything it started.
kill -INT -- "-$demo_pid"
for _ in $(seq 100); do
  kill -0 "$demo_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$demo_pid" 2>/dev/null && fail "the demo did not stop on Ctrl-C"
wait "$demo_pid" 2>/dev/null || true
demo_pid=
for _ in $(seq 50); do
  pgrep -f "$DEMO_DIR" >/dev/null || break
  sleep 0.1
done
if pgrep -f "$DEMO_DIR" >/dev/null; then fail "left running: $(pgrep -af "$DEMO_DIR")"; fi
echo "demo_test: started, paired with $(field "['entries']" <<<"$a") entries, windows open, stopped cleanly"
