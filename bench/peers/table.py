#!/usr/bin/env python3
"""Prints Kintsugi's figures beside its peers' (bench/peers/run.sh), as one
Markdown table, with this machine's all-core Ed25519 verify rate and its load
measured in the same run.
Usage: table.py KINTSUGI.json HYPERCORE.json SYNCTHING.json HYPERCORE_NAME SYNCTHING_NAME
"""
import json
import os
import sys
import time

ROWS = [
    ("delivery_p50_ms", "a new item, written on one to stored on the other: p50", "{:,.2f} ms"),
    ("delivery_p99_ms", "the same: p99", "{:,.2f} ms"),
    ("catchup_rate", "catch-up from empty", "{:,.0f} /s"),
    ("idle_rss_mib", "resident memory of one peer, idle and paired (the larger)", "{:,.1f} MiB"),
]


def read(path):
    figures = {}
    for line in open(path):
        if line.strip():
            record = json.loads(line)
            figures[record["name"]] = record
    return figures


def main():
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    kintsugi, hypercore, syncthing = (read(p) for p in sys.argv[1:4])
    names = ["Kintsugi", sys.argv[4], sys.argv[5]]
    load = os.getloadavg()
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; Ed25519 verify on all cores: "
          f"{kintsugi['verify_rate_all']['value']:,.0f} /s.")
    print()
    print("| what | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for name, label, form in ROWS:
        cells = []
        for figures in (kintsugi, hypercore, syncthing):
            record = figures.get(name)
            if record is None:
                cells.append("")
                continue
            cell = form.format(record["value"])
            if name == "catchup_rate":
                what = "files" if record.get("unit") == "files/s" else "entries"
                cell += f" ({record.get('entries', 0):,} {what})"
            if name.startswith("delivery"):
                cell += f" (of {record.get('samples', 0):,})"
            cells.append(cell)
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    print("Kintsugi verifies every entry's signature and commits durably; Hypercore verifies signed tree "
          "roots; Syncthing hashes files and waits at least a second (its file watcher) before it sends a change.")


if __name__ == "__main__":
    main()
