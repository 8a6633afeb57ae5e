#!/usr/bin/env bash
# Installs the Debian packages that Kintsugi needs and that are missing.
# Usage: packaging/debian-deps.sh [build|fuzz|bench|peers|fresh]...  (build is always included)
# apt-get as root, sudo otherwise; a clear message when neither is possible.
set -euo pipefail

build=(cmake make g++ pkg-config libsodium-dev libzmq3-dev cppzmq-dev libsqlite3-dev
       libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev
       libspdlog-dev libfmt-dev iproute2 nftables
       libimgui-dev libstb-dev libglfw3-dev libgl-dev fonts-dejavu-core
       libfontconfig-dev libfreetype-dev libfribidi-dev
       libsystemd-dev dbus-daemon
       fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji
       xvfb xauth xdotool xclip procps python3
       systemd desktop-file-utils   # systemd-analyze and desktop-file-validate check packaging/
       dpkg-dev lintian appstream)  # make package: cpack's dpkg-shlibdeps; lintian and appstreamcli check the .debs
fuzz=(clang-14 libclang-rt-14-dev)
bench=(python3)
peers=(nodejs npm syncthing)  # make bench-peers: Hypercore runs on Node (from npm), Syncthing is Debian's
fresh=(debootstrap git)  # make fresh-check (on this machine; inside its root: git and make)

# Debian's base system (debootstrap --variant=minbase: the packages of
# priority "required"), which every Debian machine has.
base=(bash coreutils dpkg apt sed grep mawk gzip findutils libc-bin util-linux mount)

# Every program that the Makefile, .ci/run, the scripts and the tests run, and
# the package it comes from. tests/packaging/programs_test.cc reads this table:
# it fails when a program is run that is not listed here, when a package
# listed here is neither in the base system nor installed by this script for
# the file that runs it, and when a listed program comes from another package
# (dpkg -S: the package, or one it depends on). "-" marks a program used only when present (checked first).
programs=(
  bash:bash gzip:gzip env:coreutils mktemp:coreutils seq:coreutils cat:coreutils rm:coreutils
  mkdir:coreutils chmod:coreutils cp:coreutils id:coreutils sleep:coreutils tail:coreutils
  dirname:coreutils realpath:coreutils head:coreutils tr:coreutils tee:coreutils date:coreutils
  sed:sed grep:grep awk:mawk getconf:libc-bin
  dpkg:dpkg dpkg-query:dpkg apt-get:apt sudo:-
  cmake:cmake ctest:cmake cpack:cmake make:make dpkg-deb:dpkg lintian:lintian appstreamcli:appstream
  xvfb-run:xvfb xdotool:xdotool xclip:xclip pgrep:procps pkill:procps python3:python3
  ip:iproute2 nft:nftables systemd-analyze:systemd desktop-file-validate:desktop-file-utils
  node:nodejs npm:nodejs syncthing:syncthing
  debootstrap:debootstrap git:git chroot:coreutils mount:mount umount:mount
  mountpoint:util-linux prlimit:util-linux dbus-daemon:dbus-daemon
)

# One package set by name (used by programs_test through --list).
package_set() {
  case "$1" in
    build) echo "${build[@]}" ;;
    fuzz) echo "${fuzz[@]}" ;;
    bench) echo "${bench[@]}" ;;
    peers) echo "${peers[@]}" ;;
    fresh) echo "${fresh[@]}" ;;
    base) echo "${base[@]}" ;;
    programs) echo "${programs[@]}" ;;
    *) echo "debian-deps: unknown package set '$1'" >&2; exit 2 ;;
  esac
}
if [[ "${1:-}" == "--list" ]]; then
  package_set "${2:?usage: debian-deps.sh --list SET}"
  exit 0
fi

wanted=("${build[@]}")
for set in "$@"; do
  case "$set" in
    build) ;;
    fuzz|bench|peers|fresh) read -r -a more <<<"$(package_set "$set")"; wanted+=("${more[@]}") ;;
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
