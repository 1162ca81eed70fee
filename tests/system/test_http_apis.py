"""HTTP APIs (apigatewayv2, protocolType HTTP) end to end: made through the
admin API's /v2/ paths like a user would, served by a real data plane to a
real upstream — the `$default` stage with autoDeploy (a change is live
without a deployment call), a named stage with its prefix, route priority,
parameter mapping, the gateway's own CORS preflight (also from headless
Chromium), JWT authorizers with scopes, and the HTTP API error texts."""

import json
import os

import pytest

from harness import CHROMIUM, Chromium, parse_prometheus, wait_for
from test_jwt_authorizer import AUDIENCE, Issuer, wait_keys


LOG_FORMAT = "v2log $context.requestId $context.apiId $context.stage $context.routeKey $context.status"


def v2(cp, method, path, body=None, expect=None):
    return cp.ok(method, "/v2" + path, body, expect=expect)


def make_api(cp, name, **extra):
    body = {"name": name, "protocolType": "HTTP"}
    body.update(extra)
    return v2(cp, "POST", "/apis", body, expect=201)["apiId"]


def integration(cp, api_id, uri, method="ANY", **extra):
    body = {"integrationType": "HTTP_PROXY", "integrationUri": uri, "integrationMethod": method,
            "payloadFormatVersion": "1.0"}
    body.update(extra)
    return v2(cp, "POST", f"/apis/{api_id}/integrations", body, expect=201)["integrationId"]


def route(cp, api_id, key, integ=None, **extra):
    body = {"routeKey": key}
    if integ is not None:
        body["target"] = "integrations/" + integ
    body.update(extra)
    return v2(cp, "POST", f"/apis/{api_id}/routes", body, expect=201)["routeId"]


def host(dp, api_id):
    return {"Host": f"{api_id}.execute-api.localhost:{dp.port}"}


def call(dp, api_id, method, path, headers=None, **kw):
    h = host(dp, api_id)
    h.update(headers or {})
    return dp.session.request(method, dp.base + path, headers=h, timeout=10, **kw)


def up_path(r):
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()["path"]


def test_routes_stages_and_mapping(cp, make_dp, upstream):
    up = upstream("up")
    api = make_api(cp, "pets")
    plain = integration(cp, api, up.url)  # no path: the client's path goes as sent
    exact = integration(cp, api, up.url + "/exact/{id}", "GET")
    anyi = integration(cp, api, up.url + "/any/{id}")
    greedy = integration(cp, api, up.url + "/files/{proxy}")
    mapped = integration(cp, api, up.url + "/m", requestParameters={
        "overwrite:header.x-one": "$request.header.x-src",
        "append:header.x-two": "added",
        "remove:header.x-gone": "''",
        "overwrite:querystring.q": "$request.path.id",
        "overwrite:path": "/mapped/${request.path.id}/${stageVariables.color}",
    }, responseParameters={"200": {"overwrite:header.x-from": "$response.header.x-upstream",
                                   "overwrite:statuscode": "202"}})
    route(cp, api, "GET /pets/{id}", exact)
    route(cp, api, "ANY /pets/{id}", anyi)
    route(cp, api, "GET /files/{proxy+}", greedy)
    route(cp, api, "GET /m/{id}", mapped)
    route(cp, api, "$default", plain)
    v2(cp, "POST", f"/apis/{api}/stages",
       {"stageName": "$default", "autoDeploy": True, "stageVariables": {"color": "blue"},
        "accessLogSettings": {"destinationArn": "stdout", "format": LOG_FORMAT}}, expect=201)
    other = make_api(cp, "nodefault")
    route(cp, other, "GET /only", integration(cp, other, up.url))
    v2(cp, "POST", f"/apis/{other}/stages", {"stageName": "$default", "autoDeploy": True}, expect=201)
    dp = make_dp().start()
    wait_for(lambda: call(dp, api, "GET", "/pets/7").status_code == 200, what="the HTTP API live")

    # route priority: exact method over ANY, literal over greedy, $default last
    assert up_path(call(dp, api, "GET", "/pets/7")) == "/exact/7"
    assert up_path(call(dp, api, "DELETE", "/pets/7")) == "/any/7"
    assert up_path(call(dp, api, "GET", "/files/a/b.txt")) == "/files/a/b.txt"
    assert up_path(call(dp, api, "POST", "/zzz/y?k=1")) == "/zzz/y?k=1"
    assert up_path(call(dp, api, "GET", "/files")) == "/files"  # {proxy+} needs a segment
    # the access log names the route
    rid = call(dp, api, "DELETE", "/pets/9").headers["apigw-requestid"]
    line = f"v2log {rid} {api} $default ANY /pets/{{id}} 200"
    wait_for(lambda: line in open(dp.log_path).read(), what="the access log line")

    r = call(dp, other, "GET", "/nope")
    assert r.status_code == 404 and r.json() == {"message": "Not Found"}
    assert "x-amzn-errortype" not in {k.lower() for k in r.headers}
    assert r.headers["apigw-requestid"]

    # parameter mapping, both ways
    r = call(dp, api, "GET", "/m/5?q=old&keep=1",
             headers={"x-src": "client", "x-two": "first", "x-gone": "bye"})
    assert r.status_code == 202 and r.headers["x-from"] == "up", (r.status_code, dict(r.headers))
    seen = r.json()
    assert seen["path"] == "/mapped/5/blue?keep=1&q=5"
    assert seen["headers"]["x-one"] == "client" and seen["headers"]["x-two"] == "first,added"
    assert "x-gone" not in seen["headers"]
    # a decoded CR LF in a mapped header refuses the call
    r = call(dp, api, "GET", "/m/5", headers={"x-src": "ok"}, params={"q": "x"})
    assert r.status_code == 202
    r = dp.session.get(dp.base + "/m/5%0D%0Ax-evil:1", headers=host(dp, api), timeout=10)
    assert r.status_code in (400, 500), r.status_code

    # a decoded "../" in a path parameter cannot climb out of the mapped path's prefix
    r = dp.session.get(dp.base + "/m/..%2F..%2Fadmin", headers=host(dp, api), timeout=10)
    assert r.status_code == 400 and r.json() == {"message": "Bad Request"}, r.text
    assert not any("/admin" in c["path"] for c in up.calls)

    # autoDeploy: a new route is live without a deployment call
    route(cp, api, "GET /late", integration(cp, api, up.url + "/late-target", "GET"))
    wait_for(lambda: call(dp, api, "GET", "/late").json().get("path") == "/late-target",
             what="the new route live")

    # an API mapping on a custom domain: the mapping key, then the routes
    cp.ok("POST", "/v2/domainnames", {"domainName": "pets.example.test"})
    cp.ok("POST", "/v2/domainnames/pets.example.test/apimappings",
          {"apiId": api, "stage": "$default", "apiMappingKey": "v1"})
    dom = {"Host": f"pets.example.test:{dp.port}"}
    wait_for(lambda: dp.session.get(dp.base + "/v1/pets/4", headers=dom, timeout=5).status_code == 200,
             what="the API mapping live")
    assert up_path(dp.session.get(dp.base + "/v1/pets/4", headers=dom, timeout=5)) == "/exact/4"
    assert up_path(dp.session.get(dp.base + "/v1/zzz", headers=dom, timeout=5)) == "/zzz"

    # a named stage: deployed by a call, served with its prefix
    v2(cp, "POST", f"/apis/{api}/stages", {"stageName": "dev"}, expect=201)
    v2(cp, "POST", f"/apis/{api}/deployments", {"stageName": "dev"}, expect=201)
    wait_for(lambda: call(dp, api, "GET", "/dev/pets/3").status_code == 200, what="the dev stage")
    assert up_path(call(dp, api, "GET", "/dev/pets/3")) == "/exact/3"
    assert up_path(call(dp, api, "GET", "/dev/other")) == "/dev/other"  # the prefix goes along


def make_cors_api(cp, up, origin):
    api = make_api(cp, "cors", corsConfiguration={
        "allowOrigins": [origin], "allowMethods": ["GET", "POST"],
        "allowHeaders": ["content-type", "x-custom"], "exposeHeaders": ["x-upstream"],
        "maxAge": 60})
    route(cp, api, "GET /pets", integration(cp, api, up.url + "/pets", "GET"))
    v2(cp, "POST", f"/apis/{api}/stages", {"stageName": "$default", "autoDeploy": True}, expect=201)
    return api


def test_cors(cp, make_dp, upstream, json_server, tmp_path):
    up = upstream("up")
    results, probes = [], []
    page = """<!doctype html><html><body><script>
(async () => {
  const out = [];
  for (const [name, url] of %s) {
    try {
      const r = await fetch(url, {headers: {"X-Custom": "1", "Content-Type": "application/json"}});
      out.push({name, ok: true, status: r.status, exposed: r.headers.get("x-upstream")});
    } catch (e) { out.push({name, ok: false, error: String(e)}); }
  }
  await fetch("/result", {method: "POST", body: JSON.stringify(out)});
})();
</script></body></html>"""

    def serve(req):
        if req["method"] == "POST" and req["path"] == "/result":
            results.append(req["json"])
            return 204, b""
        return 200, page % json.dumps(probes), {"content-type": "text/html"}

    site = json_server(serve)
    origin = site.url
    api = make_cors_api(cp, up, origin)
    plain = make_api(cp, "plain")
    route(cp, plain, "GET /pets", integration(cp, plain, up.url + "/pets", "GET"))
    v2(cp, "POST", f"/apis/{plain}/stages", {"stageName": "$default", "autoDeploy": True}, expect=201)
    dp = make_dp().start()
    wait_for(lambda: call(dp, api, "GET", "/pets").status_code == 200, what="the CORS API live")
    wait_for(lambda: call(dp, plain, "GET", "/pets").status_code == 200, what="the plain API live")

    # the preflight is the gateway's own (no OPTIONS route exists)
    r = call(dp, api, "OPTIONS", "/pets", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-custom"})
    assert r.status_code == 204, r.status_code
    assert r.headers["Access-Control-Allow-Origin"] == origin
    assert r.headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert r.headers["Access-Control-Allow-Headers"] == "content-type,x-custom"
    assert r.headers["Access-Control-Max-Age"] == "60"
    assert not up.calls or all(c["method"] != "OPTIONS" for c in up.calls)
    r = call(dp, api, "OPTIONS", "/pets", headers={"Origin": "http://evil.example",
                                                   "Access-Control-Request-Method": "GET"})
    assert r.status_code == 204 and "Access-Control-Allow-Origin" not in r.headers
    r = call(dp, api, "GET", "/pets", headers={"Origin": origin})
    assert r.headers["Access-Control-Allow-Origin"] == origin
    assert r.headers["Access-Control-Expose-Headers"] == "x-upstream"

    if not os.path.exists(CHROMIUM):
        return
    base = lambda a: f"http://{a}.execute-api.localhost:{dp.port}"  # noqa: E731
    probes.extend([["cors", base(api) + "/pets"], ["no-cors", base(plain) + "/pets"]])
    browser = Chromium(str(tmp_path), origin + "/page")
    browser.start()
    try:
        wait_for(lambda: results, timeout=60, interval=0.2, what="the page's report")
    finally:
        browser.kill()
    got = {p["name"]: p for p in results[0]}
    assert got["cors"]["ok"] and got["cors"]["status"] == 200, got["cors"]
    assert got["cors"]["exposed"] == "up"
    assert not got["no-cors"]["ok"], got["no-cors"]


def test_jwt_scopes(cp, make_dp, upstream, json_server):
    up = upstream("up")
    issuer = Issuer(json_server)
    api = make_api(cp, "jwt")
    r = cp.call("POST", f"/v2/apis/{api}/authorizers", {
        "name": "oidc", "authorizerType": "JWT", "identitySource": ["$request.header.Authorization"],
        "jwtConfiguration": {"issuer": issuer.issuer, "audience": [AUDIENCE]}})
    if r.status_code == 404:
        pytest.skip("the admin API has no v2 authorizers yet (i15-v2cp)")
    assert r.status_code == 201, r.text
    auth = r.json()
    integ = integration(cp, api, up.url + "/pets", "GET")
    route(cp, api, "GET /pets", integ, authorizationType="JWT", authorizerId=auth["authorizerId"],
          authorizationScopes=["pets:read"])
    route(cp, api, "GET /open", integ)
    v2(cp, "POST", f"/apis/{api}/stages", {"stageName": "$default", "autoDeploy": True,
                                           "defaultRouteSettings": {"detailedMetricsEnabled": True}},
       expect=201)
    wait_keys(cp, issuer, 3)
    dp = make_dp(status=True).start()
    good = "Bearer " + issuer.token(scope="pets:read other")
    wait_for(lambda: call(dp, api, "GET", "/pets", headers={"Authorization": good}).status_code == 200,
             what="the JWT route live")
    assert call(dp, api, "GET", "/open").status_code == 200
    r = call(dp, api, "GET", "/pets")
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    r = call(dp, api, "GET", "/pets", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    r = call(dp, api, "GET", "/pets", headers={"Authorization": "Bearer " + issuer.token(scope="x")})
    assert r.status_code == 403 and r.json() == {"message": "Forbidden"}
    r = call(dp, api, "GET", "/pets", headers={"Authorization": issuer.token(scope="pets:read")})
    assert r.status_code == 200  # without "Bearer " too, as the reference

    # metrics per route (detailedMetricsEnabled): the route's path and method
    def counts():
        text = dp.session.get(dp.status_url + "/metrics", timeout=5).text
        return {(lb["resource"], lb["method"], lb["status_class"]): v
                for (n, lbs), v in parse_prometheus(text).items()
                if n == "portico_requests_total" and (lb := dict(lbs))["api"] == api}
    # (the wait for the route to go live may have added 4xx answers)
    wait_for(lambda: counts().get(("/pets", "GET", "4xx"), 0) >= 3.0, what="per-route metrics")
    assert counts().get(("/open", "GET", "2xx")) == 1.0
    assert counts().get(("/pets", "GET", "2xx"), 0) >= 2.0


FN_BOOTSTRAP = r'''#!/usr/bin/python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    path = event.get("rawPath") or event.get("path") or ""
    if path.endswith("/plain"):
        out = {"plain": True}
    elif event.get("version") == "2.0":
        out = {"statusCode": 201, "headers": {"x-fn": "v2"}, "cookies": ["a=1", "b=2"],
               "body": json.dumps(event)}
    else:
        out = {"statusCode": 200, "headers": {"x-fn": "v1"}, "body": json.dumps(event)}
    req = urllib.request.Request(api + rid + "/response", data=json.dumps(out).encode(),
                                 method="POST")
    urllib.request.urlopen(req).read()
'''


def test_function_routes(cp, make_dp):
    from test_lambda_integrations import create_function
    create_function(cp, "v2fn", "provided.al2023", "bootstrap", {"bootstrap": FN_BOOTSTRAP})
    api = make_api(cp, "fns")
    v2fn = integration(cp, api, "arn:aws:lambda:us-east-1:000000000000:function:v2fn", "POST",
                       integrationType="AWS_PROXY", payloadFormatVersion="2.0")
    v1fn = integration(cp, api, "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                       "arn:aws:lambda:us-east-1:000000000000:function:v2fn/invocations", "POST",
                       integrationType="AWS_PROXY", payloadFormatVersion="1.0")
    route(cp, api, "GET /v2/{id}", v2fn)
    route(cp, api, "GET /v1/{id}", v1fn)
    v2(cp, "POST", f"/apis/{api}/stages", {"stageName": "$default", "autoDeploy": True}, expect=201)
    dp = make_dp().start()
    wait_for(lambda: call(dp, api, "GET", "/v2/7").status_code == 201, timeout=30,
             what="the function route live")
    r = call(dp, api, "GET", "/v2/7?a=1&a=2", headers={"x-h": "v", "Cookie": "c=3"})
    assert r.status_code == 201 and r.headers["x-fn"] == "v2"
    assert r.headers.get("set-cookie") in ("a=1, b=2", "a=1,b=2") or "a=1" in r.headers["set-cookie"]
    ev = r.json()
    assert ev["version"] == "2.0" and ev["routeKey"] == "GET /v2/{id}"
    assert ev["rawPath"] == "/v2/7" and ev["rawQueryString"] == "a=1&a=2"
    assert ev["queryStringParameters"] == {"a": "1,2"} and ev["pathParameters"] == {"id": "7"}
    assert ev["headers"]["x-h"] == "v" and ev["cookies"] == ["c=3"]
    assert ev["requestContext"]["apiId"] == api and ev["requestContext"]["stage"] == "$default"
    r = call(dp, api, "GET", "/v2/plain")
    assert r.status_code == 200 and r.json() == {"plain": True}  # 2.0: any JSON is the body
    r = call(dp, api, "GET", "/v1/9")
    assert r.status_code == 200 and r.headers["x-fn"] == "v1"
    ev = r.json()
    assert ev["resource"] == "/v1/{id}" and ev["path"] == "/v1/9" and ev["httpMethod"] == "GET"
    assert ev["pathParameters"] == {"id": "9"}


def test_request_authorizer(cp, make_dp, upstream, json_server):
    up = upstream("up")

    def decide(req):
        ev = req["json"] or {}
        if ev.get("version") == "2.0":
            token = ev["identitySource"][0]
        else:  # 1.0: the REST REQUEST event
            token = (ev.get("queryStringParameters") or {}).get("t", "")
        if token == "policy":  # an IAM policy answer from the 1.0 authorizer
            return 200, {"principalId": "p1", "context": {"via": "policy"}, "policyDocument": {
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ev["methodArn"]}]}}
        return 200, {"isAuthorized": token == "let-me-in", "context": {"user": "u1", "n": 7}}

    auth_server = json_server(decide)
    api = make_api(cp, "authz")
    simple = v2(cp, "POST", f"/apis/{api}/authorizers", {
        "name": "simple", "authorizerType": "REQUEST", "authorizerUri": auth_server.url + "/auth",
        "identitySource": ["$request.header.x-token"], "authorizerPayloadFormatVersion": "2.0",
        "enableSimpleResponses": True, "authorizerResultTtlInSeconds": 0}, expect=201)
    iam = v2(cp, "POST", f"/apis/{api}/authorizers", {
        "name": "iam", "authorizerType": "REQUEST", "authorizerUri": auth_server.url + "/auth1",
        "identitySource": ["$request.querystring.t"], "authorizerPayloadFormatVersion": "1.0",
        "authorizerResultTtlInSeconds": 60}, expect=201)
    integ = integration(cp, api, up.url + "/pets", "GET", requestParameters={
        "overwrite:header.x-user": "$context.authorizer.user"})
    route(cp, api, "GET /pets", integ, authorizationType="CUSTOM",
          authorizerId=simple["authorizerId"])
    route(cp, api, "GET /old", integ, authorizationType="CUSTOM", authorizerId=iam["authorizerId"])
    v2(cp, "POST", f"/apis/{api}/stages", {"stageName": "$default", "autoDeploy": True}, expect=201)
    dp = make_dp().start()
    ok = {"x-token": "let-me-in"}
    wait_for(lambda: call(dp, api, "GET", "/pets", headers=ok).status_code == 200,
             what="the authorized route live")
    r = call(dp, api, "GET", "/pets", headers=ok)
    assert r.json()["headers"]["x-user"] == "u1"  # $context.authorizer.* from the simple answer
    ev = auth_server.calls("/auth")[-1]["json"]
    assert ev["version"] == "2.0" and ev["type"] == "REQUEST" and ev["routeKey"] == "GET /pets"
    assert ev["identitySource"] == ["let-me-in"] and ev["routeArn"].endswith("/GET/pets")
    r = call(dp, api, "GET", "/pets", headers={"x-token": "nope"})
    assert r.status_code == 403 and r.json() == {"message": "Forbidden"}
    r = call(dp, api, "GET", "/pets")
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    # payload 1.0 with an IAM policy answer, cached for the identity
    assert call(dp, api, "GET", "/old?t=policy").status_code == 200
    assert call(dp, api, "GET", "/old?t=policy").status_code == 200
    assert len(auth_server.calls("/auth1")) == 1
    ev = auth_server.calls("/auth1")[0]["json"]
    assert ev["type"] == "REQUEST" and ev["version"] == "1.0" and ev["identitySource"] == "policy"
    r = call(dp, api, "GET", "/old?t=other")
    assert r.status_code == 500  # neither a policy nor a simple answer from a 1.0 authorizer
