#!/usr/bin/env bash
# The window's costs on the software renderer under Xvfb: frame time (p50,
# p99) of the timeline while scrolling through a ledger of ~100,000 entries
# (pages read from the daemon as it scrolls), of the progress charts over two
# years of daily check-ins, and of the lightest screen (settings) as this
# machine's floor; each screen's first frame and the window's memory (RSS now
# and at its peak: settings draws Latin only, the timeline eight scripts and
# emoji); and the CPU an idle window uses over IDLE_SECONDS.
# Prints one JSON object per figure.
# Usage: bench/window_bench.sh BUILD_DIR
#   WINDOW_DAYS (default 730) and WINDOW_EXTRA_PER_DAY (default 135) size the ledger.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
days=${WINDOW_DAYS:-730}
extra=${WINDOW_EXTRA_PER_DAY:-135}
idle=${IDLE_SECONDS:-30}
work=$(mktemp -d)
daemon_pid=""
trap '[[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
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
