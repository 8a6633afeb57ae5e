#!/usr/bin/env bash
# `make fresh-check`: the README's promise on a machine that has nothing.
# Builds a minimal Debian 12 root (debootstrap --variant=minbase, from this
# machine's own configured Debian mirror) holding only the base system, git
# and make (what it takes to clone and to type `make test`), clones this repository's committed HEAD into it, and runs `make test`
# there, which must install everything else itself. Takes many minutes; not
# part of CI. Needs root (debootstrap, chroot and mounts).
# Usage: packaging/fresh-check.sh [ROOT_DIR]   (default build-fresh/root)
#   FRESH_TARGET (default test) is the make target run inside.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(realpath -m "${1:-$here/build-fresh/root}")
target=${FRESH_TARGET:-test}
log="$(dirname "$root")/fresh-check.log"

if [[ $(id -u) -ne 0 ]]; then
  echo "fresh-check: needs root (debootstrap, chroot and mounts); run it as root" >&2
  exit 2
fi
"$here/packaging/debian-deps.sh" fresh

# The Debian mirror this machine's apt uses (deb822 .sources or one-line .list).
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
         grep -E '^[[:space:]]*(URIs:|deb[[:space:]])' | grep -oE '[a-z]+://[^[:space:]]+/debian/?([[:space:]]|$)' |
         head -n 1 | tr -d '[:space:]' || true)
if [[ -z "$mirror" ]]; then
  echo "fresh-check: found no Debian mirror in /etc/apt/sources.list{,.d}" >&2
  exit 2
fi

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -R -l "${mounted[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() {  # bind SOURCE TARGET-INSIDE-ROOT [mount options...]
  mkdir -p "$root$2"
  mount "${@:3}" "$1" "$root$2"
  mounted+=("$root$2")
}

started=$(date +%s)
mkdir -p "$(dirname "$root")"
# A root left from an earlier run may still have mounts: never delete through them.
for m in dev proc sys run; do
  if mountpoint -q "$root/$m" 2>/dev/null; then umount -R -l "$root/$m"; fi
done
rm -rf "$root"
echo "fresh-check: debootstrap --variant=minbase bookworm from $mirror (log: $log)"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1 ||
  { tail -n 20 "$log" >&2; echo "fresh-check: debootstrap failed" >&2; exit 1; }
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"

# The root a mount point of its own, as a real / is: `ip netns exec` (the
# two-host tests) makes / a slave mount, which fails on a plain folder.
bind "$root" "" --bind
bind proc /proc -t proc
for tree in /sys /dev; do  # the host's, seen inside; nothing mounted inside reaches back out
  bind "$tree" "$tree" --rbind
  mount --make-rslave "$root$tree"
done
bind tmpfs /run -t tmpfs

# The repository as committed, without this work tree's builds or changes.
git -C "$here" bundle create "$root/tmp/kintsugi.bundle" HEAD >>"$log" 2>&1
inside=(chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
# What a person needs to get the code and type the README's command.
echo "fresh-check: installing git and make into the base system"
"${inside[@]}" bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git make' >>"$log" 2>&1
echo "fresh-check: cloning and running make $target inside (this takes a while)"
set +e
"${inside[@]}" bash -c "git clone -q /tmp/kintsugi.bundle /root/kintsugi && cd /root/kintsugi && make $target" 2>&1 |
  tee -a "$log" |
  grep --line-buffered -E '^(debian-deps|[0-9]+% tests passed|The following tests FAILED|Total Test time)|\(Failed\)|\*\*\*|command not found'
status=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - started ))
commit=$(git -C "$here" rev-parse --short HEAD)
if [[ $status -eq 0 ]]; then
  echo "fresh-check: PASSED: make $target on a fresh Debian 12 root at $commit, $((elapsed / 60)) min $((elapsed % 60)) s"
else
  echo "fresh-check: FAILED (exit $status): make $target on a fresh Debian 12 root at $commit; see $log" >&2
fi
exit "$status"
