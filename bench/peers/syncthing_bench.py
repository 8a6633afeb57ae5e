#!/usr/bin/env python3
"""Syncthing measured the way bench/sync_bench measures Kintsugi: two
`syncthing serve` processes on loopback, each with its own home and folder,
paired with each other only (no discovery, relays, NAT or usage reports), one
folder shared between them.
  - catch-up: A's folder holds FILES files of 382 bytes (a Kintsugi check-in's
    size), scanned; B starts empty and pulls them all;
  - delivery: SAMPLES times, a new file is written in A's folder and B's
    folder is watched until it is there (Syncthing's file watcher waits at
    least 1 s, its shortest setting, before it scans: that is its design);
  - memory: each process's resident memory after IDLE seconds paired.
Prints one JSON object per figure, as sync_bench does.
Usage: syncthing_bench.py WORK_DIR [--files N] [--samples N] [--idle-seconds N]
"""
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET

BLOCK = bytes([0x5A]) * 382


def arg(name, fallback):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else fallback


def emit(name, value, unit, **extra):
    print(json.dumps({"name": name, **extra, "unit": unit, "value": value}), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


class Peer:
    def __init__(self, work, name):
        self.home = os.path.join(work, name, "home")
        self.folder = os.path.join(work, name, "folder")
        os.makedirs(os.path.join(self.folder, ".stfolder"))  # the marker a folder must have to be synced
        out = subprocess.run(["syncthing", "generate", "--home=" + self.home, "--no-default-folder"],
                             capture_output=True, text=True, check=True)
        self.id = re.search(r"Device ID: (\S+)", out.stdout + out.stderr).group(1)
        self.port, self.gui = free_port(), free_port()
        self.process = None

    def configure(self, other):
        path = os.path.join(self.home, "config.xml")
        tree = ET.parse(path)
        root = tree.getroot()
        gui = root.find("gui")
        gui.find("address").text = f"127.0.0.1:{self.gui}"
        self.key = gui.find("apikey").text
        options = root.find("options")
        for name, value in [("listenAddress", f"tcp://127.0.0.1:{self.port}"), ("globalAnnounceEnabled", "false"),
                            ("localAnnounceEnabled", "false"), ("relaysEnabled", "false"), ("natEnabled", "false"),
                            ("startBrowser", "false"), ("urAccepted", "-1"), ("crashReportingEnabled", "false"),
                            ("autoUpgradeIntervalH", "0"), ("setLowPriority", "false")]:
            options.find(name).text = value
        device = ET.SubElement(root, "device", id=other.id, name="partner", compression="metadata",
                               introducer="false")
        ET.SubElement(device, "address").text = f"tcp://127.0.0.1:{other.port}"
        folder = ET.SubElement(root, "folder", id="bench", label="bench", path=self.folder, type="sendreceive",
                               rescanIntervalS="3600", fsWatcherEnabled="true", fsWatcherDelayS="1")
        ET.SubElement(folder, "device", id=self.id)
        ET.SubElement(folder, "device", id=other.id)
        tree.write(path)

    def start(self):
        self.process = subprocess.Popen(["syncthing", "serve", "--home=" + self.home, "--no-browser", "--no-restart",
                                         "--no-upgrade"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def rest(self, what):
        request = urllib.request.Request(f"http://127.0.0.1:{self.gui}/rest/{what}", headers={"X-API-Key": self.key})
        with urllib.request.urlopen(request, timeout=5) as reply:
            return json.load(reply)

    def wait(self, ready, what, seconds=300):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"syncthing_bench: {what} did not happen in {seconds} s")

    def files(self):
        return sum(1 for name in os.listdir(self.folder) if not name.startswith("."))


def main():
    if len(sys.argv) < 2:
        raise SystemExit("usage: syncthing_bench.py WORK_DIR [--files N] [--samples N] [--idle-seconds N]")
    work = sys.argv[1]
    files, samples, idle = arg("--files", 10000), arg("--samples", 20), arg("--idle-seconds", 60)
    a, b = Peer(work, "a"), Peer(work, "b")
    a.configure(b)
    b.configure(a)
    for i in range(files):
        with open(os.path.join(a.folder, f"{i:07d}"), "wb") as f:
            f.write(BLOCK)
    try:
        a.start()
        a.wait(lambda: a.rest("db/status?folder=bench")["localFiles"] == files and
               a.rest("db/status?folder=bench")["state"] == "idle", "A's first scan")
        start = time.monotonic()
        b.start()
        b.wait(lambda: b.files() == files, "the catch-up")
        seconds = time.monotonic() - start
        emit("catchup_rate", files / seconds, "files/s", entries=files, seconds=seconds)

        b.wait(lambda: b.rest("db/status?folder=bench")["state"] == "idle", "B settling")
        ms = []
        for i in range(samples):
            name = f"new-{i:05d}"
            t0 = time.monotonic()
            with open(os.path.join(a.folder, name), "wb") as f:
                f.write(BLOCK)
            b.wait(lambda: os.path.exists(os.path.join(b.folder, name)), "a delivery", 120)
            ms.append((time.monotonic() - t0) * 1000)
        ms.sort()
        emit("delivery_p50_ms", ms[len(ms) // 2], "ms", samples=samples)
        emit("delivery_p99_ms", ms[min(len(ms) - 1, int(0.99 * len(ms)))], "ms", samples=samples)

        time.sleep(idle)
        emit("idle_rss_mib", max(rss_mib(a.process.pid), rss_mib(b.process.pid)), "MiB",
             a=rss_mib(a.process.pid), b=rss_mib(b.process.pid))
    finally:
        for peer in (a, b):
            if peer.process:
                peer.process.terminate()
                peer.process.wait()


if __name__ == "__main__":
    main()
