"""API keys at scale, and what an API key + usage plan costs per request.

1. Scale: 1,000,000 API keys in one usage plan. The keys are written
   straight into the control plane's SQLite database while it is stopped
   (creating a million keys through the admin API would measure SQLite's
   fsyncs, not Portico); then the control plane starts and builds its
   snapshot, a data plane applies it, and the benchmark reports the
   control plane's build time and snapshot size, the data plane's apply
   (decode + compile) time and its resident memory, and how long disabling
   one key takes to reach the node as a key delta.
2. Throughput: wrk against one data plane (1 worker thread), alternating a
   MOCK route that needs an API key in a usage plan (throttle and quota
   both enforced, set high enough never to refuse) with the same MOCK route
   without auth, ROUNDS times; prints requests/s of each and their ratio.
   With 1,000,000 keys loaded, the key route picks a random key of 10,000
   per request (cache misses included).

Loopback only. Run with Debian's python:
  /usr/bin/python3 tests/bench/api_keys.py
(PORTICO_BUILD_DIR picks the build, default build-bench, built if absent;
KEYS, ROUNDS and SECONDS override the sizes.)"""

import hashlib
import os
import random
import re
import secrets
import sqlite3
import statistics
import string
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("PORTICO_BUILD_DIR", os.path.join(ROOT, "build-bench"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from harness import (ControlPlane, DataPlane, Process, deploy, make_key, make_key_api, make_plan,  # noqa: E402
                     wait_for)

KEYS = int(os.environ.get("KEYS", "1000000"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
SECONDS = int(os.environ.get("SECONDS", "5"))
UNTHROTTLED = ("--account-rate-limit", "1e9", "--account-burst-limit", "1000000000")
ALPHABET = string.ascii_letters + string.digits

WRK_KEYS = r"""
local keys = {}
for line in io.lines(os.getenv("KEYS_FILE")) do keys[#keys + 1] = line end
math.randomseed(os.time())
request = function()
  wrk.headers["x-api-key"] = keys[math.random(#keys)]
  return wrk.format(nil)
end
"""


def build():
    bdir = os.environ["PORTICO_BUILD_DIR"]
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        subprocess.run(["meson", "setup", bdir, ROOT, "--buildtype=release"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", bdir], check=True, stdout=subprocess.DEVNULL)


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def last_match(text, pattern):
    found = re.findall(pattern, text)
    return found[-1] if found else None


def insert_keys(db, plan_id, n, sample):
    """n enabled keys in plan_id; returns `sample` of their values."""
    rng = random.Random(42)
    con = sqlite3.connect(db)
    now = int(time.time())
    values = []
    started = time.monotonic()
    with con:
        rows, members = [], []
        for i in range(n):
            value = "".join(rng.choice(ALPHABET) for _ in range(40))
            key_id = f"b{i:09d}"
            rows.append((key_id, "bench", 1, hashlib.sha256(value.encode()).digest(), value[:4], now, now))
            members.append((plan_id, key_id))
            if len(values) < sample:
                values.append(value)
            if len(rows) == 50000:
                con.executemany("INSERT INTO api_keys(id, name, enabled, sha256, prefix, created_at, "
                                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                con.executemany("INSERT INTO usage_plan_keys(plan_id, key_id) VALUES (?, ?)", members)
                rows, members = [], []
        if rows:
            con.executemany("INSERT INTO api_keys(id, name, enabled, sha256, prefix, created_at, "
                            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            con.executemany("INSERT INTO usage_plan_keys(plan_id, key_id) VALUES (?, ?)", members)
        # a new configuration version (and epoch), as an admin change would make
        con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'config_version'")
        con.execute("UPDATE meta SET value = (SELECT value FROM meta WHERE key = 'config_version') "
                    "WHERE key = 'config_epoch'")
    con.close()
    print(f"  wrote {n} keys into SQLite in {time.monotonic() - started:.1f} s (setup, not measured)")
    return values


def cpu_seconds(pid):
    """User + system CPU time the process used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, host, seconds, script=None, env=None):
    args = ["wrk", "-t1", "-c32", f"-d{seconds}s", "-H", f"Host: {host}", url]
    if script:
        args[1:1] = ["-s", script]
    out = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, **(env or {}))).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, total, int(non2xx.group(1)) if non2xx else 0


def measured(dp, *args, **kw):
    """wrk run plus the data plane's CPU microseconds per request."""
    before = cpu_seconds(dp.proc.pid)
    rps, total, bad = wrk(*args, **kw)
    return rps, 1e6 * (cpu_seconds(dp.proc.pid) - before) / max(total, 1), bad


def throughput(dp, ids, keys_file, label):
    host = f"{ids['api']}.execute-api.localhost:{dp.port}"
    open_rps, key_rps, open_cpu, key_cpu = [], [], [], []
    script = os.path.join(os.path.dirname(keys_file), "keys.lua")
    with open(script, "w") as f:
        f.write(WRK_KEYS)
    for _ in range(ROUNDS):
        # the same wrk script for both, so that wrk's own cost is the same
        rps, cpu, bad = measured(dp, f"{dp.base}/prod/open", host, SECONDS, script, {"KEYS_FILE": keys_file})
        assert bad == 0, "no-auth route answered non-2xx"
        open_rps.append(rps)
        open_cpu.append(cpu)
        rps, cpu, bad = measured(dp, f"{dp.base}/prod/pets", host, SECONDS, script, {"KEYS_FILE": keys_file})
        assert bad == 0, "key route answered non-2xx"
        key_rps.append(rps)
        key_cpu.append(cpu)
    o, k = statistics.median(open_rps), statistics.median(key_rps)
    print(f"  {label}: no auth {o:,.0f} req/s, API key + usage plan {k:,.0f} req/s (medians), "
          f"ratio {k / o:.3f}; best of each {max(key_rps) / max(open_rps):.3f}\n"
          f"    rounds: {[round(x) for x in open_rps]} vs {[round(x) for x in key_rps]}\n"
          f"    data plane CPU per request (median): no auth {statistics.median(open_cpu):.2f} us, "
          f"API key + usage plan {statistics.median(key_cpu):.2f} us")


def main():
    build()
    work = tempfile.mkdtemp(prefix="portico-bench-keys-")
    secret = secrets.token_hex(24)
    cp = ControlPlane(work, secret, extra_args=UNTHROTTLED).start()
    dp = None
    try:
        ids = make_key_api(cp)
        deploy(cp, ids["api"])
        few = [make_key(cp) for _ in range(3)]
        plan = make_plan(cp, ids["api"], keys=few, throttle={"rateLimit": 1e9, "burstLimit": 1000000000},
                         quota={"limit": 1000000000000, "period": "MONTH"})
        keys_file = os.path.join(work, "keys.txt")

        print("throughput, 3 keys:")
        with open(keys_file, "w") as f:
            f.write("\n".join(k["value"] for k in few) + "\n")
        dp = DataPlane(work, cp, threads=1).start()
        dp.wait_version(cp.version())
        throughput(dp, ids, keys_file, "3 keys")
        dp.stop()

        print(f"scale, {KEYS:,} keys in one usage plan:")
        cp.stop()
        values = insert_keys(os.path.join(cp.dir, "data", "portico.db"), plan["id"], KEYS, 10000)
        # same data directory, fresh ports (others may have taken the old ones meanwhile);
        # its first snapshot build can take longer than the usual health wait
        cp = ControlPlane(work, secret, extra_args=UNTHROTTLED)
        Process.start(cp)
        wait_for(lambda: cp.session.get(cp.url + "/healthz", timeout=5).status_code == 200, timeout=120,
                 what="control plane health")
        log = cp.output()
        built = last_match(log, r"published snapshot version \d+ \((\d+) bytes, built in ([\d.]+) ms\)")
        print(f"  control plane: snapshot {int(built[0]) / 1e6:.1f} MB built in {float(built[1]):.0f} ms")
        dp = DataPlane(work, cp, name="dp-1m", threads=1).start()
        dp.wait_version(cp.version(), timeout=60)
        applied = last_match(dp.output(), r"\((\d+) stages, (\d+) keys, (\d+) KiB compiled in ([\d.]+) ms, "
                                          r"([\d.]+) ms after it arrived\)")
        print(f"  data plane: {int(applied[1]):,} keys: decoded and compiled in {float(applied[3]):.0f} ms, "
              f"serving {float(applied[4]):.0f} ms after the snapshot arrived (MAC and hash checked) "
              f"(compiled runtime {int(applied[2]) / 1024:.0f} MiB); "
              f"resident {rss_kib(dp.proc.pid, 'VmRSS') / 1024:.0f} MiB, "
              f"peak {rss_kib(dp.proc.pid, 'VmHWM') / 1024:.0f} MiB")
        host = f"{ids['api']}.execute-api.localhost:{dp.port}"
        victim = values[0]
        r = dp.session.get(f"{dp.base}/prod/pets", headers={"Host": host, "x-api-key": victim})
        assert r.status_code == 200, r.text
        key_id = "b000000000"
        started = time.monotonic()
        cp.ok("PATCH", f"/apikeys/{key_id}", {"patchOperations": [{"op": "replace", "path": "/enabled", "value": "false"}]})
        wait_for(lambda: dp.session.get(f"{dp.base}/prod/pets", headers={"Host": host, "x-api-key": victim}).status_code == 403,
                 timeout=10, interval=0.005)
        print(f"  disabling one key of {KEYS:,}: 403 on the node {1000 * (time.monotonic() - started):.0f} ms "
              f"after the admin API answered (key delta; the snapshot is not resent)")
        with open(keys_file, "w") as f:
            f.write("\n".join(values[1:]) + "\n")
        throughput(dp, ids, keys_file, f"{KEYS:,} keys, 10,000 distinct per run")
        print(f"  data plane after the runs: resident {rss_kib(dp.proc.pid, 'VmRSS') / 1024:.0f} MiB")
    finally:
        if dp is not None:
            dp.stop()
        cp.stop()


if __name__ == "__main__":
    main()
