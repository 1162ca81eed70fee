"""WebSocket routes and $connect authorizers whose integration or
authorizerUri is a function (Lambda invocation URI, the node's function
host): the AWS_PROXY event of MESSAGE and CONNECT, a two-way route sending
the function's body back, $connect refused by the function's statusCode, a
function REQUEST authorizer (Allow with context, Deny → 403), a function
error → the Internal server error frame, and AWS (non-proxy) with a request
template. One control plane, one data plane and one `provided` function for
the module."""
import asyncio
import base64
import io
import json
import secrets
import zipfile

import pytest
import websockets
import websockets.exceptions

from harness import ControlPlane, DataPlane

ROLE = "arn:aws:iam::000000000000:role/lambda-role"

# What the function does is chosen by the event: an authorizer event by its
# "auth" header; a proxy event's body "action"; $connect by ?mode=.
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
        event = json.loads(r.read())
    if event.get("type") == "REQUEST":
        effect = "Allow" if (event.get("headers") or {}).get("auth") == "allow" else "Deny"
        post(api + rid + "/response", {"principalId": "fn-user", "context": {"team": "green"},
             "policyDocument": {"Version": "2012-10-17", "Statement": [
                 {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}})
        continue
    if "requestContext" not in event:  # AWS (non-proxy): the rendered template
        post(api + rid + "/response", {"templated": event})
        continue
    ctx = event["requestContext"]
    action = ""
    if ctx["eventType"] == "MESSAGE":
        try:
            action = json.loads(event["body"]).get("action", "")
        except ValueError:
            pass
    elif ctx["eventType"] == "CONNECT":
        action = (event.get("queryStringParameters") or {}).get("mode", "")
    if action == "slow":
        time.sleep(1)
    if action == "fail":
        post(api + rid + "/error", {"errorMessage": "boom", "errorType": "Error"})
        continue
    status = 403 if action == "refuse" else 200
    post(api + rid + "/response", {"statusCode": status, "body": json.dumps({"event": event})})
'''


def zip_of(files, mode=0o755):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            z.writestr(info, data)
    return buf.getvalue()


def fn_uri(ref):
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ref}/invocations"


class Env:
    pass


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("wsfn"))
    e = Env()
    e.cp = ControlPlane(root, secrets.token_hex(24)).start()
    e.dp = DataPlane(root, e.cp, threads=2)
    e.dp.start()
    cp = e.cp
    cp.ok("POST", "/2015-03-31/functions",
          {"FunctionName": "wsecho", "Runtime": "provided.al2023", "Role": ROLE, "Handler": "x",
           "Timeout": 3, "Code": {"ZipFile": base64.b64encode(zip_of({"bootstrap": BOOTSTRAP})).decode()}},
          expect=201)
    # API 1: $connect and routes as AWS_PROXY functions
    e.api = cp.ok("POST", "/v2/apis", {"name": "fnchat", "protocolType": "WEBSOCKET",
                                       "routeSelectionExpression": "$request.body.action"},
                  expect=201)["apiId"]
    base = f"/v2/apis/{e.api}"
    proxy = cp.ok("POST", base + "/integrations", {
        "integrationType": "AWS_PROXY", "integrationMethod": "POST",
        "integrationUri": fn_uri("arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.fn}")},
        expect=201)["integrationId"]
    aws = cp.ok("POST", base + "/integrations", {
        "integrationType": "AWS", "integrationMethod": "POST", "integrationUri": fn_uri("wsecho"),
        "templateSelectionExpression": "\\$default",
        "requestTemplates": {"$default": '{"v": $input.json(\'$.v\'), "route": "$context.routeKey"}'}},
        expect=201)["integrationId"]
    cp.ok("POST", base + "/routes", {"routeKey": "$connect", "target": f"integrations/{proxy}"}, expect=201)
    for key, target in (("echo", proxy), ("fail", proxy), ("slow", proxy), ("tpl", aws)):
        cp.ok("POST", base + "/routes", {"routeKey": key, "target": f"integrations/{target}",
                                         "routeResponseSelectionExpression": "$default"}, expect=201)
    cp.ok("POST", base + "/routes", {"routeKey": "oneway", "target": f"integrations/{proxy}"}, expect=201)
    cp.ok("POST", base + "/stages", {"stageName": "prod", "autoDeploy": True,
                                     "stageVariables": {"fn": "wsecho"}}, expect=201)
    # API 2: a function REQUEST authorizer on $connect
    e.api2 = cp.ok("POST", "/v2/apis", {"name": "fngate", "protocolType": "WEBSOCKET",
                                        "routeSelectionExpression": "$request.body.action"},
                   expect=201)["apiId"]
    base2 = f"/v2/apis/{e.api2}"
    auth = cp.ok("POST", base2 + "/authorizers", {
        "name": "fnauth", "authorizerType": "REQUEST", "identitySource": ["route.request.header.auth"],
        "authorizerUri": fn_uri("wsecho")}, expect=201)["authorizerId"]
    p2 = cp.ok("POST", base2 + "/integrations", {
        "integrationType": "AWS_PROXY", "integrationMethod": "POST", "integrationUri": fn_uri("wsecho")},
        expect=201)["integrationId"]
    cp.ok("POST", base2 + "/routes", {"routeKey": "$connect", "authorizationType": "CUSTOM",
                                      "authorizerId": auth}, expect=201)
    cp.ok("POST", base2 + "/routes", {"routeKey": "$default", "target": f"integrations/{p2}",
                                      "routeResponseSelectionExpression": "$default"}, expect=201)
    cp.ok("POST", base2 + "/stages", {"stageName": "prod", "autoDeploy": True}, expect=201)
    e.dp.wait_version(cp.version())
    yield e
    e.dp.stop()
    e.cp.stop()


def ws_url(dp, api, query=""):
    return f"ws://127.0.0.1:{dp.port}/restapis/{api}/prod/_user_request_{query}"


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_message_event_and_two_way_answer(env):
    async def go():
        ws = await websockets.connect(ws_url(env.dp, env.api, "?mode=ok&k=v"),
                                      user_agent_header="wsfn-test")
        await ws.send(json.dumps({"action": "echo", "x": 1}))
        got = json.loads(await ws.recv())
        await ws.close()
        return got
    ev = run(go())["event"]
    ctx = ev["requestContext"]
    assert ev["body"] == json.dumps({"action": "echo", "x": 1})
    assert ev["isBase64Encoded"] is False
    assert ctx["routeKey"] == "echo" and ctx["eventType"] == "MESSAGE"
    assert ctx["messageDirection"] == "IN" and ctx["stage"] == "prod" and ctx["apiId"] == env.api
    for k in ("messageId", "connectionId", "requestId", "extendedRequestId", "requestTime"):
        assert isinstance(ctx[k], str) and ctx[k], k
    assert isinstance(ctx["connectedAt"], int) and isinstance(ctx["requestTimeEpoch"], int)
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert "authorizer" not in ctx and "headers" not in ev


def test_connect_event_and_refusal(env):
    async def go():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
            await websockets.connect(ws_url(env.dp, env.api, "?mode=refuse"))
        assert e.value.status_code == 403
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
            await websockets.connect(ws_url(env.dp, env.api, "?mode=fail"))
        assert e.value.status_code == 500
        ws = await websockets.connect(ws_url(env.dp, env.api, "?mode=ok"))
        await ws.send(json.dumps({"action": "oneway"}))  # no route response: nothing comes back
        await ws.send(json.dumps({"action": "tpl", "v": [1, 2]}))
        got = json.loads(await ws.recv())
        await ws.close()
        return got
    assert run(go()) == {"templated": {"v": [1, 2], "route": "tpl"}}


def test_function_error_is_the_internal_error_frame(env):
    async def go():
        ws = await websockets.connect(ws_url(env.dp, env.api))
        await ws.send(json.dumps({"action": "fail"}))
        got = json.loads(await ws.recv())
        await ws.close()
        return got
    got = run(go())
    assert got["message"] == "Internal server error"
    assert set(got) == {"message", "connectionId", "requestId"}


def test_function_authorizer_allows_and_denies(env):
    async def go():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
            await websockets.connect(ws_url(env.dp, env.api2), extra_headers={"auth": "deny"})
        assert e.value.status_code == 403
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
            await websockets.connect(ws_url(env.dp, env.api2))
        assert e.value.status_code == 401
        ws = await websockets.connect(ws_url(env.dp, env.api2), extra_headers={"auth": "allow"})
        await ws.send("hello")
        got = json.loads(await ws.recv())
        await ws.close()
        return got
    ctx = run(go())["event"]["requestContext"]
    assert ctx["routeKey"] == "$default"
    assert ctx["authorizer"] == {"team": "green", "principalId": "fn-user"}


def test_closing_while_a_function_runs(env):
    """The connection goes while its function runs: the call is cancelled
    (its answer dropped) and the node keeps serving."""
    async def go():
        ws = await websockets.connect(ws_url(env.dp, env.api))
        await ws.send(json.dumps({"action": "slow"}))
        await ws.close()
        await asyncio.sleep(1.5)
        ws = await websockets.connect(ws_url(env.dp, env.api))
        await ws.send(json.dumps({"action": "echo"}))
        got = json.loads(await ws.recv())
        await ws.close()
        return got
    assert run(go())["event"]["requestContext"]["routeKey"] == "echo"
