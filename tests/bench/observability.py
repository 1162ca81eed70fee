"""What metrics and access logs cost: throughput with them on versus off.

Starts a control plane and two data planes from the optimized build: one
with --no-metrics serving a stage without an access log ("off"), one
counting metrics (detailed metrics on every method) and writing an access
log line per request to a file ("on"). Both serve the same MOCK method, the
cheapest integration, so the observability work is the largest share of a
request. wrk runs against each in alternating rounds (ROUNDS each, SECONDS
long); the script prints every round, the medians and on/off (target
>= 0.95), and checks that the access log has one line per request answered.
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

ROUNDS = int(os.environ.get("ROUNDS", "5"))
SECONDS = int(os.environ.get("SECONDS", "5"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "32"))
DP_THREADS = int(os.environ.get("DP_THREADS", "1"))


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
                rps, total = wrk(f"{dp.base}/{stage}/", f"{api_id}.execute-api.localhost:{dp.port}")
                results[kind].append(rps)
                if kind == "on":
                    requests_on += total
                print(f"round {r + 1} {kind:3}: {rps:10.0f} req/s", flush=True)
        time.sleep(1.5)
        lines = sum(1 for _ in open(log)) - lines_before
    finally:
        for p in (on, off):
            p.stop()
        cp.stop()
    m_off, m_on = statistics.median(results["off"]), statistics.median(results["on"])
    print(f"median off {m_off:.0f} req/s, on {m_on:.0f} req/s, on/off {m_on / m_off:.3f} "
          f"(target >= 0.95); {CONNECTIONS} connections, {DP_THREADS} worker thread(s), "
          f"{ROUNDS} rounds of {SECONDS} s")
    # wrk counts the responses it read; a line is written per request answered,
    # including those wrk had in flight when it stopped
    print(f"access log: {lines} lines for {requests_on} requests wrk counted")


if __name__ == "__main__":
    main()
