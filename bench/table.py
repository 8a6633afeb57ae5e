"""Turns the benchmark results into the results table of docs/PERFORMANCE.md.

Usage: table.py MICRO.json SYNC.jsonl VIEWS.jsonl WINDOW.jsonl PERFORMANCE.md
MICRO.json is Google Benchmark's JSON output (ledger_bench); SYNC.jsonl and
VIEWS.jsonl hold one JSON object per line from each sync_bench and
views_bench run.
Rates are items per second, from real time for benchmarks that wait on the
disk and CPU time otherwise. The table is rewritten between the markers.
"""
import json
import platform
import statistics
import sys

# (benchmark name, what it measures, the limit it is held against)
ROWS = [
    ("BM_Limit_Ed25519Sign", "Ed25519 sign, 256 B (machine limit)", None),
    ("BM_Limit_Ed25519Verify", "Ed25519 verify, 256 B (machine limit)", None),
    ("BM_Limit_XChaChaSeal/256", "XChaCha20-Poly1305 seal, 256 B (machine limit)", None),
    ("BM_Limit_XChaChaSeal/65536", "XChaCha20-Poly1305 seal, 64 KiB (machine limit)", None),
    ("BM_Limit_SqliteCommit/real_time", "SQLite commit, WAL + synchronous=FULL (machine limit)", None),
    ("BM_Limit_Argon2idModerate/iterations:3/real_time", "Argon2id, 3 passes over 256 MiB (machine limit)", None),
    ("BM_SealEntry", "seal + sign one check-in entry", "BM_Limit_Ed25519Sign"),
    ("BM_Append/real_time", "append: seal + sign + durable insert", "BM_Limit_SqliteCommit/real_time"),
    ("BM_DecodeAndValidate", "decode + validate one entry", "BM_Limit_Ed25519Verify"),
    ("BM_VerifyLedger/2000/real_time", "`verify` over 2,000 stored entries, per entry", "BM_Limit_Ed25519Verify"),
    ("BM_LogPage", "`log` page: read, verify, open 50 entries, per entry", "BM_Limit_Ed25519Verify"),
    ("BM_UnlockLock/iterations:3/real_time", "`unlock` + `lock`, 2,000 entries", "BM_Limit_Argon2idModerate/iterations:3/real_time"),
    ("BM_Backup/iterations:3/real_time", "`backup` of 2,000 entries (one Argon2id inside)", "BM_Limit_Argon2idModerate/iterations:3/real_time"),
]


def rates(runs, name):
    vals = [r["items_per_second"] for r in runs
            if r.get("run_name") == name and r.get("run_type") == "iteration"]
    if not vals:
        raise SystemExit(f"table.py: no results for {name}")
    return vals


def fmt(rate):
    if rate < 100:
        return f"{rate:.2f} /s ({1000 / rate:.0f} ms each)"
    if rate >= 1e6:
        return f"{rate / 1e6:.2f} M/s"
    if rate >= 1e3:
        return f"{rate / 1e3:.1f} k/s"
    return f"{rate:.0f} /s"


# (sync_bench figure, what it measures, unit, what it is held against, target)
SYNC_ROWS = [
    ("zmq_rtt_p50_ms", "ZeroMQ round trip, TCP loopback, CURVE, 120 B: p50 (machine limit)", "ms", None, None),
    ("zmq_rtt_p99_ms", "ZeroMQ round trip, TCP loopback, CURVE, 120 B: p99 (machine limit)", "ms", None, None),
    ("delivery_p50_ms", "append on A to delivered on B, loopback, 1,000 one at a time: p50", "ms", "zmq_rtt_p50_ms", 20.0),
    ("delivery_p99_ms", "append on A to delivered on B: p99", "ms", "zmq_rtt_p99_ms", 20.0),
    ("catchup_rate", "catch-up from empty", "entries/s", "verify_rate_all", 0.75),
    ("catchup_written_per_entry", "bytes the receiver wrote per entry during the catch-up", "bytes", "page", 2.0),
    ("catchup_disk_per_entry", "bytes on disk per entry after the catch-up (ledger.db and its log)", "bytes", None, None),
    ("idle_cpu_ms", "CPU used by a paired daemon while idle", "ms", "budget", None),
    ("idle_rss_mib", "resident memory of a paired daemon", "MiB", "budget", 20.0),
    ("idle_pss_mib", "its proportional share (PSS: each shared library page divided among the processes mapping it)",
     "MiB", "idle_rss_mib", None),
    ("idle_private_mib", "its own pages (private to the daemon: heap, stacks, written data)", "MiB", "idle_rss_mib",
     None),
    ("startup_empty_ms", "daemon start-up to first answer, empty ledger", "ms", None, None),
    ("startup_mid_ms", "daemon start-up to first answer, 10,000 entries", "ms", "startup_empty_ms", None),
    ("startup_full_ms", "daemon start-up to first answer, with the catch-up ledger", "ms", "startup_empty_ms", None),
]


def sync_table(path):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    by_name = {}
    for r in runs:
        by_name.setdefault(r["name"], []).append(r)
    entries = by_name.get("catchup_rate", [{}])[0].get("entries", "?")
    idle = by_name.get("idle_cpu_ms", [{}])[0].get("seconds", "?")
    lines = [
        "",
        f"Two real daemons on loopback, {len(by_name.get('delivery_p99_ms', []))} runs; catch-up of {entries:,} "
        f"entries; idle for {idle} s.",
        "",
        "| what | median | spread | held against | limit or budget | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for name, label, unit, against, target in SYNC_ROWS:
        vals = [r["value"] for r in by_name.get(name, [])]
        if not vals and name == "startup_mid_ms":
            continue  # a catch-up ledger of 10,000 entries or fewer has no middle
        if not vals:
            raise SystemExit(f"table.py: no results for {name}")
        med = statistics.median(vals)
        spread = f"{min(vals):,.2f} to {max(vals):,.2f}"
        if against and against.startswith("zmq_rtt"):
            lim = statistics.median(r["value"] for r in by_name[against])
            lines.append(f"| {label} | {med:,.2f} {unit} | {spread} | ZeroMQ CURVE round trip, same run "
                         f"(budget < {target:g} ms) | {lim:,.3f} ms | {med / lim:.1f} |")
        elif against == "verify_rate_all":
            lim = statistics.median(r["value"] for r in by_name["verify_rate_all"])
            one = statistics.median(r["value"] for r in by_name["verify_rate"])
            cores = by_name["verify_rate_all"][0].get("threads", "?")
            lines.append(f"| {label} | {med:,.0f} {unit} | {spread} | Ed25519 verify on all {cores} cores, "
                         f"same run (target ≥ {target:.0%}; one core: {one:,.0f} /s) | {lim:,.0f} /s | "
                         f"{med / lim:.2f} |")
        elif against == "page":
            lines.append(f"| {label} | {med:,.0f} {unit} | {spread:s} | SQLite pages of 4,096 bytes "
                         f"(budget ≤ {target:g}) | 4,096 bytes | {med / 4096:.2f} |")
        elif against == "budget" and target:
            lines.append(f"| {label} | {med:,.2f} {unit} | {spread} | design budget | < {target:g} {unit} | "
                         f"{med / target:.2f} |")
        elif against == "budget":
            lines.append(f"| {label} | {med:,.2f} {unit} | {spread} | design budget | ~0 | |")
        elif against == "idle_rss_mib":
            base = statistics.median(r["value"] for r in by_name[against])
            lines.append(f"| {label} | {med:,.2f} {unit} | {spread} | its resident memory, same run | "
                         f"{base:,.2f} MiB | {med / base:.2f} |")
        elif against:
            base = statistics.median(r["value"] for r in by_name[against])
            lines.append(f"| {label} | {med:,.2f} {unit} | {spread} | start-up with an empty ledger | "
                         f"{base:,.2f} ms | {med / base:.2f} |")
        else:
            lines.append(f"| {label} | {med:,.2f} {unit} | {spread} | | | |")
    return lines


# (views_bench figure, what it measures, unit, what it is held against)
VIEW_ROWS = [
    ("fold_rate", "fold from scratch (open, apply, record each entry)", "entries/s", "aead_rate"),
    ("views_open_ms", "open the views at start-up (newest saved state + the entries after it)", "ms", None),
    ("update_p50_us", "one incremental update (fold + record one new entry, durable): p50", "µs", None),
    ("update_p99_us", "one incremental update: p99 (includes a saved state every 256 entries)", "µs", None),
    ("agreements_p99_ms", "view query: agreements with their words, p99", "ms", None),
    ("pending_p99_ms", "view query: what awaits my answer, p99", "ms", None),
    ("trends_p99_ms", "view query: trends over 90 days, p99", "ms", None),
    ("timeline_p99_ms", "view query: a timeline page of 50, each verified and opened, p99", "ms", "verify_rate"),
    ("timeline_kind_p99_ms", "view query: a timeline page of 50 filtered by a rare kind (triggers), p99", "ms", None),
]


def views_table(path):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    by_name = {}
    for r in runs:
        by_name.setdefault(r["name"], []).append(r)
    entries = by_name.get("fold_rate", [{}])[0].get("entries", "?")
    lines = [
        "",
        f"The views on a ledger of {entries:,} entries of every kind, {len(by_name.get('fold_rate', []))} runs.",
        "",
        "| what | median | spread | held against | limit (same run) | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for name, label, unit, against in VIEW_ROWS:
        vals = [r["value"] for r in by_name.get(name, [])]
        if not vals and name == "startup_mid_ms":
            continue  # a catch-up ledger of 10,000 entries or fewer has no middle
        if not vals:
            raise SystemExit(f"table.py: no results for {name}")
        med = statistics.median(vals)
        spread = f"{min(vals):,.2f} to {max(vals):,.2f}"
        if against == "aead_rate":
            lim = statistics.median(r["value"] for r in by_name[against])
            lines.append(f"| {label} | {med:,.0f} {unit} | {spread} | XChaCha20-Poly1305 seal, 256 B | "
                         f"{lim:,.0f} /s | {med / lim:.3f} |")
        elif against == "verify_rate":
            lim = statistics.median(r["value"] for r in by_name[against])
            floor = 50 / lim * 1000
            lines.append(f"| {label} | {med:,.2f} {unit} | {spread} | 50 Ed25519 verifies | {floor:,.2f} ms | "
                         f"{med / floor:.2f} |")
        else:
            lines.append(f"| {label} | {med:,.2f} {unit} | {spread} | | | |")
    return lines


WINDOW_ROWS = [
    ("settings_p50_ms", "frame, lightest screen (settings): p50 (this machine's floor)", "ms"),
    ("settings_p99_ms", "frame, lightest screen (settings): p99", "ms"),
    ("timeline_p50_ms", "frame, timeline scrolling through the ledger (pages read as it goes): p50", "ms"),
    ("timeline_p99_ms", "frame, timeline scrolling: p99", "ms"),
    ("progress_p50_ms", "frame, progress charts over the whole history: p50", "ms"),
    ("progress_p99_ms", "frame, progress charts: p99", "ms"),
]


# (window_bench figure, what it measures): the first frame of a new window
# (shaders compiled, the atlas uploaded; the timeline's also meets the CJK
# and emoji that its next frame builds the atlas again for).
WINDOW_FIRST = [
    ("settings_first_ms", "first frame, settings"),
    ("timeline_first_ms", "first frame, timeline"),
]

# (window_bench figure, what it measures): memory, against settings' in the same run.
WINDOW_MEMORY = [
    ("settings_rss_mib", "window memory (RSS), settings: Latin only"),
    ("timeline_rss_mib", "window memory (RSS), timeline with eight scripts and emoji"),
    ("timeline_peak_rss_mib", "window memory at its peak (the atlas built again for CJK and emoji)"),
]


# (window_bench figure, what it measures): the longest frame while the daemon
# works hard, against the budget of two frames at 60 Hz.
WINDOW_BUSY = [
    ("unlock_longest_frame_ms", "longest frame, an unlock typed into the window (key derivation, then the first read)"),
    ("catchup_longest_frame_ms", "longest frame, while a catch-up arrives"),
]


def window_table(path):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    by_name = {}
    for r in runs:
        by_name.setdefault(r["name"], []).append(r)
    entries = by_name.get("timeline_p50_ms", [{}])[0].get("entries", "?")
    idle = by_name.get("idle_cpu_ms", [{}])[0].get("seconds", "?")
    lines = [
        "",
        f"The window (Mesa llvmpipe under Xvfb, 1100x760), {len(by_name.get('timeline_p50_ms', []))} runs, on a "
        f"ledger of {entries:,} entries over two years; idle for {idle} s.",
        "",
        "| what | median | spread | held against | budget | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for name, label, unit in WINDOW_ROWS:
        vals = [r["value"] for r in by_name.get(name, [])]
        if not vals and name == "startup_mid_ms":
            continue  # a catch-up ledger of 10,000 entries or fewer has no middle
        if not vals:
            raise SystemExit(f"table.py: no results for {name}")
        med = statistics.median(vals)
        lines.append(f"| {label} | {med:,.2f} {unit} | {min(vals):,.2f} to {max(vals):,.2f} | one frame at 60 Hz "
                     f"| 16.7 ms | {med / 16.7:.2f} |")
    for name, label in WINDOW_FIRST:
        vals = [r["value"] for r in by_name.get(name, [])]
        if not vals:
            raise SystemExit(f"table.py: no results for {name}")
        med = statistics.median(vals)
        lines.append(f"| {label} | {med:,.1f} ms | {min(vals):,.1f} to {max(vals):,.1f} | | | |")
    base = statistics.median([r["value"] for r in by_name.get("settings_rss_mib", [])] or [0])
    for name, label in WINDOW_MEMORY:
        vals = [r["value"] for r in by_name.get(name, [])]
        if not vals:
            raise SystemExit(f"table.py: no results for {name}")
        med = statistics.median(vals)
        glyphs = by_name[name][0].get("glyphs", "?")
        lines.append(f"| {label} ({glyphs:,} glyphs in the atlas) | {med:,.1f} MiB | {min(vals):,.1f} to "
                     f"{max(vals):,.1f} | settings, Latin only, same run | {base:,.1f} MiB | {med / base:.2f} |")
    for name, label in WINDOW_BUSY:
        runs_of = by_name.get(name, [])
        if not runs_of:
            raise SystemExit(f"table.py: no results for {name}")
        vals = [r["value"] for r in runs_of]
        med = statistics.median(vals)
        size = f" of {runs_of[0]['entries']:,} entries" if "entries" in runs_of[0] else ""
        frames = statistics.median([r["frames"] for r in runs_of])
        lines.append(f"| {label}{size} ({frames:.0f} frames drawn) | {med:,.1f} ms | {min(vals):,.1f} to "
                     f"{max(vals):,.1f} | two frames at 60 Hz | 33 ms | {med / 33.0:.2f} |")
    vals = [r["value"] for r in by_name.get("idle_cpu_ms", [])]
    if not vals:
        raise SystemExit("table.py: no results for idle_cpu_ms")
    lines.append(f"| CPU used by an idle window | {statistics.median(vals):,.1f} ms | {min(vals):,.1f} to "
                 f"{max(vals):,.1f} | design budget | ~0 | |")
    return lines


def delivery_table(runs, sync_path):
    """Where one delivery's time goes: each part of the path measured alone in
    this run (the micro-benchmarks and the CURVE round trip), their sum as the
    floor, and the measured delivery held against it and against the target
    p99 <= 3 x (round trip + two durable commits)."""
    sync = [json.loads(line) for line in open(sync_path) if line.strip()]

    def sync_median(name):
        vals = [r["value"] for r in sync if r["name"] == name]
        if not vals:
            raise SystemExit(f"table.py: no results for {name}")
        return statistics.median(vals)

    def ms_each(name):
        return 1000.0 / statistics.median(rates(runs, name))

    commit = ms_each("BM_Limit_SqliteCommit/real_time")
    half_trip = sync_median("zmq_rtt_p50_ms") / 2
    parts = [
        ("seal + sign on A", ms_each("BM_SealEntry"), "seal + sign one check-in entry"),
        ("A's durable commit", commit, "SQLite commit, WAL + synchronous=FULL"),
        ("the push to B", half_trip, "half a ZeroMQ CURVE round trip, p50"),
        ("B's decode + verify", ms_each("BM_DecodeAndValidate"), "decode + validate one entry"),
        ("B's durable commit", commit, "SQLite commit, WAL + synchronous=FULL"),
        ("the event to the watcher", half_trip, "half the CURVE round trip, p50, as an estimate (the local event socket has no CURVE)"),
    ]
    floor = sum(t for _, t, _ in parts)
    p50 = sync_median("delivery_p50_ms")
    p99 = sync_median("delivery_p99_ms")
    budget = 3 * (sync_median("zmq_rtt_p99_ms") + 2 * commit)
    lines = [
        "",
        "Where one delivery's time goes: each part of the path measured alone in this run; their sum is the floor.",
        "",
        "| part | time (median) | measured as |",
        "|---|---|---|",
    ]
    lines += [f"| {label} | {t:.3f} ms | {source} |" for label, t, source in parts]
    lines += [
        f"| the floor: the parts' sum | {floor:.3f} ms | |",
        f"| append on A to delivered on B, p50 | {p50:.3f} ms | {p50 / floor:.1f} × the floor |",
        f"| append on A to delivered on B, p99 | {p99:.3f} ms | {p99 / budget:.2f} of the target: 3 × (round trip "
        f"p99 + two durable commits) = {budget:.3f} ms |",
    ]
    return lines


def main():
    results = json.load(open(sys.argv[1]))
    runs = results["benchmarks"]
    ctx = results["context"]
    lines = [
        f"Measured {ctx['date'][:10]} on {ctx['num_cpus']} CPUs at {ctx['mhz_per_cpu']} MHz, "
        f"{platform.system()} {platform.release()}; median of "
        f"{len(rates(runs, ROWS[0][0]))} repetitions, spread = min to max.",
        "",
        "| what | rate (median) | spread | held against | limit (median) | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for name, label, limit in ROWS:
        vals = rates(runs, name)
        med = statistics.median(vals)
        spread = f"{fmt(min(vals))} to {fmt(max(vals))}"
        if limit:
            lim = statistics.median(rates(runs, limit))
            limit_label = next(l for n, l, _ in ROWS if n == limit).replace(" (machine limit)", "")
            lines.append(f"| {label} | {fmt(med)} | {spread} | {limit_label} | {fmt(lim)} | {med / lim:.2f} |")
        else:
            lines.append(f"| {label} | {fmt(med)} | {spread} | | | |")
    lines += sync_table(sys.argv[2])
    lines += delivery_table(runs, sys.argv[2])
    lines += views_table(sys.argv[3])
    lines += window_table(sys.argv[4])
    write_between(sys.argv[5], "bench", "\n".join(lines))


def write_between(path, marker, table):
    """Rewrites what lies between <!-- MARKER:begin --> and <!-- MARKER:end -->."""
    doc = open(path).read()
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    head, rest = doc.split(begin, 1)
    _, tail = rest.split(end, 1)
    open(path, "w").write(f"{head}{begin}\n{table}\n{end}{tail}")


if __name__ == "__main__":
    main()
