"""Warm AWS_PROXY throughput against the same handler behind HTTP_PROXY, the
invocation overhead, and AWS_PROXY throughput as concurrency grows 1 → 8
(issue 13's figures; a benchmark, not CI).

The handler is tests/bench/hello_fn.c, compiled here with cc: with no
arguments it is a `provided.al2023` bootstrap speaking the Runtime API over
one keep-alive socket and answering {"statusCode":200,"body":"hello"}; with
`serve PORT` it is the same program as a keep-alive HTTP/1.1 server answering
200 "hello", one forked process per connection. One control plane, one data
plane under test (1 event-loop thread, --function-slots 8), one REST API,
stage prod:
  GET /fn   → AWS_PROXY to function `hello` (reserved concurrency 8)
  GET /http → HTTP_PROXY to http://127.0.0.1:PORT/ (hello_fn serve)
wrk -t1 -cN --latency, SECONDS each, alternating the two routes ROUNDS times
at CONNECTIONS, then /fn at 1, 2, 4, 8 connections ROUNDS times; each row
is the median of its runs (per column). Per run: req/s, p50 and
p99, the data plane's CPU µs/request and the handler processes' CPU
µs/request (for /fn the runtime processes the node forked; for /http the
server and its per-connection children), from /proc/PID/stat.

Loopback only. Run with Debian's python:
  /usr/bin/python3 tests/bench/functions_throughput.py
(PORTICO_BUILD_DIR picks the build, default build-bench (release), built if
absent; ROUNDS (3), SECONDS (4), CONNECTIONS (4) override the sizes.)"""

import base64
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("PORTICO_BUILD_DIR", os.path.join(ROOT, "build-bench"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from harness import ControlPlane, DataPlane, deploy, free_port, wait_for  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
SECONDS = int(os.environ.get("SECONDS", "4"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "4"))
SLOTS = 8
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
HZ = os.sysconf("SC_CLK_TCK")


def build():
    bdir = os.environ["PORTICO_BUILD_DIR"]
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        subprocess.run(["meson", "setup", bdir, ROOT, "--buildtype=release"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["nice", "ninja", "-C", bdir], check=True, stdout=subprocess.DEVNULL)


def stat(pid):
    """(ppid, utime+stime+cutime+cstime in ticks) of a live process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def own_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime: the data plane's own threads


def tree_ticks(root, include_root):
    """CPU of root's live descendants (their own plus their reaped children's),
    keyed by pid, so a before/after difference counts processes born in
    between in full."""
    procs = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            s = stat(int(d))
            if s is not None:
                procs[int(d)] = s
    out, todo = {}, [root]
    while todo:
        p = todo.pop()
        for pid, (ppid, ticks) in procs.items():
            if ppid == p:
                out[pid] = ticks
                todo.append(pid)
    if include_root and root in procs:
        out[root] = procs[root][1]
    return out


def tree_delta(before, after):
    return sum(t - before.get(pid, 0) for pid, t in after.items())


def ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def wrk(url, host, conns):
    args = ["wrk", "-t1", "-c", str(conns), "-d", f"{SECONDS}s", "--latency", "-H", f"Host: {host}", url]
    out = subprocess.run(args, capture_output=True, text=True, timeout=SECONDS + 60).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "total": int(re.search(r"(\d+) requests in", out).group(1)),
            "p50": ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)),
            "p99": ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)),
            "bad": (int(bad.group(1)) if bad else 0) + (sum(map(int, errs.groups())) if errs else 0)}


def measure(dp, handler_root, include_root, url, host, conns):
    dp0, h0 = own_ticks(dp.proc.pid), tree_ticks(handler_root, include_root)
    r = wrk(url, host, conns)
    dp1, h1 = own_ticks(dp.proc.pid), tree_ticks(handler_root, include_root)
    assert r["bad"] == 0, f"{r['bad']} failed requests on {url}"
    n = max(r["total"], 1)
    r["dp_us"] = (dp1 - dp0) / HZ * 1e6 / n
    r["handler_us"] = tree_delta(h0, h1) / HZ * 1e6 / n
    return r


def zip_of(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = (0o100755 << 16)
        with open(path, "rb") as f:
            z.writestr(info, f.read())
    return buf.getvalue()


def fn_uri(ref):
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ref}/invocations"


def make_api(cp, upstream):
    api = cp.ok("POST", "/restapis", {"name": "fnbench"}, expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    for part, integ in (("fn", {"type": "AWS_PROXY", "httpMethod": "POST", "uri": fn_uri("hello")}),
                        ("http", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": upstream})):
        res = cp.ok("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": part}, expect=201)
        base = f"/restapis/{api_id}/resources/{res['id']}/methods/GET"
        cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
        cp.ok("PUT", base + "/integration", integ, expect=201)
    deploy(cp, api_id)
    return api_id


def row(name, r):
    return (f"| {name} | {r['rps']:.0f} ({r['rps_range']}) | {r['p50']:.2f} | {r['p99']:.2f} | {r['dp_us']:.1f} | "
            f"{r['handler_us']:.1f} | {r['dp_us'] + r['handler_us']:.1f} |")


def median_run(runs):
    keys = ("rps", "p50", "p99", "dp_us", "handler_us")
    out = {k: statistics.median(r[k] for r in runs) for k in keys}
    out["rps_range"] = f"{min(r['rps'] for r in runs):.0f}–{max(r['rps'] for r in runs):.0f}"
    return out


def main():
    build()
    work = tempfile.mkdtemp(prefix="portico-bench-fnthr.")
    binary = os.path.join(work, "hello_fn")
    subprocess.run(["cc", "-O2", "-o", binary, os.path.join(HERE, "hello_fn.c")], check=True)
    up_port = free_port()
    upstream = subprocess.Popen([binary, "serve", str(up_port)])
    cp = ControlPlane(work, "bench-secret-0123456789abcdef").start()
    dp = None
    try:
        body = {"FunctionName": "hello", "Runtime": "provided.al2023", "Handler": "x", "Role": ROLE,
                "Timeout": 30, "Code": {"ZipFile": base64.b64encode(zip_of(binary)).decode()}}
        r = cp.call("POST", "/2015-03-31/functions", body)
        assert r.status_code == 201, r.text
        cp.ok("PUT", "/2017-10-31/functions/hello/concurrency", {"ReservedConcurrentExecutions": SLOTS})
        api_id = make_api(cp, f"http://127.0.0.1:{up_port}/")
        dp = DataPlane(work, cp, name="dp", threads=1,
                       extra_args=["--function-slots", str(SLOTS)]).start()
        dp.wait_version(cp.version())
        host = f"{api_id}.execute-api.localhost:{dp.port}"
        targets = {"/fn": (f"{dp.base}/prod/fn", dp.proc.pid, False),
                   "/http": (f"{dp.base}/prod/http", upstream.pid, True)}
        for name, (url, _, _) in targets.items():
            wait_for(lambda: dp.session.get(url, headers={"Host": host}, timeout=10).text == "hello",
                     timeout=30, what=f"{name} to answer hello")
        subprocess.run(["wrk", "-t1", "-c", str(SLOTS), "-d", "1s", "-H", f"Host: {host}",
                        targets["/fn"][0]], capture_output=True)  # warm: SLOTS processes started
        load0 = os.getloadavg()
        runs = {name: [] for name in targets}
        for _ in range(ROUNDS):
            for name, (url, root, incl) in targets.items():
                runs[name].append(measure(dp, root, incl, url, host, CONNECTIONS))
                time.sleep(0.5)
        scale = {c: [] for c in (1, 2, 4, 8)}
        for _ in range(ROUNDS):
            for c in scale:
                scale[c].append(measure(dp, dp.proc.pid, False, targets["/fn"][0], host, c))
                time.sleep(0.5)
        load1 = os.getloadavg()
        med = {name: median_run(rs) for name, rs in runs.items()}
    finally:
        if dp is not None:
            dp.stop()
        cp.stop()
        upstream.kill()
        upstream.wait()
    head = ("| route | req/s (min–max) | p50 ms | p99 ms | data plane CPU µs/req | handler CPU µs/req | "
            "total µs/req |\n|---|---:|---:|---:|---:|---:|---:|")
    print(f"wrk -t1 -c{CONNECTIONS} -d{SECONDS}s, median of {ROUNDS} rounds; "
          f"load average before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, "
          f"after {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; {os.cpu_count()} cores")
    print(head)
    print(row("GET /fn (AWS_PROXY)", med["/fn"]))
    print(row("GET /http (HTTP_PROXY)", med["/http"]))
    f, h = med["/fn"], med["/http"]
    print()
    print(f"invocation overhead (AWS_PROXY − HTTP_PROXY): data plane {f['dp_us'] - h['dp_us']:+.1f} µs/req, "
          f"handler processes {f['handler_us'] - h['handler_us']:+.1f} µs/req, total "
          f"{f['dp_us'] + f['handler_us'] - h['dp_us'] - h['handler_us']:+.1f} µs/req; "
          f"p50 {(f['p50'] - h['p50']) * 1000:+.0f} µs, p99 {(f['p99'] - h['p99']) * 1000:+.0f} µs")
    print()
    print("| wrk -c (GET /fn) | req/s (min–max) | p50 ms | p99 ms | data plane CPU µs/req | function CPU µs/req | "
          "total µs/req |\n|---|---:|---:|---:|---:|---:|---:|")
    for c, rs in scale.items():
        print(row(str(c), median_run(rs)))


if __name__ == "__main__":
    main()
