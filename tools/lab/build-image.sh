#!/usr/bin/env bash
# Build the lab image localhost/multinic-lab:bookworm from Debian packages
# with debootstrap (no container registry is needed or reachable). One image
# serves every flavour of tools/lab/vpclab.py: a shell loop as PID 1 (static,
# and the router) or systemd as PID 1 (netplan, networkd, ifupdown, nm).
#
#   tools/lab/build-image.sh [--force] [--image NAME:TAG] [--recipe-hash]
#
# The recipe (image-packages.txt + this script) is hashed into the image label
# multinic.lab.recipe: an image of the same recipe is reused, another rebuilt.
# --recipe-hash prints the hash and exits.
#
# Environment: MIRROR (default: the first URI of this machine's apt sources
#              that serves Debian bookworm main), CONTAINERS_CONF (default:
#              tools/lab/containers.conf).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
package_file="$here/image-packages.txt"
suite=bookworm
recipe_label=multinic.lab.recipe

image="localhost/multinic-lab:bookworm"
force=0
while [ $# -gt 0 ]; do
    case "$1" in
        --force|-f) force=1 ;;
        --image) image="$2"; shift ;;
        --recipe-hash) cat "$package_file" "$here/build-image.sh" | sha256sum | cut -c1-16; exit 0 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

# vpclab.py computes the same hash (recipe_hash()).
recipe="$(cat "$package_file" "$here/build-image.sh" | sha256sum | cut -c1-16)"
packages="$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$package_file" | grep -v '^$' | paste -sd,)"

# The first URI of this machine's apt sources serving Debian $suite main:
# one-line sources.list entries and deb822 *.sources stanzas.
apt_mirror() {
    python3 - "$suite" <<'PY'
import glob, re, sys
suite = sys.argv[1]
def ok(types, uris, suites, comps):
    return "deb" in types and suite in suites and "main" in comps
found = []
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        line = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
        if len(line) >= 4 and ok([line[0]], [line[1]], [line[2]], line[3:]):
            found.append(line[1])
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    try:
        text = open(path).read()
    except OSError:
        continue
    lines = [l for l in text.splitlines() if not l.lstrip().startswith("#")]
    for stanza in re.split(r"\n\s*\n", "\n".join(lines)):
        fields = {}
        for m in re.finditer(r"^(\S+):[ \t]*(.*(?:\n[ \t]+.*)*)", stanza, re.M):
            fields[m.group(1).lower()] = m.group(2).split()
        if fields.get("enabled", ["yes"])[0].lower() == "no":
            continue
        if ok(fields.get("types", []), fields.get("uris", []),
              fields.get("suites", []), fields.get("components", [])):
            found += fields["uris"][:1]
for uri in found:
    if re.match(r"^(https?|file):/", uri):
        print(uri.rstrip("/"))
        break
PY
}

if [ "$(id -u)" -ne 0 ]; then
    echo "build-image.sh: must run as root (debootstrap)" >&2
    exit 1
fi
for tool in debootstrap podman tar python3 sha256sum; do
    command -v "$tool" >/dev/null || { echo "build-image.sh: $tool not found" >&2; exit 1; }
done

if [ "$force" -eq 0 ] && podman image exists "$image"; then
    have="$(podman image inspect --format "{{ index .Labels \"$recipe_label\" }}" "$image" 2>/dev/null || true)"
    if [ "$have" = "$recipe" ]; then
        echo "image $image is up to date (recipe $recipe; --force rebuilds)"
        exit 0
    fi
    echo "image $image has recipe '${have:-none}', want $recipe: rebuilding"
fi

mirror="${MIRROR:-$(apt_mirror)}"
if [ -z "$mirror" ]; then
    echo "build-image.sh: no apt source serves Debian $suite main here; set MIRROR" >&2
    exit 1
fi

start=$(date +%s)
rootfs="$(mktemp -d /var/tmp/multinic-lab-rootfs.XXXXXX)"
cleanup() { rm -rf --one-file-system "$rootfs"; }
trap cleanup EXIT

echo "debootstrap $suite from $mirror into $rootfs (packages: $packages)"
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror"

# Boot as a container host: no network manager runs until a flavour enables
# one (vpclab.py writes the flavour's files and *.wants/ links before the first
# boot), no consoles, nothing that needs a real machine.
for unit in systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service \
        NetworkManager.service NetworkManager-wait-online.service NetworkManager-dispatcher.service \
        networking.service ifupdown-wait-online.service; do
    if [ -e "$rootfs/lib/systemd/system/$unit" ]; then
        systemctl --root="$rootfs" disable --quiet "$unit"
    fi
done
systemctl --root="$rootfs" mask --quiet \
    getty.target getty@.service serial-getty@.service console-getty.service getty-static.service \
    systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
    systemd-udev-trigger.service systemd-udev-settle.service \
    systemd-firstboot.service systemd-remount-fs.service systemd-journald-audit.socket \
    sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    dev-hugepages.mount proc-sys-fs-binfmt_misc.automount systemd-binfmt.service \
    wpa_supplicant.service ModemManager.service
# Each container gets its own machine ID at first boot (from podman's container_uuid).
: > "$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id"

# Slim the tree: no package caches or lists in the image.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
       "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/*
# The image is never a host: podman manages these at run time.
: > "$rootfs/etc/hostname"
rm -f "$rootfs/etc/resolv.conf"
# `ip netns` keeps its mount points here.
mkdir -p "$rootfs/run/netns" "$rootfs/etc/netplan" "$rootfs/etc/iproute2/rt_tables.d"

if podman image exists "$image"; then
    # Containers still using the old image keep it alive under its ID.
    podman rmi "$image" >/dev/null 2>&1 || podman untag "$image" || true
fi
tar --numeric-owner -C "$rootfs" -c . | podman import \
    --change 'CMD ["sleep", "infinity"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL $recipe_label=$recipe" \
    --message "multinic.routing lab image (debootstrap $suite minbase, recipe $recipe)" \
    - "$image" >/dev/null

end=$(date +%s)
echo "built $image (recipe $recipe) in $((end - start)) s"
podman image ls "$image"
