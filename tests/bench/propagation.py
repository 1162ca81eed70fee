"""How fast a change reaches every data plane.

Starts a control plane and two data planes (the optimized build), deploys
N stages (1, then 1,000), and 50 times flips one stage between two
deployments; for each flip it measures, per node, the time from the admin
API's 2xx to the first request that node answers with the new deployment.
Prints median and p99 per stage count. Loopback only.

Run with Debian's python: /usr/bin/python3 tests/bench/propagation.py
(PORTICO_BUILD_DIR picks the build, default build-bench, built if absent)."""

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("PORTICO_BUILD_DIR", os.path.join(ROOT, "build-bench"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from harness import ControlPlane, DataPlane, add_mock_method  # noqa: E402

FLIPS = int(os.environ.get("FLIPS", "50"))


def build():
    bdir = os.environ["PORTICO_BUILD_DIR"]
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        subprocess.run(["meson", "setup", bdir, ROOT, "--buildtype=release"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", bdir], check=True, stdout=subprocess.DEVNULL)


def make_stages(cp, count):
    """APIs of 10 stages each; returns the first API and its two deployments."""
    first = None
    made = 0
    while made < count:
        api = cp.ok("POST", "/restapis", {"name": f"bench{made}"}, expect=201)
        add_mock_method(cp, api["id"], api["rootResourceId"], "GET", "blue")
        blue = cp.ok("POST", f"/restapis/{api['id']}/deployments", {"stageName": "s0"}, expect=201)["id"]
        made += 1
        for i in range(1, min(10, count - made + 1)):
            cp.ok("POST", f"/restapis/{api['id']}/stages", {"stageName": f"s{i}", "deploymentId": blue}, expect=201)
            made += 1
        if first is None:
            add_mock_method(cp, api["id"], api["rootResourceId"], "GET", "green")
            green = cp.ok("POST", f"/restapis/{api['id']}/deployments", {}, expect=201)["id"]
            first = (api["id"], {"blue": blue, "green": green})
    return first


def watch(dp, api_id, label, started, out, deadline):
    """Polls dp until it answers with label; records seconds since started."""
    s = dp.session
    url = dp.url(api_id, "s0", "/")
    while time.monotonic() < deadline:
        r = s.get(url, timeout=5)
        if r.headers.get("X-Deployment") == label:
            out.append(time.monotonic() - started)
            return
    out.append(float("inf"))


def measure(workdir, stages):
    cp = ControlPlane(workdir, "bench-secret-0123456789abcdef").start()
    dps = [DataPlane(workdir, cp, name=f"dp{i}", threads=1).start() for i in (1, 2)]
    try:
        t0 = time.monotonic()
        api_id, deps = make_stages(cp, stages)
        for dp in dps:
            dp.wait_version(cp.version(), timeout=120)
        setup_s = time.monotonic() - t0
        samples = []
        label = "blue"
        for _ in range(FLIPS):
            label = "green" if label == "blue" else "blue"
            results = []
            started = time.monotonic()
            cp.ok("PATCH", f"/restapis/{api_id}/stages/s0",
                  {"patchOperations": [{"op": "replace", "path": "/deploymentId", "value": deps[label]}]})
            acked = time.monotonic()
            watchers = [threading.Thread(target=watch, args=(dp, api_id, label, acked, results, acked + 10))
                        for dp in dps]
            for w in watchers:
                w.start()
            for w in watchers:
                w.join()
            samples += results
        return setup_s, samples
    finally:
        for dp in dps:
            dp.stop()
        cp.stop()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def main():
    build()
    print(f"{'stages':>7} {'samples':>8} {'median ms':>10} {'p99 ms':>8} {'max ms':>8}   (setup)")
    for stages in (1, 1000):
        with tempfile.TemporaryDirectory() as d:
            setup_s, samples = measure(d, stages)
        ms = [s * 1000 for s in samples]
        print(f"{stages:>7} {len(ms):>8} {statistics.median(ms):>10.2f} {pct(ms, 99):>8.2f} {max(ms):>8.2f}"
              f"   ({setup_s:.1f} s to create and converge)")


if __name__ == "__main__":
    main()
