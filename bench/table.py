"""Turns Google Benchmark JSON into the results table of docs/PERFORMANCE.md.

Usage: table.py RESULTS.json PERFORMANCE.md
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
    ("BM_SealEntry", "seal + sign one check-in entry", "BM_Limit_Ed25519Sign"),
    ("BM_Append/real_time", "append: seal + sign + durable insert", "BM_Limit_SqliteCommit/real_time"),
    ("BM_DecodeAndValidate", "decode + validate one entry", "BM_Limit_Ed25519Verify"),
    ("BM_VerifyLedger/2000/real_time", "`verify` over 2,000 stored entries, per entry", "BM_Limit_Ed25519Verify"),
    ("BM_LogPage", "`log` page: read, verify, open 50 entries, per entry", "BM_Limit_Ed25519Verify"),
]


def rates(runs, name):
    vals = [r["items_per_second"] for r in runs
            if r.get("run_name") == name and r.get("run_type") == "iteration"]
    if not vals:
        raise SystemExit(f"table.py: no results for {name}")
    return vals


def fmt(rate):
    if rate >= 1e6:
        return f"{rate / 1e6:.2f} M/s"
    if rate >= 1e3:
        return f"{rate / 1e3:.1f} k/s"
    return f"{rate:.0f} /s"


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
    table = "\n".join(lines)

    path = sys.argv[2]
    doc = open(path).read()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    head, rest = doc.split(begin, 1)
    _, tail = rest.split(end, 1)
    open(path, "w").write(f"{head}{begin}\n{table}\n{end}{tail}")


if __name__ == "__main__":
    main()
