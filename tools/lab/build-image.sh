#!/usr/bin/env bash
# Build the lab base image localhost/multinic-lab:bookworm from Debian packages
# with debootstrap (no container registry is needed or reachable).
#
#   tools/lab/build-image.sh [--force] [--image NAME:TAG]
#
# Environment: MIRROR (default http://deb.debian.org/debian),
#              CONTAINERS_CONF (default: tools/lab/containers.conf).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"

image="localhost/multinic-lab:bookworm"
force=0
while [ $# -gt 0 ]; do
    case "$1" in
        --force|-f) force=1 ;;
        --image) image="$2"; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

mirror="${MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
# python3-pyroute2 stays at bookworm's 0.7.2: the "old pyroute2" users have.
# netplan.io lets role tests run `netplan generate` (it pulls systemd in).
packages="python3,python3-pyroute2,iproute2,iputils-ping,nftables,netplan.io,procps,tcpdump"

if [ "$(id -u)" -ne 0 ]; then
    echo "build-image.sh: must run as root (debootstrap)" >&2
    exit 1
fi
for tool in debootstrap podman tar; do
    command -v "$tool" >/dev/null || { echo "build-image.sh: $tool not found" >&2; exit 1; }
done

if [ "$force" -eq 0 ] && podman image exists "$image"; then
    echo "image $image already exists (use --force to rebuild)"
    exit 0
fi

start=$(date +%s)
rootfs="$(mktemp -d /var/tmp/multinic-lab-rootfs.XXXXXX)"
cleanup() { rm -rf --one-file-system "$rootfs"; }
trap cleanup EXIT

echo "debootstrap $suite into $rootfs (packages: $packages)"
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror"

# Slim the tree: no package caches or lists in the image.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
       "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/*
# The image is never a host: podman manages these at run time.
: > "$rootfs/etc/hostname"
rm -f "$rootfs/etc/resolv.conf"
# `ip netns` keeps its mount points here.
mkdir -p "$rootfs/run/netns" "$rootfs/etc/netplan" "$rootfs/etc/iproute2/rt_tables.d"

if [ "$force" -eq 1 ] && podman image exists "$image"; then
    # Containers still using the old image keep it alive under its ID.
    podman rmi "$image" >/dev/null 2>&1 || podman untag "$image" || true
fi
tar --numeric-owner -C "$rootfs" -c . | podman import \
    --change 'CMD ["sleep", "infinity"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --message "multinic.routing lab base (debootstrap $suite minbase)" \
    - "$image" >/dev/null

end=$(date +%s)
echo "built $image in $((end - start)) s"
podman image ls "$image"
