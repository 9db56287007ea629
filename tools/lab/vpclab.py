#!/usr/bin/env python
"""Simulated multi-zone IBM-Cloud-style VPC lab in podman containers.

Per zone: an internal podman network for the control subnet and one for the
data subnet, a worker container with ``ens3`` (control) and ``ens4`` (data)
and, like a DHCP-configured cloud VM, a default route via the control gateway
only.  One router container owns every subnet's gateway (.1), forwards between
the subnets and drops (with counters) every forwarded packet whose source is
not from the subnet of the interface it arrived on (the VPC anti-spoofing).

    vpclab.py [--prefix mnlab] [--zones 3] up [--recreate]
    vpclab.py down
    vpclab.py status [--json]
    vpclab.py counters [--json]
    vpclab.py inventory [--json]

Python 3 standard library only; runs as root.  Every podman call gets
CONTAINERS_CONF=<this directory>/containers.conf unless it is already set.
The module can be imported (``topology()`` has no side effects) by tests.
"""

import argparse
import concurrent.futures
import hashlib
import ipaddress
import json
import os
import re
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
DEFAULT_IMAGE = "localhost/multinic-lab:bookworm"
DEFAULT_PREFIX = "mnlab"
DEFAULT_ZONES = 3
DEFAULT_BASE = "10.240"
LABEL = "multinic.lab"
CONTROL_IF = "ens3"
DATA_IF = "ens4"
WORKER_HOST = 4       # workers get .4, like the first address IBM Cloud hands out
GATEWAY_HOST = 1      # the VPC gateway: first host address, owned by the router
HOST_BRIDGE_HOST = 254  # podman's bridge on the host gets this one, never .1
RP_FILTER = 2         # Ubuntu's default (/etc/sysctl.d/10-network-security.conf)

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


def topology(prefix=DEFAULT_PREFIX, zones=DEFAULT_ZONES, base=DEFAULT_BASE,
             image=DEFAULT_IMAGE):
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
        }
        zlist.append(entry)
    topo = {
        "prefix": prefix,
        "base": base,
        "image": image,
        "containers_conf": os.environ.get(
            "CONTAINERS_CONF", os.path.join(HERE, "containers.conf")),
        "router": {"name": router, "interfaces": router_ifs,
                   "nft_table": "inet vpclab"},
        "zones": zlist,
        "workers": [e["worker"]["name"] for e in zlist],
        "data_plane_subnets": [e["data"]["subnet"] for e in zlist],
        "control_subnets": [e["control"]["subnet"] for e in zlist],
    }
    spec = json.dumps({k: topo[k] for k in ("prefix", "base", "image",
                                            "zones", "router")},
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
    return "\n".join(l for l in text.splitlines()
                     if "failed to connect to syslog" not in l)


def podman(*args, check=True):
    return run(["podman"] + list(args), check=check)


def pexec(container, script, check=False):
    return podman("exec", container, "sh", "-c", script, check=check)


class LabError(Exception):
    pass


def host_ip_json(*args):
    return json.loads(run(["ip", "-j"] + list(args)).stdout or "[]")


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
    if podman("image", "exists", topo["image"], check=False).returncode == 0:
        return
    if not build or topo["image"] != DEFAULT_IMAGE:
        raise LabError("image %s not found: run %s/build-image.sh" % (
            topo["image"], HERE))
    log("image %s missing: building it" % topo["image"])
    run([os.path.join(HERE, "build-image.sh")], capture=False)


def cmd_up(topo, recreate=False, build=True):
    t0 = time.time()
    ensure_image(topo, build)
    if not recreate and lab_is_healthy(topo):
        for problem in verify(topo, timeout=0, strict=False):
            log("  warning: %s" % problem)
        log("lab %s already up, reused (--recreate for a fresh one) [%.1f s]"
            % (topo["prefix"], time.time() - t0))
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
    log("lab %s up in %.1f s" % (topo["prefix"], time.time() - t0))


def _create(topo):
    labels = ["--label", "%s=%s" % (LABEL, topo["prefix"]),
              "--label", "%s.spec=%s" % (LABEL, topo["spec"])]

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
                         *labels, n["network"], check=False)
            if res.returncode != 0:
                raise LabError(
                    "podman network create %s failed: %s\n(another lab or "
                    "network already uses %s? try --base or `down`)" % (
                        n["network"], _clean_stderr(res.stderr).strip(),
                        n["subnet"]))

    r = topo["router"]
    nets = []
    for rif, info in r["interfaces"].items():
        nets += ["--network", "%s:ip=%s,interface_name=%s" % (
            info["network"], info["address"], rif)]
    log("router    %s (%s)" % (r["name"], ", ".join(
        "%s=%s" % (k, v["address"]) for k, v in r["interfaces"].items())))
    podman("run", "-d", "--pull=never", "--name", r["name"],
           "--hostname", r["name"], *labels,
           "--label", "%s.role=router" % LABEL,
           "--cap-add", "NET_ADMIN",
           "--sysctl", "net.ipv4.ip_forward=1",
           "--sysctl", "net.ipv4.conf.all.send_redirects=0",
           "--sysctl", "net.ipv4.conf.default.send_redirects=0",
           "--sysctl", "net.ipv4.conf.all.rp_filter=0",
           "--sysctl", "net.ipv4.conf.default.rp_filter=0",
           "-e", "LAB_NFT=" + nft_ruleset(topo),
           *nets, topo["image"], "sh", "-c",
           'printf "%s" "$LAB_NFT" | nft -f - || exit 1; ' + IDLE)

    for z in topo["zones"]:
        w = z["worker"]
        log("worker    %s (%s=%s, %s=%s, default via %s dev %s)" % (
            w["name"], CONTROL_IF, w["control_address"], DATA_IF,
            w["data_address"], z["control"]["gateway"], CONTROL_IF))
        # What DHCP gives a cloud VM: addresses + link routes (podman) and a
        # default route via the control gateway only (done at every start,
        # so `podman restart` behaves like a reboot).
        dhcp = ("ip route replace default via %s dev %s proto dhcp src %s "
                "metric 100 || exit 1; " % (z["control"]["gateway"],
                                            CONTROL_IF, w["control_address"]))
        podman("run", "-d", "--pull=never", "--name", w["name"],
               "--hostname", w["name"], *labels,
               "--label", "%s.role=worker" % LABEL,
               "--label", "%s.zone=%d" % (LABEL, z["zone"]),
               "--cap-add", "NET_ADMIN", "--cap-add", "SYS_ADMIN",
               "--sysctl", "net.ipv4.conf.all.rp_filter=%d" % RP_FILTER,
               "--sysctl", "net.ipv4.conf.default.rp_filter=%d" % RP_FILTER,
               "--network", "%s:ip=%s,interface_name=%s" % (
                   z["control"]["network"], w["control_address"], CONTROL_IF),
               "--network", "%s:ip=%s,interface_name=%s" % (
                   z["data"]["network"], w["data_address"], DATA_IF),
               topo["image"], "sh", "-c", dhcp + IDLE)


def worker_routes(name):
    res = pexec(name, "ip -j -4 route show table main")
    if res.returncode != 0:
        return None
    return json.loads(res.stdout or "[]")


def verify(topo, timeout=15, strict=True):
    """Check the DHCP-like state of every worker and that .1 is the router's.

    strict: raise LabError on any difference; otherwise return the list
    (a reused lab may carry routes a role added on purpose)."""
    problems = []
    for z in topo["zones"]:
        w = z["worker"]
        want = {("default", z["control"]["gateway"], CONTROL_IF),
                (z["control"]["subnet"], None, CONTROL_IF),
                (z["data"]["subnet"], None, DATA_IF)}
        deadline = time.time() + timeout
        while True:
            routes = worker_routes(w["name"]) or []
            got = {(r["dst"], r.get("gateway"), r.get("dev")) for r in routes}
            if got == want or time.time() > deadline:
                break
            time.sleep(0.3)
        if got != want:
            problems.append(
                "%s main table differs from the DHCP baseline (--recreate resets it): "
                "%s, expected %s" % (w["name"], sorted(got, key=str), sorted(want, key=str)))
    gateways = {z[k]["gateway"] for z in topo["zones"]
                for k in ("control", "data")}
    host_addrs = {a["local"] for l in host_ip_json("addr", "show")
                  for a in l.get("addr_info", [])}
    if gateways & host_addrs:
        problems.append("host holds gateway addresses %s" %
                        sorted(gateways & host_addrs))
    res = pexec(topo["router"]["name"], "ip -j -4 addr show")
    router_addrs = {a["local"] for l in json.loads(res.stdout or "[]")
                    for a in l.get("addr_info", [])}
    if not gateways <= router_addrs:
        problems.append("router lacks %s" % sorted(gateways - router_addrs))
    if problems and strict:
        raise LabError("lab check failed:\n  " + "\n  ".join(problems))
    return problems


def _data_context(worker, data_address):
    """Where the data address lives: '' (container's own namespace) or
    'ip netns exec NAME ' when a strategy moved the NIC into a namespace."""
    res = pexec(worker, "ip -j -4 addr show")
    for l in json.loads(res.stdout or "[]"):
        for a in l.get("addr_info", []):
            if a.get("local") == data_address:
                return ""
    res = pexec(worker, "ip netns list 2>/dev/null | cut -d' ' -f1")
    for ns in (res.stdout or "").split():
        r = pexec(worker, "ip -n %s -j -4 addr show" % shlex.quote(ns))
        for l in json.loads(r.stdout or "[]"):
            for a in l.get("addr_info", []):
                if a.get("local") == data_address:
                    return "ip netns exec %s " % shlex.quote(ns)
    return ""


def reachability(topo):
    zones = topo["zones"]
    for w in topo["workers"]:
        if podman("container", "exists", w, check=False).returncode != 0:
            raise LabError("worker %s does not exist: is the lab up?" % w)
    ctx = {z["worker"]["name"]: _data_context(z["worker"]["name"],
                                              z["worker"]["data_address"])
           for z in zones}
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
        print(json.dumps({"pairs": rows, "router_drop_counters": cnt},
                         indent=2))
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


def inventory_yaml(topo):
    lines = ["# Generated by tools/lab/vpclab.py inventory (prefix %s)"
             % topo["prefix"],
             "all:", "  children:", "    workers:", "      hosts:"]
    for z in topo["zones"]:
        w = z["worker"]
        lines += [
            "        %s:" % w["inventory_name"],
            "          ansible_connection: containers.podman.podman",
            "          ansible_host: %s" % w["name"],
            "          ansible_python_interpreter: /usr/bin/python3",
            "          zone: %d" % z["zone"],
            "          control_address: %s" % w["control_address"],
            "          data_address: %s" % w["data_address"],
            "          control_subnet: %s" % z["control"]["subnet"],
            "          data_subnet: %s" % z["data"]["subnet"],
            "          control_gateway: %s" % z["control"]["gateway"],
            "          data_gateway: %s" % z["data"]["gateway"],
        ]
    lines += ["      vars:", "        data_plane_subnets:"]
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
    p.add_argument("--image", default=DEFAULT_IMAGE)
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="create (or reuse) the lab")
    up.add_argument("--recreate", action="store_true",
                    help="tear an existing lab down and build it anew")
    up.add_argument("--no-build", action="store_true",
                    help="fail instead of building a missing image")
    sub.add_parser("down", help="remove containers, networks, stale bridges")
    st = sub.add_parser("status", help="reachability table (podman exec ping)")
    st.add_argument("--json", action="store_true")
    co = sub.add_parser("counters", help="router anti-spoofing drop counters")
    co.add_argument("--json", action="store_true")
    inv = sub.add_parser("inventory", help="Ansible YAML inventory")
    inv.add_argument("--json", action="store_true",
                     help="dump the topology as JSON instead")
    args = p.parse_args(argv)

    try:
        topo = topology(args.prefix, args.zones, args.base, args.image)
    except ValueError as exc:
        p.error(str(exc))
    if args.command == "inventory":
        if args.json:
            print(json.dumps(topo, indent=2))
        else:
            sys.stdout.write(inventory_yaml(topo))
        return 0
    if os.geteuid() != 0:
        print("vpclab.py: must run as root (rootful podman, host bridges)",
              file=sys.stderr)
        return 1
    os.environ.setdefault("CONTAINERS_CONF", os.path.join(HERE,
                                                          "containers.conf"))
    try:
        if args.command == "up":
            cmd_up(topo, recreate=args.recreate, build=not args.no_build)
        elif args.command == "down":
            cmd_down(topo)
        elif args.command == "status":
            cmd_status(topo, args.json)
        elif args.command == "counters":
            cmd_counters(topo, args.json)
    except LabError as exc:
        print("vpclab.py: %s" % exc, file=sys.stderr)
        return 1
    except BrokenPipeError:
        # e.g. `vpclab.py status | head`: not an error of the lab.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
