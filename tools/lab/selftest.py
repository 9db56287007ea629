#!/usr/bin/env python
"""Prove the lab models the problem, in every flavour (python3 stdlib, root).

    tools/lab/selftest.py [--flavour F]... [--zones 3] [--keep]

Each flavour runs on its own prefix and subnets, so it never touches another
lab: static mnlt-static/10.231, netplan mnlt-netplan/10.232, networkd
mnlt-networkd/10.233, ifupdown mnlt-ifupdown/10.234, nm mnlt-nm/10.235.
Per flavour:
  1. up --recreate; control->control OK for every pair, data->data FAIL for
     every cross-zone pair; one default route, via ens3; DHCP flavours: both
     NICs hold their reserved address from DHCP (finite valid_lft) and the
     router has a lease for each;
  2. route on worker1 only: the request goes out ens4, the reply from worker2
     leaves its ens3 and the router's anti-spoofing counter on worker2's
     control interface grows;
  3. mirrored routes on worker1 and worker2: data worker1<->worker2 OK;
     routes removed again: FAIL again;
  4. the flavour's own re-apply commands (netplan generate + networkctl
     reload/reconfigure, a network manager restart, ...) keep the addresses;
  5. reboot (podman restart) of every worker: ready again, baseline back;
     worker1's ens4 moved into a namespace, then reboot: it is back on the
     host;
  6. the netns trap: worker1's ens4 moved into a namespace, then down; down
     leaves no host route, and up works again;
  7. down (unless --keep).
Exit status 0 when every check holds.
"""

import argparse
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import vpclab  # noqa: E402

BASES = {"static": "10.231", "netplan": "10.232", "networkd": "10.233",
         "ifupdown": "10.234", "nm": "10.235"}

# Commands that make the flavour's network manager apply its configuration
# again; the addresses (and the DHCP baseline) must survive each. `netplan apply`'s
# reload and reconfigure are two: back to back, systemd-networkd 252 can lose a DHCP
# address it is taking (see extensions/molecule/resources/events.yml).
REAPPLY = {
    "static": [],
    "netplan": ["netplan generate && networkctl reload", "networkctl reconfigure ens3 ens4",
                "systemctl restart systemd-networkd"],
    "networkd": ["networkctl reload", "networkctl reconfigure ens3 ens4",
                 "systemctl restart systemd-networkd"],
    "ifupdown": ["systemctl restart networking"],
    "nm": ["nmcli connection up 'cloud-init ens4'", "systemctl restart NetworkManager"],
}

# What proves the flavour's manager (not a leftover) configured the NICs.
MANAGED = {
    "netplan": ("networkctl status ens3 ens4", ["/run/systemd/network/10-netplan-ens3.network",
                                                "/run/systemd/network/10-netplan-ens4.network"]),
    "networkd": ("networkctl status ens3 ens4", ["/etc/systemd/network/10-ens3.network",
                                                 "/etc/systemd/network/10-ens4.network"]),
    "ifupdown": ("cat /run/network/ifstate*", ["ens3=ens3", "ens4=ens4"]),
    "nm": ("nmcli -t -f DEVICE,STATE,CONNECTION device", ["ens3:connected:cloud-init ens3",
                                                          "ens4:connected:cloud-init ens4"]),
}


def sh(container, script):
    r = vpclab.pexec(container, script)
    if r.returncode != 0:
        raise vpclab.LabError("%s: %s failed: %s" % (container, script,
                                                     r.stderr.strip()))
    return r.stdout


def pairs(topo):
    return {(r["from"], r["to"]): r for r in vpclab.reachability(topo)}


def wait_baseline(topo, timeout=60):
    """Seconds until every worker is back at the DHCP baseline."""
    t0 = time.time()
    for z in topo["zones"]:
        vpclab.wait_ready(topo, z, t0, True, timeout)
    return time.time() - t0


def run_flavour(flavour, zones, keep, check):
    topo = vpclab.topology("mnlt-" + flavour, zones, BASES[flavour], flavour=flavour)
    z1, z2 = topo["zones"][0], topo["zones"][1]
    w1, w2 = z1["worker"], z2["worker"]
    print("=== flavour %s (prefix %s, base %s)" % (flavour, topo["prefix"], topo["base"]), flush=True)

    t = time.time()
    vpclab.cmd_up(topo, recreate=True)
    print("up: %.1f s" % (time.time() - t))
    res = pairs(topo)
    check(all(r["control"]["ok"] for r in res.values()),
          "control->control OK for every pair")
    check(not any(r["data"]["ok"] for r in res.values()),
          "data->data FAIL for every cross-zone pair (the problem)")
    snaps = {z["worker"]["name"]: vpclab.worker_snapshot(z["worker"]["name"])
             for z in topo["zones"]}
    check(all(not vpclab.route_problems(z, snaps[z["worker"]["name"]]["routes"])
              and not any(r["dst"] == "default" and r.get("dev") != vpclab.CONTROL_IF
                          for r in snaps[z["worker"]["name"]]["routes"])
              for z in topo["zones"]),
          "main table: one default route, via the control gateway on ens3")
    if topo["dhcp"]:
        lft = ["%s %s valid_lft %s" % (z["worker"]["inventory_name"], nic, a.get("valid_life_time"))
               for z in topo["zones"] for nic in (vpclab.CONTROL_IF, vpclab.DATA_IF)
               for a in snaps[z["worker"]["name"]]["addrs"].get(nic, [])]
        check(all(vpclab.holds(snaps[z["worker"]["name"]]["addrs"].get(nic, []), addr, True)
                  for z in topo["zones"]
                  for nic, addr in ((vpclab.CONTROL_IF, z["worker"]["control_address"]),
                                    (vpclab.DATA_IF, z["worker"]["data_address"]))),
              "reserved addresses from DHCP (%s)" % ", ".join(lft))
        leases = vpclab.dhcp_record(topo)
        check(all(sorted(le["address"] for le in e["leases"]) ==
                  sorted([z["worker"]["control_address"], z["worker"]["data_address"]])
                  for e, z in zip(leases["workers"], topo["zones"])),
              "router: a lease per worker NIC (%s)" % ", ".join(
                  "%s %s" % (e["worker"], "/".join(le["address"] for le in e["leases"]))
                  for e in leases["workers"]))
        acked = {a["address"] for a in leases["acks"] if a["time"] >= t - 5}
        check(acked >= {z["worker"][k] for z in topo["zones"]
                        for k in ("control_address", "data_address")},
              "router log: a DHCPACK for every worker NIC since up (%d acks)" % len(leases["acks"]))
    if flavour in MANAGED:
        cmd, wants = MANAGED[flavour]
        out = sh(w1["name"], cmd)
        check(all(w in out for w in wants), "%s: %s shows %s" % (flavour, cmd, ", ".join(wants)))

    # 2. request fixed only: reply dropped by anti-spoofing on worker2's ens3
    route1 = "ip route %%s %s via %s dev ens4" % (z2["data"]["subnet"],
                                                  z1["data"]["gateway"])
    route2 = "ip route %%s %s via %s dev ens4" % (z1["data"]["subnet"],
                                                  z2["data"]["gateway"])
    ctl2 = "spoof_" + z2["control"]["router_interface"]
    sh(w1["name"], route1 % "add")
    before = vpclab.counters(topo)[ctl2]["packets"]
    ok = vpclab.pexec(w1["name"], "ping -c2 -W1 -I %s %s" % (
        w1["data_address"], w2["data_address"])).returncode == 0
    after = vpclab.counters(topo)[ctl2]["packets"]
    check(not ok and after - before >= 2,
          "route on worker1 only: no reply, router %s drops %d -> %d"
          % (ctl2, before, after))

    # 3. both directions fixed
    sh(w2["name"], route2 % "add")
    res = pairs(topo)
    check(res[("worker1", "worker2")]["data"]["ok"]
          and res[("worker2", "worker1")]["data"]["ok"],
          "mirrored custom routes: data worker1<->worker2 OK")
    sh(w1["name"], route1 % "del")
    sh(w2["name"], route2 % "del")
    res = pairs(topo)
    check(not res[("worker1", "worker2")]["data"]["ok"],
          "routes removed: data worker1->worker2 FAIL again")

    # 4. the network manager applies its configuration again
    for cmd in REAPPLY[flavour]:
        for z in topo["zones"]:
            sh(z["worker"]["name"], cmd)
        try:
            secs = wait_baseline(topo)
            check(True, "`%s` keeps the addresses (baseline again in %.1f s)" % (cmd, secs))
        except vpclab.LabError as exc:
            check(False, "`%s` keeps the addresses: %s" % (cmd, exc))

    # 5. reboot
    results = vpclab.reboot_workers(topo)
    check(all(r["ens4"]["where"] == "host" for r in results),
          "reboot: every worker ready, ens4 in the host namespace (%s)" % ", ".join(
              "%s %.1f s" % (r["worker"], r["seconds"]) for r in results))
    secs = wait_baseline(topo)
    res = pairs(topo)
    check(all(r["control"]["ok"] for r in res.values())
          and not any(r["data"]["ok"] for r in res.values()),
          "after the reboot: DHCP baseline (%.1f s later), control OK, data FAIL" % secs)
    sh(w1["name"], "ip netns add data && ip link set ens4 netns data")
    results = vpclab.reboot_workers(topo, [w1["name"]])
    check(results[0]["ens4"]["where"] == "host"
          and not vpclab.stale_bridges(topo),
          "reboot with ens4 in a namespace: ens4 back on the host in %.1f s, no stale bridge"
          % results[0]["seconds"])
    wait_baseline(topo)

    # 6. netns trap
    sh(w1["name"], "ip netns add data && ip link set ens4 netns data")
    t = time.time()
    vpclab.cmd_down(topo)
    print("down: %.1f s" % (time.time() - t))
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True,
                            text=True, check=False).stdout
    subnets = topo["control_subnets"] + topo["data_plane_subnets"]
    check(not any(s in routes for s in subnets),
          "down after the NIC was namespaced: no host route left")
    t = time.time()
    vpclab.cmd_up(topo)
    print("up: %.1f s" % (time.time() - t))
    res = pairs(topo)
    check(all(r["control"]["ok"] for r in res.values())
          and not any(r["data"]["ok"] for r in res.values()),
          "up after the netns trap: the lab is back to its baseline")

    if not keep:
        vpclab.cmd_down(topo)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--flavour", action="append", choices=vpclab.FLAVOURS,
                   help="repeatable (default: every flavour)")
    p.add_argument("--zones", type=int, default=3)
    p.add_argument("--keep", action="store_true", help="leave the labs up")
    args = p.parse_args()
    os.environ.setdefault("CONTAINERS_CONF",
                          os.path.join(vpclab.HERE, "containers.conf"))
    failures = []

    def check(cond, what):
        print("%s  %s" % ("PASS" if cond else "FAIL", what), flush=True)
        if not cond:
            failures.append(what)

    summary = []
    for flavour in args.flavour or vpclab.FLAVOURS:
        t = time.time()
        before = len(failures)
        try:
            run_flavour(flavour, args.zones, args.keep, check)
        except vpclab.LabError as exc:
            check(False, "%s: %s" % (flavour, exc))
            vpclab.cmd_down(vpclab.topology("mnlt-" + flavour, args.zones, BASES[flavour]),
                            quiet=True)
        summary.append("%s: %s in %.0f s" % (flavour, "ok" if len(failures) == before
                                             else "FAILED", time.time() - t))
    print("\n".join(summary))
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except vpclab.LabError as exc:
        print("selftest: %s" % exc, file=sys.stderr)
        sys.exit(1)
