"""Foundation: control plane -> NNG snapshots -> data planes, end to end."""

import json
import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from harness import CP_BIN, ControlPlane, DataPlane, deploy, free_port, free_port_run, make_proxy_api, wait_for


def test_admin_requires_token(cp):
    r = cp.session.get(cp.url + "/restapis")  # no credentials at all: the reference's 403
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert r.json() == {"message": "Missing Authentication Token"}
    r = cp.call("GET", "/restapis", token="wrong-token-wrong-token")
    assert r.status_code == 401


def test_create_deploy_serves_on_both_nodes(cp, make_dp, upstream):
    up = upstream("A")
    ids = make_proxy_api(cp, up.url)
    deploy(cp, ids["api"])
    dps = [make_dp().start(), make_dp().start()]
    for dp in dps:
        dp.wait_version(cp.version())
        r = dp.get(ids["api"], "prod", "/pets?kind=cat")
        assert r.status_code == 200, r.text
        assert r.json()["name"] == "A"
        assert r.json()["path"] == "/pets?kind=cat"
        assert len(r.headers["x-amzn-RequestId"]) == 36
        # the path-style form reaches the same method
        r = dp.get(ids["api"], "prod", "/pets/7/toys", host_style=False)
        assert r.json()["path"] == "/pets/7/toys"
    nodes = {n["nodeId"]: n for n in cp.nodes()["item"]}
    assert set(nodes) == {"dp1", "dp2"}
    assert all(n["status"] == "IN_SYNC" and n["appliedVersion"] == cp.version() for n in nodes.values())


def test_proxy_passes_method_headers_body_and_forwarded_for(cp, make_dp, upstream):
    up = upstream("A")
    ids = make_proxy_api(cp, up.url)
    deploy(cp, ids["api"])
    dp = make_dp().start()
    dp.wait_version(cp.version())
    r = dp.request("POST", ids["api"], "prod", "/pets/new?x=1", data=b'{"n":1}',
                   headers={"X-Custom": "v1", "Content-Type": "application/json"})
    assert r.status_code == 200
    got = r.json()
    assert got["method"] == "POST" and got["path"] == "/pets/new?x=1" and got["body"] == '{"n":1}'
    assert got["headers"]["x-custom"] == "v1"
    assert got["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert got["headers"]["x-amzn-requestid"] == r.headers["x-amzn-RequestId"]
    assert r.headers["x-upstream"] == "A"


def test_redeploy_and_rollback_reach_both_nodes(cp, make_dp, upstream):
    a, b = upstream("A"), upstream("B")
    ids = make_proxy_api(cp, a.url, greedy=False)
    first = deploy(cp, ids["api"])
    dps = [make_dp().start(), make_dp().start()]
    path = f"/restapis/{ids['api']}/resources/{ids['leaf']}/methods/GET/integration"
    cp.ok("PUT", path, {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": b.url + "/pets"}, expect=201)
    deploy(cp, ids["api"])
    for dp in dps:
        dp.wait_version(cp.version())
        assert dp.get(ids["api"], "prod", "/pets").json()["name"] == "B"
    cp.ok("PATCH", f"/restapis/{ids['api']}/stages/prod",
          {"patchOperations": [{"op": "replace", "path": "/deploymentId", "value": first["id"]}]})
    for dp in dps:
        dp.wait_version(cp.version())
        assert dp.get(ids["api"], "prod", "/pets").json()["name"] == "A"


def test_unknown_route_and_wrong_verb_are_missing_authentication_token(cp, make_dp, upstream):
    ids = make_proxy_api(cp, upstream().url, greedy=False)
    deploy(cp, ids["api"])
    dp = make_dp().start()
    dp.wait_version(cp.version())
    for method, path in [("GET", "/nothing"), ("POST", "/pets"), ("GET", "/")]:
        r = dp.request(method, ids["api"], "prod", path)
        assert r.status_code == 403
        assert r.json() == {"message": "Missing Authentication Token"}
        assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
        assert r.headers["x-amzn-RequestId"]
    r = dp.get(ids["api"], "nostage", "/pets")
    assert r.status_code == 403 and r.json() == {"message": "Forbidden"}


def test_routing_precedence(cp, make_dp, upstream):
    lit, par, anyv, greedy = upstream("literal"), upstream("param"), upstream("any"), upstream("greedy")
    api = cp.ok("POST", "/restapis", {"name": "routes"}, expect=201)
    a, root = api["id"], api["rootResourceId"]

    def resource(parent, part):
        return cp.ok("POST", f"/restapis/{a}/resources/{parent}", {"pathPart": part}, expect=201)["id"]

    def method(rid, verb, up):
        cp.ok("PUT", f"/restapis/{a}/resources/{rid}/methods/{verb}", {"authorizationType": "NONE"}, expect=201)
        cp.ok("PUT", f"/restapis/{a}/resources/{rid}/methods/{verb}/integration",
              {"type": "HTTP_PROXY", "httpMethod": "ANY", "uri": up.url + "/x"}, expect=201)

    pets = resource(root, "pets")
    method(resource(pets, "dogs"), "GET", lit)
    pet = resource(pets, "{petId}")
    method(pet, "GET", par)
    method(pet, "ANY", anyv)
    files = resource(root, "files")
    method(resource(files, "readme"), "GET", lit)
    method(resource(files, "{proxy+}"), "GET", greedy)
    deploy(cp, a)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    assert dp.get(a, "prod", "/pets/dogs").json()["name"] == "literal"
    assert dp.get(a, "prod", "/pets/cats").json()["name"] == "param"
    assert dp.request("DELETE", a, "prod", "/pets/cats").json()["name"] == "any"
    # a literal that lacks the verb gives way to the variable sibling
    assert dp.request("POST", a, "prod", "/pets/dogs").json()["name"] == "any"
    assert dp.get(a, "prod", "/files/readme").json()["name"] == "literal"
    assert dp.get(a, "prod", "/files/readme/more").json()["name"] == "greedy"
    assert dp.get(a, "prod", "/files/a/b/c").json()["name"] == "greedy"
    assert dp.get(a, "prod", "/files").status_code == 403


def test_mock_integration(cp, make_dp):
    api = cp.ok("POST", "/restapis", {"name": "mock"}, expect=201)
    a, root = api["id"], api["rootResourceId"]
    base = f"/restapis/{a}/resources/{root}/methods/GET"
    cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
    cp.ok("PUT", base + "/integration", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 201}'}},
          expect=201)
    cp.ok("PUT", base + "/responses/201", {"responseParameters": {"method.response.header.X-Mock": True}}, expect=201)
    cp.ok("PUT", base + "/integration/responses/201",
          {"selectionPattern": "2\\d\\d", "responseTemplates": {"application/json": '{"mocked": true}'},
           "responseParameters": {"method.response.header.X-Mock": "'yes'"}}, expect=201)
    deploy(cp, a)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    r = dp.get(a, "prod", "/")
    assert r.status_code == 201
    assert r.json() == {"mocked": True}
    assert r.headers["X-Mock"] == "yes"


def test_upstream_down_and_timeout(cp, make_dp, upstream):
    slow = upstream("slow", delay=1.5)
    api = cp.ok("POST", "/restapis", {"name": "failing"}, expect=201)
    a, root = api["id"], api["rootResourceId"]
    for part, uri, timeout in [("down", "http://127.0.0.1:9/", 29000), ("slow", slow.url + "/", 300)]:
        rid = cp.ok("POST", f"/restapis/{a}/resources/{root}", {"pathPart": part}, expect=201)["id"]
        cp.ok("PUT", f"/restapis/{a}/resources/{rid}/methods/GET", {"authorizationType": "NONE"}, expect=201)
        cp.ok("PUT", f"/restapis/{a}/resources/{rid}/methods/GET/integration",
              {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": uri, "timeoutInMillis": timeout}, expect=201)
    deploy(cp, a)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    r = dp.get(a, "prod", "/down")
    assert r.status_code in (502, 503)
    assert "message" in r.json()
    started = time.monotonic()
    r = dp.get(a, "prod", "/slow")
    assert r.status_code == 504
    assert r.json() == {"message": "Endpoint request timed out"}
    assert time.monotonic() - started < 1.4


def test_malformed_admin_input_changes_nothing(cp):
    api = cp.ok("POST", "/restapis", {"name": "keep"}, expect=201)
    before = cp.ok("GET", "/restapis")
    version = cp.version()
    cases = [
        ("POST", "/restapis", '{"name":', 400),
        ("POST", "/restapis", '[1,2]', 400),
        ("POST", "/restapis", '{"name": 5}', 400),
        ("POST", "/restapis", '{"description": "no name"}', 400),
        ("POST", "/restapis", '{"name": "x", "apiKeySource": "NOPE"}', 400),
        ("PATCH", f"/restapis/{api['id']}", '{"patchOperations": [{"op": "replace", "path": "/nope", "value": "x"}]}', 400),
        ("PATCH", f"/restapis/{api['id']}", '{"patchOperations": [{"op": "explode", "path": "/name", "value": "x"}]}', 400),
        ("PATCH", f"/restapis/{api['id']}", '{"patchOperations": "x"}', 400),
        ("POST", f"/restapis/{api['id']}/resources/{api['rootResourceId']}", '{"pathPart": "a b"}', 400),
        ("POST", f"/restapis/{api['id']}/resources/nosuch", '{"pathPart": "ok"}', 404),
        ("GET", "/restapis/nosuchapi0", None, 404),
        ("POST", f"/restapis/{api['id']}/deployments", '{"stageName": "prod"}', 400),  # no methods
        ("POST", f"/restapis/{api['id']}/stages", '{"stageName": "s", "deploymentId": "nope00"}', 400),
        ("GET", "/restapis?limit=0", None, 400),
        ("POST", "/restapis", "x" * (7 * 1024 * 1024), 413),
    ]
    for method, path, body, status in cases:
        r = cp.call(method, path, raw=body)
        assert r.status_code == status, (method, path, r.status_code, r.text)
        assert r.headers.get("x-amzn-ErrorType"), (method, path)
        assert isinstance(r.json()["message"], str) and r.json()["message"]
    assert cp.ok("GET", "/restapis") == before
    assert cp.version() == version


def test_reference_shapes_and_paging(cp):
    ids = [cp.ok("POST", "/restapis", {"name": f"api{i}"}, expect=201)["id"] for i in range(5)]
    page = cp.ok("GET", "/restapis?limit=2")
    assert len(page["item"]) == 2 and "position" in page
    seen = [x["id"] for x in page["item"]]
    while "position" in page:
        page = cp.ok("GET", f"/restapis?limit=2&position={page['position']}")
        seen += [x["id"] for x in page["item"]]
    assert sorted(seen) == sorted(ids)
    api = cp.ok("GET", f"/restapis/{ids[0]}")
    for field in ("id", "name", "createdDate", "apiKeySource", "endpointConfiguration", "rootResourceId"):
        assert field in api
    r = cp.call("GET", "/restapis/zzzzzzzzzz")
    assert r.status_code == 404 and r.headers["x-amzn-ErrorType"] == "NotFoundException"
    root = api["rootResourceId"]
    res = cp.ok("POST", f"/restapis/{ids[0]}/resources/{root}", {"pathPart": "pets"}, expect=201)
    assert len(res["id"]) == 6 and res["path"] == "/pets" and res["parentId"] == root
    r = cp.call("POST", f"/restapis/{ids[0]}/resources/{root}", {"pathPart": "pets"})
    assert r.status_code == 409 and r.headers["x-amzn-ErrorType"] == "ConflictException"
    m = f"/restapis/{ids[0]}/resources/{res['id']}/methods/GET"
    cp.ok("PUT", m, {"authorizationType": "NONE", "apiKeyRequired": False}, expect=201)
    cp.ok("PUT", m + "/integration", {"type": "MOCK"}, expect=201)
    assert cp.call("DELETE", m + "/integration").status_code == 204
    assert cp.call("DELETE", m).status_code == 204
    assert cp.call("DELETE", f"/restapis/{ids[0]}/resources/{res['id']}").status_code == 202
    assert cp.call("DELETE", f"/restapis/{ids[0]}").status_code == 202


def test_deployment_in_use_cannot_be_deleted(cp, upstream):
    ids = make_proxy_api(cp, upstream().url, greedy=False)
    d = deploy(cp, ids["api"])
    r = cp.call("DELETE", f"/restapis/{ids['api']}/deployments/{d['id']}")
    assert r.status_code == 400
    assert r.json()["message"] == "Active stages pointing to this deployment must be moved or deleted"
    assert cp.call("DELETE", f"/restapis/{ids['api']}/stages/prod").status_code == 202
    assert cp.call("DELETE", f"/restapis/{ids['api']}/deployments/{d['id']}").status_code == 202


def test_control_plane_down_traffic_continues_and_restart_from_state(cp, make_dp, upstream):
    up = upstream("A")
    ids = make_proxy_api(cp, up.url)
    deploy(cp, ids["api"])
    dp = make_dp().start()
    dp.wait_version(cp.version())
    cp.kill()
    for _ in range(20):
        assert dp.get(ids["api"], "prod", "/pets").status_code == 200
    assert dp.stop() == 0
    dp.start()  # the control plane is still down: serves from its state directory
    assert dp.get(ids["api"], "prod", "/pets").json()["name"] == "A"
    assert "starting from the state file" in dp.output()


def test_wrong_cluster_secret_is_refused(cp, make_dp, upstream):
    ids = make_proxy_api(cp, upstream().url, greedy=False)
    deploy(cp, ids["api"])
    rogue = make_dp(name="rogue", secret="an-entirely-different-secret-value")
    rogue.start(wait_ready=False)
    # listening may take a while on a loaded machine; then give it time to be refused
    wait_for(lambda: rogue.session.get(rogue.base + "/", timeout=1).status_code == 503, timeout=30,
             what="the rogue node to listen")
    time.sleep(2.5)
    assert rogue.session.get(rogue.base + "/").status_code == 503
    assert all(n["nodeId"] != "rogue" for n in cp.nodes()["item"])
    wait_for(lambda: "refused" in cp.output(), what="the control plane to log the refusal")
    assert "authentication failed" in rogue.output()


def test_control_plane_restart_keeps_everything(tmp_path, secret, upstream):
    up = upstream("A")
    cp = ControlPlane(str(tmp_path), secret).start()
    try:
        ids = make_proxy_api(cp, up.url)
        deploy(cp, ids["api"])
        cp.ok("PATCH", f"/restapis/{ids['api']}/stages/prod",
              {"patchOperations": [{"op": "replace", "path": "/variables/color", "value": "blue"}]})
        before = (cp.ok("GET", "/restapis"), cp.ok("GET", f"/restapis/{ids['api']}/resources"),
                  cp.ok("GET", f"/restapis/{ids['api']}/stages"), cp.version())
        cp.kill()  # kill -9 right after the acknowledged writes
        cp.start()
        after = (cp.ok("GET", "/restapis"), cp.ok("GET", f"/restapis/{ids['api']}/resources"),
                 cp.ok("GET", f"/restapis/{ids['api']}/stages"), cp.version())
        assert after == before
        dp = DataPlane(str(tmp_path), cp).start()
        try:
            dp.wait_version(before[3])
            assert dp.get(ids["api"], "prod", "/pets").status_code == 200
        finally:
            dp.stop()
    finally:
        cp.stop()


def test_sigterm_drains_in_flight_requests(cp, make_dp, upstream):
    slow = upstream("slow", delay=1.0)
    ids = make_proxy_api(cp, slow.url, greedy=False)
    deploy(cp, ids["api"])
    dp = make_dp().start()
    dp.wait_version(cp.version())
    results = []
    t = threading.Thread(target=lambda: results.append(dp.get(ids["api"], "prod", "/pets")))
    t.start()
    wait_for(lambda: len(slow.calls) == 1, what="the request to reach the upstream")
    assert dp.stop(signal.SIGTERM) == 0
    t.join()
    assert results[0].status_code == 200


def test_help_and_generated_admin_token(tmp_path):
    out = subprocess.run([CP_BIN, "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "PORT+1" in out.stdout
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
    data = tmp_path / "data"
    proc = subprocess.Popen([CP_BIN, "--data-dir", str(data), "--admin-listen", f"127.0.0.1:{free_port()}",
                             "--cluster-listen", f"tcp://127.0.0.1:{free_port_run(3)}"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: (data / "admin.token").exists() and (data / "cluster.secret").exists(),
                 what="generated secrets")
        assert oct((data / "admin.token").stat().st_mode & 0o777) == "0o600"
        assert len((data / "admin.token").read_text().strip()) >= 32
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
