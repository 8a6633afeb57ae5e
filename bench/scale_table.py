"""Turns bench/scale.sh's results into the scale table of docs/PERFORMANCE.md.

Usage: scale_table.py RESULTS.jsonl PERFORMANCE.md
RESULTS.jsonl holds one JSON object per line from sync_bench and views_bench,
each tagged with the ledger size it ran at ("size") and which bench made it
("from"). The table is rewritten between the scale markers. Issue 18's goal:
each row flat within 20% from 100,000 to 1,000,000 entries.
"""
import datetime
import json
import os
import platform
import sys

from table import write_between

# (bench, figure, what it measures, unit, decimals)
ROWS = [
    ("sync", "catchup_rate", "catch-up from empty", "entries/s", 0),
    ("sync", "catchup_ratio", "catch-up, as a share of the all-core verify rate in the same run", "", 2),
    ("sync", "catchup_written_per_entry", "bytes the receiver wrote per entry", "bytes", 0),
    ("sync", "catchup_disk_per_entry", "bytes on disk per entry (ledger.db and its log)", "bytes", 0),
    ("sync", "startup_full_ms", "daemon start-up to first answer", "ms", 1),
    ("views", "views_open_ms", "open the views (newest saved state + the entries after it)", "ms", 1),
    ("views", "fold_rate", "fold from scratch", "entries/s", 0),
    ("views", "update_p99_us", "one incremental update, p99", "µs", 0),
    ("views", "timeline_p99_ms", "a timeline page of 50, each verified and opened, p99", "ms", 2),
]


def load(path):
    figures = {}
    for line in open(path):
        if not line.strip():
            continue
        d = json.loads(line)
        figures[(d["from"], d["name"], d["size"])] = d["value"]
    for (bench, name, size), value in list(figures.items()):
        if (bench, name) == ("sync", "catchup_rate") and ("sync", "verify_rate_all", size) in figures:
            figures[("sync", "catchup_ratio", size)] = value / figures[("sync", "verify_rate_all", size)]
    return figures


def main():
    figures = load(sys.argv[1])
    sizes = sorted({size for (_, _, size) in figures})
    when = datetime.date.today().isoformat()
    load1 = os.getloadavg()[0]
    lines = [
        f"Measured {when} on {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, load average "
        f"{load1:.2f} at the end; one run at each size (`make bench-scale`).",
        "",
        "| what | " + " | ".join(f"{s:,} entries" for s in sizes) + " | largest against 100,000 (goal: within 20%) |",
        "|---|" + "---|" * len(sizes) + "---|",
    ]
    for bench, name, label, unit, decimals in ROWS:
        cells = []
        for s in sizes:
            v = figures.get((bench, name, s))
            cells.append("" if v is None else f"{v:,.{decimals}f}" + (f" {unit}" if unit else ""))
        base, top = figures.get((bench, name, 100000)), figures.get((bench, name, sizes[-1]))
        ratio = f"{top / base:.2f}" if base and top and sizes[-1] != 100000 else ""
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")
    write_between(sys.argv[2], "scale", "\n".join(lines))


if __name__ == "__main__":
    main()
