"""Response caching per stage: hits after a miss, TTLs, cache keys,
Cache-Control from authorized and unauthorized callers, flushes reaching
every node, the size bound, coalesced misses, and what is never cached.
Responses say X-Portico-Cache: HIT or MISS when the method is cached."""

import threading
import time

import requests

from harness import make_key, make_plan, add_mock_method, deploy, make_proxy_api, wait_for

WARNING = "199 Cache-control headers were ignored because the caller was unauthorized."


def op(o, path, value=None):
    d = {"op": o, "path": path}
    if value is not None:
        d["value"] = value
    return d


def patch_stage(cp, api_id, stage, *ops, expect=200):
    r = cp.call("PATCH", f"/restapis/{api_id}/stages/{stage}", {"patchOperations": list(ops)})
    assert r.status_code == expect, r.text
    return r.json()


def enable_cache(cp, api_id, stage="prod", ttl=300, size="0.5", *more):
    """The stage's cache cluster on, and caching on for every method (GET only)."""
    return patch_stage(cp, api_id, stage, op("replace", "/cacheClusterEnabled", "true"),
                       op("replace", "/cacheClusterSize", size),
                       op("replace", "/*/*/caching/enabled", "true"),
                       op("replace", "/*/*/caching/ttlInSeconds", str(ttl)), *more)


def cached(r):
    return r.headers.get("x-portico-cache")


def method_path(api_id, resource_id, verb):
    return f"/restapis/{api_id}/resources/{resource_id}/methods/{verb}"


def test_hit_after_miss_and_snapshots_that_keep_the_cache(cp, make_dp, upstream):
    up = upstream("U")
    ids = make_proxy_api(cp, up.url)
    deploy(cp, ids["api"])
    stage = enable_cache(cp, ids["api"])
    assert stage["cacheClusterStatus"] == "AVAILABLE" and "cacheFlushGeneration" not in stage
    dp = make_dp().start()
    dp.wait_version(cp.version())
    first = dp.get(ids["api"], "prod", "/pets")
    second = dp.get(ids["api"], "prod", "/pets")
    assert first.status_code == second.status_code == 200
    assert (cached(first), cached(second)) == ("MISS", "HIT")
    assert second.content == first.content and second.json()["n"] == 1
    assert second.headers["x-upstream"] == "U" and second.headers["content-type"] == "application/json"
    assert second.headers["x-amzn-requestid"] != first.headers["x-amzn-requestid"]
    assert len(up.calls) == 1
    # another API deployed, a variable changed: new snapshots, the same cache
    other = make_proxy_api(cp, up.url, name="other")
    deploy(cp, other["api"], "prod")
    patch_stage(cp, ids["api"], "prod", op("replace", "/variables/color", "blue"))
    dp.wait_version(cp.version())
    assert cached(dp.get(ids["api"], "prod", "/pets")) == "HIT"
    assert len(up.calls) == 1
    # the cache is per stage: a second stage on the same deployment has its own
    dep = cp.ok("GET", f"/restapis/{ids['api']}/stages/prod")["deploymentId"]
    cp.ok("POST", f"/restapis/{ids['api']}/stages", {"stageName": "beta", "deploymentId": dep}, expect=201)
    enable_cache(cp, ids["api"], "beta")
    dp.wait_version(cp.version())
    assert cached(dp.get(ids["api"], "beta", "/pets")) == "MISS"
    assert cached(dp.get(ids["api"], "prod", "/pets")) == "HIT"
    # caching off for the method: no lookup, no header
    patch_stage(cp, ids["api"], "prod", op("replace", "/*/*/caching/enabled", "false"))
    dp.wait_version(cp.version())
    r = dp.get(ids["api"], "prod", "/pets")
    assert cached(r) is None and r.json()["n"] == 3
    # the cluster off: the same
    patch_stage(cp, ids["api"], "beta", op("replace", "/cacheClusterEnabled", "false"))
    dp.wait_version(cp.version())
    assert cached(dp.get(ids["api"], "beta", "/pets")) is None


def test_ttl_expiry(cp, make_dp, upstream):
    up = upstream()
    ids = make_proxy_api(cp, up.url, greedy=False)
    deploy(cp, ids["api"])
    enable_cache(cp, ids["api"], ttl=1)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    assert cached(dp.get(ids["api"], "prod", "/pets")) == "MISS"
    assert cached(dp.get(ids["api"], "prod", "/pets")) == "HIT"
    time.sleep(1.2)
    r = dp.get(ids["api"], "prod", "/pets")
    assert cached(r) == "MISS" and r.json()["n"] == 2
    # TTL 0 turns caching off; a method's own entry overrides the stage-wide one
    patch_stage(cp, ids["api"], "prod", op("replace", "/*/*/caching/ttlInSeconds", "0"))
    dp.wait_version(cp.version())
    assert cached(dp.get(ids["api"], "prod", "/pets")) is None
    patch_stage(cp, ids["api"], "prod", op("replace", "/~1pets/GET/caching/enabled", "true"),
                op("replace", "/~1pets/GET/caching/ttlInSeconds", "60"))
    dp.wait_version(cp.version())
    time.sleep(1.1)  # the entry stored above keeps its own 1 s expiry
    assert [cached(dp.get(ids["api"], "prod", "/pets")) for _ in range(2)] == ["MISS", "HIT"]


def test_cache_key_parameters(cp, make_dp, upstream):
    up = upstream()
    api = cp.ok("POST", "/restapis", {"name": "keys"}, expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    pets = cp.ok("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": "pets"}, expect=201)["id"]
    pet = cp.ok("POST", f"/restapis/{api_id}/resources/{pets}", {"pathPart": "{petId}"}, expect=201)["id"]
    base = method_path(api_id, pet, "GET")
    cp.ok("PUT", base, {"authorizationType": "NONE",
                        "requestParameters": {"method.request.path.petId": True,
                                              "method.request.querystring.type": False,
                                              "method.request.header.X-Tenant": False}}, expect=201)
    integration = {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": up.url + "/pets/{petId}",
                   "requestParameters": {"integration.request.path.petId": "method.request.path.petId",
                                         "integration.request.header.X-Seen": "method.request.header.X-Tenant"}}
    # a cache key parameter must be a method request parameter the method declares
    for bad in (["method.request.querystring.color"], ["querystring.type"], ["method.request.body.x"]):
        r = cp.call("PUT", base + "/integration", dict(integration, cacheKeyParameters=bad))
        assert r.status_code == 400 and "cache key parameter" in r.json()["message"], bad
    cp.ok("PUT", base + "/integration",
          dict(integration, cacheKeyParameters=["method.request.querystring.type",
                                                "method.request.header.X-Tenant"]), expect=201)
    deploy(cp, api_id)
    enable_cache(cp, api_id)
    dp = make_dp().start()
    dp.wait_version(cp.version())

    def get(path, **headers):
        r = dp.get(api_id, "prod", path, headers=headers)
        assert r.status_code == 200
        return cached(r), r.json()["path"]

    assert get("/pets/1?type=cat") == ("MISS", "/pets/1?type=cat")
    assert get("/pets/1?type=cat") == ("HIT", "/pets/1?type=cat")
    assert get("/pets/1?type=cat&page=2") == ("HIT", "/pets/1?type=cat")  # not a key parameter
    assert get("/pets/1?type=dog")[0] == "MISS"
    assert get("/pets/1")[0] == "MISS"  # absent differs from every value
    assert get("/pets/1?type=")[0] == "MISS"  # and from empty
    assert get("/pets/2?type=cat")[0] == "MISS"  # path parameters are always in the key
    assert get("/pets/1?type=cat", **{"X-Tenant": "a"})[0] == "MISS"
    assert up.calls[-1]["headers"]["x-seen"] == "a"  # a mixed-case declared header maps too
    assert get("/pets/1?type=cat", **{"x-tenant": "a"})[0] == "HIT"
    assert get("/pets/1?type=cat", **{"X-Tenant": "b"})[0] == "MISS"
    assert len(up.calls) == 7


def cache_control_api(cp, up, **method):
    """GET / → upstream, the method document given (authorization, API key)."""
    api = cp.ok("POST", "/restapis", {"name": "cc"}, expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    base = method_path(api_id, root, "GET")
    cp.ok("PUT", base, dict({"authorizationType": "NONE"}, **method), expect=201)
    cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": up.url + "/"},
          expect=201)
    deploy(cp, api_id)
    return api_id


def test_max_age_zero_from_authorized_callers_refreshes(cp, make_dp, upstream):
    up = upstream()
    # apiKeyRequired: the API key step (before this one) admits only callers
    # with a valid key, so a request reaching the cache is authorized
    keyed = cache_control_api(cp, up, apiKeyRequired=True)
    enable_cache(cp, keyed)
    key = make_key(cp)
    make_plan(cp, keyed, keys=[key])
    # no authorization on the method, but the setting does not require it
    open_api = cache_control_api(cp, up)
    enable_cache(cp, open_api, "prod", 300, "0.5",
                 op("replace", "/*/*/caching/requireAuthorizationForCacheControl", "false"))
    dp = make_dp().start()
    dp.wait_version(cp.version())
    assert dp.get(keyed, "prod", "/").status_code == 403  # without its key, no caller gets in
    for api_id, creds in ((keyed, {"x-api-key": key["value"]}), (open_api, {})):
        n0 = len(up.calls)
        assert cached(dp.get(api_id, "prod", "/", headers=creds)) == "MISS"
        assert cached(dp.get(api_id, "prod", "/", headers=creds)) == "HIT"
        fresh = dp.get(api_id, "prod", "/", headers={"Cache-Control": "no-store, max-age=0", **creds})
        assert cached(fresh) == "MISS" and "warning" not in fresh.headers
        assert fresh.json()["n"] == n0 + 2
        again = dp.get(api_id, "prod", "/", headers=creds)
        assert cached(again) == "HIT" and again.json()["n"] == n0 + 2  # the entry was replaced
        # other directives do not refresh
        assert cached(dp.get(api_id, "prod", "/", headers={"Cache-Control": "max-age=10", **creds})) == "HIT"
        assert len(up.calls) == n0 + 2


def test_max_age_zero_from_unauthorized_callers_under_each_strategy(cp, make_dp, upstream):
    up = upstream()
    api_id = cache_control_api(cp, up)
    enable_cache(cp, api_id)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    assert cached(dp.get(api_id, "prod", "/")) == "MISS"
    no_cache = {"Cache-Control": "max-age=0"}
    # default: SUCCEED_WITH_RESPONSE_HEADER serves from the cache with a warning
    r = dp.get(api_id, "prod", "/", headers=no_cache)
    assert r.status_code == 200 and cached(r) == "HIT" and r.headers["warning"] == WARNING
    assert "warning" not in dp.get(api_id, "prod", "/").headers
    strategy = "/*/*/caching/unauthorizedCacheControlHeaderStrategy"
    patch_stage(cp, api_id, "prod", op("replace", strategy, "SUCCEED_WITHOUT_RESPONSE_HEADER"))
    dp.wait_version(cp.version())
    r = dp.get(api_id, "prod", "/", headers=no_cache)
    assert r.status_code == 200 and cached(r) == "HIT" and "warning" not in r.headers
    patch_stage(cp, api_id, "prod", op("replace", strategy, "FAIL_WITH_403"))
    dp.wait_version(cp.version())
    r = dp.get(api_id, "prod", "/", headers=no_cache)
    assert r.status_code == 403 and r.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert r.json() == {"message": "Not authorized to invalidate the cache"}
    assert cached(dp.get(api_id, "prod", "/")) == "HIT"
    assert len(up.calls) == 1
    assert cp.call("PATCH", f"/restapis/{api_id}/stages/prod",
                   {"patchOperations": [op("replace", strategy, "IGNORE")]}).status_code == 400


def test_flush_reaches_every_node(cp, make_dp, upstream):
    up = upstream()
    ids = make_proxy_api(cp, up.url, greedy=False)
    deploy(cp, ids["api"])
    enable_cache(cp, ids["api"])
    dps = [make_dp(threads=2).start(), make_dp(threads=2).start()]
    for dp in dps:
        dp.wait_version(cp.version())
        assert cached(dp.get(ids["api"], "prod", "/pets")) == "MISS"
        assert cached(dp.get(ids["api"], "prod", "/pets")) == "HIT"
    assert cp.call("DELETE", f"/restapis/{ids['api']}/stages/nope/cache/data").status_code == 404
    r = cp.call("DELETE", f"/restapis/{ids['api']}/stages/prod/cache/data")
    flushed_at = time.monotonic()
    assert r.status_code == 202 and r.content == b""
    for dp in dps:
        wait_for(lambda: cached(dp.get(ids["api"], "prod", "/pets")) == "MISS", timeout=2.0,
                 interval=0.01, what=f"{dp.name} to miss after the flush")
    assert time.monotonic() - flushed_at < 2.0
    for dp in dps:
        assert cached(dp.get(ids["api"], "prod", "/pets")) == "HIT"
    # the flush is not a settings change: the stage's dates stay, its document is clean
    stage = cp.ok("GET", f"/restapis/{ids['api']}/stages/prod")
    assert "cacheFlushGeneration" not in stage
    assert all("cacheFlushGeneration" not in s for s in cp.ok("GET", f"/restapis/{ids['api']}/stages")["item"])


def test_size_bound_keeps_hot_entries(cp, make_dp, upstream):
    up = upstream(pad=8000)
    ids = make_proxy_api(cp, up.url)
    deploy(cp, ids["api"])
    enable_cache(cp, ids["api"])
    # one GB of cacheClusterSize stands for 1 MiB here: the 0.5 size is 512 KiB
    dp = make_dp(extra_args=("--cache-bytes-per-gb", str(1 << 20))).start()
    dp.wait_version(cp.version())
    for i in range(150):  # ~1.2 MB of answers through a 512 KiB cache
        assert cached(dp.get(ids["api"], "prod", f"/pets/{i}")) == "MISS"
        assert cached(dp.get(ids["api"], "prod", "/pets/hot")) == ("MISS" if i == 0 else "HIT")

    def stats():
        node = [n for n in cp.nodes()["item"] if n["nodeId"] == dp.name][0]
        caches = [c for c in node.get("caches", []) if c["restApiId"] == ids["api"]]
        # a report can fall between a request's miss and its hit: wait for both
        return caches[0] if caches and caches[0]["misses"] >= 151 and caches[0]["hits"] >= 149 \
            else None

    s = wait_for(stats, what="the node's cache statistics")
    assert s["capacityBytes"] == 1 << 19
    assert 0 < s["usedBytes"] <= s["capacityBytes"]
    assert s["evictions"] > 0 and s["entries"] < 64 and s["hits"] == 149 and s["misses"] == 151
    assert cached(dp.get(ids["api"], "prod", "/pets/0")) == "MISS"  # the oldest went first
    assert cached(dp.get(ids["api"], "prod", "/pets/149")) == "HIT"  # the newest stayed
    # a new size makes a new cache; the same size keeps it
    patch_stage(cp, ids["api"], "prod", op("replace", "/cacheClusterSize", "1.6"))
    dp.wait_version(cp.version())
    assert cached(dp.get(ids["api"], "prod", "/pets/hot")) == "MISS"


def test_what_is_not_cached(cp, make_dp, upstream):
    big, failing = upstream("big", pad=1024 * 1024 + 10), upstream("failing", status=500)
    api = cp.ok("POST", "/restapis", {"name": "nc"}, expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    for part, up in (("big", big), ("failing", failing)):
        rid = cp.ok("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": part}, expect=201)["id"]
        cp.ok("PUT", method_path(api_id, rid, "GET"), {"authorizationType": "NONE"}, expect=201)
        cp.ok("PUT", method_path(api_id, rid, "GET") + "/integration",
              {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": up.url + "/" + part}, expect=201)
    deploy(cp, api_id)
    enable_cache(cp, api_id)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    for _ in range(2):
        r = dp.get(api_id, "prod", "/big")
        assert r.status_code == 200 and len(r.content) > 1024 * 1024 and cached(r) == "MISS"
        r = dp.get(api_id, "prod", "/failing")
        assert r.status_code == 500 and cached(r) == "MISS"
    assert len(big.calls) == 2 and len(failing.calls) == 2


def test_post_is_not_cached_unless_its_method_setting_says_so(cp, make_dp, upstream):
    up = upstream()
    ids = make_proxy_api(cp, up.url)  # ANY /pets/{proxy+}
    api_id, leaf = ids["api"], ids["leaf"]
    cp.ok("PUT", method_path(api_id, leaf, "POST"), {"authorizationType": "NONE"}, expect=201)
    cp.ok("PUT", method_path(api_id, leaf, "POST") + "/integration",
          {"type": "HTTP_PROXY", "httpMethod": "POST", "uri": up.url + "/pets"}, expect=201)
    deploy(cp, api_id)
    enable_cache(cp, api_id)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    for path in ("/pets", "/pets/7"):
        for _ in range(2):
            r = dp.request("POST", api_id, "prod", path, data=b"{}")
            assert r.status_code == 200 and cached(r) is None
    assert [cached(dp.get(api_id, "prod", "/pets/7")) for _ in range(2)] == ["MISS", "HIT"]
    assert len(up.calls) == 5
    patch_stage(cp, api_id, "prod", op("replace", "/~1pets/POST/caching/enabled", "true"))
    dp.wait_version(cp.version())
    got = [dp.request("POST", api_id, "prod", "/pets", data=b"{}") for _ in range(2)]
    assert [cached(r) for r in got] == ["MISS", "HIT"] and got[1].json()["n"] == 6


def test_concurrent_misses_make_one_upstream_call(cp, make_dp, upstream):
    up = upstream(delay=1.0)
    ids = make_proxy_api(cp, up.url, greedy=False)
    deploy(cp, ids["api"])
    enable_cache(cp, ids["api"])
    dp = make_dp(threads=2).start()
    dp.wait_version(cp.version())
    results = []
    lock = threading.Lock()

    def fetch():
        r = requests.get(f"{dp.base}/prod/pets", timeout=20,
                         headers={"Host": f"{ids['api']}.execute-api.localhost:{dp.port}"})
        with lock:
            results.append((r.status_code, cached(r), r.json()["n"]))

    threads = [threading.Thread(target=fetch) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(up.calls) == 1, up.calls
    assert sorted(results) == [(200, "HIT", 1)] * 23 + [(200, "MISS", 1)]
    s = wait_for(lambda: [c for n in cp.nodes()["item"] for c in n.get("caches", [])
                          if c["coalesced"] + c["hits"] >= 23], what="cache statistics")[0]
    assert s["misses"] == 1


def test_canary_with_its_own_cache(cp, make_dp):
    api = cp.ok("POST", "/restapis", {"name": "canary-cache"}, expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    add_mock_method(cp, api_id, root, "GET", "stable")
    deploy(cp, api_id)
    enable_cache(cp, api_id)
    add_mock_method(cp, api_id, root, "GET", "canary")
    deploy(cp, api_id, "prod", canarySettings={"percentTraffic": 0})
    dp = make_dp().start()
    dp.wait_version(cp.version())
    r = dp.get(api_id, "prod", "/")
    assert (cached(r), r.json()) == ("MISS", {"deployment": "stable"})
    patch_stage(cp, api_id, "prod", op("replace", "/canarySettings/percentTraffic", "100"))
    dp.wait_version(cp.version())
    got = [dp.get(api_id, "prod", "/") for _ in range(2)]  # useStageCache false: a cache of its own
    assert [(cached(r), r.json()["deployment"]) for r in got] == [("MISS", "canary"), ("HIT", "canary")]
    patch_stage(cp, api_id, "prod", op("replace", "/canarySettings/useStageCache", "true"))
    dp.wait_version(cp.version())
    r = dp.get(api_id, "prod", "/")  # the stage's entry, as the reference serves it
    assert (cached(r), r.json()["deployment"]) == ("HIT", "stable")


def test_cache_settings_refused(cp, upstream):
    ids = make_proxy_api(cp, upstream().url, greedy=False)
    deploy(cp, ids["api"])
    r = cp.call("PATCH", f"/restapis/{ids['api']}/stages/prod",
                {"patchOperations": [op("replace", "/*/*/caching/dataEncrypted", "true")]})
    assert r.status_code == 400 and "dataEncrypted" in r.json()["message"]
    for size in ("0.4", "1", "300"):
        r = cp.call("PATCH", f"/restapis/{ids['api']}/stages/prod",
                    {"patchOperations": [op("replace", "/cacheClusterSize", size)]})
        assert r.status_code == 400, size
    assert cp.ok("GET", f"/restapis/{ids['api']}/stages/prod")["methodSettings"] == {}
