#!/usr/bin/env bash
# Installs the Debian packages that Kintsugi needs and that are missing.
# Usage: packaging/debian-deps.sh [build|fuzz]...  (build is always included)
# apt-get as root, sudo otherwise; a clear message when neither is possible.
set -euo pipefail

build=(cmake make g++ pkg-config libsodium-dev libzmq3-dev cppzmq-dev libsqlite3-dev
       libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev
       libspdlog-dev libfmt-dev iproute2
       libimgui-dev libstb-dev libglfw3-dev libgl-dev fonts-dejavu-core
       xvfb xauth xdotool
       systemd desktop-file-utils)  # systemd-analyze and desktop-file-validate check packaging/
fuzz=(clang-14 libclang-rt-14-dev)
bench=(python3)

wanted=("${build[@]}")
for set in "$@"; do
  case "$set" in
    build) ;;
    fuzz) wanted+=("${fuzz[@]}") ;;
    bench) wanted+=("${bench[@]}") ;;
    *) echo "debian-deps: unknown package set '$set'" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "debian-deps: these packages are missing: ${missing[*]}" >&2
  echo "debian-deps: install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "debian-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
