"""Functions behind REST APIs end to end: a control plane (functions created
through its Lambda management API), a data plane running them, and APIs
whose integrations are AWS_PROXY and AWS (Lambda invocation URIs) and whose
TOKEN authorizer is a function. The functions are `provided` bootstraps
(Python speaking the Lambda Runtime API) and, when the Node runtime
interface client is installed (deploy/install-deps), a nodejs handler.
One control plane and one data plane serve the whole module."""

import base64
import io
import json
import os
import secrets
import time
import zipfile

import pytest
import requests

from harness import ControlPlane, DataPlane, deploy, wait_for

LOG_VARS = ("requestId", "status", "integration.status", "integration.integrationStatus",
            "integration.error", "integration.latency", "integrationLatency", "integrationStatus")

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_RIC = os.path.join(HERE, "..", "..", "deploy", "node-ric", "node_modules", "aws-lambda-ric")
HAS_NODE_RIC = all(os.path.exists(os.path.join(NODE_RIC, f))
                   for f in ("bin/index.mjs", "dist/rapid-client.node"))
ROLE = "arn:aws:iam::000000000000:role/lambda-role"

# A `provided` runtime: the bootstrap speaks the Runtime API itself. What it
# does is chosen by the event (proxy: the path's last part; AWS: "action").
BOOTSTRAP = r'''#!/usr/bin/python3
import json, os, time, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
while True:
    with urllib.request.urlopen(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        trace = r.headers.get("Lambda-Runtime-Trace-Id")
        raw = r.read()
    event = json.loads(raw) if raw else None
    action = ""
    if isinstance(event, dict):
        action = event.get("action") or (event.get("path") or "").rsplit("/", 1)[-1]
        if event.get("type") in ("TOKEN", "REQUEST"):
            action = "authorize"
    if action == "fail":
        post(api + rid + "/error", {"errorMessage": (event.get("message") or "boom"),
                                    "errorType": "Error"})
        continue
    if action == "slow":
        time.sleep(3)
    if action == "bad":
        out = {"statusCode": 200, "unexpected": True}
    elif action == "b64":
        out = {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream"},
               "body": "AAFiaW4=", "isBase64Encoded": True}
    elif action == "raw":
        out = {"got": event, "version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")}
    elif action == "authorize":
        token = event.get("authorizationToken") or (event.get("headers") or {}).get("X-Tenant", "")
        if token == "deny-me":
            post(api + rid + "/error", {"errorMessage": "Unauthorized", "errorType": "Error"})
            continue
        if token == "crash":
            post(api + rid + "/error", {"errorMessage": "kaput", "errorType": "Error"})
            continue
        out = {"principalId": "user-" + token, "context": {"tier": "gold", "type": event["type"]},
               "policyDocument": {"Version": "2012-10-17", "Statement": [
                   {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}]}}
    else:
        out = {"statusCode": 201,
               "headers": {"Content-Type": "application/json", "X-Fn": "provided", "X-Flag": True},
               "multiValueHeaders": {"X-Multi": ["a", "b"]},
               "body": json.dumps({"event": event, "trace": trace,
                                   "version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")})}
    post(api + rid + "/response", out)
'''

NODE_HANDLER = """export const handler = async (event) => ({
  statusCode: 200,
  headers: {"content-type": "application/json", "x-fn": "node"},
  body: JSON.stringify({path: event.path, method: event.httpMethod,
                        q: event.queryStringParameters, id: event.pathParameters}),
});
"""


def zip_of(files, mode=0o755):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            z.writestr(info, data)
    return buf.getvalue()


def create_function(cp, name, runtime, handler, files, timeout=3):
    body = {"FunctionName": name, "Runtime": runtime, "Role": ROLE, "Handler": handler,
            "Timeout": timeout, "Code": {"ZipFile": base64.b64encode(zip_of(files)).decode()}}
    return cp.ok("POST", "/2015-03-31/functions", body, expect=201)


def fn_uri(ref):
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ref}/invocations"


def add_resource(cp, api_id, parent, part):
    return cp.ok("POST", f"/restapis/{api_id}/resources/{parent}", {"pathPart": part}, expect=201)["id"]


def put_method(cp, api_id, rid, verb, integration, auth=None, responses=None):
    m = {"authorizationType": "CUSTOM" if auth else "NONE"}
    if auth:
        m["authorizerId"] = auth
    cp.ok("PUT", f"/restapis/{api_id}/resources/{rid}/methods/{verb}", m, expect=201)
    cp.ok("PUT", f"/restapis/{api_id}/resources/{rid}/methods/{verb}/integration", integration,
          expect=201)
    for code, r in (responses or {}).items():
        cp.ok("PUT", f"/restapis/{api_id}/resources/{rid}/methods/{verb}/responses/{code}", {},
              expect=201)
        cp.ok("PUT", f"/restapis/{api_id}/resources/{rid}/methods/{verb}/integration/responses/{code}",
              r, expect=201)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("fnint"))
    cp = ControlPlane(work, secrets.token_hex(24))
    cp.start()
    extra = ("--function-node-ric", os.path.abspath(NODE_RIC)) if HAS_NODE_RIC else ()
    dp = DataPlane(work, cp, threads=2,
                   extra_args=(*extra, "--access-log-dir", os.path.join(work, "logs")))
    os.makedirs(os.path.join(work, "logs"), exist_ok=True)
    dp.start()
    create_function(cp, "echo", "provided.al2023", "echo", {"bootstrap": BOOTSTRAP})
    cp.ok("POST", "/2015-03-31/functions/echo/versions", {}, expect=201)
    cp.ok("POST", "/2015-03-31/functions/echo/aliases", {"Name": "live", "FunctionVersion": "1"},
          expect=201)
    # $LATEST moves on after version 1 was published
    cp.ok("PUT", "/2015-03-31/functions/echo/code",
          {"ZipFile": base64.b64encode(zip_of({"bootstrap": BOOTSTRAP + "\n# v2\n"})).decode()})
    create_function(cp, "tight", "provided.al2023", "tight", {"bootstrap": BOOTSTRAP})
    cp.ok("PUT", "/2017-10-31/functions/tight/concurrency", {"ReservedConcurrentExecutions": 0})
    if HAS_NODE_RIC:
        create_function(cp, "node", "nodejs20.x", "index.handler", {"index.mjs": NODE_HANDLER},
                        timeout=10)

    api = cp.ok("POST", "/restapis", {"name": "fn", "binaryMediaTypes": ["application/octet-stream"]},
                expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    auth = cp.ok("POST", f"/restapis/{api_id}/authorizers",
                 {"name": "fnauth", "type": "TOKEN", "authorizerUri": fn_uri("echo"),
                  "identitySource": "method.request.header.Authorization",
                  "authorizerResultTtlInSeconds": 0}, expect=201)["id"]
    req_auth = cp.ok("POST", f"/restapis/{api_id}/authorizers",
                     {"name": "fnreq", "type": "REQUEST",
                      "authorizerUri": fn_uri("arn:aws:lambda:us-east-1:000000000000:function:echo"),
                      "identitySource": "method.request.header.X-Tenant",
                      "authorizerResultTtlInSeconds": 300}, expect=201)["id"]
    proxy = {"type": "AWS_PROXY", "httpMethod": "POST",
             "uri": fn_uri("arn:aws:lambda:us-east-1:000000000000:function:echo:${stageVariables.alias}")}
    items = add_resource(cp, api_id, root, "items")
    item = add_resource(cp, api_id, items, "{id}")
    put_method(cp, api_id, item, "ANY", proxy)
    slow = add_resource(cp, api_id, root, "slow")
    put_method(cp, api_id, slow, "GET", dict(proxy, timeoutInMillis=1000))
    secure = add_resource(cp, api_id, root, "secure")
    put_method(cp, api_id, secure, "GET", proxy, auth=auth)
    put_method(cp, api_id, add_resource(cp, api_id, root, "tenant"), "GET", proxy, auth=req_auth)
    put_method(cp, api_id, add_resource(cp, api_id, root, "tight"), "GET",
               dict(proxy, uri=fn_uri("tight")))
    broken = add_resource(cp, api_id, root, "broken")
    put_method(cp, api_id, broken, "GET", dict(proxy, uri=fn_uri("echo:${stageVariables.nope}")))
    aws = add_resource(cp, api_id, root, "aws")
    put_method(cp, api_id, aws, "POST",
               {"type": "AWS", "httpMethod": "POST", "uri": fn_uri("echo"),
                "requestTemplates": {"application/json":
                                     '{"action": "$input.path(\'$.action\')", '
                                     '"message": "$input.path(\'$.message\')", '
                                     '"stage": "$context.stage"}'}},
               responses={"200": {"responseTemplates": {"application/json":
                                                        '{"echoed": $input.json(\'$.got\')}'}},
                          "400": {"selectionPattern": "^bad input.*",
                                  "responseTemplates": {"application/json":
                                                        '{"error": "$input.path(\'$.errorMessage\')"}'}},
                          "500": {"selectionPattern": ".+"}})
    queue = add_resource(cp, api_id, root, "queue")
    put_method(cp, api_id, queue, "POST",
               {"type": "AWS", "httpMethod": "POST", "uri": fn_uri("echo"),
                "requestParameters": {"integration.request.header.X-Amz-Invocation-Type": "'Event'"}},
               responses={"200": {}})
    put_method(cp, api_id, add_resource(cp, api_id, root, "qproxy"), "POST",
               dict(proxy, requestParameters={
                   "integration.request.header.X-Amz-Invocation-Type": "'Event'"}))
    if HAS_NODE_RIC:
        node = add_resource(cp, api_id, root, "node")
        put_method(cp, api_id, add_resource(cp, api_id, node, "{id}"), "GET",
                   {"type": "AWS_PROXY", "httpMethod": "POST", "uri": fn_uri("node")})
    deploy(cp, api_id, "prod", variables={"alias": "live"})
    fmt = "{" + ",".join(f'"{v}":"$context.{v}"' for v in LOG_VARS) + "}"
    cp.ok("PATCH", f"/restapis/{api_id}/stages/prod", {"patchOperations": [
        {"op": "replace", "path": "/accessLogSettings/format", "value": fmt},
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": "access.log"}]})
    cp.ok("POST", f"/restapis/{api_id}/deployments", {"stageName": "dev",
                                                      "variables": {"alias": "$LATEST"}}, expect=201)
    dp.wait_version(cp.version())
    yield {"cp": cp, "dp": dp, "api": api_id, "log": os.path.join(work, "logs", "access.log")}
    dp.stop()
    cp.stop()


def call(env, method, path, stage="prod", **kw):
    return env["dp"].request(method, env["api"], stage, path, timeout=20, **kw)


def test_proxy_event_and_answer(env):
    r = call(env, "POST", "/items/7%20x?a=1&a=2&b=x+y", data="hello",
             headers={"Content-Type": "text/plain", "X-Amzn-Trace-Id": "Root=1-5f84c7a9-0123456789abcdef01234567"})
    assert r.status_code == 201, r.text
    assert r.headers["X-Fn"] == "provided" and r.headers["X-Flag"] == "true"
    assert r.headers["X-Multi"] == "a, b"
    out = r.json()
    ev = out["event"]
    assert out["version"] == "1"  # the stage's alias "live"
    assert out["trace"].startswith("Root=1-5f84c7a9-0123456789abcdef01234567")
    assert ev["resource"] == "/items/{id}" and ev["httpMethod"] == "POST"
    assert ev["path"] == "/items/7%20x"
    assert ev["pathParameters"] == {"id": "7 x"}
    assert ev["queryStringParameters"] == {"a": "2", "b": "x y"}
    assert ev["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x y"]}
    assert ev["stageVariables"] == {"alias": "live"}
    assert ev["body"] == "hello" and ev["isBase64Encoded"] is False
    assert ev["headers"]["Content-Type"] == "text/plain"
    assert ev["multiValueHeaders"]["Content-Type"] == ["text/plain"]
    ctx = ev["requestContext"]
    assert ctx["stage"] == "prod" and ctx["apiId"] == env["api"]
    assert ctx["resourcePath"] == "/items/{id}" and ctx["httpMethod"] == "POST"
    assert ctx["requestId"] == r.headers["x-amzn-RequestId"]
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert ctx["identity"]["userAgent"] == r.request.headers["User-Agent"]
    assert ctx["identity"]["apiKey"] is None and ctx["identity"]["cognitoIdentityId"] is None
    assert abs(ctx["requestTimeEpoch"] / 1000 - time.time()) < 60
    assert ctx["path"] == "/prod/items/7%20x"
    assert "authorizer" not in ctx


def test_binary_body_and_empty_parts(env):
    r = call(env, "PUT", "/items/1", data=b"\x00\x01\xff",
             headers={"Content-Type": "application/octet-stream"})
    ev = r.json()["event"]
    assert ev["isBase64Encoded"] is True and base64.b64decode(ev["body"]) == b"\x00\x01\xff"
    ev = call(env, "GET", "/items/2").json()["event"]
    assert ev["body"] is None and ev["queryStringParameters"] is None
    assert ev["multiValueQueryStringParameters"] is None


def test_stage_variable_alias(env):
    assert call(env, "GET", "/items/1", stage="dev").json()["version"] == "$LATEST"
    assert call(env, "GET", "/items/1", stage="prod").json()["version"] == "1"


def test_bad_function_reference_after_substitution(env):
    r = call(env, "GET", "/broken")
    assert r.status_code == 500 and r.json() == {"message": "Internal server error"}


def test_function_error_and_malformed_answer(env):
    for path in ("/items/fail", "/items/bad"):
        r = call(env, "GET", path)
        assert r.status_code == 502, (path, r.text)
        assert r.text == '{"message": "Internal server error"}'


def test_timeout(env):
    started = time.monotonic()
    r = call(env, "GET", "/slow")
    assert r.status_code == 504 and r.text == '{"message": "Endpoint request timed out"}'
    assert time.monotonic() - started < 2.5


def test_aws_integration_templates_and_selection(env):
    r = call(env, "POST", "/aws", json={"action": "raw", "message": "m"})
    assert r.status_code == 200, r.text
    assert r.json() == {"echoed": {"action": "raw", "message": "m", "stage": "prod"}}
    r = call(env, "POST", "/aws", json={"action": "fail", "message": "bad input: no name"})
    assert r.status_code == 400 and r.json() == {"error": "bad input: no name"}
    r = call(env, "POST", "/aws", json={"action": "fail", "message": "other"})
    assert r.status_code == 500, r.text


def test_async_invocation(env):
    for path in ("/queue", "/qproxy"):
        started = time.monotonic()
        r = call(env, "POST", path, json={"action": "slow"})
        assert r.status_code == 200 and r.content == b"", (path, r.text)
        assert time.monotonic() - started < 2, path


def test_token_authorizer_function(env):
    r = call(env, "GET", "/secure", headers={"Authorization": "alice"})
    assert r.status_code == 201, r.text
    ctx = r.json()["event"]["requestContext"]
    assert ctx["authorizer"]["principalId"] == "user-alice"
    assert ctx["authorizer"]["tier"] == "gold"
    assert call(env, "GET", "/secure").status_code == 401
    assert call(env, "GET", "/secure", headers={"Authorization": "deny-me"}).status_code == 401
    r = call(env, "GET", "/secure", headers={"Authorization": "crash"})
    assert r.status_code == 500


@pytest.mark.skipif(not HAS_NODE_RIC, reason="aws-lambda-ric not installed (deploy/install-deps)")
def test_nodejs_handler(env):
    r = call(env, "GET", "/node/42?x=1")
    assert r.status_code == 200, r.text
    assert r.headers["x-fn"] == "node"
    assert r.json() == {"path": "/node/42", "method": "GET", "q": {"x": "1"}, "id": {"id": "42"}}


def test_admin_refuses_other_aws_services(env):
    cp, api_id = env["cp"], env["api"]
    res = cp.ok("GET", f"/restapis/{api_id}/resources")["item"][0]["id"]
    cp.ok("PUT", f"/restapis/{api_id}/resources/{res}/methods/PATCH", {"authorizationType": "NONE"},
          expect=201)
    r = cp.call("PUT", f"/restapis/{api_id}/resources/{res}/methods/PATCH/integration",
                {"type": "AWS", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:s3:path/b/k"})
    assert r.status_code == 400 and "other than Lambda" in r.json()["message"]
    r = cp.call("PUT", f"/restapis/{api_id}/resources/{res}/methods/PATCH/integration",
                {"type": "AWS_PROXY", "httpMethod": "POST", "uri": fn_uri("bad name")})
    assert r.status_code == 400


def test_access_log_follows_the_invocation(env):
    ok = call(env, "GET", "/items/1")
    failed = call(env, "GET", "/items/fail")
    timed_out = call(env, "GET", "/slow")
    want = {ok.headers["x-amzn-RequestId"]: ("201", "200", "201", "-"),
            failed.headers["x-amzn-RequestId"]: ("502", "200", "-", "boom"),
            timed_out.headers["x-amzn-RequestId"]: ("504", "-", "-", "Endpoint request timed out")}

    def lines():
        if not os.path.exists(env["log"]):
            return None
        with open(env["log"]) as f:
            got = {d["requestId"]: d for d in map(json.loads, f.read().splitlines())}
        return got if all(k in got for k in want) else None
    got = wait_for(lines, 10, what="access log lines")
    for rid, (status, integ_status, fn_status, error) in want.items():
        line = got[rid]
        assert line["status"] == status, line
        assert line["integration.status"] == integ_status == line["integrationStatus"], line
        assert line["integration.integrationStatus"] == fn_status, line
        assert line["integration.error"] == error, line
        assert line["integration.latency"].isdigit() and line["integrationLatency"].isdigit(), line


def test_request_authorizer_function(env):
    r = call(env, "GET", "/tenant", headers={"X-Tenant": "acme"})
    assert r.status_code == 201, r.text
    auth = r.json()["event"]["requestContext"]["authorizer"]
    assert auth["principalId"] == "user-acme" and auth["type"] == "REQUEST"
    assert call(env, "GET", "/tenant").status_code == 401


def test_throttled_function(env):
    r = call(env, "GET", "/tight")
    assert r.status_code == 500 and r.text == '{"message": "Internal server error"}'


def test_openapi_import_of_function_integrations(env):
    cp = env["cp"]
    integ = {"type": "aws_proxy", "httpMethod": "POST", "uri": fn_uri("echo:${stageVariables.alias}")}
    doc = {"openapi": "3.0.1", "info": {"title": "fnimport", "version": "1"},
           "paths": {"/hello": {"get": {"responses": {"200": {"description": "ok"}},
                                        "x-amazon-apigateway-integration": integ}},
                     "/s3": {"get": {"responses": {"200": {"description": "ok"}},
                                     "x-amazon-apigateway-integration": {
                                         "type": "aws", "httpMethod": "GET",
                                         "uri": "arn:aws:apigateway:us-east-1:s3:path/b/k"}}}}}
    r = cp.call("POST", "/restapis", raw=json.dumps(doc), params={"mode": "import"})
    assert r.status_code == 201, r.text
    api = r.json()
    assert any("/s3" in w or "aws" in w.lower() for w in api.get("warnings", [])), api
    res = {x["path"]: x["id"] for x in cp.ok("GET", f"/restapis/{api['id']}/resources")["item"]}
    assert "/s3" not in res or "GET" not in (cp.ok("GET", f"/restapis/{api['id']}/resources/{res['/s3']}")
                                             .get("resourceMethods") or {})
    got = cp.ok("GET", f"/restapis/{api['id']}/resources/{res['/hello']}/methods/GET/integration")
    assert got["type"] == "AWS_PROXY" and got["uri"] == integ["uri"]
    deploy(cp, api["id"], "prod", variables={"alias": "live"})
    env["dp"].wait_version(cp.version())
    r = env["dp"].request("GET", api["id"], "prod", "/hello", timeout=20)
    assert r.status_code == 201 and r.json()["version"] == "1"


def test_client_gone_mid_invocation(env):
    with pytest.raises(requests.exceptions.ReadTimeout):
        env["dp"].request("GET", env["api"], "prod", "/slow", timeout=0.3)
    time.sleep(1.5)  # the function's answer (or its timeout) comes for a request that is gone
    assert env["dp"].alive()
    assert call(env, "GET", "/items/1").status_code == 201


def test_base64_answer_by_first_accept(env):
    r = call(env, "GET", "/items/b64", headers={"Accept": "application/octet-stream, */*"})
    assert r.status_code == 200 and r.content == b"\x00\x01bin"
    r = call(env, "GET", "/items/b64", headers={"Accept": "text/plain, application/octet-stream"})
    assert r.status_code == 200 and r.content == b"AAFiaW4="
