"""Faults: none of these may lose a request or a write.

Config changes, a control plane killed and restarted, a data plane killed
and restarted while the control plane is away, a full disk, a cut and a slow
network between the planes, slow clients. Every test starts real processes
on loopback (or in a network namespace it makes itself) and is bounded in
time. Runs under Debian's /usr/bin/python3 like the rest of tests/system.
"""

import os
import random
import shutil
import socket
import subprocess
import threading
import time

import pytest
import requests

from harness import (ControlPlane, DataPlane, add_mock_method, deploy, free_port, run_wrk,
                     wait_for)

NO_ERRORS = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}


def op(o, path, value=None):
    d = {"op": o, "path": path}
    if value is not None:
        d["value"] = value
    return d


def stage_patch(cp, api_id, *ops):
    r = cp.call("PATCH", f"/restapis/{api_id}/stages/prod", {"patchOperations": list(ops)})
    assert r.status_code == 200, r.text


def mock_api(cp, label="d0"):
    api = cp.ok("POST", "/restapis", {"name": "faults"}, expect=201)
    add_mock_method(cp, api["id"], api["rootResourceId"], "GET", label)
    return api["id"], api["rootResourceId"]


class Load:
    """wrk against each node in 4-second rounds until stopped; every round's
    summary is kept, so a failure anywhere in the run is seen."""

    def __init__(self, dps, api_id, tmp_path, path="/prod/", connections=8, headers=None):
        self.rounds, self.stopping = [], threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(dp, api_id, tmp_path, path, connections))
                        for dp in dps]

    def run(self, dp, api_id, tmp_path, path, connections):
        while not self.stopping.is_set():
            try:
                r = run_wrk(f"{dp.base}{path}", f"{api_id}.execute-api.localhost:{dp.port}",
                            seconds=4, connections=connections, threads=1, tmpdir=str(tmp_path))
            except Exception as e:  # reported by check()
                r = {"exception": repr(e)}
            self.rounds.append((dp.name, r))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=120)

    def check(self, ok=("200",)):
        total = 0
        assert self.rounds, "no load ran"
        for name, r in self.rounds:
            assert "exception" not in r, (name, r)
            assert r["errors"] == NO_ERRORS, (name, r)
            assert set(r["statuses"]) <= set(ok), (name, r)
            assert r["mismatches"] == 0, (name, r)
            total += r["requests"]
        return total


def test_a_thousand_config_changes_under_load_fail_no_request(cp, make_dp, tmp_path):
    api_id, root = mock_api(cp)
    deployments = [deploy(cp, api_id, "prod")["id"]]
    # a second key is disabled and enabled while the load runs (the load itself needs none)
    key = cp.ok("POST", "/apikeys", {"name": "spare", "enabled": True}, expect=201)
    dps = [make_dp(threads=2).start(), make_dp(threads=2).start()]
    for dp in dps:
        dp.wait_version(cp.version())
    rng = random.Random(11)
    changes, has_canary = 0, False
    started = time.monotonic()
    with Load(dps, api_id, tmp_path) as load:
        while changes < 1000:
            kind = changes % 4
            if kind == 0 and len(deployments) < 40:
                add_mock_method(cp, api_id, root, "GET", f"d{len(deployments)}")
                deployments.append(deploy(cp, api_id, "prod")["id"])
            elif kind == 0 or kind == 1:
                stage_patch(cp, api_id, op("replace", "/deploymentId", rng.choice(deployments)))
            elif kind == 2 and not has_canary:
                deployments.append(deploy(cp, api_id, "prod", canarySettings={"percentTraffic": 30})["id"])
                has_canary = True
            elif kind == 2:
                stage_patch(cp, api_id, op("replace", "/canarySettings/percentTraffic", str(rng.randint(0, 100))))
            else:
                cp.ok("PATCH", f"/apikeys/{key['id']}",
                      {"patchOperations": [op("replace", "/enabled", str(changes % 8 == 3).lower())]})
            changes += 1
    served = load.check()
    elapsed = time.monotonic() - started
    print(f"\n1000 config changes in {elapsed:.1f} s under load: {served} requests served, 0 failed")
    for dp in dps:
        dp.wait_version(cp.version())


def test_control_plane_killed_under_load_loses_no_request_and_no_acknowledged_write(cp, make_dp, tmp_path):
    api_id, _ = mock_api(cp)
    deploy(cp, api_id, "prod")
    dps = [make_dp(threads=2).start(), make_dp(threads=2).start()]
    for dp in dps:
        dp.wait_version(cp.version())
    acknowledged, stop = [], threading.Event()

    def writer():
        n = 0
        while not stop.is_set():
            n += 1
            try:
                r = cp.call("POST", "/restapis", {"name": f"w{n}"})
            except requests.RequestException:
                time.sleep(0.02)
                continue
            if r.status_code == 201:
                acknowledged.append(r.json()["id"])

    with Load(dps, api_id, tmp_path) as load:
        w = threading.Thread(target=writer)
        w.start()
        time.sleep(2)
        cp.kill()
        time.sleep(1.5)
        cp.start()
        time.sleep(2)
        stop.set()
        w.join()
    load.check()
    assert len(acknowledged) > 5
    stored = set()
    position = None
    while True:
        page = cp.ok("GET", "/restapis?limit=500" + (f"&position={position}" if position else ""))
        stored.update(item["id"] for item in page["item"])
        position = page.get("position")
        if not position:
            break
    missing = [a for a in acknowledged if a not in stored]
    assert not missing, f"{len(missing)} acknowledged writes lost: {missing[:5]}"
    for dp in dps:  # the nodes found the new control plane
        dp.wait_version(cp.version(), timeout=20)


def test_data_plane_killed_serves_from_its_state_dir_within_a_second_without_control_plane(cp, make_dp):
    api_id, _ = mock_api(cp)
    deploy(cp, api_id, "prod")
    dp = make_dp(threads=2).start()
    dp.wait_version(cp.version())
    cp.kill()
    dp.kill()
    t0 = time.monotonic()
    dp.start(wait_ready=False)

    def serving():
        try:
            return dp.get(api_id, "prod", "/", timeout=0.5).status_code == 200
        except requests.RequestException:
            return False

    wait_for(serving, timeout=5, interval=0.01, what="the restarted node to serve")
    elapsed = time.monotonic() - t0
    print(f"\nrestarted node served from its state directory after {elapsed * 1000:.0f} ms")
    assert elapsed < 1.0, elapsed


def is_root():
    return os.geteuid() == 0


@pytest.mark.skipif(not is_root(), reason="mounting a small tmpfs needs root (CI runs as root)")
def test_disk_full_answers_503_writes_nothing_and_recovers(tmp_path, secret):
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    try:
        cp = ControlPlane(str(disk), secret).start()
        try:
            cp_disk_full(cp, disk)
        finally:
            cp.stop()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(path):
    """Writes zeros into path until the file system is full."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 512):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def cp_disk_full(cp, disk):
    api_id, _ = mock_api(cp)
    deploy(cp, api_id, "prod")
    before = cp.version()
    filler = disk / "filler"
    fill(filler)
    statuses, created = [], 0
    for i in range(30):
        r = cp.call("POST", "/restapis", {"name": f"full{i}", "description": "x" * 2000})
        statuses.append(r.status_code)
        if r.status_code == 201:
            created += 1
            continue
        assert r.status_code == 503, r.text
        assert r.headers["x-amzn-ErrorType"] == "ServiceUnavailableException"
        assert "message" in r.json()
    assert 503 in statuses, statuses
    # reads keep working and what was refused is not there
    names = [a["name"] for a in cp.ok("GET", "/restapis?limit=500")["item"]]
    assert len([n for n in names if n.startswith("full")]) == created
    assert cp.version() >= before
    os.unlink(filler)
    r = cp.call("POST", "/restapis", {"name": "after"})
    assert r.status_code == 201, r.text
    assert cp.ok("GET", f"/restapis/{r.json()['id']}")["name"] == "after"
    assert cp.call("GET", "/healthz").status_code == 200


# ---- network faults between the planes ------------------------------------

NETNS_OK = is_root() and shutil.which("ip") is not None


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


class Link:
    """A network namespace joined to this one by a veth pair: the control
    plane listens on the host side, a data plane runs inside. The addresses
    are in 198.18.0.0/15 (benchmarking range), only on this veth pair."""

    HOST, NODE = "198.18.71.1", "198.18.71.2"

    def __init__(self, tag):
        self.ns, self.host_if, self.node_if = f"ptf{tag}", f"ptfh{tag}", f"ptfn{tag}"

    def up(self):
        sh("ip", "netns", "add", self.ns)
        sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.node_if)
        sh("ip", "link", "set", self.node_if, "netns", self.ns)
        sh("ip", "addr", "add", f"{self.HOST}/30", "dev", self.host_if)
        sh("ip", "link", "set", self.host_if, "up")
        sh("ip", "netns", "exec", self.ns, "ip", "addr", "add", f"{self.NODE}/30", "dev", self.node_if)
        sh("ip", "netns", "exec", self.ns, "ip", "link", "set", self.node_if, "up")
        sh("ip", "netns", "exec", self.ns, "ip", "link", "set", "lo", "up")
        return self

    def cut(self):
        sh("ip", "link", "set", self.host_if, "down")

    def heal(self):
        sh("ip", "link", "set", self.host_if, "up")

    def slow(self):
        """1 Mbit/s with up to 400 ms of queueing on the host side (tbf;
        this kernel has no netem for loss and jitter)."""
        sh("tc", "qdisc", "add", "dev", self.host_if, "root", "tbf", "rate", "1mbit", "burst", "32kbit",
           "latency", "400ms")

    def unslow(self):
        sh("tc", "qdisc", "del", "dev", self.host_if, "root", check=False)

    def down(self):
        sh("ip", "link", "del", self.host_if, check=False)
        sh("ip", "netns", "del", self.ns, check=False)


@pytest.mark.skipif(not NETNS_OK, reason="network namespaces need root and iproute2")
def test_nodes_keep_serving_through_a_cut_and_a_slow_link_and_converge(tmp_path, secret):
    link = Link(os.getpid() % 10000).up()
    try:
        cp = ControlPlane(str(tmp_path), secret)
        cp.argv[cp.argv.index("--cluster-listen") + 1] = f"tcp://{Link.HOST}:{cp.cluster_port}"
        cp.start()
        port = free_port()
        node = DataPlane(str(tmp_path), cp, name="far", threads=1,
                         extra_args=())
        node.argv = ["ip", "netns", "exec", link.ns] + node.argv
        node.argv[node.argv.index("--control-plane") + 1] = f"tcp://{Link.HOST}:{cp.cluster_port}"
        node.argv[node.argv.index("--listen") + 1] = f"127.0.0.1:{port}"

        def far_get(api_id, path="/"):
            out = sh("ip", "netns", "exec", link.ns, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                     "-m", "3", "-H", f"Host: {api_id}.execute-api.localhost:{port}",
                     f"http://127.0.0.1:{port}/prod{path}", check=False)
            return out.stdout.strip()

        api_id, root = mock_api(cp, "v1")
        deploy(cp, api_id, "prod")
        node.start(wait_ready=False)
        wait_for(lambda: far_get(api_id) == "200", timeout=30, what="the far node to serve")
        node.wait_version(cp.version())

        link.cut()
        add_mock_method(cp, api_id, root, "GET", "v2")
        deploy(cp, api_id, "prod")
        for _ in range(10):  # cut off: still serving the last snapshot
            assert far_get(api_id) == "200"
            time.sleep(0.2)
        link.heal()
        node.wait_version(cp.version(), timeout=30)

        link.slow()
        add_mock_method(cp, api_id, root, "GET", "v3")
        deploy(cp, api_id, "prod")
        assert far_get(api_id) == "200"
        node.wait_version(cp.version(), timeout=60)
        link.unslow()
        nodes = {n["nodeId"]: n for n in cp.nodes()["item"]}
        assert nodes["far"]["status"] == "IN_SYNC", nodes
    finally:
        link.down()


# ---- slow clients and upstreams ---------------------------------------------

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_slow_clients_hold_bounded_memory_and_are_timed_out(cp, make_dp):
    api_id, _ = mock_api(cp)
    deploy(cp, api_id, "prod")
    dp = make_dp(threads=1).start()
    dp.wait_version(cp.version())
    host = f"{api_id}.execute-api.localhost:{dp.port}"
    before = rss_kib(dp.proc.pid)
    socks = []
    for i in range(300):  # slowloris: headers that never end, and bodies that never come
        s = socket.create_connection(("127.0.0.1", dp.port), timeout=5)
        if i % 2:
            s.sendall(f"GET /prod/ HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode())
        else:
            s.sendall(f"POST /prod/ HTTP/1.1\r\nHost: {host}\r\nContent-Length: 100000\r\n\r\nab".encode())
        socks.append(s)
    # the node still serves others while they hang
    assert dp.get(api_id, "prod", "/").status_code == 200
    grown = rss_kib(dp.proc.pid) - before
    print(f"\n300 slow clients: resident memory grew by {grown} KiB")
    assert grown < 64 * 1024, grown
    # h2o's request timeout (10 s) closes them
    deadline = time.monotonic() + 30
    open_socks = list(socks)
    while open_socks and time.monotonic() < deadline:
        still = []
        for s in open_socks:
            s.settimeout(0.05)
            try:
                if s.recv(65536) == b"":
                    continue
            except socket.timeout:
                still.append(s)
                continue
            except OSError:
                continue
            still.append(s)
        open_socks = still
        time.sleep(0.2)
    for s in socks:
        s.close()
    assert not open_socks, f"{len(open_socks)} slow connections still open after 30 s"


def test_a_silent_upstream_times_out_as_configured(cp, make_dp):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # accepts (in the kernel) and never answers
    port = silent.getsockname()[1]
    try:
        api = cp.ok("POST", "/restapis", {"name": "silent"}, expect=201)
        base = f"/restapis/{api['id']}/resources/{api['rootResourceId']}/methods/GET"
        cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
        cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET",
                                             "uri": f"http://127.0.0.1:{port}/", "timeoutInMillis": 500},
              expect=201)
        deploy(cp, api["id"], "prod")
        dp = make_dp(threads=1).start()
        dp.wait_version(cp.version())
        t0 = time.monotonic()
        r = dp.get(api["id"], "prod", "/")
        elapsed = time.monotonic() - t0
        assert r.status_code == 504 and r.json() == {"message": "Endpoint request timed out"}, r.text
        assert 0.4 < elapsed < 3.0, elapsed
    finally:
        silent.close()
