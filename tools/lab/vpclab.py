#!/usr/bin/env python
"""Simulated multi-zone IBM-Cloud-style VPC lab in podman containers.

Per zone: an internal podman network for the control subnet and one for the
data subnet, a worker container with ``ens3`` (control) and ``ens4`` (data)
and, like a DHCP-configured cloud VM, a default route via the control gateway
only.  One router container owns every subnet's gateway (.1), forwards between
the subnets and drops (with counters) every forwarded packet whose source is
not from the subnet of the interface it arrived on (the VPC anti-spoofing).

Flavours (--flavour): ``static`` workers run a shell loop as PID 1 with
podman's static addresses; ``netplan``, ``networkd``, ``ifupdown`` and ``nm``
workers are real hosts (systemd as PID 1) whose network manager gets both
NICs' addresses by DHCP from dnsmasq on the router (reserved per MAC).

    vpclab.py [--prefix mnlab] [--zones 3] [--flavour static] up [--recreate]
    vpclab.py down
    vpclab.py status [--json]
    vpclab.py counters [--json]
    vpclab.py inventory [--json] [--connection podman|ssh]
    vpclab.py reboot [--worker NAME]... [--json]
    vpclab.py leases [--json]

Every worker runs sshd with the lab's key (``ssh_key()``) in root's
authorized_keys: ``inventory --connection ssh`` reaches the workers over their
control address from the host's end of the control network (.254), a
management path that the workers' routing can break, as on a real fleet.

Python 3 standard library only (and ssh-keygen); runs as root.  Every podman call gets
CONTAINERS_CONF=<this directory>/containers.conf unless it is already set.
The module can be imported (``topology()`` has no side effects) by tests.
"""

import argparse
import calendar
import concurrent.futures
import hashlib
import io
import ipaddress
import json
import os
import re
import shlex
import subprocess
import sys
import tarfile
import time
import uuid

HERE = os.path.dirname(os.path.realpath(__file__))
DEFAULT_IMAGE = "localhost/multinic-lab:bookworm"
DEFAULT_PREFIX = "mnlab"
DEFAULT_ZONES = 3
DEFAULT_BASE = "10.240"
FLAVOURS = ("static", "netplan", "networkd", "ifupdown", "nm")
DEFAULT_FLAVOUR = "static"
DEFAULT_LEASE = 120   # seconds; dnsmasq's minimum is 2 minutes
MIN_LEASE = 120
LABEL = "multinic.lab"
RECIPE_LABEL = LABEL + ".recipe"
CONTROL_IF = "ens3"
DATA_IF = "ens4"
WORKER_HOST = 4       # workers get .4, like the first address IBM Cloud hands out
GATEWAY_HOST = 1      # the VPC gateway: first host address, owned by the router
HOST_BRIDGE_HOST = 254  # podman's bridge on the host gets this one, never .1
RP_FILTER = 2         # Ubuntu's default (/etc/sysctl.d/10-network-security.conf)
BOOT_TIMEOUT = 120    # seconds a worker may take to be ready after a (re)start
STATIC_TIMEOUT = 15
FOREVER = 4294967295  # valid_lft of a static address

# Router: where dnsmasq keeps its leases and log (read by `leases`).
DHCP_LEASES = "/var/lib/vpclab/dnsmasq.leases"
DHCP_LOG = "/var/log/vpclab-dhcp.log"

# The lab's SSH key pair (made by `up` when missing); VPCLAB_STATE moves it.
STATE_DIR = os.environ.get("VPCLAB_STATE", "/var/tmp/vpclab")
SSHD_STATIC = "mkdir -p /run/sshd && /usr/sbin/sshd || exit 1; "

# Container PID 1: exit at once on SIGTERM (plain `sleep` as PID 1 ignores it).
IDLE = 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'


# Third octet of each zone's data subnet: 64, 128, 192 (the documented three
# zones), then the odd multiples of 32, then of 16 -- never one of the control
# subnets' (0..14).
DATA_OCTETS = ([64, 128, 192] + [32 * (2 * k - 1) for k in range(1, 5)]
               + [16 * (2 * k - 1) for k in range(1, 9)])
MAX_ZONES = len(DATA_OCTETS)  # 15


def data_octet(zone):
    return DATA_OCTETS[zone - 1]


def nic_mac(base, zone, nic):
    """Deterministic, locally administered MAC of a worker NIC: 02:00, the
    base's two octets, the zone, the NIC number (3 for ens3, 4 for ens4)."""
    o1, o2 = (int(o) for o in base.split("."))
    return "02:00:%02x:%02x:%02x:%02x" % (o1, o2, zone, int(nic[-1]))


def topology(prefix=DEFAULT_PREFIX, zones=DEFAULT_ZONES, base=DEFAULT_BASE,
             image=DEFAULT_IMAGE, flavour=DEFAULT_FLAVOUR, lease=DEFAULT_LEASE):
    """Return the lab's names, subnets and addresses as a plain dict."""
    if not re.match(r"^[a-z][a-z0-9-]{0,19}$", prefix):
        raise ValueError("--prefix %r: use 1-20 of a-z, 0-9, '-', starting "
                         "with a letter" % prefix)
    if not 2 <= zones <= MAX_ZONES:
        raise ValueError("--zones %r: must be 2..%d" % (zones, MAX_ZONES))
    if not re.match(r"^\d{1,3}\.\d{1,3}$", base) or \
            any(int(o) > 255 for o in base.split(".")):
        raise ValueError("--base %r: give the first two octets, e.g. 10.240"
                         % base)
    if flavour not in FLAVOURS:
        raise ValueError("--flavour %r: one of %s" % (flavour, ", ".join(FLAVOURS)))
    if lease < MIN_LEASE:
        raise ValueError("--lease %r: dnsmasq's minimum is %d s" % (lease, MIN_LEASE))
    router = "%s-router" % prefix
    zlist = []
    router_ifs = {}
    for z in range(1, zones + 1):
        entry = {"zone": z}
        for kind, octet, rif in (("control", z - 1, "ctl%d" % z),
                                 ("data", data_octet(z), "data%d" % z)):
            net = ipaddress.ip_network("%s.%d.0/24" % (base, octet))
            entry[kind] = {
                "network": "%s-%s%d" % (prefix, "ctl" if kind == "control"
                                        else "data", z),
                "subnet": str(net),
                "gateway": str(net[GATEWAY_HOST]),
                "host_bridge_address": str(net[HOST_BRIDGE_HOST]),
                "router_interface": rif,
            }
            router_ifs[rif] = {"network": entry[kind]["network"],
                               "address": str(net[GATEWAY_HOST]),
                               "subnet": str(net)}
        entry["worker"] = {
            "name": "%s-worker%d" % (prefix, z),
            "inventory_name": "worker%d" % z,
            "control_interface": CONTROL_IF,
            "data_interface": DATA_IF,
            "control_address": str(ipaddress.ip_network(
                entry["control"]["subnet"])[WORKER_HOST]),
            "data_address": str(ipaddress.ip_network(
                entry["data"]["subnet"])[WORKER_HOST]),
            "control_mac": nic_mac(base, z, CONTROL_IF),
            "data_mac": nic_mac(base, z, DATA_IF),
        }
        zlist.append(entry)
    topo = {
        "prefix": prefix,
        "base": base,
        "image": image,
        "flavour": flavour,
        "dhcp": flavour != "static",
        "dhcp_lease": lease if flavour != "static" else None,
        "containers_conf": os.environ.get(
            "CONTAINERS_CONF", os.path.join(HERE, "containers.conf")),
        "router": {"name": router, "interfaces": router_ifs,
                   "nft_table": "inet vpclab"},
        "zones": zlist,
        "workers": [e["worker"]["name"] for e in zlist],
        "data_plane_subnets": [e["data"]["subnet"] for e in zlist],
        "control_subnets": [e["control"]["subnet"] for e in zlist],
    }
    # "sshd": labs made before workers ran sshd are not reused.
    spec = json.dumps(dict({k: topo[k] for k in ("prefix", "base", "image", "flavour",
                                                 "dhcp_lease", "zones", "router")}, sshd=1),
                      sort_keys=True)
    topo["spec"] = hashlib.sha256(spec.encode()).hexdigest()[:16]
    return topo


def nft_ruleset(topo):
    """Router anti-spoofing: one named drop counter per router interface."""
    lines = ["flush ruleset", "table inet vpclab {"]
    ifs = topo["router"]["interfaces"]
    for rif in ifs:
        lines.append("  counter spoof_%s { }" % rif)
    lines += ["  chain forward {",
              "    type filter hook forward priority filter; policy accept;"]
    for rif, info in ifs.items():
        lines.append('    iifname "%s" ip saddr != %s counter name "spoof_%s" '
                     'drop' % (rif, info["subnet"], rif))
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def dnsmasq_argv(topo):
    """The router's DHCP server: per subnet a static-only range (reservations
    only, like a VPC's reserved IPs), the router option on control subnets
    only, one reservation per worker NIC."""
    argv = ["dnsmasq", "--conf-file=/dev/null", "--port=0", "--user=root",
            "--dhcp-authoritative", "--log-dhcp",
            "--log-facility=" + DHCP_LOG, "--dhcp-leasefile=" + DHCP_LEASES,
            "--pid-file=/run/vpclab-dnsmasq.pid"]
    for rif, info in topo["router"]["interfaces"].items():
        net = ipaddress.ip_network(info["subnet"])
        argv.append("--dhcp-range=interface:%s,%s,static,%s,%d" % (
            rif, net.network_address, net.netmask, topo["dhcp_lease"]))
        if rif.startswith("data"):
            argv.append("--dhcp-option=interface:%s,3" % rif)
    for z in topo["zones"]:
        w = z["worker"]
        argv += ["--dhcp-host=%s,%s" % (w["control_mac"], w["control_address"]),
                 "--dhcp-host=%s,%s" % (w["data_mac"], w["data_address"])]
    return argv


# --------------------------------------------------------------------------
# the flavours' files, written into a worker before its first boot

UNITS = "/lib/systemd/system/"
ETC_UNITS = "/etc/systemd/system/"

CLOUD_NICS_SCRIPT = """#!/bin/sh
# vpclab: a cloud VM's NICs come up unconfigured.  podman configured ens3 and
# ens4 before init started; drop those addresses so that the network manager's
# DHCP client configures them, as on a cloud VM.  A NIC that is not in this
# namespace (moved into a named one) is left alone.
for nic in %s %s; do
    if ip link show dev "$nic" >/dev/null 2>&1; then
        ip -4 addr flush dev "$nic" || exit 1
    fi
done
""" % (CONTROL_IF, DATA_IF)

CLOUD_NICS_UNIT = """[Unit]
Description=vpclab: cloud NICs come up unconfigured (flush podman's addresses)
DefaultDependencies=no
Wants=network-pre.target
Before=network-pre.target systemd-networkd.service NetworkManager.service networking.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/vpclab-cloud-nics

[Install]
WantedBy=sysinit.target
"""

NETPLAN_YAML = """# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.  To disable cloud-init's
# network configuration capabilities, write a file
# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
# network: {config: disabled}
network:
    ethernets:
        %(cif)s:
            dhcp4: true
            match:
                macaddress: %(cmac)s
            set-name: %(cif)s
        %(dif)s:
            dhcp4: true
            match:
                macaddress: %(dmac)s
            set-name: %(dif)s
    version: 2
"""

# netplan (0.106) renders `match: macaddress` as PermanentMACAddress=, which a
# veth does not have: this drop-in matches the current MAC instead, as the
# permanent one of a VM's NIC would.
NETPLAN_VETH_DROPIN = """# vpclab: veths have no permanent MAC; match the current one.
[Match]
PermanentMACAddress=
MACAddress=%s
"""

NETWORKD_NIC = """# vpclab networkd flavour: the %(role)s NIC.
[Match]
MACAddress=%(mac)s
Name=%(nic)s

[Network]
DHCP=ipv4

[DHCPv4]
RouteMetric=%(metric)d
"""

NETWORKD_DECOY = """# A catch-all as images ship it (cf. amazon-ec2-net-utils issue 146).
# systemd-networkd applies the FIRST file in lexical order that matches a link,
# so 10-%s.network and 10-%s.network shadow this one: editing it changes
# nothing for those NICs.  `networkctl status NIC` names the file in use.
[Match]
Name=en*

[Network]
DHCP=ipv4

[DHCPv4]
RouteMetric=1024
""" % (CONTROL_IF, DATA_IF)

IFUPDOWN_INTERFACES = """# vpclab ifupdown flavour (dhclient on both NICs)
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto %s
iface %s inet dhcp

auto %s
iface %s inet dhcp
""" % (CONTROL_IF, CONTROL_IF, DATA_IF, DATA_IF)

NM_KEYFILE = """[connection]
id=cloud-init %(nic)s
uuid=%(uuid)s
type=ethernet
interface-name=%(nic)s

[ethernet]
mac-address=%(mac)s

[ipv4]
method=auto
%(extra)s
[ipv6]
method=disabled
"""

# podman owns /etc/resolv.conf (a bind mount): NetworkManager leaves it alone.
NM_CONF = "[main]\ndns=none\n"


def ssh_key(topo):
    """Path of the lab's private SSH key (the public one: + '.pub')."""
    return os.path.join(STATE_DIR, topo["prefix"], "id_ed25519")


def ensure_ssh_key(topo):
    """The lab's key pair, made once per prefix; returns the public key."""
    key = ssh_key(topo)
    if not os.path.exists(key + ".pub"):
        os.makedirs(os.path.dirname(key), mode=0o700, exist_ok=True)
        for stale in (key, key + ".pub"):
            if os.path.exists(stale):
                os.unlink(stale)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
             "vpclab-%s" % topo["prefix"], "-f", key])
    with open(key + ".pub") as f:
        return f.read().strip()


def flavour_files(topo, zone, pubkey=None):
    """(files, links) to add to a worker of a systemd flavour before its first
    boot: files as (path, mode, text), links as (path, target)."""
    w = zone["worker"]
    files = [("/usr/local/sbin/vpclab-cloud-nics", 0o755, CLOUD_NICS_SCRIPT),
             (ETC_UNITS + "vpclab-cloud-nics.service", 0o644, CLOUD_NICS_UNIT)]
    if pubkey:
        files.append(("/root/.ssh/authorized_keys", 0o600, pubkey + "\n"))
    links = [(ETC_UNITS + "sysinit.target.wants/vpclab-cloud-nics.service",
              ETC_UNITS + "vpclab-cloud-nics.service")]
    networkd = [(ETC_UNITS + "multi-user.target.wants/systemd-networkd.service",
                 UNITS + "systemd-networkd.service"),
                (ETC_UNITS + "sockets.target.wants/systemd-networkd.socket",
                 UNITS + "systemd-networkd.socket")]
    flavour = topo["flavour"]
    if flavour == "netplan":
        files.append(("/etc/netplan/50-cloud-init.yaml", 0o600, NETPLAN_YAML % {
            "cif": CONTROL_IF, "cmac": w["control_mac"],
            "dif": DATA_IF, "dmac": w["data_mac"]}))
        for nic, mac in ((CONTROL_IF, w["control_mac"]), (DATA_IF, w["data_mac"])):
            files.append(("/etc/systemd/network/10-netplan-%s.network.d/50-vpclab-veth.conf"
                          % nic, 0o644, NETPLAN_VETH_DROPIN % mac))
        links += networkd
    elif flavour == "networkd":
        for nic, mac, role in ((CONTROL_IF, w["control_mac"], "control"),
                               (DATA_IF, w["data_mac"], "data")):
            files.append(("/etc/systemd/network/10-%s.network" % nic, 0o644,
                          NETWORKD_NIC % {"role": role, "mac": mac, "nic": nic,
                                          "metric": 100}))
        files.append(("/etc/systemd/network/80-dhcp-fallback.network", 0o644,
                      NETWORKD_DECOY))
        links += networkd
    elif flavour == "ifupdown":
        files.append(("/etc/network/interfaces", 0o644, IFUPDOWN_INTERFACES))
        links += [(ETC_UNITS + t + ".wants/networking.service",
                   UNITS + "networking.service")
                  for t in ("multi-user.target", "network-online.target")]
    elif flavour == "nm":
        for nic, mac, extra in ((CONTROL_IF, w["control_mac"], ""),
                                (DATA_IF, w["data_mac"], "never-default=true\n")):
            files.append((
                "/etc/NetworkManager/system-connections/cloud-init-%s.nmconnection"
                % nic, 0o600, NM_KEYFILE % {
                    "nic": nic, "mac": mac, "extra": extra,
                    "uuid": uuid.uuid5(uuid.NAMESPACE_URL, "vpclab:%s:%s" % (w["name"], nic))}))
        files.append(("/etc/NetworkManager/conf.d/90-vpclab.conf", 0o644, NM_CONF))
        links += [(ETC_UNITS + "multi-user.target.wants/NetworkManager.service",
                   UNITS + "NetworkManager.service"),
                  (ETC_UNITS + "dbus-org.freedesktop.NetworkManager.service",
                   UNITS + "NetworkManager.service"),
                  (ETC_UNITS + "dbus-org.freedesktop.nm-dispatcher.service",
                   UNITS + "NetworkManager-dispatcher.service")]
    return files, links


def tar_stream(files, links):
    """A tar archive (bytes) of the files and symlinks, owned by root, with
    their parent directories (0755)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        dirs = sorted({os.path.dirname(entry[0]) for entry in files + links})
        for d in dirs:
            info = tarfile.TarInfo(d.lstrip("/"))
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, time.time()
            tar.addfile(info)
        for path, mode, text in files:
            data = text.encode()
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode, info.mtime = len(data), mode, time.time()
            tar.addfile(info, io.BytesIO(data))
        for path, target in links:
            info = tarfile.TarInfo(path.lstrip("/"))
            info.type, info.linkname, info.mode, info.mtime = tarfile.SYMTYPE, target, 0o777, time.time()
            tar.addfile(info)
    return buf.getvalue()


# --------------------------------------------------------------------------
# helpers

def log(msg):
    print(msg, flush=True)


def run(cmd, check=True, capture=True, input_text=None):
    """Run a command; return CompletedProcess.  Raise LabError on failure."""
    res = subprocess.run(cmd, input=input_text, text=True, check=False,
                         stdout=subprocess.PIPE if capture else None,
                         stderr=subprocess.PIPE if capture else None)
    if check and res.returncode != 0:
        raise LabError("command failed (rc=%d): %s\n%s" % (
            res.returncode, " ".join(shlex.quote(c) for c in cmd),
            _clean_stderr(res.stderr or "")))
    return res


def _clean_stderr(text):
    # podman in this sandbox always complains about syslog; hide that noise.
    return "\n".join(line for line in text.splitlines()
                     if "failed to connect to syslog" not in line)


def podman(*args, check=True):
    return run(["podman"] + list(args), check=check)


def pexec(container, script, check=False):
    return podman("exec", container, "sh", "-c", script, check=check)


def podman_cp_tar(container, data):
    """Unpack a tar archive (bytes) into the container's / (also before its
    first start)."""
    res = subprocess.run(["podman", "cp", "-", container + ":/"], input=data,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if res.returncode != 0:
        raise LabError("podman cp into %s failed: %s" % (
            container, _clean_stderr(res.stderr.decode(errors="replace")).strip()))


class LabError(Exception):
    pass


def host_ip_json(*args):
    return json.loads(run(["ip", "-j"] + list(args)).stdout or "[]")


def recipe_hash():
    """The image recipe's hash, as build-image.sh computes it."""
    data = b""
    for name in ("image-packages.txt", "build-image.sh"):
        with open(os.path.join(HERE, name), "rb") as f:
            data += f.read()
    return hashlib.sha256(data).hexdigest()[:16]


# --------------------------------------------------------------------------
# inspection

def lab_containers(topo):
    out = podman("ps", "-a", "--filter", "label=%s=%s" % (LABEL, topo["prefix"]),
                 "--format", "{{.Names}}").stdout.split()
    names = set(out)
    # Also the expected names, in case they were made without labels.
    expected = [topo["router"]["name"]] + topo["workers"]
    for name in expected:
        if podman("container", "exists", name, check=False).returncode == 0:
            names.add(name)
    return sorted(names)


def lab_flavour(prefix):
    """The flavour label of an existing lab's containers, or None."""
    out = podman("ps", "-a", "--filter", "label=%s=%s" % (LABEL, prefix),
                 "--format", '{{index .Labels "%s.flavour"}}' % LABEL,
                 check=False).stdout.split()
    found = [f for f in out if f in FLAVOURS]
    # Labs made before flavours existed carry no label: they are static.
    return found[0] if found else (DEFAULT_FLAVOUR if out else None)


def lab_networks(topo):
    out = podman("network", "ls", "--filter",
                 "label=%s=%s" % (LABEL, topo["prefix"]),
                 "--format", "{{.Name}}").stdout.split()
    names = set(out)
    for z in topo["zones"]:
        for kind in ("control", "data"):
            n = z[kind]["network"]
            if podman("network", "exists", n, check=False).returncode == 0:
                names.add(n)
    return sorted(names)


def lab_is_healthy(topo):
    """True when every network and container exists, matches this topology
    (spec label) and the containers are running."""
    expected_c = [topo["router"]["name"]] + topo["workers"]
    if lab_containers(topo) != sorted(expected_c):
        return False
    expected_n = sorted(z[k]["network"] for z in topo["zones"]
                        for k in ("control", "data"))
    if lab_networks(topo) != expected_n:
        return False
    info = json.loads(podman("inspect", *expected_c).stdout)
    for c in info:
        labels = c.get("Config", {}).get("Labels") or {}
        if labels.get(LABEL + ".spec") != topo["spec"]:
            return False
        if not c.get("State", {}).get("Running"):
            return False
    for n in json.loads(podman("network", "inspect", *expected_n).stdout):
        if (n.get("labels") or {}).get(LABEL + ".spec") != topo["spec"]:
            return False
    return True


def stale_bridges(topo):
    """Host bridges still holding a lab subnet although no podman network
    owns them (left behind when a container's NIC had been moved into a
    namespace inside the container: netavark's teardown cannot find it)."""
    owned = set()
    names = podman("network", "ls", "--format", "{{.Name}}").stdout.split()
    for n in json.loads(podman("network", "inspect", *names).stdout or "[]"):
        if n.get("network_interface"):
            owned.add(n["network_interface"])
    subnets = {ipaddress.ip_network(s) for s in
               topo["data_plane_subnets"] + topo["control_subnets"]}
    stale = set()
    for link in host_ip_json("-d", "addr", "show"):
        name = link["ifname"]
        if name in owned:
            continue
        kind = (link.get("linkinfo") or {}).get("info_kind")
        if kind != "bridge":
            continue
        for a in link.get("addr_info", []):
            if a.get("family") != "inet":
                continue
            iface = ipaddress.ip_interface("%s/%s" % (a["local"], a["prefixlen"]))
            if iface.network in subnets:
                stale.add(name)
    return sorted(stale)


def remove_stale_bridges(topo):
    for br in stale_bridges(topo):
        log("  removing stale host bridge %s (left by a namespaced NIC)" % br)
        run(["ip", "link", "del", "dev", br], check=False)


# One podman exec per look at a worker: systemd's state, then the addresses
# and the main table of the container's own namespace, then the addresses in
# every named namespace.
SNAPSHOT = r"""
systemctl is-system-running 2>/dev/null; echo @@
ip -j addr show; echo @@
ip -j -4 route show table main; echo @@
for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
  printf '%s ' "$ns"; ip -n "$ns" -j addr show | tr -d '\n'; echo
done
"""


def worker_snapshot(name):
    """{'state', 'addrs': {ifname: [IPv4 addr_info]}, 'routes', 'netns': {ns:
    {ifname: [IPv4 addr_info]}}} of a worker (every link, also one without
    an address), or None when exec fails."""
    res = pexec(name, SNAPSHOT)
    parts = (res.stdout or "").split("@@\n")
    if len(parts) != 4:
        return None

    def by_if(text):
        return {link["ifname"]: [a for a in link.get("addr_info", []) if a.get("family") == "inet"]
                for link in json.loads(text or "[]")}
    netns = {}
    for line in parts[3].splitlines():
        ns, _sep, text = line.partition(" ")
        netns[ns] = by_if(text)
    return {"state": parts[0].strip(), "addrs": by_if(parts[1]),
            "routes": json.loads(parts[2] or "[]"), "netns": netns}


def holds(addr_infos, address, dhcp):
    """The address is there (and, for DHCP, dynamic with a finite lifetime)."""
    return any(a.get("local") == address and
               (not dhcp or a.get("valid_life_time", FOREVER) < FOREVER)
               for a in addr_infos)


def route_problems(zone, routes):
    """What differs in a worker's main table from what DHCP gives a cloud VM:
    one default route, via the control gateway on ens3; the link routes of
    both subnets.  A DHCP client's host route to its gateway is fine; proto
    and metric do not matter."""
    ctl, data, name = zone["control"], zone["data"], zone["worker"]["name"]
    problems = []
    defaults = [(r.get("gateway"), r.get("dev")) for r in routes
                if r["dst"] == "default"]
    if defaults != [(ctl["gateway"], CONTROL_IF)]:
        problems.append("%s: default routes %s, expected one via %s dev %s"
                        % (name, defaults, ctl["gateway"], CONTROL_IF))
    allowed = {("default", ctl["gateway"], CONTROL_IF),
               (ctl["subnet"], None, CONTROL_IF), (data["subnet"], None, DATA_IF),
               (ctl["gateway"], None, CONTROL_IF), (data["gateway"], None, DATA_IF)}
    got = {(r["dst"], r.get("gateway"), r.get("dev")) for r in routes}
    for subnet, dev in ((ctl["subnet"], CONTROL_IF), (data["subnet"], DATA_IF)):
        if (subnet, None, dev) not in got:
            problems.append("%s: no link route %s dev %s" % (name, subnet, dev))
    extra = got - allowed
    if extra:
        problems.append("%s: routes beyond the DHCP baseline (--recreate resets "
                        "them): %s" % (name, sorted(extra, key=str)))
    return problems


INOTIFY_INSTANCES = "/proc/sys/fs/inotify/max_user_instances"
# inotify instances a systemd worker holds (systemd, journald, the network manager, ...): 9-10
INOTIFY_PER_WORKER = 10


def inotify_hint():
    """Why systemd units (path units first) fail when many labs run: every worker's systemd
    takes inotify instances from root's limit, one limit for the whole machine."""
    try:
        with open(INOTIFY_INSTANCES) as f:
            limit = int(f.read())
    except (OSError, ValueError):
        return ""
    return ("\n(fs.inotify.max_user_instances is %d, shared by every container's root; each systemd "
            "worker holds about %d: with several labs up, raise it, e.g. sysctl -w "
            "fs.inotify.max_user_instances=1024 - hack/test does)" % (limit, INOTIFY_PER_WORKER))


def readiness(topo, zone, snap, baseline):
    """None when the worker is ready, else why not.  Raises LabError when
    systemd says 'degraded'.

    Ready: systemd 'running' (systemd flavours), ens3 holds its address (from
    DHCP in DHCP flavours), ens4 holds the data address wherever it is (the
    host or a named namespace); with baseline also ens4 is the host's, its
    address from DHCP, and the main table is the DHCP baseline."""
    w = zone["worker"]
    if snap is None:
        return "podman exec failed"
    if topo["flavour"] != "static":
        if snap["state"] == "degraded":
            failed = pexec(w["name"], "systemctl --failed --plain --no-legend").stdout
            raise LabError("%s: systemd is degraded; failed units:\n%s%s"
                           % (w["name"], failed.rstrip(), inotify_hint()))
        if snap["state"] != "running":
            return "systemd is %r" % snap["state"]
    dhcp = topo["dhcp"]
    if not holds(snap["addrs"].get(CONTROL_IF, []), w["control_address"], dhcp):
        return "%s lacks %s%s" % (CONTROL_IF, w["control_address"],
                                  " from DHCP" if dhcp else "")
    if not baseline:
        where, infos = data_nic(snap)
        if not holds(infos, w["data_address"], False):
            return "%s (%s) lacks %s" % (DATA_IF, where or "not found", w["data_address"])
        return None
    if not holds(snap["addrs"].get(DATA_IF, []), w["data_address"], dhcp):
        return "%s lacks %s%s" % (DATA_IF, w["data_address"],
                                  " from DHCP" if dhcp else "")
    problems = route_problems(zone, snap["routes"])
    return "; ".join(problems) if problems else None


def wait_ready(topo, zone, since, baseline, timeout):
    """Poll a worker until it is ready; return (seconds since `since`, the
    last snapshot)."""
    name = zone["worker"]["name"]
    deadline = since + timeout
    while True:
        snap = worker_snapshot(name)
        why = readiness(topo, zone, snap, baseline)
        if why is None:
            return time.time() - since, snap
        if time.time() > deadline:
            raise LabError("%s not ready after %d s: %s" % (name, timeout, why))
        time.sleep(0.5)


def data_nic(snap):
    """(where ens4 is: 'host', a named namespace or None; its IPv4 addr_info)."""
    if DATA_IF in snap["addrs"]:
        return "host", snap["addrs"][DATA_IF]
    return next(((ns, links[DATA_IF]) for ns, links in snap["netns"].items()
                 if DATA_IF in links), (None, []))


# --------------------------------------------------------------------------
# commands

# Give every link found in a named namespace back to the container's own
# namespace (PID 1's), then delete the namespace.  Moving a veth back keeps it
# alive; deleting the namespace with the veth still inside would destroy it.
RESCUE = r"""
for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
  for l in $(ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    [ "$l" = lo ] || ip -n "$ns" link set dev "$l" netns 1 2>/dev/null
  done
  ip netns del "$ns" 2>/dev/null
done
true
"""


def cmd_down(topo, quiet=False):
    t0 = time.time()
    containers = lab_containers(topo)
    running = []
    if containers:
        for c in json.loads(podman("inspect", *containers).stdout):
            if c.get("State", {}).get("Running"):
                running.append(c["Name"])
    for c in running:
        pexec(c, RESCUE)
    if containers:
        log("removing containers: %s" % " ".join(containers))
        podman("rm", "-f", "-t", "2", *containers, check=False)
    networks = lab_networks(topo)
    if networks:
        log("removing networks: %s" % " ".join(networks))
        podman("network", "rm", "-f", *networks, check=False)
    remove_stale_bridges(topo)
    left = stale_bridges(topo)
    if left:
        raise LabError("host bridges still hold lab subnets: %s" % left)
    if not quiet:
        log("lab %s down in %.1f s" % (topo["prefix"], time.time() - t0))


def ensure_image(topo, build):
    """The image exists and was built from today's recipe; (re)build it
    otherwise (unless build is False)."""
    want = recipe_hash()
    res = podman("image", "inspect", "--format",
                 '{{index .Labels "%s"}}' % RECIPE_LABEL, topo["image"], check=False)
    if res.returncode == 0 and res.stdout.strip() == want:
        return
    why = "missing" if res.returncode != 0 else "built from another recipe"
    if not build:
        raise LabError("image %s %s: run %s/build-image.sh" % (topo["image"], why, HERE))
    log("image %s %s: building it (recipe %s)" % (topo["image"], why, want))
    run([os.path.join(HERE, "build-image.sh"), "--image", topo["image"]], capture=False)


def cmd_up(topo, recreate=False, build=True):
    t0 = time.time()
    ensure_image(topo, build)
    if not recreate and lab_is_healthy(topo):
        for problem in verify(topo, strict=False):
            log("  warning: %s" % problem)
        log("lab %s (%s) already up, reused (--recreate for a fresh one) [%.1f s]"
            % (topo["prefix"], topo["flavour"], time.time() - t0))
        return
    if lab_containers(topo) or lab_networks(topo):
        log("tearing down the existing lab %s first" % topo["prefix"])
        cmd_down(topo, quiet=True)
    remove_stale_bridges(topo)
    try:
        _create(topo)
        verify(topo)
    except (LabError, KeyboardInterrupt):
        log("up failed: removing what was created (lab %s)" % topo["prefix"])
        cmd_down(topo, quiet=True)
        raise
    log("lab %s (%s) up in %.1f s" % (topo["prefix"], topo["flavour"], time.time() - t0))


def _labels(topo):
    return ["--label", "%s=%s" % (LABEL, topo["prefix"]),
            "--label", "%s.spec=%s" % (LABEL, topo["spec"]),
            "--label", "%s.flavour=%s" % (LABEL, topo["flavour"])]


def _create(topo):
    topo = dict(topo, ssh_pubkey=ensure_ssh_key(topo))
    _create_networks(topo)
    _create_router(topo)
    started = {}
    for z in topo["zones"]:
        started[z["worker"]["name"]] = time.time()
        _create_worker(topo, z)
    timeout = BOOT_TIMEOUT if topo["flavour"] != "static" else STATIC_TIMEOUT

    def wait(z):
        return wait_ready(topo, z, started[z["worker"]["name"]], True, timeout)[0]
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(topo["zones"])) as pool:
        took = list(pool.map(wait, topo["zones"]))
    for z, secs in zip(topo["zones"], took):
        log("  %s ready in %.1f s" % (z["worker"]["name"], secs))


def _create_networks(topo):
    for z in topo["zones"]:
        for kind in ("control", "data"):
            n = z[kind]
            log("network %-14s %-16s (host bridge %s, gateway %s on router)"
                % (n["network"], n["subnet"], n["host_bridge_address"],
                   n["gateway"]))
            res = podman("network", "create", "--internal", "--disable-dns",
                         "--subnet", n["subnet"],
                         "--gateway", n["host_bridge_address"],
                         "--label", "%s.zone=%d" % (LABEL, z["zone"]),
                         "--label", "%s.role=%s" % (LABEL, kind),
                         *_labels(topo), n["network"], check=False)
            if res.returncode != 0:
                raise LabError(
                    "podman network create %s failed: %s\n(another lab or "
                    "network already uses %s? try --base or `down`)" % (
                        n["network"], _clean_stderr(res.stderr).strip(),
                        n["subnet"]))


def _create_router(topo):
    r = topo["router"]
    nets = []
    for rif, info in r["interfaces"].items():
        nets += ["--network", "%s:ip=%s,interface_name=%s" % (
            info["network"], info["address"], rif)]
    log("router    %s (%s)%s" % (r["name"], ", ".join(
        "%s=%s" % (k, v["address"]) for k, v in r["interfaces"].items()),
        ", DHCP lease %d s" % topo["dhcp_lease"] if topo["dhcp"] else ""))
    script = 'printf "%s" "$LAB_NFT" | nft -f - || exit 1; '
    if topo["dhcp"]:
        script += "mkdir -p %s && %s || exit 1; " % (
            os.path.dirname(DHCP_LEASES), shlex.join(dnsmasq_argv(topo)))
    podman("run", "-d", "--pull=never", "--name", r["name"],
           "--hostname", r["name"], *_labels(topo),
           "--label", "%s.role=router" % LABEL, "--tz", "UTC",
           "--cap-add", "NET_ADMIN",
           "--sysctl", "net.ipv4.ip_forward=1",
           "--sysctl", "net.ipv4.conf.all.send_redirects=0",
           "--sysctl", "net.ipv4.conf.default.send_redirects=0",
           "--sysctl", "net.ipv4.conf.all.rp_filter=0",
           "--sysctl", "net.ipv4.conf.default.rp_filter=0",
           "-e", "LAB_NFT=" + nft_ruleset(topo),
           *nets, topo["image"], "sh", "-c", script + IDLE)


def _create_worker(topo, z):
    w = z["worker"]
    log("worker    %s (%s=%s %s, %s=%s %s, default via %s dev %s, %s)" % (
        w["name"], CONTROL_IF, w["control_address"], w["control_mac"], DATA_IF,
        w["data_address"], w["data_mac"], z["control"]["gateway"], CONTROL_IF,
        topo["flavour"]))
    args = ["--pull=never", "--name", w["name"], "--hostname", w["name"],
            *_labels(topo), "--label", "%s.role=worker" % LABEL,
            "--label", "%s.zone=%d" % (LABEL, z["zone"]),
            "--cap-add", "NET_ADMIN", "--cap-add", "SYS_ADMIN",
            "--sysctl", "net.ipv4.conf.all.rp_filter=%d" % RP_FILTER,
            "--sysctl", "net.ipv4.conf.default.rp_filter=%d" % RP_FILTER,
            "--network", "%s:interface_name=%s,ip=%s,mac=%s" % (
                z["control"]["network"], CONTROL_IF, w["control_address"],
                w["control_mac"]),
            "--network", "%s:interface_name=%s,ip=%s,mac=%s" % (
                z["data"]["network"], DATA_IF, w["data_address"], w["data_mac"])]
    if topo["flavour"] == "static":
        # What DHCP gives a cloud VM: addresses + link routes (podman) and a
        # default route via the control gateway only (done at every start,
        # so `podman restart` behaves like a reboot).
        dhcp = ("ip route replace default via %s dev %s proto dhcp src %s "
                "metric 100 || exit 1; " % (z["control"]["gateway"],
                                            CONTROL_IF, w["control_address"]))
        # /run a tmpfs, as on a host: a restart leaves no stale /run/netns.
        keys = ('mkdir -p -m 700 /root/.ssh && printf "%s\\n" "$LAB_SSH_KEY" '
                '> /root/.ssh/authorized_keys || exit 1; ')
        podman("run", "-d", "--tmpfs", "/run", "-e", "LAB_SSH_KEY=" + topo.get("ssh_pubkey", ""),
               *args, topo["image"], "sh", "-c", dhcp + keys + SSHD_STATIC + IDLE)
        return
    podman("create", "--systemd=always", *args, topo["image"], "/sbin/init")
    podman_cp_tar(w["name"], tar_stream(*flavour_files(topo, z, topo.get("ssh_pubkey"))))
    podman("start", w["name"])


def verify(topo, strict=True):
    """Check every worker's main table against the DHCP baseline and that .1
    is the router's.

    strict: raise LabError on any difference; otherwise return the list
    (a reused lab may carry routes a role added on purpose)."""
    problems = []
    for z in topo["zones"]:
        snap = worker_snapshot(z["worker"]["name"])
        if snap is None:
            problems.append("%s: podman exec failed" % z["worker"]["name"])
            continue
        problems += route_problems(z, snap["routes"])
    gateways = {z[k]["gateway"] for z in topo["zones"]
                for k in ("control", "data")}
    host_addrs = {a["local"] for link in host_ip_json("addr", "show")
                  for a in link.get("addr_info", [])}
    if gateways & host_addrs:
        problems.append("host holds gateway addresses %s" %
                        sorted(gateways & host_addrs))
    res = pexec(topo["router"]["name"], "ip -j -4 addr show")
    router_addrs = {a["local"] for link in json.loads(res.stdout or "[]")
                    for a in link.get("addr_info", [])}
    if not gateways <= router_addrs:
        problems.append("router lacks %s" % sorted(gateways - router_addrs))
    if problems and strict:
        raise LabError("lab check failed:\n  " + "\n  ".join(problems))
    return problems


def restart(name):
    """`podman restart -t 10`, as a stop and a start: on a loaded machine systemd may take
    longer than the 10 s to stop, and podman's SIGKILL then races the container's own exit
    ("container state improper: stopped", rc 125) although the container did stop. A failed
    stop is an error only when the container is still running."""
    res = podman("stop", "-t", "10", name, check=False)
    if res.returncode != 0:
        state = podman("inspect", "-f", "{{.State.Status}}", name, check=False).stdout.strip()
        if state not in ("exited", "stopped", "configured", "created"):
            raise LabError("podman stop %s failed (rc=%d) and it is %s:\n%s" % (
                name, res.returncode, state or "unknown", _clean_stderr(res.stderr or "")))
    podman("start", name)


def reboot_workers(topo, names=None):
    """`podman restart` the workers in parallel (a reboot) and wait until
    each is ready: systemd running, ens3 holding its address, the data
    address on ens4 wherever it is (no route check).  Return per worker the
    seconds it took, ens3's addresses and where ens4 is."""
    zones = select_workers(topo, names)
    timeout = BOOT_TIMEOUT if topo["flavour"] != "static" else STATIC_TIMEOUT

    def reboot(z):
        name = z["worker"]["name"]
        t0 = time.time()
        restart(name)
        secs, snap = wait_ready(topo, z, t0, False, timeout)
        where, infos = data_nic(snap)
        return {"worker": z["worker"]["inventory_name"], "container": name,
                "seconds": round(secs, 1),
                CONTROL_IF: [a["local"] for a in snap["addrs"].get(CONTROL_IF, [])],
                DATA_IF: {"where": where, "addresses": [
                    {"address": "%s/%s" % (a["local"], a["prefixlen"]),
                     "valid_lft": a.get("valid_life_time")} for a in infos]}}
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(zones)) as pool:
        return list(pool.map(reboot, zones))


def cmd_reboot(topo, names=None, as_json=False):
    results = reboot_workers(topo, names)
    if as_json:
        print(json.dumps({"flavour": topo["flavour"], "workers": results}, indent=2))
        return
    for r in results:
        d = r[DATA_IF]
        log("%s (%s) ready in %.1f s: %s %s, %s in %s %s" % (
            r["worker"], r["container"], r["seconds"], CONTROL_IF,
            ",".join(r[CONTROL_IF]), DATA_IF,
            {"host": "host", None: "no namespace found"}.get(d["where"], "namespace %s" % d["where"]),
            ",".join(a["address"] for a in d["addresses"]) or "(no address)"))


def select_workers(topo, names):
    """Zones of the named workers (inventory or container names); all when
    names is empty."""
    if not names:
        return topo["zones"]
    by_name = {}
    for z in topo["zones"]:
        by_name[z["worker"]["name"]] = by_name[z["worker"]["inventory_name"]] = z
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise LabError("no such worker: %s (the lab has %s)" % (
            ", ".join(unknown), ", ".join(topo["workers"])))
    return list({by_name[n]["zone"]: by_name[n] for n in names}.values())


# A DHCPACK in the router's log (dnsmasq --log-dhcp; the router runs in UTC).
ACK_RE = re.compile(r"^(\w{3} +\d+ [\d:]{8}) dnsmasq-dhcp\[\d+\]: (?:\d+ )?"
                    r"DHCPACK\((\S+)\) (\S+) (\S+)")


def ack_time(stamp, now):
    """Epoch seconds of a syslog-style UTC stamp (no year: the latest one
    that is not in the future)."""
    year = time.gmtime(now).tm_year
    t = calendar.timegm(time.strptime("%d %s" % (year, " ".join(stamp.split())),
                                      "%Y %b %d %H:%M:%S"))
    return t if t <= now + 86400 else calendar.timegm(time.strptime(
        "%d %s" % (year - 1, " ".join(stamp.split())), "%Y %b %d %H:%M:%S"))


def dhcp_record(topo):
    """{'workers': per worker the router's current leases of its NICs and the
    DHCP log lines that name one of its MACs, 'acks': every DHCPACK to a
    worker NIC, oldest first, with its time (epoch seconds)}."""
    if not topo["dhcp"]:
        raise LabError("lab %s is %s: its workers use no DHCP" % (
            topo["prefix"], topo["flavour"]))
    res = pexec(topo["router"]["name"], "cat %s; echo @@; cat %s" % (DHCP_LEASES, DHCP_LOG))
    leases, _sep, logtext = (res.stdout or "").partition("@@\n")
    now = time.time()
    out = []
    acks = []
    for z in topo["zones"]:
        w = z["worker"]
        macs = {w["control_mac"]: CONTROL_IF, w["data_mac"]: DATA_IF}
        entry = {"worker": w["inventory_name"], "container": w["name"], "leases": [],
                 "log": [line for line in logtext.splitlines() if any(m in line for m in macs)]}
        for line in leases.splitlines():
            f = line.split()
            if len(f) >= 3 and f[1] in macs:
                entry["leases"].append({"interface": macs[f[1]], "mac": f[1], "address": f[2],
                                        "expires_in": int(f[0]) - int(now)})
        for line in entry["log"]:
            m = ACK_RE.match(line)
            if m and m.group(4) in macs:
                acks.append({"time": ack_time(m.group(1), now), "worker": w["inventory_name"],
                             "nic": macs[m.group(4)], "router_interface": m.group(2),
                             "address": m.group(3), "mac": m.group(4)})
        out.append(entry)
    return {"flavour": topo["flavour"], "lease": topo["dhcp_lease"], "workers": out,
            "acks": sorted(acks, key=lambda a: a["time"])}


def cmd_leases(topo, as_json=False):
    record = dhcp_record(topo)
    if as_json:
        print(json.dumps(record, indent=2))
        return
    for e in record["workers"]:
        print("%s (%s):" % (e["worker"], e["container"]))
        for lease in e["leases"]:
            print("  lease %s %s %s, expires in %d s" % (
                lease["interface"], lease["address"], lease["mac"], lease["expires_in"]))
        for line in e["log"]:
            print("  | " + line)


def reachability(topo):
    zones = topo["zones"]
    for w in topo["workers"]:
        if podman("container", "exists", w, check=False).returncode != 0:
            raise LabError("worker %s does not exist: is the lab up?" % w)
    ctx = {}
    for z in zones:
        snap = worker_snapshot(z["worker"]["name"]) or {"addrs": {}, "netns": {}}
        where = data_nic(snap)[0]
        ctx[z["worker"]["name"]] = ("ip netns exec %s " % shlex.quote(where)
                                    if where not in ("host", None) else "")
    jobs = []
    for a in zones:
        for b in zones:
            if a is b:
                continue
            wa, wb = a["worker"], b["worker"]
            jobs.append((wa, wb, "control", "ping -c1 -W1 %s" %
                         wb["control_address"]))
            jobs.append((wa, wb, "data", "%sping -c1 -W1 -I %s %s" % (
                ctx[wa["name"]], wa["data_address"], wb["data_address"])))

    def probe(job):
        wa, cmd = job[0], job[3]
        return pexec(wa["name"], cmd + " >/dev/null 2>&1").returncode == 0

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        oks = list(pool.map(probe, jobs))
    rows = {}
    for (wa, wb, kind, _cmd), ok in zip(jobs, oks):
        row = rows.setdefault((wa["name"], wb["name"]), {
            "from": wa["inventory_name"], "to": wb["inventory_name"],
            "from_container": wa["name"], "to_container": wb["name"],
            "control": {"src": wa["control_address"],
                        "dst": wb["control_address"]},
            "data": {"src": wa["data_address"], "dst": wb["data_address"],
                     "netns": ctx[wa["name"]].split()[-1]
                     if ctx[wa["name"]] else None}})
        row[kind]["ok"] = ok
    return list(rows.values())


def counters(topo):
    res = pexec(topo["router"]["name"], "nft -j list counters table inet vpclab")
    if res.returncode != 0:
        raise LabError("cannot read router counters: %s" %
                       _clean_stderr(res.stderr).strip())
    out = {}
    for item in json.loads(res.stdout).get("nftables", []):
        c = item.get("counter")
        if c:
            out[c["name"]] = {"packets": c["packets"], "bytes": c["bytes"]}
    return out


def cmd_status(topo, as_json=False):
    rows = reachability(topo)
    cnt = counters(topo)
    if as_json:
        print(json.dumps({"flavour": topo["flavour"], "pairs": rows,
                          "router_drop_counters": cnt}, indent=2))
        return
    fmt = "%-10s %-10s %-9s %-7s %s"
    print(fmt % ("from", "to", "control", "data", "data probe"))
    for r in rows:
        probe = "%s -> %s" % (r["data"]["src"], r["data"]["dst"])
        if r["data"]["netns"]:
            probe += " (netns %s)" % r["data"]["netns"]
        print(fmt % (r["from"], r["to"],
                     "OK" if r["control"]["ok"] else "FAIL",
                     "OK" if r["data"]["ok"] else "FAIL", probe))
    print("router anti-spoofing drops: " + ", ".join(
        "%s=%d" % (k[len("spoof_"):], v["packets"]) for k, v in cnt.items()))


def cmd_counters(topo, as_json=False):
    cnt = counters(topo)
    if as_json:
        print(json.dumps(cnt, indent=2))
    else:
        for k, v in cnt.items():
            print("%-14s packets=%d bytes=%d" % (k, v["packets"], v["bytes"]))


# SSH to the workers as root with the lab's key: host keys are the image's (the
# same in every worker, remade with each image), so they are not recorded;
# pipelining, as a fleet's ansible.cfg has it; a master connection per worker.
SSH_ARGS = ("-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "
            "-o ControlMaster=auto -o ControlPersist=60s -o ConnectTimeout=10")


def connection_vars(topo, z, connection):
    """Inventory lines that say how Ansible reaches worker z."""
    w = z["worker"]
    if connection == "ssh":
        return ["          ansible_connection: ssh",
                "          ansible_host: %s" % w["control_address"],
                "          ansible_user: root",
                "          ansible_ssh_private_key_file: %s" % ssh_key(topo),
                "          ansible_ssh_common_args: \"%s\"" % SSH_ARGS,
                "          ansible_ssh_pipelining: true"]
    return ["          ansible_connection: containers.podman.podman",
            "          ansible_host: %s" % w["name"]]


def inventory_yaml(topo, connection="podman"):
    lines = ["# Generated by tools/lab/vpclab.py inventory (prefix %s, flavour %s, connection %s)"
             % (topo["prefix"], topo["flavour"], connection),
             "all:", "  children:", "    workers:", "      hosts:"]
    for z in topo["zones"]:
        w = z["worker"]
        lines += [
            "        %s:" % w["inventory_name"]] + connection_vars(topo, z, connection) + [
            "          ansible_python_interpreter: /usr/bin/python3",
            "          zone: %d" % z["zone"],
            "          control_address: %s" % w["control_address"],
            "          data_address: %s" % w["data_address"],
            "          control_subnet: %s" % z["control"]["subnet"],
            "          data_subnet: %s" % z["data"]["subnet"],
            "          control_gateway: %s" % z["control"]["gateway"],
            "          data_gateway: %s" % z["data"]["gateway"],
            "          control_mac: \"%s\"" % w["control_mac"],
            "          data_mac: \"%s\"" % w["data_mac"],
            # where SSH (--connection ssh, or lab_ssh_key) comes from: the host's end of
            # the worker's control network
            "          controller_address: %s" % z["control"]["host_bridge_address"],
        ]
    lines += ["      vars:", "        lab_flavour: %s" % topo["flavour"],
              "        lab_ssh_key: %s" % ssh_key(topo),
              "        lab_ssh_args: \"%s\"" % SSH_ARGS,
              "        data_plane_subnets:"]
    lines += ["          - %s" % s for s in topo["data_plane_subnets"]]
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Simulated multi-zone VPC lab (podman).")
    p.add_argument("--prefix", default=DEFAULT_PREFIX,
                   help="name prefix of networks and containers (default "
                        "%(default)s)")
    p.add_argument("--zones", type=int, default=DEFAULT_ZONES,
                   help="number of zones, 2..%d (default %%(default)s)"
                        % MAX_ZONES)
    p.add_argument("--base", default=DEFAULT_BASE,
                   help="first two octets of every subnet (default "
                        "%(default)s); change it to run a second lab")
    p.add_argument("--flavour", choices=FLAVOURS,
                   help="how workers configure their NICs (up: default %s; other "
                        "commands: the existing lab's)" % DEFAULT_FLAVOUR)
    p.add_argument("--lease", type=int, default=DEFAULT_LEASE,
                   help="DHCP lease time in seconds, >= %d (default %%(default)s)"
                        % MIN_LEASE)
    p.add_argument("--image", default=DEFAULT_IMAGE)
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="create (or reuse) the lab")
    up.add_argument("--recreate", action="store_true",
                    help="tear an existing lab down and build it anew")
    up.add_argument("--no-build", action="store_true",
                    help="fail instead of building a missing or stale image")
    sub.add_parser("down", help="remove containers, networks, stale bridges")
    st = sub.add_parser("status", help="reachability table (podman exec ping)")
    st.add_argument("--json", action="store_true")
    co = sub.add_parser("counters", help="router anti-spoofing drop counters")
    co.add_argument("--json", action="store_true")
    inv = sub.add_parser("inventory", help="Ansible YAML inventory")
    inv.add_argument("--json", action="store_true",
                     help="dump the topology as JSON instead")
    inv.add_argument("--connection", choices=("podman", "ssh"), default="podman",
                     help="podman exec (default), or SSH to each worker's control "
                          "address from the host's end of its control network")
    rb = sub.add_parser("reboot", help="podman restart workers (a reboot), wait "
                        "until they are ready, print the seconds")
    rb.add_argument("--worker", action="append", default=[],
                    help="worker1 or the container name; repeatable (default: all)")
    rb.add_argument("--json", action="store_true")
    le = sub.add_parser("leases", help="the router's DHCP leases and log per worker")
    le.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    is_root = os.geteuid() == 0
    os.environ.setdefault("CONTAINERS_CONF", os.path.join(HERE,
                                                          "containers.conf"))
    flavour = args.flavour
    if flavour is None and args.command != "up" and is_root:
        flavour = lab_flavour(args.prefix)
    try:
        topo = topology(args.prefix, args.zones, args.base, args.image,
                        flavour or DEFAULT_FLAVOUR, args.lease)
    except ValueError as exc:
        p.error(str(exc))
    if args.command == "inventory":
        if args.json:
            print(json.dumps(topo, indent=2))
        else:
            sys.stdout.write(inventory_yaml(topo, args.connection))
        return 0
    if not is_root:
        print("vpclab.py: must run as root (rootful podman, host bridges)",
              file=sys.stderr)
        return 1
    try:
        if args.command == "up":
            cmd_up(topo, recreate=args.recreate, build=not args.no_build)
        elif args.command == "down":
            cmd_down(topo)
        elif args.command == "status":
            cmd_status(topo, args.json)
        elif args.command == "counters":
            cmd_counters(topo, args.json)
        elif args.command == "reboot":
            cmd_reboot(topo, args.worker, args.json)
        elif args.command == "leases":
            cmd_leases(topo, args.json)
    except LabError as exc:
        print("vpclab.py: %s" % exc, file=sys.stderr)
        return 1
    except BrokenPipeError:
        # e.g. `vpclab.py status | head`: not an error of the lab.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
