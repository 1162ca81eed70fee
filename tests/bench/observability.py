"""What metrics and access logs cost: throughput with them on versus off.

Starts a control plane and two data planes from the optimized build: one
with --no-metrics serving a stage without an access log ("off"), one
counting metrics (detailed metrics on every method) and writing an access
log line per request to a file ("on"). Both serve the same MOCK method, the
cheapest integration, so the observability work is the largest share of a
request. wrk runs against each, back to back, in ROUNDS rounds of SECONDS
(the order alternating); because the machine may be shared, the figures that
count are the median over rounds of each round's on/off ratio (two runs a few
seconds apart see much the same background load) and the same ratio of
requests per CPU second of the data plane process (its worker and, when on,
its log writer and reporter: /proc/PID/stat), which background load moves far
less than throughput. The script prints every
round, the medians and that ratio (target >= 0.95), and counts the access log's
lines against the requests wrk saw answered.
Loopback only; self-contained apart from tests/system/harness.py.

Run with Debian's python: /usr/bin/python3 tests/bench/observability.py
(PORTICO_BUILD_DIR picks the build, default build-bench, built if absent)."""

import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("PORTICO_BUILD_DIR", os.path.join(ROOT, "build-bench"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from harness import ControlPlane, DataPlane, add_mock_method, deploy  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "10"))
SECONDS = int(os.environ.get("SECONDS", "3"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "32"))
DP_THREADS = int(os.environ.get("DP_THREADS", "1"))
ACCESS_LOG = os.environ.get("ACCESS_LOG", "1") == "1"  # ACCESS_LOG=0: the "on" node only counts


def build():
    bdir = os.environ["PORTICO_BUILD_DIR"]
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        subprocess.run(["meson", "setup", bdir, ROOT, "--buildtype=release"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", bdir], check=True, stdout=subprocess.DEVNULL)


def wrk(url, host):
    out = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-H", f"Host: {host}", url],
                         capture_output=True, text=True, timeout=SECONDS + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert bad is None, out
    return rps, total


def cpu_seconds(pid):
    """User + system CPU time of a process, all its threads."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    build()
    work = tempfile.mkdtemp(prefix="portico-obs-bench.")
    cp = ControlPlane(work, secrets.token_hex(24)).start()
    api = cp.ok("POST", "/restapis", {"name": "bench"}, expect=201)
    api_id = api["id"]
    add_mock_method(cp, api_id, api["rootResourceId"], "GET", "v1")
    d = deploy(cp, api_id, "plain")
    log = os.path.join(work, "access.log")
    cp.ok("POST", f"/restapis/{api_id}/stages", {
        "stageName": "logged", "deploymentId": d["id"]} if not ACCESS_LOG else {
        "stageName": "logged", "deploymentId": d["id"],
        "accessLogSettings": {"destinationArn": log, "format": json.dumps({
            "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
            "requestTime": "$context.requestTime", "httpMethod": "$context.httpMethod",
            "resourcePath": "$context.resourcePath", "status": "$context.status",
            "protocol": "$context.protocol", "responseLength": "$context.responseLength",
            "integrationLatency": "$context.integrationLatency"})}}, expect=201)
    cp.ok("PATCH", f"/restapis/{api_id}/stages/logged", {"patchOperations": [
        {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"}]})
    off = DataPlane(work, cp, "off", threads=DP_THREADS, extra_args=("--no-metrics",)).start()
    on = DataPlane(work, cp, "on", threads=DP_THREADS).start()
    for dp in (off, on):
        dp.wait_version(cp.version())
    targets = {"off": (off, "plain"), "on": (on, "logged")}
    results = {"off": [], "on": []}
    per_cpu = {"off": [], "on": []}
    ratios, cpu_ratios = [], []
    requests_on = 0
    try:
        for kind in ("off", "on"):  # warm-up
            dp, stage = targets[kind]
            subprocess.run(["wrk", "-t1", "-c8", "-d1s", "-H", f"Host: {api_id}.execute-api.localhost:{dp.port}",
                            f"{dp.base}/{stage}/"], capture_output=True, timeout=60)
        time.sleep(1)
        lines_before = sum(1 for _ in open(log)) if os.path.exists(log) else 0
        for r in range(ROUNDS):
            for kind in (("off", "on") if r % 2 == 0 else ("on", "off")):
                dp, stage = targets[kind]
                cpu = cpu_seconds(dp.proc.pid)
                rps, total = wrk(f"{dp.base}/{stage}/", f"{api_id}.execute-api.localhost:{dp.port}")
                results[kind].append(rps)
                per_cpu[kind].append(total / max(cpu_seconds(dp.proc.pid) - cpu, 0.01))
                if kind == "on":
                    requests_on += total
            ratio = results["on"][-1] / results["off"][-1]
            cpu_ratio = per_cpu["on"][-1] / per_cpu["off"][-1]
            ratios.append(ratio)
            cpu_ratios.append(cpu_ratio)
            print(f"round {r + 1:2}: off {results['off'][-1]:9.0f} req/s {per_cpu['off'][-1]:9.0f} req/cpu-s, "
                  f"on {results['on'][-1]:9.0f} req/s {per_cpu['on'][-1]:9.0f} req/cpu-s, "
                  f"on/off {ratio:.3f} (per cpu-s {cpu_ratio:.3f})", flush=True)
        time.sleep(1.5)
        lines = sum(1 for _ in open(log)) - lines_before if ACCESS_LOG else 0
    finally:
        for p in (on, off):
            p.stop()
        cp.stop()
    m_off, m_on = statistics.median(results["off"]), statistics.median(results["on"])
    print(f"median off {m_off:.0f} req/s, on {m_on:.0f} req/s; median of the rounds' on/off "
          f"{statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f}; target >= 0.95); "
          f"{CONNECTIONS} connections, {DP_THREADS} worker thread(s), {ROUNDS} rounds of {SECONDS} s")
    print(f"requests per CPU second of the data plane: median off {statistics.median(per_cpu['off']):.0f}, "
          f"on {statistics.median(per_cpu['on']):.0f}; median of the rounds' on/off "
          f"{statistics.median(cpu_ratios):.3f} (min {min(cpu_ratios):.3f}, max {max(cpu_ratios):.3f})")
    # wrk counts the responses it read; a line is written per request answered,
    # including those wrk had in flight when it stopped
    print(f"access log: {lines} lines for {requests_on} requests wrk counted")


if __name__ == "__main__":
    main()
