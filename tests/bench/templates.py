"""What mapping templates cost: an HTTP (non-proxy) integration with a
request template (a 1 KiB JSON body reshaped with #foreach, $input.path and
$util.escapeJavaScript) and a response template, against the same route as
HTTP_PROXY (the body goes through untouched).

The endpoint is a second data plane answering a MOCK (C, so the endpoint
does not bound the figure). The data plane under test runs 1 worker thread;
wrk posts the same 1 KiB body on keep-alive connections, alternating the two
routes ROUNDS times. Prints requests/s of each, their ratio (target >= 0.8)
and the CPU time per request of the data plane under test (utime + stime
from /proc/PID/stat over the run, divided by the requests wrk completed).

Loopback only. Run with Debian's python:
  /usr/bin/python3 tests/bench/templates.py
(PORTICO_BUILD_DIR picks the build, default build-bench (release), built if
absent, unless BENCH_SKIP_BUILD=1; ROUNDS, SECONDS, CONNECTIONS override the
sizes.)

CALLGRIND=1 instead counts instructions per request (valgrind's callgrind: a
count the machine's load does not move) of the data plane under test on each
route: a warm-up, counters zeroed, CALLGRIND_SECONDS (default 10) of wrk with
CONNECTIONS (default 4 here) connections, the dump's total divided by the
requests wrk completed; then callgrind_annotate's top functions (self) of the
templated route's dump (CALLGRIND_TOP rows, default 40)."""

import json
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

from harness import ControlPlane, DataPlane, deploy  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
SECONDS = int(os.environ.get("SECONDS", "5"))
CALLGRIND = os.environ.get("CALLGRIND") == "1"
CALLGRIND_SECONDS = int(os.environ.get("CALLGRIND_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "4" if CALLGRIND else "16"))

REQUEST_TEMPLATE = """#set($root = $input.path('$'))
{
  "count": $root.items.size(),
  "names": [#foreach($it in $root.items)"$util.escapeJavaScript($it.name)"#if($foreach.hasNext),#end#end],
  "total": #set($t = 0)#foreach($it in $input.path('$.items'))#set($t = $t + $it.qty)#end$t,
  "first": $input.json('$.items[0]'),
  "stage": "$context.stage"
}
"""
RESPONSE_TEMPLATE = """#set($r = $input.path('$'))
{"ok": $r.ok, "id": "$util.escapeJavaScript($r.id)", "n": $r.items.size()}"""
UPSTREAM_BODY = json.dumps({"ok": True, "id": "pet-'1'", "items": list(range(20))})


def body_1k():
    items = [{"name": f"item \"{i}\" o'clock/{'x' * (i % 5)}", "qty": i, "tags": ["a", "b"]}
             for i in range(12)]
    return json.dumps({"items": items, "note": "pad" * 80})


def build():
    if os.environ.get("BENCH_SKIP_BUILD"):
        return
    bdir = os.environ["PORTICO_BUILD_DIR"]
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        subprocess.run(["meson", "setup", bdir, ROOT, "--buildtype=release"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", bdir], check=True, stdout=subprocess.DEVNULL)


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def wrk(url, host, script, seconds=SECONDS):
    args = ["wrk", "-t", "1", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "-s", script,
            "-H", f"Host: {host}", url]
    out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, total, int(non2xx.group(1)) if non2xx else 0


def make_upstream_api(cp):
    api = cp.ok("POST", "/restapis", {"name": "endpoint"}, expect=201)
    api_id = api["id"]
    res = cp.ok("POST", f"/restapis/{api_id}/resources/{api['rootResourceId']}", {"pathPart": "echo"},
                expect=201)
    base = f"/restapis/{api_id}/resources/{res['id']}/methods/POST"
    cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
    cp.ok("PUT", base + "/responses/200", {}, expect=201)
    cp.ok("PUT", base + "/integration", {"type": "MOCK", "requestTemplates": {
        "application/json": '{"statusCode": 200}'}}, expect=201)
    cp.ok("PUT", base + "/integration/responses/200",
          {"responseTemplates": {"application/json": UPSTREAM_BODY}}, expect=201)
    deploy(cp, api_id)
    return api_id


def make_api(cp, endpoint):
    api = cp.ok("POST", "/restapis", {"name": "bench"}, expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    for part, integ in (("proxy", {"type": "HTTP_PROXY", "httpMethod": "POST", "uri": endpoint}),
                        ("tmpl", {"type": "HTTP", "httpMethod": "POST", "uri": endpoint,
                                  "requestTemplates": {"application/json": REQUEST_TEMPLATE}})):
        res = cp.ok("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": part}, expect=201)
        base = f"/restapis/{api_id}/resources/{res['id']}/methods/POST"
        cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
        cp.ok("PUT", base + "/integration", integ, expect=201)
        if part == "tmpl":
            cp.ok("PUT", base + "/responses/200", {}, expect=201)
            cp.ok("PUT", base + "/integration/responses/200",
                  {"responseTemplates": {"application/json": RESPONSE_TEMPLATE}}, expect=201)
    deploy(cp, api_id)
    return api_id


def annotate_total(dump):
    out = subprocess.run(["callgrind_annotate", dump], capture_output=True, text=True).stdout
    return int(re.search(r"([\d,]+) \(100\.0%\) +PROGRAM TOTALS", out).group(1).replace(",", ""))


def callgrind_runs(dp, host, script, out):
    """Instructions per request of each route, counted by callgrind in dp."""
    for path in ("proxy", "tmpl"):
        wrk(f"{dp.base}/prod/{path}", host, script, seconds=2)  # warm-up, then zero
        subprocess.run(["callgrind_control", "-z", str(dp.proc.pid)], check=True,
                       stdout=subprocess.DEVNULL)
        _, total, bad = wrk(f"{dp.base}/prod/{path}", host, script, seconds=CALLGRIND_SECONDS)
        assert bad == 0, f"{bad} non-2xx answers on /{path}"
        before = set(os.listdir(os.path.dirname(out)))
        subprocess.run(["callgrind_control", "-d", f"route-{path}", str(dp.proc.pid)], check=True,
                       stdout=subprocess.DEVNULL)
        dump = None
        for _ in range(100):
            new = sorted(set(os.listdir(os.path.dirname(out))) - before)
            if new:
                dump = os.path.join(os.path.dirname(out), new[-1])
                break
            time.sleep(0.1)
        time.sleep(0.5)
        instr = annotate_total(dump)
        print(f"/{path}: {total} requests, {instr} instructions, {instr / total:.0f} "
              f"instructions/request (dp, all threads) — {dump}")
    top = os.environ.get("CALLGRIND_TOP", "40")
    ann = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", dump],
                         capture_output=True, text=True).stdout
    rows = ann.split("file:function", 1)[-1].splitlines()[2:2 + int(top)]
    print("--- /tmpl, self (top %s)" % top)
    print("\n".join(rows))


def main():
    build()
    work = tempfile.mkdtemp(prefix="portico-bench-tmpl-")
    cp = ControlPlane(work, "bench-secret-0123456789abcdef").start()
    procs = []
    try:
        up_dp = DataPlane(work, cp, name="endpoint", threads=1).start()
        procs.append(up_dp)
        up_api = make_upstream_api(cp)
        endpoint = up_dp.url(up_api, "prod", "/echo")  # path style: no name to resolve
        api_id = make_api(cp, endpoint)
        dp = DataPlane(work, cp, name="dp", threads=1)
        out = os.path.join(work, "callgrind", "callgrind.out")
        if CALLGRIND:
            os.makedirs(os.path.dirname(out))
            dp.argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}.%p",
                       "--dump-instr=no"] + dp.argv
        dp.start()
        procs.append(dp)
        dp.wait_version(cp.version())
        up_dp.wait_version(cp.version())
        host = f"{api_id}.execute-api.localhost:{dp.port}"
        body = body_1k()
        script = os.path.join(work, "post.lua")
        with open(script, "w") as f:
            f.write('wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n'
                    % json.dumps(body))
        for path in ("proxy", "tmpl"):  # both answer 200 before the load starts
            r = dp.request("POST", api_id, "prod", "/" + path, data=body,
                           headers={"Content-Type": "application/json"})
            assert r.status_code == 200, (path, r.status_code, r.text)
        print(f"body {len(body)} bytes; /tmpl answer: {r.text}")
        if CALLGRIND:
            callgrind_runs(dp, host, script, out)
            return
        hz = os.sysconf("SC_CLK_TCK")
        results = {"proxy": [], "tmpl": []}
        for _ in range(ROUNDS):
            for path in ("proxy", "tmpl"):
                t0 = cpu_ticks(dp.proc.pid)
                rps, total, bad = wrk(f"{dp.base}/prod/{path}", host, script)
                ticks = cpu_ticks(dp.proc.pid) - t0
                assert bad == 0, f"{bad} non-2xx answers on /{path}"
                results[path].append((rps, ticks / hz * 1e6 / max(total, 1)))
                time.sleep(0.5)
        print(f"{'route':8} {'req/s (median)':>15} {'CPU us/req':>11}")
        med = {}
        for path, rows in results.items():
            med[path] = (statistics.median(r for r, _ in rows), statistics.median(c for _, c in rows))
            print(f"/{path:7} {med[path][0]:15.0f} {med[path][1]:11.1f}")
        print(f"ratio HTTP+templates / HTTP_PROXY: {med['tmpl'][0] / med['proxy'][0]:.2f} (target >= 0.8)")
    finally:
        for p in procs:
            p.stop()
        cp.stop()


if __name__ == "__main__":
    main()
