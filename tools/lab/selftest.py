#!/usr/bin/env python
"""Prove the lab models the problem (python3 stdlib only, root).

    tools/lab/selftest.py [--prefix mnlabtest] [--base 10.246] [--zones 3] [--keep]

Runs against its own prefix and subnets so it never touches another lab:
  1. up --recreate; control->control OK for every pair, data->data FAIL for
     every cross-zone pair;
  2. route on worker1 only: the request goes out ens4, the reply from worker2
     leaves its ens3 and the router's anti-spoofing counter on worker2's
     control interface grows;
  3. mirrored routes on worker1 and worker2: data worker1<->worker2 OK;
     routes removed again: FAIL again;
  4. the netns trap: worker1's ens4 moved into a namespace, then down; down
     leaves no host route, and up works again;
  5. down (unless --keep).
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


def sh(container, script):
    r = vpclab.pexec(container, script)
    if r.returncode != 0:
        raise vpclab.LabError("%s: %s failed: %s" % (container, script,
                                                     r.stderr.strip()))


def pairs(topo):
    return {(r["from"], r["to"]): r for r in vpclab.reachability(topo)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--prefix", default="mnlabtest")
    p.add_argument("--base", default="10.246")
    p.add_argument("--zones", type=int, default=3)
    p.add_argument("--keep", action="store_true", help="leave the lab up")
    args = p.parse_args()
    os.environ.setdefault("CONTAINERS_CONF",
                          os.path.join(vpclab.HERE, "containers.conf"))
    topo = vpclab.topology(args.prefix, args.zones, args.base)
    z1, z2 = topo["zones"][0], topo["zones"][1]
    w1, w2 = z1["worker"], z2["worker"]
    failures = []

    def check(cond, what):
        print("%s  %s" % ("PASS" if cond else "FAIL", what), flush=True)
        if not cond:
            failures.append(what)

    t = time.time()
    vpclab.cmd_up(topo, recreate=True)
    print("up: %.1f s" % (time.time() - t))
    res = pairs(topo)
    check(all(r["control"]["ok"] for r in res.values()),
          "control->control OK for every pair")
    check(not any(r["data"]["ok"] for r in res.values()),
          "data->data FAIL for every cross-zone pair (the problem)")

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

    # 4. netns trap
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

    if not args.keep:
        vpclab.cmd_down(topo)
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
