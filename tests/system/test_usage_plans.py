"""API keys, usage plans, throttling and quotas, across one or several data planes."""

import os
import time

import pytest

from harness import ControlPlane, DataPlane, deploy, make_key, make_key_api, make_plan, wait_for


def today():
    return time.strftime("%Y-%m-%d", time.gmtime())


def usage(cp, plan_id):
    return cp.ok("GET", f"/usageplans/{plan_id}/usage?startDate={today()}&endDate={today()}")["values"]


def serving(cp, make_dp, n=1, **kw):
    dps = [make_dp(**kw).start() for _ in range(n)]
    for dp in dps:
        dp.wait_version(cp.version())
    return dps


def call(dp, ids, key=None, path="/pets", method="GET"):
    headers = {"x-api-key": key} if key is not None else {}
    return dp.request(method, ids["api"], "prod", path, headers=headers)


def forbidden(r):
    return (r.status_code == 403 and r.json() == {"message": "Forbidden"}
            and r.headers["x-amzn-ErrorType"] == "ForbiddenException")


def test_key_required_missing_wrong_disabled_valid(cp, make_dp):
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    good, off, outside = make_key(cp), make_key(cp, enabled=False), make_key(cp)
    make_plan(cp, ids["api"], keys=[good, off])
    other = make_key_api(cp, "other")
    deploy(cp, other["api"])
    make_plan(cp, other["api"], keys=[outside])  # a plan for another API
    (dp,) = serving(cp, make_dp)
    assert forbidden(call(dp, ids))  # missing
    assert forbidden(call(dp, ids, "x" * 40))  # unknown
    assert forbidden(call(dp, ids, off["value"]))  # disabled
    assert forbidden(call(dp, ids, outside["value"]))  # not in a plan for this API and stage
    r = call(dp, ids, good["value"])
    assert r.status_code == 200 and r.json() == {"ok": True}
    # a method without apiKeyRequired needs no key
    assert call(dp, ids, path="/open").status_code == 200


def test_api_key_management_shapes(cp):
    r = cp.call("POST", "/apikeys", {"name": "short", "value": "tooshort"})
    assert r.status_code == 400
    assert r.json() == {"message": "API Key value should be at least 20 characters"}
    assert r.headers["x-amzn-ErrorType"] == "BadRequestException"
    assert cp.call("POST", "/apikeys", {"name": "long", "value": "x" * 129}).status_code == 400
    key = cp.ok("POST", "/apikeys", {"name": "alice-app", "description": "d", "customerId": "alice"}, expect=201)
    assert len(key["id"]) == 10 and len(key["value"]) == 40 and key["enabled"] is False
    for field in ("name", "description", "customerId", "createdDate", "lastUpdatedDate", "stageKeys"):
        assert field in key
    chosen = cp.ok("POST", "/apikeys", {"name": "bob-app", "value": "b" * 30, "enabled": True}, expect=201)
    assert chosen["value"] == "b" * 30
    dup = cp.call("POST", "/apikeys", {"name": "again", "value": "b" * 30})
    assert dup.status_code == 409
    # without includeValue(s) only a prefix; with it the value, as the reference does
    got = cp.ok("GET", f"/apikeys/{key['id']}")
    assert "value" not in got and got["valuePrefix"] == key["value"][:4]
    listed = cp.ok("GET", "/apikeys?name=alice")
    assert [k["id"] for k in listed["item"]] == [key["id"]]
    r = cp.call("GET", "/apikeys?includeValues=true")
    assert r.status_code == 200
    assert {k["id"]: k["value"] for k in r.json()["item"]} == {key["id"]: key["value"],
                                                              chosen["id"]: "b" * 30}
    patched = cp.ok("PATCH", f"/apikeys/{key['id']}", {"patchOperations": [
        {"op": "replace", "path": "/enabled", "value": "true"},
        {"op": "replace", "path": "/name", "value": "alice-app-2"},
        {"op": "replace", "path": "/customerId", "value": "alice-co"}]})
    assert patched["enabled"] is True and patched["name"] == "alice-app-2" and patched["customerId"] == "alice-co"
    r = cp.call("PATCH", f"/apikeys/{key['id']}", {"patchOperations": [{"op": "replace", "path": "/value", "value": "x"}]})
    assert r.status_code == 400
    assert cp.call("DELETE", f"/apikeys/{key['id']}").status_code == 202
    r = cp.call("GET", f"/apikeys/{key['id']}")
    assert r.status_code == 404 and r.json()["message"] == "Invalid API Key identifier specified"


def test_usage_plan_management_shapes(cp):
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    plan = cp.ok("POST", "/usageplans", {
        "name": "gold", "description": "for gold customers",
        "apiStages": [{"apiId": ids["api"], "stage": "prod",
                       "throttle": {"/pets/GET": {"rateLimit": 1.0, "burstLimit": 1}}}],
        "throttle": {"burstLimit": 1, "rateLimit": 2.0},
        "quota": {"limit": 10, "offset": 0, "period": "DAY"}}, expect=201)
    assert len(plan["id"]) == 6
    assert plan["throttle"] == {"burstLimit": 1, "rateLimit": 2.0}
    assert plan["quota"] == {"limit": 10, "offset": 0, "period": "DAY"}
    assert plan["apiStages"][0]["throttle"] == {"/pets/GET": {"rateLimit": 1.0, "burstLimit": 1}}
    assert cp.ok("GET", f"/usageplans/{plan['id']}") == plan
    r = cp.call("GET", "/usageplans/nosuch")
    assert r.status_code == 404 and r.json()["message"] == "Invalid Usage Plan ID specified"
    for bad in ({"name": "x", "quota": {"limit": 5, "period": "YEAR"}},
                {"name": "x", "throttle": {"rateLimit": -1, "burstLimit": 1}},
                {"name": "x", "apiStages": [{"apiId": ids["api"], "stage": "nostage"}]},
                {"name": "x", "apiStages": [{"apiId": ids["api"], "stage": "prod",
                                             "throttle": {"pets": {"rateLimit": 1, "burstLimit": 1}}}]},
                {"description": "no name"}):
        r = cp.call("POST", "/usageplans", bad)
        assert r.status_code == 400, (bad, r.text)
    path = f"/apiStages/{ids['api']}:prod/throttle/~1pets/POST/rateLimit"
    patched = cp.ok("PATCH", f"/usageplans/{plan['id']}", {"patchOperations": [
        {"op": "replace", "path": path, "value": "5"},
        {"op": "replace", "path": path.replace("rateLimit", "burstLimit"), "value": "3"},
        {"op": "replace", "path": "/quota/limit", "value": "100"},
        {"op": "replace", "path": "/throttle/rateLimit", "value": "7.5"}]})
    assert patched["apiStages"][0]["throttle"]["/pets/POST"] == {"rateLimit": 5.0, "burstLimit": 3}
    assert patched["quota"]["limit"] == 100 and patched["throttle"]["rateLimit"] == 7.5
    before = cp.ok("GET", f"/usageplans/{plan['id']}")
    r = cp.call("PATCH", f"/usageplans/{plan['id']}", {"patchOperations": [
        {"op": "replace", "path": "/quota/limit", "value": "3"},
        {"op": "replace", "path": "/quota/offset", "value": "5"}]})
    assert r.status_code == 400
    assert cp.ok("GET", f"/usageplans/{plan['id']}") == before  # nothing half-written
    key = make_key(cp)
    added = cp.ok("POST", f"/usageplans/{plan['id']}/keys", {"keyId": key["id"], "keyType": "API_KEY"}, expect=201)
    assert added["id"] == key["id"] and added["type"] == "API_KEY" and added["name"] == key["name"]
    assert cp.call("POST", f"/usageplans/{plan['id']}/keys", {"keyId": key["id"], "keyType": "API_KEY"}).status_code == 409
    assert cp.call("POST", f"/usageplans/{plan['id']}/keys", {"keyId": "nosuchkey0", "keyType": "API_KEY"}).status_code == 404
    # one plan per key and API stage
    rival = cp.ok("POST", "/usageplans", {"name": "rival", "apiStages": [{"apiId": ids["api"], "stage": "prod"}]}, expect=201)
    assert cp.call("POST", f"/usageplans/{rival['id']}/keys", {"keyId": key["id"], "keyType": "API_KEY"}).status_code == 409
    assert [k["id"] for k in cp.ok("GET", f"/usageplans/{plan['id']}/keys")["item"]] == [key["id"]]
    assert [p["id"] for p in cp.ok("GET", f"/usageplans?keyId={key['id']}")["item"]] == [plan["id"]]
    assert cp.call("DELETE", f"/usageplans/{plan['id']}/keys/{key['id']}").status_code == 202
    assert cp.ok("GET", f"/usageplans/{plan['id']}/keys")["item"] == []
    r = cp.call("GET", f"/usageplans/{plan['id']}/usage?startDate=2024-01-02&endDate=2024-01-01")
    assert r.status_code == 400
    assert cp.call("DELETE", f"/usageplans/{plan['id']}").status_code == 202
    assert cp.call("GET", f"/usageplans/{plan['id']}").status_code == 404


def test_per_method_plan_throttle(cp, make_dp):
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    key = make_key(cp)
    make_plan(cp, ids["api"], keys=[key], apiStages=[{
        "apiId": ids["api"], "stage": "prod", "throttle": {"/pets/GET": {"rateLimit": 0.01, "burstLimit": 1}}}])
    (dp,) = serving(cp, make_dp)
    assert call(dp, ids, key["value"]).status_code == 200
    r = call(dp, ids, key["value"])
    assert r.status_code == 429 and r.json() == {"message": "Too Many Requests"}
    assert r.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    # the other method of the resource has no per-method throttle
    for _ in range(5):
        assert call(dp, ids, key["value"], method="POST").status_code == 200


def test_burst_then_throttled_then_recovers(cp, make_dp):
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    key = make_key(cp)
    make_plan(cp, ids["api"], keys=[key], throttle={"rateLimit": 1.0, "burstLimit": 3})
    (dp,) = serving(cp, make_dp)
    started, passed = time.monotonic(), 0
    while (r := call(dp, ids, key["value"])).status_code == 200 and passed < 50:
        passed += 1
    assert r.status_code == 429 and r.json() == {"message": "Too Many Requests"}
    # the burst, plus what the bucket refilled while the requests ran
    assert 3 <= passed <= 3 + int(time.monotonic() - started) + 1, passed
    # a token a second: within a few seconds requests pass again
    wait_for(lambda: call(dp, ids, key["value"]).status_code == 200, timeout=5, interval=0.2,
             what="the bucket to refill")


def test_quota_exhausted_and_counted_in_usage(cp, make_dp):
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    key = make_key(cp)
    plan = make_plan(cp, ids["api"], keys=[key], quota={"limit": 5, "period": "DAY"})
    (dp,) = serving(cp, make_dp)
    codes = [call(dp, ids, key["value"]).status_code for _ in range(5)]
    assert codes == [200] * 5
    r = call(dp, ids, key["value"])
    assert r.status_code == 429 and r.json() == {"message": "Limit Exceeded"}
    assert r.headers["x-amzn-ErrorType"] == "LimitExceededException"
    wait_for(lambda: usage(cp, plan["id"]).get(key["id"]) == [[5, 0]], timeout=10,
             what="the usage report to reach the control plane")


def test_quota_shared_across_three_data_planes(cp, make_dp):
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    key = make_key(cp)
    limit = 30
    plan = make_plan(cp, ids["api"], keys=[key], quota={"limit": limit, "period": "DAY"})
    dps = serving(cp, make_dp, n=3)
    accepted, sent, started = 0, 0, time.monotonic()
    rate = 25  # requests per second over the whole cluster
    while sent < 150:
        r = call(dps[sent % 3], ids, key["value"])
        assert r.status_code in (200, 429), r.text
        if r.status_code == 200:
            accepted += 1
        else:
            assert r.json() == {"message": "Limit Exceeded"}
        sent += 1
        time.sleep(max(0.0, started + sent / rate - time.monotonic()))
    # nodes spend only leased budget (test_quota_exact.py): exactly the quota
    assert accepted == limit, accepted
    for dp in dps:
        assert call(dp, ids, key["value"]).json() == {"message": "Limit Exceeded"}
    # every accepted request is counted exactly once
    wait_for(lambda: usage(cp, plan["id"]).get(key["id"], [[0, 0]])[0][0] == accepted, timeout=10,
             what="the usage count to match the accepted requests")


def test_disabled_key_stops_working_everywhere_within_two_seconds(cp, make_dp):
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    key, removed = make_key(cp), make_key(cp)
    plan = make_plan(cp, ids["api"], keys=[key, removed])
    dps = serving(cp, make_dp, n=3)
    for dp in dps:
        assert call(dp, ids, key["value"]).status_code == 200
        assert call(dp, ids, removed["value"]).status_code == 200
    snapshots_before = [dp.output().count("serving snapshot") for dp in dps]
    cp.ok("PATCH", f"/apikeys/{key['id']}", {"patchOperations": [{"op": "replace", "path": "/enabled", "value": "false"}]})
    cp.call("DELETE", f"/usageplans/{plan['id']}/keys/{removed['id']}")
    changed = time.monotonic()
    for dp in dps:
        wait_for(lambda: forbidden(call(dp, ids, key["value"])) and forbidden(call(dp, ids, removed["value"])),
                 timeout=5, interval=0.02, what="the key to stop working")
    assert time.monotonic() - changed < 2.0
    # sent as a key delta, not a new snapshot
    assert [dp.output().count("serving snapshot") for dp in dps] == snapshots_before
    assert all("key delta" in dp.output() for dp in dps)
    cp.ok("PATCH", f"/apikeys/{key['id']}", {"patchOperations": [{"op": "replace", "path": "/enabled", "value": "true"}]})
    for dp in dps:
        wait_for(lambda: call(dp, ids, key["value"]).status_code == 200, timeout=5, what="the key back")


def test_restarted_node_does_not_resurrect_a_disabled_key(cp, make_dp):
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    key = make_key(cp)
    make_plan(cp, ids["api"], keys=[key])
    (dp,) = serving(cp, make_dp)
    assert call(dp, ids, key["value"]).status_code == 200
    cp.ok("DELETE", f"/apikeys/{key['id']}", expect=202)
    wait_for(lambda: forbidden(call(dp, ids, key["value"])), what="the deletion to arrive")
    cp.kill()
    assert dp.stop() == 0
    dp.start()  # from the state directory only: the snapshot plus the key log
    assert forbidden(call(dp, ids, key["value"]))


def test_control_plane_restart_keeps_usage_counts(tmp_path, secret):
    cp = ControlPlane(str(tmp_path), secret).start()
    try:
        ids = make_key_api(cp)
        deploy(cp, ids["api"])
        key = make_key(cp)
        plan = make_plan(cp, ids["api"], keys=[key], quota={"limit": 100, "period": "MONTH"})
        dp = DataPlane(str(tmp_path), cp).start()
        dp.wait_version(cp.version())
        for _ in range(7):
            assert call(dp, ids, key["value"]).status_code == 200
        wait_for(lambda: usage(cp, plan["id"]).get(key["id"], [[0]])[0][0] == 7, what="usage recorded")
        assert usage(cp, plan["id"])[key["id"]] == [[7, 93]]
        cp.kill()
        cp.start()
        assert usage(cp, plan["id"])[key["id"]] == [[7, 93]]
        dp.stop()
    finally:
        cp.stop()


def test_account_wide_limit_is_configurable(tmp_path, secret):
    cp = ControlPlane(str(tmp_path), secret, extra_args=("--account-rate-limit", "0.01",
                                                          "--account-burst-limit", "2")).start()
    try:
        ids = make_key_api(cp)
        deploy(cp, ids["api"])
        dp = DataPlane(str(tmp_path), cp).start()
        dp.wait_version(cp.version())
        codes = [call(dp, ids, path="/open").status_code for _ in range(4)]
        assert codes[:2] == [200, 200] and codes[2:] == [429, 429]
        dp.stop()
    finally:
        cp.stop()


def stage_setting(cp, ids, *ops):
    cp.ok("PATCH", f"/restapis/{ids['api']}/stages/prod",
          {"patchOperations": [{"op": "replace", "path": p, "value": v} for p, v in ops]})


def test_stage_method_settings_throttle(cp, make_dp):
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    # the stage default for every method, and a tighter one for GET /pets
    stage_setting(cp, ids, ("/*/*/throttling/rateLimit", "0.01"), ("/*/*/throttling/burstLimit", "3"),
                  ("/~1pets/GET/throttling/rateLimit", "0.01"), ("/~1pets/GET/throttling/burstLimit", "1"))
    key = make_key(cp)
    make_plan(cp, ids["api"], keys=[key])
    (dp,) = serving(cp, make_dp)
    codes = [call(dp, ids, path="/open").status_code for _ in range(5)]
    assert codes[:3] == [200] * 3 and codes[3:] == [429, 429]
    assert call(dp, ids, key["value"]).status_code == 200
    r = call(dp, ids, key["value"])
    assert r.status_code == 429 and r.json() == {"message": "Too Many Requests"}
    # POST /pets has no setting of its own: the stage default, whose bucket /open emptied
    assert call(dp, ids, key["value"], method="POST").status_code == 429
