#!/usr/bin/env bash
# Kintsugi beside its peers, measured the same way on this machine, one after
# the other: Kintsugi's two daemons (bench/sync_bench), Hypercore 11 (npm, the
# newest 11.x; Node from Debian) and Syncthing (Debian). Each runs two peers on
# loopback and reports the catch-up of ENTRIES items of 382 bytes from empty,
# the delivery of one new item (p50, p99 of SAMPLES; Syncthing's of
# SYNCTHING_SAMPLES, each about a second by its design), and the resident
# memory of its peers after IDLE_SECONDS paired. Prints one table.
# Not part of `make test` or CI: `make bench-peers` installs Node, npm and
# Syncthing from Debian first, and npm fetches Hypercore from the network.
# Usage: bench/peers/run.sh BUILD_DIR
#   ENTRIES (default 100000; Syncthing: SYNCTHING_FILES, default 10000, as it
#   takes minutes per 100,000 files), SAMPLES (default 1000), IDLE_SECONDS
#   (default 30).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
entries=${ENTRIES:-100000}
files=${SYNCTHING_FILES:-10000}
samples=${SAMPLES:-1000}
st_samples=${SYNCTHING_SAMPLES:-20}
idle=${IDLE_SECONDS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "peers: Hypercore from npm" >&2
mkdir "$work/npm"
npm install --prefix "$work/npm" --no-audit --no-fund --silent hypercore@11 >&2
hypercore=$(node -p "require('$work/npm/node_modules/hypercore/package.json').version")
node_version=$(node --version)
syncthing_version=$(syncthing --version | awk '{print $2}')

echo "peers: Kintsugi ($entries entries)" >&2
"$build/bench/sync_bench" "$build/daemon/kintsugid" --entries "$entries" --samples "$samples" \
  --idle-seconds "$idle" >"$work/kintsugi.json"
echo "peers: Hypercore $hypercore ($entries entries)" >&2
mkdir "$work/hypercore"
NODE_PATH="$work/npm/node_modules" node "$here/hypercore_bench.js" "$work/hypercore" --entries "$entries" \
  --samples "$samples" --idle-seconds "$idle" >"$work/hypercore.json"
echo "peers: Syncthing $syncthing_version ($files files)" >&2
mkdir "$work/syncthing"
python3 "$here/syncthing_bench.py" "$work/syncthing" --files "$files" --samples "$st_samples" \
  --idle-seconds "$idle" >"$work/syncthing.json"

python3 "$here/table.py" "$work/kintsugi.json" "$work/hypercore.json" "$work/syncthing.json" \
  "Hypercore $hypercore (Node $node_version)" "Syncthing $syncthing_version"
