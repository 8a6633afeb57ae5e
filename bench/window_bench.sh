#!/usr/bin/env bash
# The window's costs on the software renderer under Xvfb: frame time (p50,
# p99) of the timeline while scrolling through a ledger of ~100,000 entries
# (pages read from the daemon as it scrolls), of the progress charts over two
# years of daily check-ins, and of the lightest screen (settings) as this
# machine's floor; each screen's first frame and the window's memory (RSS now
# and at its peak: settings draws Latin only, the timeline eight scripts and
# emoji); the CPU an idle window uses over IDLE_SECONDS; and the longest
# frame while the daemon works hard: an unlock typed into the window (the
# key's derivation, then the first read of the whole ledger), and a catch-up
# of WINDOW_CATCHUP entries arriving from the partner's daemon on loopback.
# Prints one JSON object per figure.
# Usage: bench/window_bench.sh BUILD_DIR
#   WINDOW_DAYS (default 730) and WINDOW_EXTRA_PER_DAY (default 135) size the
#   ledger; WINDOW_CATCHUP (default 100000) the catch-up.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
days=${WINDOW_DAYS:-730}
extra=${WINDOW_EXTRA_PER_DAY:-135}
idle=${IDLE_SECONDS:-30}
catchup=${WINDOW_CATCHUP:-100000}
work=$(mktemp -d)
daemon_pid=""
pids=()
trap '[[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null; for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
      wait 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -m 700 "$work/run"
export XDG_RUNTIME_DIR="$work/run"
echo "window_bench: writing $days days of history ($extra extra check-ins a day)" >&2
"$build/daemon/kintsugi-sample" "$work/a" "$work/b" --days "$days" --extra-per-day "$extra" --fast >&2
"$build/daemon/kintsugid" --data-dir "$work/a" --no-listen --no-discovery --log-level warn &
daemon_pid=$!
for _ in $(seq 400); do
  "$build/client/kintsugictl" --data-dir "$work/a" --timeout 200 status >/dev/null 2>&1 && break
  sleep 0.05
done
# The newest entries, at the top of the timeline, in eight scripts and emoji:
# the font atlas grows by what they need (CJK and emoji are built lazily).
for words in "Désolé — I’m sorry ❤️ Ngọc Zażółć" "שלום, תודה על הערב" "مرحبا، شكرا على الأمسية" \
             "Привет Γειά σου 你好，谢谢 ありがとう 😀🙏"; do
  "$build/client/kintsugictl" --data-dir "$work/a" checkin --note "$words" >/dev/null
done
entries=$("$build/client/kintsugictl" --data-dir "$work/a" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')

xvfb-run -a -s "-screen 0 1280x800x24" bash -s "$build" "$work/a" "$idle" "$entries" <<'INNER'
set -euo pipefail
build=$1 data=$2 idle=$3 entries=$4
win=("$build/ui/kintsugi" --data-dir "$data" --geometry 1100x760)
for screen in settings timeline progress; do
  "${win[@]}" --measure "$screen" --frames 600 | python3 -c "
import json, sys
r = json.load(sys.stdin)
for k in ('p50_ms', 'p99_ms', 'first_ms'):
    print(json.dumps({'name': '$screen' + '_' + k, 'value': r[k], 'entries': $entries, 'loaded': r['timeline_loaded']}))
for k in ('rss_kib', 'peak_rss_kib'):
    print(json.dumps({'name': '$screen' + '_' + k.replace('_kib', '_mib'), 'value': r[k] / 1024,
                      'glyphs': r['atlas']['glyphs']}))"
done
"${win[@]}" &
pid=$!
sleep 5
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
t0=$(ticks "$pid")
sleep "$idle"
t1=$(ticks "$pid")
kill "$pid"
wait "$pid" 2>/dev/null || true
hz=$(getconf CLK_TCK)
python3 -c "import json; print(json.dumps({'name': 'idle_cpu_ms', 'value': ($t1 - $t0) * 1000 / $hz, 'seconds': $idle}))"
INNER

# --- The longest frame while the daemon works hard ---
ctl() { "$build/client/kintsugictl" --timeout 30000 "$@"; }
entries_of() { ctl --data-dir "$1" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
# The longest frame logged from $2 (Unix ms) to $3, with how many there were,
# their p99, and how many took over 33 ms.
longest() {
  python3 - "$1" "$2" "$3" "$4" "$5" <<'PY'
import json, sys
log, start, end, name, extra = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], json.loads(sys.argv[5])
frames = [float(ms) for at, ms in (line.split() for line in open(log) if line.strip()) if start <= int(at) <= end]
if not frames:
    raise SystemExit(f"window_bench: no frame was drawn during {name}")
frames.sort()
print(json.dumps({"name": name, "value": frames[-1], "frames": len(frames),
                  "p99_ms": frames[min(len(frames) - 1, int(0.99 * len(frames)))],
                  "over_33_ms": sum(1 for f in frames if f > 33.0), **extra}))
PY
}
# The same for the script under xvfb-run (whose sh passes no exported
# functions on).
declare -f ctl entries_of now_ms longest >"$work/helpers.sh"

# An unlock typed into the window of the large ledger above.
printf 'a long passphrase\n' | ctl --data-dir "$work/a" passphrase set >/dev/null
ctl --data-dir "$work/a" lock >/dev/null
# The catch-up's couple: a short history both have, then news only the first has.
echo "window_bench: writing $catchup entries for a catch-up" >&2
"$build/daemon/kintsugi-sample" "$work/c" "$work/d" --days 30 --first-only "$catchup" --fast >&2
port_c=$(free_port)
port_d=$(free_port)
"$build/daemon/kintsugid" --data-dir "$work/c" --listen "127.0.0.1:$port_c" --no-discovery --log-level warn &
pids+=($!)
"$build/daemon/kintsugid" --data-dir "$work/d" --listen "127.0.0.1:$port_d" --no-discovery --log-level warn &
pids+=($!)
for dir in c d; do
  for _ in $(seq 400); do
    "$build/client/kintsugictl" --data-dir "$work/$dir" --timeout 200 status >/dev/null 2>&1 && break
    sleep 0.05
  done
done
total=$(entries_of "$work/c")

export build work total port_c
xvfb-run -a -s "-screen 0 1280x800x24" bash -s <<'INNER'
set -euo pipefail
source "$work/helpers.sh"
# Holds a key for 120 ms: the window reads keys as held or not at each frame.
key() { xdotool keydown "$1"; sleep 0.12; xdotool keyup "$1"; }

# Unlock: the passphrase field has the keyboard when the window opens.
log="$work/unlock.frames"
KINTSUGI_UI_FRAMES="$log" "$build/ui/kintsugi" --data-dir "$work/a" --geometry 1100x760 &
pid=$!
wid=$(xdotool search --sync --pid "$pid" | head -1)
sleep 3
xdotool windowfocus --sync "$wid"
xdotool type --delay 30 "a long passphrase"
start=$(now_ms)
key Return
for _ in $(seq 600); do
  [[ $(ctl --data-dir "$work/a" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["locked"])') == False ]] && break
  sleep 0.05
done
sleep 3  # the first read of the whole ledger, and its frames
end=$(now_ms)
kill "$pid"; wait "$pid" 2>/dev/null || true
longest "$log" "$start" "$end" unlock_longest_frame_ms '{"seconds": '"$(( (end - start) / 1000 ))"'}'

# Catch-up: the second partner's window is open when its daemon is told where
# the first one is, and everything the first wrote arrives.
log="$work/catchup.frames"
KINTSUGI_UI_FRAMES="$log" "$build/ui/kintsugi" --data-dir "$work/d" --geometry 1100x760 &
pid=$!
xdotool search --sync --pid "$pid" >/dev/null
sleep 3
start=$(now_ms)
ctl --data-dir "$work/d" peer add "127.0.0.1:$port_c" >/dev/null
for _ in $(seq 12000); do
  [[ $(entries_of "$work/d") -ge $total ]] && break
  sleep 0.05
done
[[ $(entries_of "$work/d") -ge $total ]] || { echo "window_bench: the catch-up did not finish" >&2; exit 1; }
end=$(now_ms)
kill "$pid"; wait "$pid" 2>/dev/null || true
longest "$log" "$start" "$end" catchup_longest_frame_ms \
  '{"entries": '"$total"', "seconds": '"$(python3 -c "print(round(($end - $start) / 1000, 1))")"'}'
INNER
