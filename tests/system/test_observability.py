"""Observability: request metrics aggregated across data planes (exact
counts, Prometheus and JSON), retention, access logs with every $context
variable, log rotation on SIGHUP, execution logs, tracing headers and the
data plane's own status port."""

import json
import os
import re
import signal
import sqlite3
import struct
import time

import requests

from harness import deploy, parse_prometheus, promtool_check, wait_for

MV_LEN = 9 + 30 + 30  # common/metricvec.h: counters, then two 30-bucket histograms

# Every row of common/ctxvar.h: the access log test writes them all.
CONTEXT_VARIABLES = [
    "accountId", "apiId", "deploymentId", "domainName", "domainPrefix", "error.message",
    "error.messageString", "error.responseType", "extendedRequestId", "httpMethod",
    "identity.sourceIp", "identity.userAgent", "integration.latency", "integration.status",
    "integrationLatency", "integrationStatus", "isCanaryRequest", "path", "protocol", "requestId",
    "requestTime", "requestTimeEpoch", "resourceId", "resourcePath", "responseLatency",
    "responseLength", "stage", "status", "traceId", "xrayTraceId",
]


def patch_stage(cp, api_id, stage, *ops, expect=200):
    ops = [dict(zip(("op", "path", "value"), o)) for o in ops]
    r = cp.call("PATCH", f"/restapis/{api_id}/stages/{stage}", {"patchOperations": ops})
    assert r.status_code == expect, r.text
    return r.json()


def status_api(cp, routes):
    """An API whose GET /{name} proxies to routes[name] (a URL)."""
    api = cp.ok("POST", "/restapis", {"name": "status-mix"}, expect=201)
    api_id = api["id"]
    for name, url in routes.items():
        res = cp.ok("POST", f"/restapis/{api_id}/resources/{api['rootResourceId']}", {"pathPart": name},
                    expect=201)
        base = f"/restapis/{api_id}/resources/{res['id']}/methods/GET"
        cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
        cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": url},
              expect=201)
    return api_id


def cluster_metrics(cp):
    r = cp.call("GET", "/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse_prometheus(r.text)


def requests_total(samples, api_id, resource, method, status_class):
    return sum(v for (name, labels), v in samples.items()
               if name == "portico_requests_total" and dict(labels)["api"] == api_id
               and dict(labels)["resource"] == resource and dict(labels)["method"] == method
               and dict(labels)["status_class"] == status_class)


def send(dp, api_id, path, n):
    """n requests, each on a new connection (so they spread over the node's threads)."""
    for _ in range(n):
        requests.get(f"{dp.base}/prod{path}", timeout=10,
                     headers={"Host": f"{api_id}.execute-api.localhost:{dp.port}"})


def wait_counts(cp, api_id, expected, timeout=20):
    """expected: {(resource, method, status_class): count}; waits until /metrics shows exactly that."""
    def seen():
        s = cluster_metrics(cp)
        got = {k: requests_total(s, api_id, *k) for k in expected}
        return got if got == expected else None
    last = {}

    def check():
        nonlocal last
        last = seen()
        return last
    try:
        return wait_for(check, timeout, interval=0.3, what=f"counts {expected}")
    except AssertionError:
        s = cluster_metrics(cp)
        raise AssertionError(f"expected {expected}, have { {k: requests_total(s, api_id, *k) for k in expected} }")


def test_counts_are_exact_across_two_nodes_and_survive_lost_reports(cp, make_dp, upstream):
    ok, gone, err = upstream("ok", status=200), upstream("gone", status=404), upstream("err", status=500)
    api_id = status_api(cp, {"ok": ok.url, "gone": gone.url, "err": err.url})
    deploy(cp, api_id)
    # detailed metrics for every method but /err, which counts under "*" like unrouted requests
    patch_stage(cp, api_id, "prod", ("replace", "/*/*/metrics/enabled", "true"),
                ("replace", "/~1err/GET/metrics/enabled", "false"))
    dps = [make_dp().start(), make_dp().start()]
    for dp in dps:
        dp.wait_version(cp.version())
    mix = {dps[0]: {"/ok": 7, "/gone": 3, "/err": 2, "/nowhere": 1},
           dps[1]: {"/ok": 5, "/gone": 4, "/err": 1, "/nowhere": 2}}
    for dp, paths in mix.items():
        for path, n in paths.items():
            send(dp, api_id, path, n)
    expected = {("/ok", "GET", "2xx"): 12, ("/ok", "GET", "4xx"): 0, ("/gone", "GET", "4xx"): 7,
                ("/gone", "GET", "2xx"): 0, ("*", "*", "5xx"): 3, ("*", "*", "4xx"): 3,
                ("*", "*", "2xx"): 0}
    wait_counts(cp, api_id, expected)
    # the JSON query over the minute rows agrees, latencies included
    q = cp.ok("GET", f"/cluster/metrics?api={api_id}&stage=prod&from={int(time.time()) - 600}&period=600")
    m = q["metrics"]
    assert sum(m["Count"]["sum"]) == 25 and sum(m["4XXError"]["sum"]) == 10
    assert sum(m["5XXError"]["sum"]) == 3
    assert sum(m["Latency"]["sampleCount"]) == 25
    assert sum(m["IntegrationLatency"]["sampleCount"]) == 22  # every routed request called its endpoint
    assert all(p50 <= p90 <= p99 for p50, p90, p99 in
               zip(m["Latency"]["p50"], m["Latency"]["p90"], m["Latency"]["p99"]))
    per_resource = cp.ok("GET", f"/cluster/metrics?api={api_id}&stage=prod&resource=/gone&period=3600"
                                f"&from={int(time.time()) - 600}")
    assert sum(per_resource["metrics"]["Count"]["sum"]) == 7

    # full reports keep arriving every few seconds: nothing is counted twice
    time.sleep(3)
    wait_counts(cp, api_id, expected, timeout=1)

    # the control plane goes away; the nodes keep counting; reports sent
    # meanwhile are lost, yet nothing is lost or doubled once it is back
    cp.stop()
    send(dps[0], api_id, "/ok", 4)
    send(dps[1], api_id, "/gone", 2)
    time.sleep(2)
    cp.start()
    expected[("/ok", "GET", "2xx")] += 4
    expected[("/gone", "GET", "4xx")] += 2
    wait_counts(cp, api_id, expected, timeout=30)
    time.sleep(3)
    wait_counts(cp, api_id, expected, timeout=1)


def test_query_to_a_minute_boundary_keeps_that_minute(cp, make_dp, upstream):
    """`to` on the first second of a minute: that minute's rows count (they
    were left out when `to` was rounded up to the next minute boundary)."""
    up = upstream("ok")
    api_id = status_api(cp, {"ok": up.url})
    deploy(cp, api_id)
    patch_stage(cp, api_id, "prod", ("replace", "/*/*/metrics/enabled", "true"))
    dp = make_dp().start()
    dp.wait_version(cp.version())
    send(dp, api_id, "/ok", 3)
    wait_counts(cp, api_id, {("/ok", "GET", "2xx"): 3})
    minute = int(time.time()) // 60 * 60  # the requests fell in this minute or the one before
    q = cp.ok("GET", f"/cluster/metrics?api={api_id}&stage=prod&from={minute - 600}&to={minute}"
                     "&period=600")
    assert sum(q["metrics"]["Count"]["sum"]) == 3, q["metrics"]["Count"]


def test_prometheus_exposition_parses(cp, make_dp, upstream):
    up = upstream("ok")
    api_id = status_api(cp, {"ok": up.url})
    deploy(cp, api_id)
    patch_stage(cp, api_id, "prod", ("replace", "/*/*/metrics/enabled", "true"))
    dp = make_dp(status=True).start()
    dp.wait_version(cp.version())
    send(dp, api_id, "/ok", 3)
    wait_counts(cp, api_id, {("/ok", "GET", "2xx"): 3})
    for url, headers in ((cp.url + "/metrics", {"Authorization": f"Bearer {cp.token}"}),
                         (dp.status_url + "/metrics", {})):
        text = requests.get(url, headers=headers, timeout=10).text
        samples = parse_prometheus(text)
        checked = promtool_check(text)
        assert checked is not None, "promtool is missing (deploy/install-deps installs prometheus)"
        assert checked[0] == 0, checked[1]
        names = {name for name, _ in samples}
        for family in ("portico_requests_total", "portico_cache_hits_total", "portico_cache_misses_total",
                       "portico_request_duration_seconds_bucket", "portico_integration_duration_seconds_count"):
            assert family in names, (url, family)
        labels = dict(next(lb for (n, lb) in samples if n == "portico_requests_total"))
        assert set(labels) == {"api", "stage", "resource", "method", "status_class", "canary"}
        count = [v for (n, lb), v in samples.items()
                 if n == "portico_request_duration_seconds_count" and dict(lb)["resource"] == "/ok"]
        assert count == [3.0]
    # the control plane's /metrics needs credentials, like every other path
    assert requests.get(cp.url + "/metrics", timeout=10).status_code == 403


def test_retention_prunes_old_minutes(cp, make_dp):
    now_minute = int(time.time()) // 60
    ages = {"16d": 16 * 1440, "14d": 14 * 1440, "1d": 1440}
    blob = struct.pack(f"<{MV_LEN}Q", 1, *([0] * (MV_LEN - 1)))
    cp.stop()
    db = sqlite3.connect(os.path.join(cp.dir, "data", "portico.db"))
    with db:
        for label, age in ages.items():
            db.execute("INSERT INTO metrics_minutes VALUES ('oldapi', ?, '*', '*', 0, ?, ?)",
                       (label, now_minute - age, blob))
    db.close()

    def stages_left():
        q = cp.ok("GET", f"/cluster/metrics?api=oldapi&from={(now_minute - 20 * 1440) * 60}&period=86400")
        assert len(q["timestamps"]) == len(q["metrics"]["Count"]["sum"])
        return sum(q["metrics"]["Count"]["sum"]), {
            s for s in ages if sum(cp.ok("GET", f"/cluster/metrics?api=oldapi&stage={s}&period=86400"
                                                f"&from={(now_minute - 20 * 1440) * 60}")["metrics"]["Count"]["sum"])}
    cp.start()  # default retention: 15 days, pruned at start
    assert stages_left() == (2, {"14d", "1d"})
    cp.restart(["--metrics-retention-days", "7"])
    assert stages_left() == (1, {"1d"})
    bad = cp.call("GET", "/cluster/metrics?period=90")
    assert bad.status_code == 400 and "period" in bad.json()["message"]
    assert cp.call("GET", "/cluster/metrics?from=yesterday").status_code == 400


def access_log_format():
    return "{" + ",".join(f'"{v}":"$context.{v}"' for v in CONTEXT_VARIABLES if v != "error.messageString") \
        + ',"error.messageString":$context.error.messageString}'


def read_lines(path, n, timeout=10):
    def ready():
        if not os.path.exists(path):
            return None
        with open(path) as f:
            lines = f.read().splitlines()
        return lines if len(lines) >= n else None
    return wait_for(ready, timeout, what=f"{n} lines in {path}")


def test_access_log_writes_every_variable(cp, make_dp, upstream, tmp_path):
    up = upstream("A")
    api_id = status_api(cp, {"pets": up.url + "/pets"})
    log = str(tmp_path / "access.log")
    deploy(cp, api_id)
    patch_stage(cp, api_id, "prod", ("replace", "/accessLogSettings/format", access_log_format()),
                ("replace", "/accessLogSettings/destinationArn", "access.log"))
    dp = make_dp(extra_args=("--access-log-dir", str(tmp_path))).start()
    dp.wait_version(cp.version())
    host = f"{api_id}.execute-api.localhost:{dp.port}"
    before = int(time.time() * 1000)
    r = requests.get(f"{dp.base}/prod/pets?x=1", timeout=10, headers={
        "Host": host, "User-Agent": 'agent "quoted"\\x',
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793"})
    assert r.status_code == 200
    miss = requests.get(f"{dp.base}/prod/nowhere", timeout=10, headers={"Host": host})
    assert miss.status_code == 403
    # each worker thread buffers its own lines: the two may land in either order
    by_id = {json.loads(line)["requestId"]: line for line in read_lines(log, 2)[:2]}
    hit_line, gw_line = by_id[r.headers["x-amzn-RequestId"]], by_id[miss.headers["x-amzn-RequestId"]]
    hit, gw = json.loads(hit_line), json.loads(gw_line)
    assert set(hit) == set(CONTEXT_VARIABLES)
    assert hit["requestId"] == r.headers["x-amzn-RequestId"] == hit["extendedRequestId"]
    assert hit["accountId"] == "000000000000" and hit["apiId"] == api_id and hit["stage"] == "prod"
    assert hit["httpMethod"] == "GET" and hit["resourcePath"] == "/pets" and hit["path"] == "/prod/pets"
    assert hit["status"] == "200" and hit["integrationStatus"] == "200" == hit["integration.status"]
    assert hit["responseLength"] == str(len(r.content))
    assert hit["identity.sourceIp"] == "127.0.0.1"
    assert hit["identity.userAgent"] == 'agent "quoted"\\x'  # escaped in the line, intact once parsed
    assert hit["domainName"] == f"{api_id}.execute-api.localhost" and hit["domainPrefix"] == api_id
    assert hit["protocol"] == "HTTP/1.1" and hit["isCanaryRequest"] == "false"
    assert hit["traceId"] == "0af7651916cd43dd8448eb211c80319c"
    assert hit["xrayTraceId"] == "Root=1-5759e988-bd862e3fe1be46a994272793"
    assert re.fullmatch(r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", hit["requestTime"])
    assert before - 1000 <= int(hit["requestTimeEpoch"]) <= int(time.time() * 1000)
    for v in ("integrationLatency", "integration.latency", "responseLatency"):
        assert hit[v].isdigit(), v
    assert hit["deploymentId"] and hit["resourceId"]
    assert hit["error.message"] == "-" and hit["error.messageString"] == "-"
    assert gw["status"] == "403" and gw["resourcePath"] == "-" and gw["integrationLatency"] == "-"
    assert gw["error.message"] == "Missing Authentication Token"
    assert gw["error.messageString"] == "Missing Authentication Token"  # a JSON string in the line
    assert '"error.messageString":"Missing Authentication Token"}' in gw_line
    assert gw["error.responseType"] == "MISSING_AUTHENTICATION_TOKEN"
    assert gw["requestId"] == miss.headers["x-amzn-RequestId"]


def test_access_log_reopens_on_sighup(cp, make_dp, upstream, tmp_path):
    up = upstream("A")
    api_id = status_api(cp, {"pets": up.url})
    log = str(tmp_path / "access.log")
    deploy(cp, api_id)
    patch_stage(cp, api_id, "prod", ("replace", "/accessLogSettings/format", "$context.requestId $context.status"),
                ("replace", "/accessLogSettings/destinationArn", "access.log"))
    dp = make_dp(extra_args=("--access-log-dir", str(tmp_path))).start()
    dp.wait_version(cp.version())
    send(dp, api_id, "/pets", 2)
    read_lines(log, 2)
    os.rename(log, log + ".1")  # what logrotate does first
    send(dp, api_id, "/pets", 1)
    read_lines(log + ".1", 3)  # still the open file
    assert not os.path.exists(log)
    dp.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    send(dp, api_id, "/pets", 2)
    assert len(read_lines(log, 2)) == 2
    assert len(read_lines(log + ".1", 3)) == 3
    assert dp.alive()


def test_access_log_settings_are_validated(cp, upstream):
    api_id = status_api(cp, {"pets": upstream().url})
    d = deploy(cp, api_id)
    stages = f"/restapis/{api_id}/stages"
    bad = [{"format": "$context.status", "destinationArn": "/tmp/x.log"},
           {"format": "$context.requestId $context.nope", "destinationArn": "/tmp/x.log"},
           {"format": "$context.requestId", "destinationArn": "/tmp/x.log"},
           {"format": "$context.requestId", "destinationArn": "/var/log/../etc/x"},
           {"format": "$context.requestId"},
           {"format": "$context.requestId\n", "destinationArn": "/tmp/x.log"}]
    for i, settings in enumerate(bad):
        r = cp.call("POST", stages, {"stageName": f"s{i}", "deploymentId": d["id"], "accessLogSettings": settings})
        assert r.status_code == 400 and r.json()["message"], settings
        assert r.headers["x-amzn-ErrorType"] == "BadRequestException"
    good = {"format": "$context.requestId $context.status", "destinationArn": "stdout"}
    stage = cp.ok("POST", stages, {"stageName": "dev", "deploymentId": d["id"], "accessLogSettings": good},
                  expect=201)
    assert stage["accessLogSettings"] == good
    # a destination alone leaves the settings incomplete: refused, nothing stored
    patch_stage(cp, api_id, "prod", ("replace", "/accessLogSettings/destinationArn", "/tmp/a.log"), expect=400)
    assert "accessLogSettings" not in cp.ok("GET", f"{stages}/prod")
    patch_stage(cp, api_id, "dev", ("replace", "/accessLogSettings/format", "$context.requestId"))
    patch_stage(cp, api_id, "dev", ("replace", "/accessLogSettings/format", "no id"), expect=400)
    patch_stage(cp, api_id, "dev", ("add", "/accessLogSettings", "x"), expect=400)
    assert "accessLogSettings" not in patch_stage(cp, api_id, "dev", ("remove", "/accessLogSettings", None))


def test_execution_logs_follow_the_method_log_level(cp, make_dp, upstream, tmp_path):
    up = upstream("A")
    api_id = status_api(cp, {"pets": up.url, "toys": up.url, "dead": "http://127.0.0.1:9"})
    deploy(cp, api_id)
    exec_log = str(tmp_path / "execution.log")
    dp = make_dp(extra_args=("--execution-log", exec_log)).start()

    def logged_for(path, level_ops, headers=None):
        patch_stage(cp, api_id, "prod", *level_ops)
        dp.wait_version(cp.version())
        r = requests.get(f"{dp.base}/prod{path}", timeout=10,
                         headers={"Host": f"{api_id}.execute-api.localhost:{dp.port}", **(headers or {})})
        rid = r.headers["x-amzn-RequestId"]
        time.sleep(0.6)  # the writer's delay is ~150 ms
        text = open(exec_log).read() if os.path.exists(exec_log) else ""
        return [line for line in text.splitlines() if f"({rid})" in line]

    info = logged_for("/pets", [("replace", "/*/*/logging/loglevel", "INFO")])
    assert any("Starting execution" in line for line in info)
    assert any("Method completed with status: 200" in line for line in info)
    assert all(f"{api_id}/prod (" in line for line in info)
    assert logged_for("/pets", [("replace", "/~1pets/GET/logging/loglevel", "OFF")]) == []
    assert logged_for("/toys", []) != []  # still INFO from */*
    ops = [("replace", "/*/*/logging/loglevel", "ERROR")]
    assert logged_for("/toys", ops) == []
    failed = logged_for("/dead", [])
    assert len(failed) == 1 and "Execution failed" in failed[0] and "INTEGRATION_FAILURE" in failed[0]
    # logging/dataTrace adds headers (credentials masked) and the request body
    traced = logged_for("/toys", [("replace", "/~1toys/GET/logging/loglevel", "INFO"),
                                  ("replace", "/~1toys/GET/logging/dataTrace", "true")],
                        headers={"Authorization": "Bearer secret-token", "X-Trace-Me": "yes"})
    request_headers = next(line for line in traced if "Method request headers:" in line)
    assert "X-Trace-Me=yes" in request_headers or "x-trace-me=yes" in request_headers
    assert "authorization=****" in request_headers and "secret-token" not in "".join(traced)
    assert any("Method response headers:" in line for line in traced)
    assert any("Method request body before transformations:" in line for line in traced)
    assert not any("Method request headers:" in line for line in logged_for("/pets", []))


def test_trace_headers_reach_the_integration(cp, make_dp, upstream):
    up = upstream("A")
    api_id = status_api(cp, {"pets": up.url})
    deploy(cp, api_id)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    host = {"Host": f"{api_id}.execute-api.localhost:{dp.port}"}
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    r = requests.get(f"{dp.base}/prod/pets", timeout=10,
                     headers={**host, "traceparent": parent, "tracestate": "vendor=1",
                              "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793"})
    seen = up.calls[-1]["headers"]
    assert seen["x-amzn-requestid"] == r.headers["x-amzn-RequestId"]
    tp = seen["traceparent"].split("-")
    assert tp[0] == "00" and tp[1] == "0af7651916cd43dd8448eb211c80319c" and tp[3] == "01"
    assert re.fullmatch("[0-9a-f]{16}", tp[2]) and tp[2] != "b7ad6b7169203331"  # our span as parent
    assert seen["tracestate"] == "vendor=1"
    assert seen["x-amzn-trace-id"] == "Root=1-5759e988-bd862e3fe1be46a994272793"
    assert r.headers["x-amzn-trace-id"] == "Root=1-5759e988-bd862e3fe1be46a994272793"
    # no or a malformed traceparent: a new trace starts
    ids = set()
    for header in ({}, {"traceparent": "00-00000000000000000000000000000000-b7ad6b7169203331-01"},
                   {"traceparent": "garbage"}):
        r = requests.get(f"{dp.base}/prod/pets", timeout=10, headers={**host, **header})
        tp = up.calls[-1]["headers"]["traceparent"]
        assert re.fullmatch("00-[0-9a-f]{32}-[0-9a-f]{16}-00", tp), tp
        ids.add(tp.split("-")[1])
        assert "x-amzn-trace-id" not in up.calls[-1]["headers"] and "x-amzn-trace-id" not in r.headers
    assert len(ids) == 3 and "0" * 32 not in ids
    # tracingEnabled starts an X-Amzn-Trace-Id when the client sent none
    patch_stage(cp, api_id, "prod", ("replace", "/tracingEnabled", "true"))
    dp.wait_version(cp.version())
    r = requests.get(f"{dp.base}/prod/pets", timeout=10, headers=host)
    started = up.calls[-1]["headers"]["x-amzn-trace-id"]
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", started)
    assert r.headers["x-amzn-trace-id"] == started


def test_data_plane_status_port(cp, make_dp, upstream):
    slow = upstream("slow", delay=2.0)
    api_id = status_api(cp, {"slow": slow.url})
    deploy(cp, api_id)
    dp = make_dp(status=True).start()
    dp.wait_version(cp.version())

    def figures():
        s = parse_prometheus(requests.get(dp.status_url + "/metrics", timeout=10).text)
        return {name: v for (name, labels), v in s.items() if not labels}
    assert figures()["portico_dp_snapshot_version"] == cp.version()
    assert figures()["portico_dp_threads"] == 2 and figures()["portico_dp_resident_memory_bytes"] > 0
    import threading
    t = threading.Thread(target=send, args=(dp, api_id, "/slow", 1))
    t.start()
    wait_for(lambda: figures()["portico_dp_requests_in_flight"] == 1, 5, what="one request in flight")
    assert figures()["portico_dp_connections"] >= 1
    t.join()
    wait_for(lambda: figures()["portico_dp_requests_in_flight"] == 0, 5, what="no request in flight")
    assert requests.get(dp.status_url + "/nope", timeout=10).status_code == 404
    assert requests.get(dp.status_url + "/healthz", timeout=10).json() == {"status": "ok"}


def test_cluster_nodes_show_the_last_minute(cp, make_dp, upstream):
    ok, err = upstream("ok"), upstream("err", status=503)
    api_id = status_api(cp, {"ok": ok.url, "err": err.url})
    deploy(cp, api_id)
    dp = make_dp().start()
    dp.wait_version(cp.version())

    def minute():
        return next(n for n in cp.nodes()["item"] if n["nodeId"] == dp.name)["lastMinute"]
    time.sleep(1.5)
    base = minute()
    send(dp, api_id, "/ok", 6)
    send(dp, api_id, "/err", 2)
    send(dp, api_id, "/nowhere", 2)
    wait_for(lambda: minute()["requests"] - base["requests"] == 10, 10, what="10 more requests")
    m = minute()
    assert m["5xx"] - base["5xx"] == 2 and m["4xx"] - base["4xx"] == 2
    node = next(n for n in cp.nodes()["item"] if n["nodeId"] == dp.name)
    assert node["requestRate"] > 0 and 0 < node["errorRate"] <= 1
    assert abs(node["errorRate"] - (m["4xx"] + m["5xx"]) / m["requests"]) < 1e-9
