"""HTTP API throughput ÷ the equivalent REST API HTTP_PROXY route (issue 15).

Both routes proxy GET to the same upstream: a second data plane answering a
MOCK (C, so the upstream does not bound the figure). The REST API has
GET /pets → HTTP_PROXY on stage prod; the HTTP API has `GET /pets` →
HTTP_PROXY on its `$default` stage (autoDeploy). The data plane under test
runs 1 worker thread; wrk alternates the two routes ROUNDS times on
keep-alive connections. Prints requests/s of each, their ratio and the CPU
time per request of the data plane under test.

Loopback only. Run with Debian's python:
  /usr/bin/python3 tests/bench/http_apis.py
(PORTICO_BUILD_DIR picks the build, default build-bench (release), built if
absent; ROUNDS, SECONDS, CONNECTIONS override the sizes.)"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("PORTICO_BUILD_DIR", os.path.join(ROOT, "build-bench"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from harness import ControlPlane, DataPlane, deploy, wait_for  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
SECONDS = int(os.environ.get("SECONDS", "5"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "16"))
UPSTREAM_BODY = '{"pets": [{"id": 1, "name": "rex"}, {"id": 2, "name": "tom"}]}'


def build():
    bdir = os.environ["PORTICO_BUILD_DIR"]
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        subprocess.run(["meson", "setup", bdir, ROOT, "--buildtype=release"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", bdir], check=True, stdout=subprocess.DEVNULL)


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def wrk(url, host):
    args = ["wrk", "-t", "1", "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "-H", f"Host: {host}", url]
    out = subprocess.run(args, capture_output=True, text=True, timeout=SECONDS + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, total, int(non2xx.group(1)) if non2xx else 0


def make_upstream_api(cp):
    api = cp.ok("POST", "/restapis", {"name": "endpoint"}, expect=201)
    api_id = api["id"]
    res = cp.ok("POST", f"/restapis/{api_id}/resources/{api['rootResourceId']}", {"pathPart": "pets"},
                expect=201)
    base = f"/restapis/{api_id}/resources/{res['id']}/methods/GET"
    cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
    cp.ok("PUT", base + "/responses/200", {}, expect=201)
    cp.ok("PUT", base + "/integration", {"type": "MOCK", "requestTemplates": {
        "application/json": '{"statusCode": 200}'}}, expect=201)
    cp.ok("PUT", base + "/integration/responses/200",
          {"responseTemplates": {"application/json": UPSTREAM_BODY}}, expect=201)
    deploy(cp, api_id)
    return api_id


def make_rest_api(cp, endpoint):
    api = cp.ok("POST", "/restapis", {"name": "rest"}, expect=201)
    api_id = api["id"]
    res = cp.ok("POST", f"/restapis/{api_id}/resources/{api['rootResourceId']}", {"pathPart": "pets"},
                expect=201)
    base = f"/restapis/{api_id}/resources/{res['id']}/methods/GET"
    cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
    cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": endpoint},
          expect=201)
    deploy(cp, api_id)
    return api_id


def make_http_api(cp, endpoint):
    api = cp.ok("POST", "/v2/apis", {"name": "http", "protocolType": "HTTP"}, expect=201)
    api_id = api["apiId"]
    integ = cp.ok("POST", f"/v2/apis/{api_id}/integrations",
                  {"integrationType": "HTTP_PROXY", "integrationMethod": "GET",
                   "integrationUri": endpoint, "payloadFormatVersion": "1.0"}, expect=201)
    cp.ok("POST", f"/v2/apis/{api_id}/routes",
          {"routeKey": "GET /pets", "target": "integrations/" + integ["integrationId"]}, expect=201)
    cp.ok("POST", f"/v2/apis/{api_id}/stages", {"stageName": "$default", "autoDeploy": True},
          expect=201)
    return api_id


def main():
    build()
    work = tempfile.mkdtemp(prefix="portico-bench-v2-")
    cp = ControlPlane(work, "bench-secret-0123456789abcdef").start()
    procs = []
    try:
        up_dp = DataPlane(work, cp, name="endpoint", threads=1).start()
        procs.append(up_dp)
        up_api = make_upstream_api(cp)
        endpoint = up_dp.url(up_api, "prod", "/pets")  # path style: no name to resolve
        rest_id = make_rest_api(cp, endpoint)
        http_id = make_http_api(cp, endpoint)
        dp = DataPlane(work, cp, name="dp", threads=1).start()
        procs.append(dp)
        targets = {"rest": (f"{dp.base}/prod/pets", f"{rest_id}.execute-api.localhost:{dp.port}"),
                   "http": (f"{dp.base}/pets", f"{http_id}.execute-api.localhost:{dp.port}")}
        for name, (url, host) in targets.items():  # both answer the upstream's body first
            wait_for(lambda: dp.session.get(url, headers={"Host": host}, timeout=5).text == UPSTREAM_BODY,
                     timeout=20, what=f"{name} to answer")
        hz = os.sysconf("SC_CLK_TCK")
        results = {name: [] for name in targets}
        for _ in range(ROUNDS):
            for name, (url, host) in targets.items():
                t0 = cpu_ticks(dp.proc.pid)
                rps, total, bad = wrk(url, host)
                ticks = cpu_ticks(dp.proc.pid) - t0
                assert bad == 0, f"{bad} non-2xx answers on {name}"
                results[name].append((rps, ticks / hz * 1e6 / max(total, 1)))
                time.sleep(0.5)
        print(f"{'route':8} {'req/s (median)':>15} {'CPU us/req':>11}")
        med = {}
        for name, rows in results.items():
            med[name] = (statistics.median(r for r, _ in rows), statistics.median(c for _, c in rows))
            print(f"{name:8} {med[name][0]:15.0f} {med[name][1]:11.1f}")
        print(f"ratio HTTP API / REST HTTP_PROXY: {med['http'][0] / med['rest'][0]:.2f}")
    finally:
        for p in procs:
            p.stop()
        cp.stop()


if __name__ == "__main__":
    main()
