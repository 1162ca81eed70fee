"""WebSocket APIs: memory per idle connection and message round trips.

Self-contained (a control plane and one data-plane node on loopback, the
build in PORTICO_BUILD_DIR, default build), not run by CI:

1. Memory per idle connection: CONNS raw WebSocket connections (handshake
   only, then idle) to one node with THREADS workers; the node's resident
   set growth (VmRSS) divided by CONNS.
2. Round trip through a MOCK route: ROUNDS messages on one connection, each
   sent after the previous answer arrived (route "echo", a two-way MOCK
   integration with a one-line response template); p50/p99/max.

Run: /usr/bin/python3 tests/bench/websocket.py [CONNS] [ROUNDS]
(the client and the node each need CONNS + a few hundred file descriptors:
ulimit -n)."""

import base64
import json
import os
import socket
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("PORTICO_BUILD_DIR", os.path.join(ROOT, "build"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from harness import ControlPlane, DataPlane  # noqa: E402

CONNS = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
THREADS = 2


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def handshake(port, path):
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("closed during the handshake")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(head[:200])
    return s


def frame(payload):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big"))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_frame(s):
    def exact(n):
        out = b""
        while len(out) < n:
            chunk = s.recv(n - len(out))
            if not chunk:
                raise RuntimeError("closed")
            out += chunk
        return out
    b0, b1 = exact(2)
    n = b1 & 0x7F
    if n == 126:
        n = int.from_bytes(exact(2), "big")
    elif n == 127:
        n = int.from_bytes(exact(8), "big")
    return exact(n)


def main():
    work = tempfile.mkdtemp(prefix="portico-bench-ws-")
    cp = ControlPlane(work, "bench-secret-" + "0" * 40).start()
    dp = DataPlane(work, cp, name="ws1", threads=THREADS).start()
    try:
        api = cp.ok("POST", "/v2/apis", {"name": "bench", "protocolType": "WEBSOCKET",
                                         "routeSelectionExpression": "$request.body.action"})["apiId"]
        base = f"/v2/apis/{api}"
        mock = cp.ok("POST", base + "/integrations", {
            "integrationType": "MOCK", "requestTemplates": {"$default": '{"statusCode": 200}'},
            "templateSelectionExpression": "\\$default"})["integrationId"]
        cp.ok("POST", f"{base}/integrations/{mock}/integrationresponses", {
            "integrationResponseKey": "$default", "responseTemplates": {"$default": '{"ok": true}'}})
        cp.ok("POST", base + "/routes", {"routeKey": "echo", "target": f"integrations/{mock}",
                                         "routeResponseSelectionExpression": "$default"})
        cp.ok("POST", base + "/stages", {"stageName": "prod", "autoDeploy": True})
        dp.wait_version(cp.version())
        path = f"/restapis/{api}/prod/_user_request_"
        time.sleep(1)
        before = rss_kb(dp.proc.pid)
        socks = []
        t0 = time.monotonic()
        for _ in range(CONNS):
            socks.append(handshake(dp.port, path))
        opened = time.monotonic() - t0
        time.sleep(2)
        after = rss_kb(dp.proc.pid)
        per = (after - before) * 1024 / CONNS
        print(f"idle connections: {CONNS} opened in {opened:.1f} s; node RSS {before} kB -> "
              f"{after} kB: {per:.0f} bytes per connection")
        for s in socks:
            s.close()
        time.sleep(1)
        s = handshake(dp.port, path)
        msg = frame(json.dumps({"action": "echo"}).encode())
        for _ in range(200):  # warm up
            s.sendall(msg)
            read_frame(s)
        rtts = []
        for _ in range(ROUNDS):
            t = time.perf_counter()
            s.sendall(msg)
            answer = read_frame(s)
            rtts.append((time.perf_counter() - t) * 1e6)
        assert answer == b'{"ok": true}', answer
        rtts.sort()
        print(f"MOCK round trip over {ROUNDS} messages: p50 {statistics.median(rtts):.0f} us, "
              f"p99 {rtts[int(len(rtts) * 0.99) - 1]:.0f} us, max {rtts[-1]:.0f} us")
        s.close()
    finally:
        dp.stop()
        cp.stop()


if __name__ == "__main__":
    main()
