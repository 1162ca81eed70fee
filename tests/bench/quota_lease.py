"""Exact quotas, measured: lease traffic at a steady ~1,000 requests/s on one
key, and CPU per request with and without a quota (one wrk run each).

    PORTICO_BUILD_DIR=$PWD/build /usr/bin/python3 tests/bench/quota_lease.py

Starts a control plane and one data plane (--threads 1, debug log) on
loopback; CPU time is read from /proc/PID/stat around each wrk run."""

import os
import re
import secrets
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "system"))
from harness import ControlPlane, DataPlane, deploy, make_key, make_key_api, make_plan  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def wrk(url, host, key, seconds, connections, delay_ms=None):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(f'wrk.headers["x-api-key"] = "{key}"\n')
    if delay_ms:
        script.write(f"function delay() return {delay_ms} end\n")
    script.close()
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-H", f"Host: {host}",
                          "-s", script.name, url], capture_output=True, text=True).stdout
    os.unlink(script.name)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return total, int(non2xx.group(1)) if non2xx else 0


def main():
    d = tempfile.mkdtemp()
    cp = ControlPlane(d, secrets.token_hex(24)).start()
    os.environ["PORTICO_LOG_LEVEL"] = "debug"
    try:
        ids = make_key_api(cp)
        deploy(cp, ids["api"])
        with_quota, without = make_key(cp, name="q"), make_key(cp, name="n")
        make_plan(cp, ids["api"], keys=[with_quota], name="quota",
                  quota={"limit": 10**12, "period": "DAY"})
        other = make_key_api(cp, "other")
        deploy(cp, other["api"])
        make_plan(cp, other["api"], keys=[without], name="noquota")
        dp = DataPlane(d, cp, threads=1).start()
        dp.wait_version(cp.version())
        host = f"{ids['api']}.execute-api.localhost"
        url = f"{dp.base}/prod/pets"
        # 1. lease traffic at ~1,000 rps: 10 connections, 10 ms between requests each
        wrk(url, host, with_quota["value"], 2, 10, delay_ms=10)  # warm up the lease
        log_before = len(dp.output().splitlines())
        started = time.time()
        n, bad = wrk(url, host, with_quota["value"], 20, 10, delay_ms=10)
        elapsed = time.time() - started
        grants = sum("quota lease: key" in line for line in dp.output().splitlines()[log_before:])
        print(f"steady load: {n / elapsed:.0f} req/s for {elapsed:.1f} s ({bad} not 2xx); "
              f"lease grants received: {grants} = {grants / elapsed:.2f}/s; "
              f"each answers one ask carried by a node report")
        # 2. CPU per request, one run each
        for label, key, api in (("quota", with_quota, ids), ("no quota", without, other)):
            h = f"{api['api']}.execute-api.localhost"
            wrk(url, h, key["value"], 1, 32)
            c0 = cpu_s(dp.proc.pid)
            n, bad = wrk(url, h, key["value"], 5, 32)
            c1 = cpu_s(dp.proc.pid)
            print(f"{label}: {n} requests in 5 s ({bad} not 2xx), "
                  f"{(c1 - c0) * 1e6 / n:.2f} CPU us per request")
        dp.stop()
    finally:
        cp.stop()


if __name__ == "__main__":
    main()
