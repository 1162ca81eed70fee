"""The apigatewayv2 management API (HTTP and WebSocket APIs) at the
reference's /v2/ paths: boto3's apigatewayv2 client and `aws apigatewayv2`
drive it unchanged (SigV4), the reference's error shapes, paging with
maxResults/nextToken, and automatic deployment: a change to an API with an
autoDeploy stage freezes a new deployment, bumps the config version and
reaches a connected data plane in the snapshot (v2_stages, v2_deployments,
domain mappings), which it applies.

boto3 and the aws CLI come from the pyenv Python and run as subprocesses
(see test_aws_clients.py)."""

import json
import os
import subprocess

import pytest

from harness import ControlPlane, DataPlane, wait_for
from test_aws_clients import AWS, KEY_ID, PYTHON, REGION, SECRET, _has_boto3, client_env

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def v2(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("v2admin")
    cp = ControlPlane(str(workdir), "v2-admin-cluster-secret-0123456789abcdef",
                      extra_env={"PORTICO_ACCESS_KEY_ID": KEY_ID, "PORTICO_SECRET_ACCESS_KEY": SECRET})
    cp.start()
    dp = DataPlane(str(workdir), cp, name="v2dp", threads=1)
    dp.start()
    yield cp, dp, workdir
    dp.stop()
    cp.stop()
    # the per-test sanitizer check does not see module-scoped processes: no
    # ASan/UBSan report, and no leak through apigatewayv2 code (an open
    # keep-alive connection's h2o socket is reported as leaked by every
    # SigV4 client session at exit, test_aws_clients.py's too)
    for p in (dp, cp):
        r = p.sanitizer_report() or ""
        assert not any(m in r for m in ("ERROR: AddressSanitizer", "runtime error", "_v2")), r


def fail_shape(r, status, error_type):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers.get("x-amzn-ErrorType") == error_type, r.headers
    assert isinstance(r.json().get("message"), str) and r.json()["message"], r.text


def test_boto3_apigatewayv2_session(v2, tmp_path):
    if not _has_boto3():
        pytest.skip("boto3 is not installed for the pyenv Python")
    cp, _, _ = v2
    p = subprocess.run([PYTHON, os.path.join(HERE, "boto3_v2_session.py"), cp.url, REGION, KEY_ID,
                        SECRET], env=client_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["failed"] == [], "\n".join(out["failed"])
    assert len(out["passed"]) == 15, out["passed"]


def test_aws_cli_apigatewayv2(v2, tmp_path):
    if AWS is None:
        pytest.skip("the aws CLI is not installed")
    cp, _, _ = v2
    env = client_env(tmp_path)

    def aws(*args, expect_error=None):
        p = subprocess.run([AWS, "apigatewayv2", *args, "--endpoint-url", cp.url, "--output", "json"],
                           env=env, capture_output=True, text=True, timeout=60)
        if expect_error is not None:
            assert p.returncode != 0 and expect_error in p.stderr, (p.returncode, p.stderr)
            return None
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout) if p.stdout.strip() else {}

    api = aws("create-api", "--name", "cli", "--protocol-type", "HTTP", "--target",
              "http://127.0.0.1:9/backend")
    api_id = api["ApiId"]
    assert api["ProtocolType"] == "HTTP", api
    assert any(a["ApiId"] == api_id for a in aws("get-apis")["Items"])
    routes = aws("get-routes", "--api-id", api_id)["Items"]
    assert [r["RouteKey"] for r in routes] == ["$default"], routes
    aws("create-route", "--api-id", api_id, "--route-key", "GET pets", expect_error="BadRequestException")
    aws("create-route", "--api-id", api_id, "--route-key", "$default", expect_error="ConflictException")
    stage = aws("get-stage", "--api-id", api_id, "--stage-name", "$default")
    assert stage["AutoDeploy"] is True, stage
    aws("create-stage", "--api-id", api_id, "--stage-name", "$default", expect_error="ConflictException")
    aws("delete-api", "--api-id", api_id)
    aws("get-api", "--api-id", api_id, expect_error="NotFoundException")


def test_error_shapes_and_paging(v2):
    cp, _, _ = v2
    fail_shape(cp.call("GET", "/v2/apis/abcdefghij"), 404, "NotFoundException")
    fail_shape(cp.call("POST", "/v2/apis", {"name": "x", "protocolType": "GRPC"}), 400,
               "BadRequestException")
    fail_shape(cp.call("POST", "/v2/apis", {"name": "x", "protocolType": "WEBSOCKET",
                                             "routeSelectionExpression": "action"}), 400,
               "BadRequestException")
    fail_shape(cp.call("GET", "/v2/apis?maxResults=0"), 400, "BadRequestException")
    ids = {cp.ok("POST", "/v2/apis", {"name": f"p{i}", "protocolType": "HTTP"})["apiId"]
           for i in range(5)}
    api = sorted(ids)[0]
    fail_shape(cp.call("POST", f"/v2/apis/{api}/routes", {"routeKey": "GET /a/{b+}/c"}), 400,
               "BadRequestException")
    cp.ok("POST", f"/v2/apis/{api}/routes", {"routeKey": "GET /a/{b}"})
    fail_shape(cp.call("POST", f"/v2/apis/{api}/routes", {"routeKey": "GET /a/{b}"}), 409,
               "ConflictException")
    fail_shape(cp.call("GET", f"/v2/apis/{api}/routes/zzzzzzz"), 404, "NotFoundException")
    fail_shape(cp.call("GET", f"/v2/apis/{api}/stages/nope"), 404, "NotFoundException")
    seen, token = [], None
    while True:
        page = cp.ok("GET", "/v2/apis?maxResults=2" + (f"&nextToken={token}" if token else ""))
        assert len(page["items"]) <= 2, page
        seen += [a["apiId"] for a in page["items"]]
        token = page.get("nextToken")
        if token is None:
            break
    assert ids <= set(seen) and len(seen) == len(set(seen)), seen
    for i in ids:
        assert cp.call("DELETE", f"/v2/apis/{i}").status_code == 204


def _fields(buf):
    """(field number, wire type, value) of a protobuf message's fields."""
    i = 0

    def varint():
        nonlocal i
        shift = value = 0
        while True:
            b = buf[i]
            i += 1
            value |= (b & 0x7f) << shift
            shift += 7
            if b < 0x80:
                return value
    while i < len(buf):
        key = varint()
        num, wt = key >> 3, key & 7
        if wt == 0:
            yield num, wt, varint()
        elif wt == 2:
            n = varint()
            yield num, wt, buf[i:i + n]
            i += n
        elif wt == 1:
            yield num, wt, buf[i:i + 8]
            i += 8
        elif wt == 5:
            yield num, wt, buf[i:i + 4]
            i += 4
        else:
            raise ValueError(f"wire type {wt}")


def _snapshot(workdir):
    """The snapshot the data plane applied, from its state file (an Envelope
    whose field 6 is the Snapshot)."""
    with open(os.path.join(workdir, "v2dp", "state", "snapshot.bin"), "rb") as f:
        env = f.read()
    payload = next(v for n, wt, v in _fields(env) if n == 6)
    snap = {"v2_stages": [], "v2_deployments": [], "domains": []}
    for n, wt, v in _fields(payload):
        if n == 361:
            st = {k: v for k, _, v in _fields(v) if k in (1, 2, 3, 8)}
            snap["v2_stages"].append((st[1].decode(), st[2].decode(), st.get(3, b"").decode(),
                                      bool(st.get(8, 0))))
        elif n == 360:
            d = list(_fields(v))
            routes = [next(x for k, _, x in _fields(r) if k == 2).decode() for k, _, r in d if k == 8]
            snap["v2_deployments"].append((next(x for k, _, x in d if k == 1).decode(),
                                           next(x for k, _, x in d if k == 2).decode(), sorted(routes)))
        elif n == 7:  # DomainName (checked by content)
            snap["domains"].append(v)
    return snap


def test_auto_deploy_reaches_the_data_plane(v2):
    cp, dp, workdir = v2
    api = cp.ok("POST", "/v2/apis", {"name": "auto", "protocolType": "HTTP"})["apiId"]
    integ = cp.ok("POST", f"/v2/apis/{api}/integrations",
                  {"integrationType": "HTTP_PROXY", "integrationUri": "http://127.0.0.1:9/",
                   "integrationMethod": "ANY"})["integrationId"]
    # no stage yet: definition changes are stored only
    v0 = cp.version()
    cp.ok("POST", f"/v2/apis/{api}/routes", {"routeKey": "GET /one", "target": f"integrations/{integ}"})
    assert cp.version() == v0
    stage = cp.ok("POST", f"/v2/apis/{api}/stages", {"stageName": "$default", "autoDeploy": True})
    v1 = cp.version()
    assert v1 > v0
    dp.wait_version(v1)
    snap = _snapshot(workdir)
    assert (api, "$default", stage["deploymentId"], True) in snap["v2_stages"], snap
    assert (api, stage["deploymentId"], ["GET /one"]) in snap["v2_deployments"], snap
    # every change redeploys: a new frozen definition, a new version, applied by the node
    cp.ok("POST", f"/v2/apis/{api}/routes", {"routeKey": "POST /two", "target": f"integrations/{integ}"})
    v2_ = cp.version()
    assert v2_ > v1
    now = cp.ok("GET", f"/v2/apis/{api}/stages/$default")["deploymentId"]
    assert now != stage["deploymentId"]
    dp.wait_version(v2_)
    snap = _snapshot(workdir)
    assert (api, now, ["GET /one", "POST /two"]) in snap["v2_deployments"], snap
    assert all(d[1] != stage["deploymentId"] for d in snap["v2_deployments"]), snap
    deps = cp.ok("GET", f"/v2/apis/{api}/deployments")["items"]
    assert len(deps) == 2 and all(d["autoDeployed"] for d in deps), deps
    nodes = cp.nodes()["item"]
    assert all(n.get("status", "ACK") != "NACK" for n in nodes), nodes
    # an API mapping travels as a domain mapping
    cp.ok("POST", "/v2/domainnames", {"domainName": "v2.example.com"})
    cp.ok("POST", "/v2/domainnames/v2.example.com/apimappings",
          {"apiId": api, "stage": "$default", "apiMappingKey": "auto"})
    v3 = cp.version()
    assert v3 > v2_
    dp.wait_version(v3)
    assert any(b"v2.example.com" in d and api.encode() in d for d in _snapshot(workdir)["domains"])
    # deleting the API takes its stages, deployments and mappings out of the snapshot
    assert cp.call("DELETE", f"/v2/apis/{api}").status_code == 204
    v4 = cp.version()
    dp.wait_version(v4)
    snap = _snapshot(workdir)
    assert all(s[0] != api for s in snap["v2_stages"]) and not any(
        api.encode() in d for d in snap["domains"]), snap
    assert cp.ok("GET", "/v2/domainnames/v2.example.com/apimappings")["items"] == []


def test_jwt_authorizer_becomes_a_jwks_source(v2):
    cp, _, _ = v2
    api = cp.ok("POST", "/v2/apis", {"name": "jwt", "protocolType": "HTTP"})["apiId"]
    issuer = "http://127.0.0.1:9/v2-issuer"
    cp.ok("POST", f"/v2/apis/{api}/authorizers",
          {"name": "j", "authorizerType": "JWT", "identitySource": ["$request.header.Authorization"],
           "jwtConfiguration": {"issuer": issuer, "audience": ["aud"]}})
    sources = cp.ok("GET", "/cluster/jwks")
    listed = sources.get("item", sources) if isinstance(sources, dict) else sources
    assert any(s.get("issuer") == issuer for s in listed), sources
    fail_shape(cp.call("POST", f"/v2/apis/{api}/authorizers",
                       {"name": "k", "authorizerType": "JWT",
                        "identitySource": ["$request.header.Authorization"],
                        "jwtConfiguration": {"issuer": "ftp://x", "audience": ["a"]}}),
               400, "BadRequestException")
    assert cp.call("DELETE", f"/v2/apis/{api}").status_code == 204
