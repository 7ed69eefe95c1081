#!/usr/bin/env bash
# Build a fresh minimal Debian root, put a clean clone of HEAD in it, and run there:
#     .ci/fresh_root.sh python3 dev.py test        (then `python3 dev.py run --self-test`)
#
# What goes in from this machine: its apt sources (the same mirror), its pip configuration
# and its CA bundle (the registries are reached the same way); nothing else. The root is
# FRESH_ROOT_OUT=DIR is mounted at /out inside (to bring files out). The root is
# entered in its own mount and PID namespaces, so its mounts and any process left behind
# end with it; the folder is removed on exit. Needs root (debootstrap, chroot).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
SUITE=${FRESH_ROOT_SUITE:-bookworm}
say() { printf 'fresh-root: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
[ "$#" -gt 0 ] || fail "usage: .ci/fresh_root.sh COMMAND..."
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap and chroot); run it as root"
start=$(date +%s)

if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap (builds the fresh root)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } \
    || fail "debootstrap could not be installed with apt-get: the fresh-machine check cannot run"
fi
mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
         | grep -oE 'https?://[^ ]+' | grep -v security | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}

ROOTFS=$(mktemp -d /var/tmp/fresh-root.XXXXXX)
cleanup() { rm -rf --one-file-system "$ROOTFS"; }
trap cleanup EXIT
say "debootstrap --variant=minbase --include=python3,git $SUITE from $mirror"
debootstrap --variant=minbase --include=python3,git "$SUITE" "$ROOTFS" "$mirror" \
  >"$ROOTFS.debootstrap.log" 2>&1 || { tail -20 "$ROOTFS.debootstrap.log" >&2; fail "debootstrap"; }
rm -f "$ROOTFS.debootstrap.log"

# The registries, reached as this machine reaches them.
rm -rf "$ROOTFS/etc/apt/sources.list.d" "$ROOTFS/etc/apt/sources.list"
cp -a /etc/apt/sources.list.d "$ROOTFS/etc/apt/"
if [ -f /etc/apt/sources.list ]; then cp /etc/apt/sources.list "$ROOTFS/etc/apt/"; fi
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
[ -f /etc/pip.conf ] && cp /etc/pip.conf "$ROOTFS/etc/pip.conf"
[ -d /etc/xdg/pip ] && mkdir -p "$ROOTFS/etc/xdg" && cp -a /etc/xdg/pip "$ROOTFS/etc/xdg/"
# Kept apart from /etc/ssl/certs, which apt's ca-certificates regenerates inside the root.
CA=/etc/ssl/host-ca-bundle.pem
mkdir -p "$ROOTFS/etc/ssl" && cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS$CA"

# A clean clone of what is committed: exactly what a new user gets.
git clone -q --no-local "$REPO" "$ROOTFS/work/video-uploader"
say "root ready in $(( $(date +%s) - start )) s; running: $*"

# Inside: the command given, then the README's other command headless; both must pass.
{
  echo 'cd /work/video-uploader'
  echo 'status=0'
  printf '%q ' "$@"; echo '|| status=$?'
  echo 'echo "fresh-root: python3 dev.py run --self-test" >&2'
  echo 'python3 dev.py run --self-test || status=$?'
  echo 'exit $status'
} >"$ROOTFS/fresh-root-inner.sh"

status=0
unshare --mount --pid --fork --propagation private bash -c '
  set -e
  r=$1
  # "/" is a mount point on any real machine; iproute2 (ip -n, ip netns exec) remounts
  # it as a slave and fails with EINVAL on a plain directory.
  mount --bind "$r" "$r"
  mount -t proc proc "$r/proc"
  mount --rbind /sys "$r/sys"
  mount --rbind /dev "$r/dev"
  mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
  mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
  if [ -n "$3" ]; then mkdir -p "$r/out" && mount --bind "$3" "$r/out"; fi
  exec chroot "$r" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI=true \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_CERT="$2" SSL_CERT_FILE="$2" NODE_EXTRA_CA_CERTS="$2" npm_config_cafile="$2" \
    bash /fresh-root-inner.sh
' _ "$ROOTFS" "$CA" "${FRESH_ROOT_OUT:-}" || status=$?
say "finished with exit $status after $(( $(date +%s) - start )) s in all"
exit "$status"
