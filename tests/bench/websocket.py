"""WebSocket APIs: memory per idle connection and message round trips.

Self-contained (a control plane and one data-plane node on loopback, the
build in PORTICO_BUILD_DIR, default build), not run by CI:

1. Memory per idle connection: CONNS raw WebSocket connections (handshake
   only, then idle) to one node with THREADS workers; the node's resident
   set growth (VmRSS) divided by CONNS.
2. Round trip through a MOCK route: ROUNDS messages on one connection, each
   sent after the previous answer arrived (route "echo", a two-way MOCK
   integration with a one-line response template); p50/p99/max.
3. Broadcast: BROADCAST connections spread over two nodes, one @connections
   POST per connection, all sent to the first node (half are forwarded to the
   second) by 16 client threads; the time from the first POST until the last
   client has its message.

Run: /usr/bin/python3 tests/bench/websocket.py [CONNS] [ROUNDS]
(the client and the node each need CONNS + a few hundred file descriptors:
ulimit -n)."""

import base64
import concurrent.futures
import datetime
import hashlib
import hmac
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import urllib.parse

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("PORTICO_BUILD_DIR", os.path.join(ROOT, "build"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from harness import ControlPlane, DataPlane  # noqa: E402

CONNS = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
THREADS = 2
BROADCAST = int(sys.argv[3]) if len(sys.argv) > 3 else 1000


def sign(method, url, key_id, secret, body=b""):
    """SigV4 (execute-api, us-east-1) headers, as tests/system/test_websocket.py."""
    u = urllib.parse.urlsplit(url)
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    canon = "\n".join([method, urllib.parse.quote(u.path, safe="/~"), u.query,
                       f"host:{u.netloc}\nx-amz-date:{amz_date}\n", "host;x-amz-date",
                       hashlib.sha256(body).hexdigest()])
    scope = f"{day}/us-east-1/execute-api/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canon.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (day, "us-east-1", "execute-api", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return {"x-amz-date": amz_date, "Authorization": f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, "
                                                      f"SignedHeaders=host;x-amz-date, Signature={sig}"}


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
    dp2 = DataPlane(work, cp, name="ws2", threads=THREADS).start()
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
        http = cp.ok("POST", base + "/integrations", {
            "integrationType": "MOCK", "requestTemplates": {"$default": '{"statusCode": 200}'},
            "templateSelectionExpression": "\\$default"})["integrationId"]
        cp.ok("POST", f"{base}/integrations/{http}/integrationresponses", {
            "integrationResponseKey": "$default",
            "responseTemplates": {"$default": '$context.connectionId'}})
        cp.ok("POST", base + "/routes", {"routeKey": "whoami", "target": f"integrations/{http}",
                                         "routeResponseSelectionExpression": "$default"})
        cp.ok("POST", base + "/stages", {"stageName": "prod", "autoDeploy": True})
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "execute-api:ManageConnections", "Resource": "*"}]}
        key = cp.ok("POST", "/portico/accesskeys", {"policy": json.dumps(policy)})
        dp.wait_version(cp.version())
        dp2.wait_version(cp.version())
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
        broadcast(dp, dp2, path, key["accessKeyId"], key["secretAccessKey"], api)
    finally:
        dp.stop()
        dp2.stop()
        cp.stop()


def broadcast(a, b, path, kid, secret, api):
    socks, ids = [], []
    for i in range(BROADCAST):
        s = handshake((a if i % 2 == 0 else b).port, path)
        s.sendall(frame(json.dumps({"action": "whoami"}).encode()))
        ids.append(read_frame(s).decode())
        socks.append(s)
    body = b'{"news": 1}'
    urls = [f"{a.base}{path}/@connections/{cid}" for cid in ids]
    session = requests.Session()
    # the directory reaches node A within a heartbeat: wait until a forward works
    deadline = time.monotonic() + 15
    while session.post(urls[1], data=b"warm", headers=sign("POST", urls[1], kid, secret, b"warm"),
                       timeout=5).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError("node A never learnt node B's address")
        time.sleep(0.2)
    read_frame(socks[1])
    signed = [sign("POST", u, kid, secret, body) for u in urls]

    def post(i):
        r = requests.post(urls[i], data=body, headers=signed[i], timeout=10)
        return r.status_code

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(post, range(len(urls))))
    for s in socks:
        assert read_frame(s) == body
    took = time.monotonic() - t0
    assert codes.count(200) == len(urls), set(codes)
    print(f"broadcast: {len(urls)} connections over 2 nodes (half forwarded), all POSTs to one "
          f"node: last client had it after {took * 1000:.0f} ms")
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
