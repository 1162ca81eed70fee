"""Response caching: Portico's stage cache against nginx proxy_cache.

Self-contained (starts everything itself, loopback only, the optimized build
in PORTICO_BUILD_DIR, default build-bench, built if absent):

1. Throughput of cached GETs: the same origin answer (BODY bytes of JSON from
   an nginx origin) served from Portico's stage cache and from nginx's
   proxy_cache, in one run, ROUNDS alternating wrk runs of SECONDS each
   (wrk -t2 -c64, keep-alive), medians compared. The origin counts its calls,
   so the run shows every measured request was a cache hit.
2. Hit ratio and memory under a Zipf(ZIPF_S) mix of KEYS keys, with the
   stage cache smaller than the working set (--cache-bytes-per-gb scales the
   0.5 size down to CACHE_MB MiB). The measured hit ratio (the node's own
   counters) is set beside an LRU and the static optimum (the most popular
   keys that fit) simulated on a Zipf trace of the same parameters and the
   same capacity in entries; memory is the node's accounting (usedBytes)
   and its resident set growth.
3. Flush propagation: FLUSHES times, the time from the flush's 202 to both
   of two nodes answering MISS.

Run: /usr/bin/python3 tests/bench/cache.py"""

import bisect
import collections
import os
import random
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

from harness import ControlPlane, DataPlane, free_port, wait_for  # noqa: E402

BODY = int(os.environ.get("BODY", "1024"))
ROUNDS = int(os.environ.get("ROUNDS", "8"))
SECONDS = int(os.environ.get("SECONDS", "5"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "64"))
KEYS = int(os.environ.get("KEYS", "20000"))
ZIPF_S = float(os.environ.get("ZIPF_S", "1.0"))
CACHE_MB = int(os.environ.get("CACHE_MB", "8"))
ZIPF_SECONDS = int(os.environ.get("ZIPF_SECONDS", "20"))
FLUSHES = int(os.environ.get("FLUSHES", "20"))

NGINX_MAIN = """
daemon off;
worker_processes {workers};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {access};
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    {extra}
    server {{
        listen 127.0.0.1:{port} reuseport;
        {server}
    }}
}}
"""

ORIGIN_SERVER = """
        default_type application/json;
        location / {{ root {root}; try_files /body.json =404; }}
"""

CACHE_EXTRA = "proxy_cache_path {dir}/cache levels=1:2 keys_zone=portico_bench:64m max_size=1g inactive=60m;"
CACHE_SERVER = """
        location / {{
            proxy_pass http://127.0.0.1:{origin}/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache portico_bench;
            proxy_cache_valid 200 300s;
            proxy_cache_lock on;
            add_header X-Cache-Status $upstream_cache_status;
        }}
"""


def build():
    bdir = os.environ["PORTICO_BUILD_DIR"]
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        subprocess.run(["meson", "setup", bdir, ROOT, "--buildtype=release"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", bdir], check=True, stdout=subprocess.DEVNULL)


class Nginx:
    """nginx in the foreground with its own prefix; as root its workers run as
    nobody, so the directories they write are made theirs."""

    def __init__(self, workdir, name, workers, server, extra="", access="off"):
        self.dir = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.dir, "cache"), exist_ok=True)
        if os.geteuid() == 0:
            import pwd
            nobody = pwd.getpwnam("nobody")
            os.chmod(workdir, 0o711)
            os.chmod(self.dir, 0o711)
            os.chown(os.path.join(self.dir, "cache"), nobody.pw_uid, nobody.pw_gid)
        self.port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_MAIN.format(workers=workers, dir=self.dir, port=self.port, extra=extra,
                                      server=server, access=access))
        Nginx.started.append(self)
        self.proc = subprocess.Popen(["nginx", "-p", self.dir, "-c", conf, "-e", os.path.join(self.dir, "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import requests
        wait_for(lambda: requests.get(f"http://127.0.0.1:{self.port}/", timeout=1).status_code < 500,
                 what=f"nginx {name}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    started = []


def origin_body():
    """A JSON document of BODY bytes."""
    head = '{"id": 1, "name": "bench", "pad": "'
    return head + "x" * (BODY - len(head) - 2) + '"}'


def start_origin(workdir, name, access="off"):
    """nginx serving origin_body() from a file for every path."""
    root = os.path.join(workdir, name + "-root")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "body.json"), "w") as f:
        f.write(origin_body())
    os.chmod(root, 0o755)
    os.chmod(os.path.join(root, "body.json"), 0o644)
    return Nginx(workdir, name, 1, ORIGIN_SERVER.format(root=root), access=access)


def wrk(url, host=None, seconds=SECONDS, script=None):
    argv = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if host:
        argv += ["-H", f"Host: {host}"]
    if script:
        argv += ["-s", script]
    out = subprocess.run(argv + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))
    p99 = next((line.split()[1] for line in out.splitlines() if line.strip().startswith("99%")), "?")
    non2xx = next((int(line.split()[-1]) for line in out.splitlines() if "Non-2xx" in line), 0)
    return rps, p99, non2xx, out


def access_lines(path):
    with open(path) as f:
        return sum(1 for _ in f)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cache_stats(cp, node, api_id):
    for n in cp.nodes()["item"]:
        if n["nodeId"] == node:
            for c in n.get("caches", []):
                if c["restApiId"] == api_id:
                    return c
    return None


def make_api(cp, origin_port, path_param=False):
    """GET /items (or /items/{id}) → the origin; stage prod with caching on."""
    api = cp.ok("POST", "/restapis", {"name": "bench"}, expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    rid = cp.ok("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": "items"}, expect=201)["id"]
    uri = f"http://127.0.0.1:{origin_port}/items"
    params = {}
    if path_param:
        rid = cp.ok("POST", f"/restapis/{api_id}/resources/{rid}", {"pathPart": "{id}"}, expect=201)["id"]
        uri += "/{id}"
        params = {"integration.request.path.id": "method.request.path.id"}
    base = f"/restapis/{api_id}/resources/{rid}/methods/GET"
    cp.ok("PUT", base, {"authorizationType": "NONE",
                        "requestParameters": {"method.request.path.id": True} if path_param else {}},
          expect=201)
    cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": uri,
                                         "requestParameters": params}, expect=201)
    cp.ok("POST", f"/restapis/{api_id}/deployments", {"stageName": "prod"}, expect=201)
    ops = [("/cacheClusterEnabled", "true"), ("/cacheClusterSize", "0.5"),
           ("/*/*/caching/enabled", "true"), ("/*/*/caching/ttlInSeconds", "3600")]
    cp.ok("PATCH", f"/restapis/{api_id}/stages/prod",
          {"patchOperations": [{"op": "replace", "path": p, "value": v} for p, v in ops]})
    return api_id


# ---- 1. throughput ----------------------------------------------------------------

def throughput(workdir):
    origin = start_origin(workdir, "origin", access=os.path.join(workdir, "origin-access.log"))
    origin_log = os.path.join(workdir, "origin-access.log")
    cache = Nginx(workdir, "nginx-cache", 2, CACHE_SERVER.format(origin=origin.port),
                  extra=CACHE_EXTRA.format(dir=os.path.join(workdir, "nginx-cache")))
    cp = ControlPlane(workdir, "bench-secret-0123456789abcdef").start()
    dp = DataPlane(workdir, cp, name="dp1", threads=2).start()
    try:
        api_id = make_api(cp, origin.port)
        dp.wait_version(cp.version())
        host = f"{api_id}.execute-api.localhost:{dp.port}"
        import requests
        p1 = requests.get(f"{dp.base}/prod/items", headers={"Host": host})
        p2 = requests.get(f"{dp.base}/prod/items", headers={"Host": host})
        n1 = requests.get(f"http://127.0.0.1:{cache.port}/items")
        n2 = requests.get(f"http://127.0.0.1:{cache.port}/items")
        assert p2.headers["x-portico-cache"] == "HIT" and n2.headers["x-cache-status"] == "HIT"
        assert p2.content == n2.content == p1.content == n1.content and len(p2.content) == BODY
        before = access_lines(origin_log)
        results = {"portico": [], "nginx": []}
        for _ in range(ROUNDS):
            results["portico"].append(wrk(f"{dp.base}/prod/items", host))
            results["nginx"].append(wrk(f"http://127.0.0.1:{cache.port}/items"))
        origin_calls = access_lines(origin_log) - before
        stats = wait_for(lambda: (s := cache_stats(cp, "dp1", api_id)) and s["hits"] > 1000 and s,
                         what="cache statistics")
        print(f"\n1. Cached GET, {BODY}-byte JSON body, wrk -t2 -c{CONNECTIONS}, {ROUNDS} rounds of {SECONDS} s "
              f"per server, alternating (2 server threads / 2 nginx workers; 2 cores shared with wrk)")
        print(f"   {'server':<20} {'median req/s':>12} {'min':>9} {'max':>9} {'p99 (median round)':>19} {'non-2xx':>8}")
        for name, rs in results.items():
            label = "portico stage cache" if name == "portico" else "nginx proxy_cache"
            by_rps = sorted(rs, key=lambda r: r[0])
            mid = by_rps[len(by_rps) // 2]
            print(f"   {label:<20} {mid[0]:>12.0f} {by_rps[0][0]:>9.0f} {by_rps[-1][0]:>9.0f} {mid[1]:>19} "
                  f"{sum(r[2] for r in rs):>8}")
        pairs = [p[0] / n[0] for p, n in zip(results["portico"], results["nginx"])]
        print(f"   portico / nginx per adjacent pair of rounds: {' '.join(f'{x:.2f}' for x in pairs)}; "
              f"median {statistics.median(pairs):.2f}")
        print(f"   origin calls during the measured runs: {origin_calls}; portico node counters: "
              f"hits {stats['hits']}, misses {stats['misses']}")
    finally:
        dp.stop()
        cp.stop()
        cache.stop()
        origin.stop()


# ---- 2. Zipf hit ratio and memory --------------------------------------------------

ZIPF_LUA = """
local n, s = {keys}, {s}
local cdf = {{}}
function init(args)
  local total = 0
  for k = 1, n do total = total + 1 / (k ^ s) end
  local acc = 0
  for k = 1, n do acc = acc + 1 / (k ^ s) / total; cdf[k] = acc end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(tostring({{}}):sub(8), 16) % 100000)
end
function request()
  local u = math.random()
  local lo, hi = 1, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return wrk.format("GET", "/prod/items/" .. lo)
end
"""


def zipf_trace(n, s, length, seed=1):
    weights = [1 / (k ** s) for k in range(1, n + 1)]
    total = sum(weights)
    cdf, acc = [], 0.0
    for w in weights:
        acc += w / total
        cdf.append(acc)
    rng = random.Random(seed)
    return [min(bisect.bisect_left(cdf, rng.random()), n - 1) for _ in range(length)], cdf


def lru_hit_ratio(trace, capacity):
    cache, hits = collections.OrderedDict(), 0
    for k in trace:
        if k in cache:
            cache.move_to_end(k)
            hits += 1
        else:
            cache[k] = True
            if len(cache) > capacity:
                cache.popitem(last=False)
    return hits / len(trace)


def sieve_hit_ratio(trace, capacity):
    """The same policy as dataplane/runtime/cache.c, on entries of equal size."""
    queue, visited, hand, hits = [], {}, None, 0   # queue: oldest first
    pos = {}
    for k in trace:
        if k in visited:
            visited[k] = True
            hits += 1
            continue
        if len(queue) >= capacity:
            i = hand if hand is not None else 0
            while visited[queue[i]]:
                visited[queue[i]] = False
                i = i + 1 if i + 1 < len(queue) else 0
            victim = queue.pop(i)
            del visited[victim]
            hand = i if i < len(queue) else None
        queue.append(k)
        visited[k] = False
    return hits / len(trace)


def zipf(workdir):
    origin = start_origin(workdir, "zipf-origin")
    cp = ControlPlane(workdir, "bench-secret-0123456789abcdef").start()
    per_gb = CACHE_MB * 2 * 1024 * 1024  # 0.5 GB of cacheClusterSize = CACHE_MB MiB
    dp = DataPlane(workdir, cp, name="dpz", threads=2, extra_args=("--cache-bytes-per-gb", str(per_gb))).start()
    try:
        api_id = make_api(cp, origin.port, path_param=True)
        dp.wait_version(cp.version())
        host = f"{api_id}.execute-api.localhost:{dp.port}"
        import requests
        r = requests.get(f"{dp.base}/prod/items/1", headers={"Host": host})
        rss0 = rss_kib(dp.proc.pid)
        script = os.path.join(workdir, "zipf.lua")
        with open(script, "w") as f:
            f.write(ZIPF_LUA.format(keys=KEYS, s=ZIPF_S))
        wrk(f"{dp.base}/", host, seconds=5, script=script)  # warm up
        s0 = wait_for(lambda: cache_stats(cp, "dpz", api_id), what="stats")
        time.sleep(1.5)
        s0 = cache_stats(cp, "dpz", api_id)
        rps, p99, non2xx, _ = wrk(f"{dp.base}/", host, seconds=ZIPF_SECONDS, script=script)
        time.sleep(1.5)
        s1 = cache_stats(cp, "dpz", api_id)
        rss1 = rss_kib(dp.proc.pid)
        hits = s1["hits"] - s0["hits"]
        misses = (s1["misses"] - s0["misses"]) + (s1["coalesced"] - s0["coalesced"])
        measured = hits / (hits + misses)
        entry = s1["usedBytes"] / max(1, s1["entries"])
        capacity_entries = int(s1["capacityBytes"] / entry)
        trace, cdf = zipf_trace(KEYS, ZIPF_S, 1_000_000)
        warm = 200_000
        lru = lru_hit_ratio(trace, capacity_entries) if capacity_entries else 0
        sieve = sieve_hit_ratio(trace, capacity_entries)
        optimum = cdf[capacity_entries - 1] if capacity_entries else 0
        working_set = KEYS * entry
        print(f"\n2. Zipf(s={ZIPF_S}) over {KEYS} keys, {BODY}-byte bodies, cache 0.5 GB scaled to "
              f"{s1['capacityBytes'] / 1048576:.1f} MiB (--cache-bytes-per-gb {per_gb}), {ZIPF_SECONDS} s of wrk")
        print(f"   working set {working_set / 1048576:.1f} MiB ({KEYS} entries of ~{entry:.0f} B); "
              f"cache holds {s1['entries']} entries = {100 * s1['entries'] / KEYS:.1f}% of the keys")
        print(f"   measured hit ratio {100 * measured:.1f}%  ({hits} hits, {misses} misses, {rps:.0f} req/s, "
              f"p99 {p99}, non-2xx {non2xx})")
        print(f"   simulated on 1M requests, same capacity in entries: SIEVE {100 * sieve:.1f}%, "
              f"LRU {100 * lru:.1f}%, static optimum (top {capacity_entries} keys) {100 * optimum:.1f}%")
        print(f"   memory: usedBytes {s1['usedBytes']} <= capacityBytes {s1['capacityBytes']}; "
              f"evictions {s1['evictions']}; node RSS {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB "
              f"(+{(rss1 - rss0) / 1024:.1f} MiB)")
        del warm, r
    finally:
        dp.stop()
        cp.stop()
        origin.stop()


# ---- 3. flush propagation ----------------------------------------------------------

def flush(workdir):
    origin = start_origin(workdir, "flush-origin")
    cp = ControlPlane(workdir, "bench-secret-0123456789abcdef").start()
    dps = [DataPlane(workdir, cp, name=f"dpf{i}", threads=1).start() for i in (1, 2)]
    try:
        api_id = make_api(cp, origin.port)
        for dp in dps:
            dp.wait_version(cp.version())
        samples = []
        for _ in range(FLUSHES):
            for dp in dps:
                host = f"{api_id}.execute-api.localhost:{dp.port}"
                dp.session.get(f"{dp.base}/prod/items", headers={"Host": host})
                assert dp.session.get(f"{dp.base}/prod/items", headers={"Host": host}).headers["x-portico-cache"] == "HIT"
            assert cp.call("DELETE", f"/restapis/{api_id}/stages/prod/cache/data").status_code == 202
            acked = time.monotonic()
            out = []

            def watch(dp):
                host = f"{api_id}.execute-api.localhost:{dp.port}"
                while time.monotonic() < acked + 5:
                    r = dp.session.get(f"{dp.base}/prod/items", headers={"Host": host})
                    if r.headers["x-portico-cache"] == "MISS":
                        out.append(time.monotonic() - acked)
                        return
                out.append(float("inf"))

            threads = [threading.Thread(target=watch, args=(dp,)) for dp in dps]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            samples.append(max(out))
        ms = sorted(s * 1000 for s in samples)
        print(f"\n3. Flush: {FLUSHES} flushes, time from the 202 to both of 2 nodes answering MISS: "
              f"median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms")
    finally:
        for dp in dps:
            dp.stop()
        cp.stop()
        origin.stop()


def main():
    build()
    parts = sys.argv[1:] or ["throughput", "zipf", "flush"]
    for part in parts:
        with tempfile.TemporaryDirectory() as d:
            try:
                {"throughput": throughput, "zipf": zipf, "flush": flush}[part](d)
            finally:
                for n in Nginx.started:
                    n.stop()
                Nginx.started = []


if __name__ == "__main__":
    main()
