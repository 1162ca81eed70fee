"""Stages in full: variables, canary releases, method settings, custom domain
names, and configuration changes under load without a failed request."""

import random
import threading

import pytest
import requests

from harness import add_mock_method, deploy, make_proxy_api, run_wrk, wait_for


def patch(cp, api_id, stage, *ops, expect=200):
    r = cp.call("PATCH", f"/restapis/{api_id}/stages/{stage}", {"patchOperations": list(ops)})
    assert r.status_code == expect, r.text
    return r.json()


def op(o, path, value=None, frm=None):
    d = {"op": o, "path": path}
    if value is not None:
        d["value"] = value
    if frm is not None:
        d["from"] = frm
    return d


def mock_api(cp, label="v1"):
    api = cp.ok("POST", "/restapis", {"name": "mock"}, expect=201)
    add_mock_method(cp, api["id"], api["rootResourceId"], "GET", label)
    return api["id"], api["rootResourceId"]


def test_stage_variables_choose_the_upstream(cp, make_dp, upstream):
    a, b = upstream("backend-A"), upstream("backend-B")
    api = cp.ok("POST", "/restapis", {"name": "vars"}, expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    base = f"/restapis/{api_id}/resources/{root}/methods/GET"
    cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
    cp.ok("PUT", base + "/integration",
          {"type": "HTTP_PROXY", "httpMethod": "GET",
           "uri": "http://127.0.0.1:${stageVariables.port}/${stageVariables.prefix}/items",
           "requestParameters": {"integration.request.header.X-Env": "'env-${stageVariables.env}'",
                                 "integration.request.header.X-Missing": "'[${stageVariables.nope}]'",
                                 "integration.request.querystring.color": "stageVariables.color"}},
          expect=201)
    d = deploy(cp, api_id, "prod", variables={"port": str(a.port), "env": "prod", "prefix": "p",
                                              "color": "blue"})
    cp.ok("POST", f"/restapis/{api_id}/stages",
          {"stageName": "dev", "deploymentId": d["id"],
           "variables": {"port": str(b.port), "env": "dev", "prefix": "d"}}, expect=201)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    prod = dp.get(api_id, "prod", "/").json()
    dev = dp.get(api_id, "dev", "/").json()
    assert prod["name"] == "backend-A" and prod["path"] == "/p/items?color=blue"
    assert prod["headers"]["x-env"] == "env-prod" and prod["headers"]["x-missing"] == "[]"
    assert dev["name"] == "backend-B" and dev["path"] == "/d/items"
    assert dev["headers"]["x-env"] == "env-dev"
    # switch dev to backend A by a variable alone: no new deployment
    patch(cp, api_id, "dev", op("replace", "/variables/port", str(a.port)))
    dp.wait_version(cp.version())
    assert dp.get(api_id, "dev", "/").json()["name"] == "backend-A"
    stage = patch(cp, api_id, "dev", op("remove", "/variables/env"))
    assert "env" not in stage["variables"]


def test_stage_variable_limits(cp, upstream):
    ids = make_proxy_api(cp, upstream().url, greedy=False)
    deploy(cp, ids["api"])
    stage = f"/restapis/{ids['api']}/stages/prod"
    bad = [op("replace", "/variables/bad-name", "x"), op("replace", "/variables/" + "k" * 65, "x"),
           op("replace", "/variables/ok", "v" * 513)]
    for o in bad:
        r = cp.call("PATCH", stage, {"patchOperations": [o]})
        assert r.status_code == 400 and r.json()["message"], o
    too_many = [op("replace", f"/variables/v{i}", "x") for i in range(101)]
    assert cp.call("PATCH", stage, {"patchOperations": too_many}).status_code == 400
    assert cp.ok("GET", stage)["variables"] == {}
    patch(cp, ids["api"], "prod", *too_many[:100])
    assert len(cp.ok("GET", stage)["variables"]) == 100


def test_canary_deployment_split_overrides_and_promotion(cp, make_dp):
    api_id, root = mock_api(cp, "stable")
    first = deploy(cp, api_id, "prod", variables={"who": "stable-var"})
    r = cp.call("POST", f"/restapis/{api_id}/deployments",
                {"stageName": "nostage", "canarySettings": {"percentTraffic": 10}})
    assert r.status_code == 400
    add_mock_method(cp, api_id, root, "GET", "canary")
    canary = deploy(cp, api_id, "prod",
                    canarySettings={"percentTraffic": 10.0, "stageVariableOverrides": {"who": "canary-var"}})
    stage = cp.ok("GET", f"/restapis/{api_id}/stages/prod")
    assert stage["deploymentId"] == first["id"]
    assert stage["canarySettings"] == {"deploymentId": canary["id"], "percentTraffic": 10.0,
                                       "stageVariableOverrides": {"who": "canary-var"}, "useStageCache": False}
    dps = [make_dp(threads=2).start(), make_dp(threads=2).start()]
    for dp in dps:
        dp.wait_version(cp.version())
        host = f"{api_id}.execute-api.localhost:{dp.port}"
        result = run_wrk(f"{dp.base}/prod/", host, seconds=3, connections=8)
        total = sum(result["counts"].values())
        assert total >= 10000, result
        assert result["statuses"] == {"200": total} and result["mismatches"] == 0
        share = 100.0 * result["counts"].get("canary", 0) / total
        assert abs(share - 10.0) <= 1.5, (dp.name, share, result)

    patch(cp, api_id, "prod", op("replace", "/canarySettings/percentTraffic", "100"))
    dps[0].wait_version(cp.version())
    assert dps[0].get(api_id, "prod", "/").json() == {"deployment": "canary"}
    # promotion: the canary's deployment and overrides become the stage's own
    stage = patch(cp, api_id, "prod", op("replace", "/canarySettings/percentTraffic", "0.0"),
                  op("copy", "/deploymentId", frm="/canarySettings/deploymentId"),
                  op("copy", "/variables", frm="/canarySettings/stageVariableOverrides"))
    assert stage["deploymentId"] == canary["id"] and stage["variables"]["who"] == "canary-var"
    for dp in dps:
        dp.wait_version(cp.version())
        assert all(dp.get(api_id, "prod", "/").json() == {"deployment": "canary"} for _ in range(20))
    stage = patch(cp, api_id, "prod", op("remove", "/canarySettings"))
    assert "canarySettings" not in stage
    r = cp.call("PATCH", f"/restapis/{api_id}/stages/prod",
                {"patchOperations": [op("copy", "/deploymentId", frm="/canarySettings/deploymentId")]})
    assert r.status_code == 400
    assert r.json()["message"] == "Promotion not available. Canary does not exist."


def test_canary_variable_overrides_reach_the_integration(cp, make_dp, upstream):
    up = upstream("U")
    api = cp.ok("POST", "/restapis", {"name": "ov"}, expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    base = f"/restapis/{api_id}/resources/{root}/methods/GET"
    cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
    cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": up.url + "/x",
                                         "requestParameters": {"integration.request.header.X-Who": "stageVariables.who",
                                                               "integration.request.header.X-Canary": "context.isCanaryRequest"}},
          expect=201)
    deploy(cp, api_id, "prod", variables={"who": "stable"})
    deploy(cp, api_id, "prod", canarySettings={"percentTraffic": 100, "stageVariableOverrides": {"who": "canary"}})
    dp = make_dp().start()
    dp.wait_version(cp.version())
    got = dp.get(api_id, "prod", "/").json()["headers"]
    assert got["x-who"] == "canary" and got["x-canary"] == "true"
    patch(cp, api_id, "prod", op("replace", "/canarySettings/percentTraffic", "0"))
    dp.wait_version(cp.version())
    got = dp.get(api_id, "prod", "/").json()["headers"]
    assert got["x-who"] == "stable" and got["x-canary"] == "false"


def test_method_settings(cp, upstream):
    ids = make_proxy_api(cp, upstream().url, greedy=False)
    deploy(cp, ids["api"])
    stage = patch(cp, ids["api"], "prod", op("replace", "/*/*/throttling/rateLimit", "100"),
                  op("replace", "/~1pets/GET/caching/enabled", "true"),
                  op("replace", "/~1pets/GET/caching/ttlInSeconds", "60"))
    ms = stage["methodSettings"]
    assert ms["*/*"] == {"metricsEnabled": False, "loggingLevel": "OFF", "dataTraceEnabled": False,
                         "throttlingBurstLimit": -1, "throttlingRateLimit": 100.0, "cachingEnabled": False,
                         "cacheTtlInSeconds": 300, "cacheDataEncrypted": False,
                         "requireAuthorizationForCacheControl": True,
                         "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER"}
    assert ms["~1pets/GET"]["cachingEnabled"] is True and ms["~1pets/GET"]["cacheTtlInSeconds"] == 60
    version = cp.version()
    for path, value in [("/*/*/throttling/nope", "1"), ("/~1pets/GET/caching/ttlInSeconds", "3601"),
                        ("/~1pets/GET/logging/loglevel", "LOUD"), ("/~1pets/FETCH/metrics/enabled", "true"),
                        ("/*/GET/metrics/enabled", "true")]:
        r = cp.call("PATCH", f"/restapis/{ids['api']}/stages/prod", {"patchOperations": [op("replace", path, value)]})
        assert r.status_code == 400, (path, r.text)
    r = cp.call("PATCH", f"/restapis/{ids['api']}/stages/prod",
                {"patchOperations": [op("replace", "/*/*/throttling/nope", "1")]})
    assert r.json()["message"] == "Invalid method setting path: /*/*/throttling/nope"
    assert cp.version() == version
    stage = patch(cp, ids["api"], "prod", op("remove", "/~1pets/GET"))
    assert list(stage["methodSettings"]) == ["*/*"]


def test_custom_domain_with_two_base_paths(cp, make_dp, upstream):
    orders, users = upstream("orders"), upstream("users")
    o = make_proxy_api(cp, orders.url, name="orders", path_parts=("items",))
    u = make_proxy_api(cp, users.url, name="users", path_parts=("items",))
    deploy(cp, o["api"], "prod")
    deploy(cp, u["api"], "v2")
    r = cp.call("POST", "/domainnames", {"domainName": "API.Example.test"})
    assert r.status_code == 201 and r.json()["domainName"] == "api.example.test"
    assert cp.call("POST", "/domainnames", {"domainName": "api.example.test"}).status_code == 409
    dom = "/domainnames/api.example.test/basepathmappings"
    assert cp.ok("POST", dom, {"restApiId": o["api"], "stage": "prod", "basePath": "orders"}, expect=201) == \
        {"basePath": "orders", "restApiId": o["api"], "stage": "prod"}
    cp.ok("POST", dom, {"restApiId": u["api"], "stage": "v2", "basePath": "users/v2"}, expect=201)
    cp.ok("POST", dom, {"restApiId": u["api"], "stage": "v2"}, expect=201)  # (none)
    assert cp.call("POST", dom, {"restApiId": o["api"], "stage": "prod", "basePath": "orders"}).status_code == 409
    assert cp.call("POST", dom, {"restApiId": o["api"], "stage": "nope", "basePath": "x"}).status_code == 400
    assert cp.call("POST", dom, {"restApiId": "nosuchapi1", "basePath": "x"}).status_code == 400
    listed = cp.ok("GET", dom)["item"]
    assert {m["basePath"] for m in listed} == {"(none)", "orders", "users/v2"}
    dp = make_dp().start()
    dp.wait_version(cp.version())

    def get(path):
        return dp.session.get(dp.base + path, headers={"Host": f"api.example.test:{dp.port}"}, timeout=5)

    got = get("/orders/items").json()
    assert got["name"] == "orders" and got["path"] == "/items"
    assert get("/orders/items/42").json()["path"] == "/items/42"
    assert get("/users/v2/items/7").json()["name"] == "users"
    assert get("/items/9").json()["name"] == "users"  # (none) mapping
    assert get("/ordersx/items").status_code == 403  # not a whole-segment match; (none) has no /ordersx
    cp.ok("PATCH", dom + "/orders", {"patchOperations": [op("replace", "/basePath", "shop")]})
    dp.wait_version(cp.version())
    assert get("/shop/items").json()["name"] == "orders"
    assert cp.call("DELETE", dom + "/shop").status_code == 202
    assert cp.call("DELETE", "/domainnames/api.example.test").status_code == 202
    dp.wait_version(cp.version())
    assert get("/users/v2/items").status_code == 403


def test_changes_under_load_fail_no_request(cp, make_dp, tmp_path):
    api_id, root = mock_api(cp, "d0")
    deployments = [deploy(cp, api_id, "prod")["id"]]
    dps = [make_dp(threads=2).start(), make_dp(threads=2).start()]
    for dp in dps:
        dp.wait_version(cp.version())
    results = [None, None]

    def load(i):
        dp = dps[i]
        try:
            results[i] = run_wrk(f"{dp.base}/prod/", f"{api_id}.execute-api.localhost:{dp.port}",
                                 seconds=25, connections=25, tmpdir=str(tmp_path))
        except Exception as e:  # reported below, with the other node's result
            results[i] = {"exception": repr(e)}

    threads = [threading.Thread(target=load, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    rng = random.Random(7)
    has_canary = False
    for i in range(50):
        kind = i % 3
        if kind == 0:
            add_mock_method(cp, api_id, root, "GET", f"d{len(deployments)}")
            deployments.append(deploy(cp, api_id, "prod")["id"])
        elif kind == 1:
            patch(cp, api_id, "prod", op("replace", "/deploymentId", rng.choice(deployments)))
        elif not has_canary:
            add_mock_method(cp, api_id, root, "GET", f"d{len(deployments)}")
            deployments.append(deploy(cp, api_id, "prod", canarySettings={"percentTraffic": 30})["id"])
            has_canary = True
        else:
            patch(cp, api_id, "prod", op("replace", "/canarySettings/percentTraffic", str(rng.randint(0, 100))))
    for t in threads:
        t.join()
    for r in results:
        assert "exception" not in r, r
        total = r["requests"]
        assert total > 1000, r
        assert r["statuses"] == {"200": total}, r
        assert r["mismatches"] == 0, r
        assert r["errors"] == {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}, r
        assert len(r["counts"]) > 3, r  # the load really saw the changes
