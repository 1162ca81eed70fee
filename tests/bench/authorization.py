"""What authorization costs on the hot path.

Starts a control plane, one data plane (2 threads, the optimized build) and
an authorizer endpoint on loopback; one API with four MOCK methods:
  /open    no authorization
  /policy  a resource policy with an IP condition (the whole API)
  /jwt     a JWT authorizer (RS256 token, keys by OIDC discovery)
  /token   a TOKEN authorizer, decisions cached (TTL 300 s)
and runs wrk against each (same token every request, so /token measures
cache hits). Prints requests/s and latency per path, and how many times the
authorizer was called. Loopback only; numbers are for comparing paths in one
run on one machine.

Run with Debian's python: /usr/bin/python3 tests/bench/authorization.py
(PORTICO_BUILD_DIR picks the build, default build-bench, built if absent;
SECONDS per path, default 8)."""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("PORTICO_BUILD_DIR", os.path.join(ROOT, "build-bench"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from harness import ControlPlane, DataPlane, JsonServer, put_mock_method, wait_for  # noqa: E402
from test_jwt_authorizer import Issuer  # noqa: E402

DURATION = int(os.environ.get("SECONDS", "8"))


def build():
    bdir = os.environ["PORTICO_BUILD_DIR"]
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        subprocess.run(["meson", "setup", bdir, ROOT, "--buildtype=release"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", bdir], check=True, stdout=subprocess.DEVNULL)


def wrk(url, host, header=None):
    args = ["wrk", "-t", "2", "-c", "32", "-d", f"{DURATION}s", "--latency", "-H", f"Host: {host}"]
    if header:
        args += ["-H", header]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=DURATION + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, int(non2xx.group(1)) if non2xx else 0


def main():
    build()
    work = tempfile.mkdtemp(prefix="portico-bench-auth-")
    cp = ControlPlane(work, "bench-secret-0123456789abcdef").start()
    servers = []
    try:
        issuer = Issuer(lambda h: servers.append(JsonServer(h)) or servers[-1])
        calls = []
        authz = JsonServer(lambda req: (calls.append(1), (200, {"principalId": "u", "policyDocument": {
            "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}}))[1])
        servers.append(authz)
        api = cp.ok("POST", "/restapis", {"name": "bench"}, expect=201)
        a, root = api["id"], api["rootResourceId"]
        jwt_auth = cp.ok("POST", f"/restapis/{a}/authorizers", {
            "name": "j", "type": "JWT",
            "jwtConfiguration": {"issuer": issuer.issuer, "audience": ["portico-tests"]}}, expect=201)
        tok_auth = cp.ok("POST", f"/restapis/{a}/authorizers", {
            "name": "t", "type": "TOKEN", "authorizerUri": authz.url,
            "identitySource": "method.request.header.Authorization"}, expect=201)
        for part, auth in [("open", None), ("jwt", {"authorizationType": "JWT", "authorizerId": jwt_auth["id"]}),
                           ("token", {"authorizationType": "CUSTOM", "authorizerId": tok_auth["id"]})]:
            res = cp.ok("POST", f"/restapis/{a}/resources/{root}", {"pathPart": part}, expect=201)
            put_mock_method(cp, a, res["id"], "GET", '{"ok": true}', auth)
        cp.ok("POST", f"/restapis/{a}/deployments", {"stageName": "prod"}, expect=201)
        policy_api = cp.ok("POST", "/restapis", {"name": "bench-policy", "policy": json.dumps({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
             "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "127.0.0.0/8"]}}}]})}, expect=201)
        res = cp.ok("POST", f"/restapis/{policy_api['id']}/resources/{policy_api['rootResourceId']}",
                    {"pathPart": "policy"}, expect=201)
        put_mock_method(cp, policy_api["id"], res["id"], "GET", '{"ok": true}')
        cp.ok("POST", f"/restapis/{policy_api['id']}/deployments", {"stageName": "prod"}, expect=201)
        dp = DataPlane(work, cp, threads=2).start()
        token = issuer.token()
        host = f"{a}.execute-api.localhost:{dp.port}"
        import requests
        wait_for(lambda: requests.get(f"{dp.base}/prod/jwt", headers={"Host": host, "Authorization": token},
                                      timeout=5).status_code == 200, timeout=20, what="keys")
        rows = [("open", a, None), ("policy", policy_api["id"], None),
                ("jwt", a, f"Authorization: Bearer {token}"), ("token", a, "Authorization: allow")]
        print(f"{'path':8} {'req/s':>10} {'p50':>9} {'p99':>9} {'non-2xx':>8}")
        for path, api_id, header in rows:
            rps, p50, p99, bad = wrk(f"{dp.base}/prod/{path}", f"{api_id}.execute-api.localhost:{dp.port}", header)
            print(f"/{path:7} {rps:10.0f} {p50:>9} {p99:>9} {bad:8d}")
            time.sleep(1)
        print(f"authorizer calls during the /token run: {len(calls)}")
        dp.stop()
    finally:
        cp.stop()
        for s in servers:
            s.stop()


if __name__ == "__main__":
    main()
