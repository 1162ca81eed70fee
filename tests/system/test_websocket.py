"""WebSocket APIs on the data plane with real clients: Python's websockets
(Debian python3-websockets), npm ws and headless Chromium's WebSocket.

One control plane and two data-plane nodes (each other's --ws-peers) for the
module; APIs are made through the apigatewayv2 admin API (/v2/) and served
from the snapshot. Covers $connect refusal by a REQUEST authorizer, route
selection ($request.body.action, non-JSON frames to $default, the Forbidden
frame without $default), a MOCK two-way route, an HTTP integration with a
request template, @connections (SigV4, ManageConnections) across nodes, 410
after close, the frame and message limits (close 1009), a client that never
reads (closed, bounded), a flood of connects against
--ws-connects-per-second, a redeploy that keeps a connection open, $connect
integration refusal, $disconnect (also at node shutdown), requestParameters,
route throttling, the authorizer decision cache, a custom domain mapping, TLS
and the idle timeout."""
import asyncio
import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.parse

import pytest
import requests
import websockets
import websockets.exceptions

from harness import ControlPlane, DataPlane, JsonServer, free_port, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
JS_DIR = os.path.join(HERE, "..", "js")
REGION = "us-east-1"


def sign(method, url, key_id, secret, body=b"", host=None):
    """AWS Signature Version 4 headers for service execute-api (the
    reference's algorithm; test_aws_clients.py checks Portico against
    botocore's signer)."""
    u = urllib.parse.urlsplit(url)
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    host = host or u.netloc
    payload = hashlib.sha256(body).hexdigest()
    canon = "\n".join([method, urllib.parse.quote(u.path, safe="/~"), u.query,
                       f"host:{host}\nx-amz-date:{amz_date}\n", "host;x-amz-date", payload])
    scope = f"{day}/{REGION}/execute-api/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canon.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (day, REGION, "execute-api", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return {"Host": host, "x-amz-date": amz_date, "Authorization": f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, "
                                                      f"SignedHeaders=host;x-amz-date, Signature={sig}"}


def authorizer(req):
    """A REQUEST authorizer: header auth "allow" → Allow with a context."""
    ev = req["json"] or {}
    token = (ev.get("headers") or {}).get("auth", "")
    effect = "Allow" if token == "allow" else "Deny"
    return 200, {"principalId": "user-1", "context": {"team": "blue"},
                 "policyDocument": {"Version": "2012-10-17", "Statement": [
                     {"Action": "execute-api:Invoke", "Effect": effect, "Resource": ev.get("methodArn")}]}}


def backend(req):
    if req["path"].startswith("/authorize"):
        return authorizer(req)
    if req["path"] == "/connect-check":
        ok = (req["json"] or {}).get("ua") != "refuse-me"
        return (200, {}) if ok else (403, {"message": "no"})
    return 200, {"got": req["json"], "cid": req["headers"].get("connectionid"), "path": req["path"],
                 "mapped": [req["headers"].get(h) for h in ("x-conn", "x-lit", "x-act")]}


class Env:
    pass


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("ws"))
    e = Env()
    e.cp = ControlPlane(root, "ws-secret-" + "0" * 40).start()
    e.backend = JsonServer(backend)
    e.dps = [DataPlane(root, e.cp, name=f"ws{i}", threads=2) for i in (1, 2)]
    peers = ",".join(f"{d.name}=http://127.0.0.1:{d.port}" for d in e.dps)
    # ws1 finds ws2 through the control plane's directory; ws2 is also told by --ws-peers
    e.dps[1].argv += ["--ws-peers", peers]
    for d in e.dps:
        d.argv += ["--ws-connects-per-second", "40"]
    for d in e.dps:
        d.start()
    cp = e.cp
    api = cp.ok("POST", "/v2/apis", {"name": "chat", "protocolType": "WEBSOCKET",
                                     "routeSelectionExpression": "$request.body.action"}, expect=201)
    e.api = api["apiId"]
    base = f"/v2/apis/{e.api}"
    mock = cp.ok("POST", base + "/integrations", {
        "integrationType": "MOCK", "templateSelectionExpression": "\\$default",
        "requestTemplates": {"$default": '{"statusCode": 200}'}}, expect=201)["integrationId"]
    cp.ok("POST", f"{base}/integrations/{mock}/integrationresponses", {
        "integrationResponseKey": "$default", "templateSelectionExpression": "\\$default",
        "responseTemplates": {"$default": '{"route": "$context.routeKey", "x": $input.json(\'$.x\'), '
                                          '"team": "$!context.authorizer.team"}'}}, expect=201)
    dflt = cp.ok("POST", base + "/integrations", {
        "integrationType": "MOCK", "requestTemplates": {"$default": '{"statusCode": 200}'},
        "templateSelectionExpression": "\\$default"}, expect=201)["integrationId"]
    e.dflt_resp = cp.ok("POST", f"{base}/integrations/{dflt}/integrationresponses", {
        "integrationResponseKey": "$default",
        "responseTemplates": {"$default": 'default: $input.body'}}, expect=201)
    e.dflt = dflt
    http = cp.ok("POST", base + "/integrations", {
        "integrationType": "HTTP", "integrationMethod": "POST", "integrationUri": e.backend.url + "/msg",
        "templateSelectionExpression": "\\$default",
        "requestTemplates": {"$default": '{"cid": "$context.connectionId", "v": $input.json(\'$.v\'), '
                                         '"event": "$context.eventType"}'},
        "requestParameters": {"integration.request.header.x-conn": "context.connectionId",
                              "integration.request.header.x-lit": "'hello'",
                              "integration.request.header.x-act": "route.request.body.action",
                              "integration.request.querystring.st": "context.stage"}},
        expect=201)["integrationId"]
    proxy = cp.ok("POST", base + "/integrations", {
        "integrationType": "HTTP_PROXY", "integrationMethod": "POST",
        "integrationUri": e.backend.url + "/proxy"}, expect=201)["integrationId"]
    auth = cp.call("POST", base + "/authorizers", {
        "name": "gate", "authorizerType": "REQUEST", "identitySource": ["route.request.header.auth"],
        "authorizerUri": e.backend.url + "/authorize", "authorizerResultTtlInSeconds": 300})
    e.has_auth = auth.status_code == 201  # the authorizers admin API may come later
    if e.has_auth:
        cp.ok("POST", base + "/routes", {"routeKey": "$connect", "authorizationType": "CUSTOM",
                                         "authorizerId": auth.json()["authorizerId"]}, expect=201)
    bye = cp.ok("POST", base + "/integrations", {
        "integrationType": "HTTP", "integrationMethod": "POST",
        "integrationUri": e.backend.url + "/disconnect", "templateSelectionExpression": "\\$default",
        "requestTemplates": {"$default": '{"event": "$context.eventType", "cid": "$context.connectionId"}'}},
        expect=201)["integrationId"]
    cp.ok("POST", base + "/routes", {"routeKey": "$disconnect", "target": f"integrations/{bye}"},
          expect=201)
    for key, target in (("echo", mock), ("$default", dflt), ("http", http), ("proxy", proxy)):
        cp.ok("POST", base + "/routes", {"routeKey": key, "target": f"integrations/{target}",
                                         "routeResponseSelectionExpression": "$default"}, expect=201)
    cp.ok("POST", base + "/stages", {"stageName": "prod", "autoDeploy": True}, expect=201)
    cp.ok("POST", base + "/stages", {"stageName": "slow", "autoDeploy": True, "routeSettings": {
        "echo": {"throttlingRateLimit": 0.5, "throttlingBurstLimit": 2}}}, expect=201)
    # a second API without $default (the Forbidden frame)
    api2 = cp.ok("POST", "/v2/apis", {"name": "strict", "protocolType": "WEBSOCKET",
                                      "routeSelectionExpression": "${request.body.action}"}, expect=201)
    e.api2 = api2["apiId"]
    m2 = cp.ok("POST", f"/v2/apis/{e.api2}/integrations", {"integrationType": "MOCK"},
               expect=201)["integrationId"]
    cp.ok("POST", f"/v2/apis/{e.api2}/routes", {"routeKey": "only", "target": f"integrations/{m2}"},
          expect=201)
    gate = cp.ok("POST", f"/v2/apis/{e.api2}/integrations", {
        "integrationType": "HTTP", "integrationMethod": "POST",
        "integrationUri": e.backend.url + "/connect-check", "templateSelectionExpression": "\\$default",
        "requestTemplates": {"$default": '{"ua": "$context.identity.userAgent", "event": "$context.eventType"}'}},
        expect=201)["integrationId"]
    cp.ok("POST", f"/v2/apis/{e.api2}/routes", {"routeKey": "$connect", "target": f"integrations/{gate}"},
          expect=201)
    cp.ok("POST", f"/v2/apis/{e.api2}/stages", {"stageName": "prod", "autoDeploy": True}, expect=201)
    # a custom domain mapping: ws.example.com/chat -> the chat API's prod stage
    cp.ok("POST", "/v2/domainnames", {"domainName": "ws.example.com"}, expect=201)
    cp.ok("POST", "/v2/domainnames/ws.example.com/apimappings",
          {"apiId": e.api, "stage": "prod", "apiMappingKey": "chat"}, expect=201)
    # a key allowed to manage connections
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:ManageConnections",
         "Resource": f"arn:aws:execute-api:*:*:{e.api}/prod/*/@connections/*"}]}
    key = cp.ok("POST", "/portico/accesskeys", {"description": "ws", "policy": json.dumps(policy)},
                expect=201)
    e.key = key["accessKeyId"], key["secretAccessKey"]
    invoke_only = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:*"}]}
    other = cp.ok("POST", "/portico/accesskeys", {"description": "no-manage",
                                                 "policy": json.dumps(invoke_only)}, expect=201)
    e.invoke_key = other["accessKeyId"], other["secretAccessKey"]
    v = cp.version()
    for d in e.dps:
        d.wait_version(v)
    yield e
    for d in e.dps:
        d.stop()
    e.backend.stop()
    e.cp.stop()


def ws_url(dp, api, stage="prod"):
    return f"ws://127.0.0.1:{dp.port}/restapis/{api}/{stage}/_user_request_"


def conn_url(dp, api, cid, stage="prod"):
    return f"{dp.base}/restapis/{api}/{stage}/_user_request_/@connections/{cid}"


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


OK_HEADERS = {"auth": "allow"}


async def connect(dp, api, headers=OK_HEADERS, **kw):
    return await websockets.connect(ws_url(dp, api), extra_headers=headers, **kw)


async def whoami(ws):
    """The connection id, from the error frame of an unroutable message on
    the strict API or from our echo of it: here, from an HTTP route's answer."""
    await ws.send(json.dumps({"action": "http", "v": 0}))
    return json.loads(await ws.recv())["got"]["cid"]


def test_connect_refused_without_or_with_a_bad_identity(env):
    if not env.has_auth:
        pytest.skip("no /v2/apis/{id}/authorizers in the admin API yet")

    async def go():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
            await connect(env.dps[0], env.api, headers={})
        assert e.value.status_code == 401
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
            await connect(env.dps[0], env.api, headers={"auth": "nope"})
        assert e.value.status_code == 403
        ws = await connect(env.dps[0], env.api)
        await ws.close()
    run(go())


def test_plain_get_on_the_stage_asks_for_an_upgrade(env):
    r = requests.get(f"{env.dps[0].base}/restapis/{env.api}/prod/_user_request_/", timeout=5)
    assert r.status_code == 426


def test_connect_integration_answering_non_2xx_refuses(env):
    async def go():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
            await connect(env.dps[0], env.api2, headers={}, user_agent_header="refuse-me")
        assert e.value.status_code == 403
        ws = await connect(env.dps[0], env.api2, headers={})
        await ws.close()
    run(go())
    ev = [r for r in env.backend.requests if r["path"] == "/connect-check"][-1]["json"]
    assert ev["event"] == "CONNECT"


def test_route_selection_mock_two_way_and_default(env):
    async def go():
        ws = await connect(env.dps[0], env.api)
        await ws.send(json.dumps({"action": "echo", "x": {"a": [1, 2]}}))
        got = json.loads(await ws.recv())
        assert got == {"route": "echo", "x": {"a": [1, 2]}, "team": "blue" if env.has_auth else ""}
        await ws.send("plain text, not JSON")
        assert await ws.recv() == "default: plain text, not JSON"
        await ws.send(json.dumps({"action": "nosuchroute"}))
        assert (await ws.recv()).startswith("default: ")
        await ws.close()
        strict = await connect(env.dps[0], env.api2, headers={})
        await strict.send("{}")
        frame = json.loads(await strict.recv())
        assert frame["message"] == "Forbidden" and len(frame["connectionId"]) == 16
        assert frame["requestId"]
        await strict.close()
    run(go())


def test_http_integration_with_a_template_and_http_proxy(env):
    async def go():
        ws = await connect(env.dps[0], env.api)
        await ws.send(json.dumps({"action": "http", "v": {"k": "v"}}))
        got = json.loads(await ws.recv())
        assert got["got"]["v"] == {"k": "v"} and got["got"]["event"] == "MESSAGE"
        assert got["got"]["cid"] == got["cid"] and len(got["cid"]) == 16
        assert got["mapped"] == [got["cid"], "hello", "http"] and got["path"] == "/msg?st=prod"
        await ws.send(json.dumps({"action": "proxy", "raw": True}))
        got = json.loads(await ws.recv())
        assert got["got"] == {"action": "proxy", "raw": True}
        await ws.close()
    run(go())


def test_connections_across_nodes_and_410_after_close(env):
    kid, secret = env.key
    a, b = env.dps

    def call(dp, method, cid, body=b"", key=(kid, secret)):
        url = conn_url(dp, env.api, cid)
        return requests.request(method, url, data=body, timeout=10,
                                headers=sign(method, url, key[0], key[1], body))

    async def go():
        ws = await connect(b, env.api, user_agent_header="ws-test/1")
        cid = await whoami(ws)
        # unsigned: refused
        assert requests.post(conn_url(a, env.api, cid), data=b"x", timeout=5).status_code == 403
        # node A, connection on node B: A knows B once the directory has come
        wait_for(lambda: call(a, "POST", cid, b'{"pushed": 1}').status_code == 200, timeout=10,
                 what="node A to forward to node B")
        assert json.loads(await ws.recv()) == {"pushed": 1}
        r = call(b, "POST", cid, b"local")
        assert r.status_code == 200 and await ws.recv() == "local"
        for dp in (a, b):
            info = call(dp, "GET", cid)
            assert info.status_code == 200, info.text
            doc = info.json()
            assert doc["identity"]["sourceIp"] == "127.0.0.1"
            assert doc["identity"]["userAgent"] == "ws-test/1"
            assert doc["connectedAt"].endswith("Z") and doc["lastActiveAt"]
        assert call(a, "DELETE", cid).status_code == 204
        await asyncio.wait_for(ws.wait_closed(), 5)
        for dp in (a, b):
            r = call(dp, "POST", cid, b"late")
            assert r.status_code == 410 and r.headers["x-amzn-ErrorType"] == "GoneException"
            assert call(dp, "GET", cid).status_code == 410
        # $disconnect ran (the HTTP integration got the event)
        wait_for(lambda: any(r["path"] == "/disconnect" and (r["json"] or {}).get("cid") == cid
                             for r in env.backend.requests), timeout=5, what="$disconnect")
        ev = [r for r in env.backend.requests if r["path"] == "/disconnect"][-1]["json"]
        assert ev["event"] == "DISCONNECT"
        # a key without execute-api:ManageConnections
        ws2 = await connect(b, env.api)
        cid2 = await whoami(ws2)
        r = call(a, "POST", cid2, b"x", key=env.invoke_key)
        assert r.status_code == 403 and "ManageConnections" in r.json()["message"]
        await ws2.close()
        # a made-up id on each node
        assert call(a, "POST", "AAAAAAAAAAAAAAAA", b"x").status_code == 410
        assert call(a, "POST", "not-an-id", b"x").status_code == 410
    run(go())


def test_frame_and_message_limits_close_1009(env):
    async def go():
        ws = await connect(env.dps[0], env.api, max_size=None)
        await ws.send("x" * (40 * 1024))  # one frame over 32 KB
        await asyncio.wait_for(ws.wait_closed(), 5)
        assert ws.close_code == 1009
        ws = await connect(env.dps[0], env.api, max_size=None)
        await ws.send(iter(["y" * (30 * 1024)] * 5))  # 150 KB in 30 KB fragments
        await asyncio.wait_for(ws.wait_closed(), 5)
        assert ws.close_code == 1009
        ws = await connect(env.dps[0], env.api)  # the node still serves
        await ws.send("still here")
        assert await ws.recv() == "default: still here"
        await ws.close()
    run(go())


def raw_handshake(dp, api, headers=OK_HEADERS):
    s = socket.create_connection(("127.0.0.1", dp.port))
    key = base64.b64encode(os.urandom(16)).decode()
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    s.sendall((f"GET /restapis/{api}/prod/_user_request_ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"{extra}\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode())
                              .digest()).decode()
    assert accept.encode() in head
    return s


def client_frame(payload):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big"))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def rss_kb(dp):
    with open(f"/proc/{dp.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_a_client_that_never_reads_is_closed_with_bounded_memory(env):
    kid, secret = env.key
    dp = env.dps[0]
    s = raw_handshake(dp, env.api)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(client_frame(json.dumps({"action": "http", "v": 1}).encode()))
    # the answer carries our id; read just enough of it, then never read again
    data = b""
    while b'"cid": "' not in data or len(data.split(b'"cid": "')[1]) < 16:
        data += s.recv(1)
    cid = data.split(b'"cid": "')[1][:16].decode()
    before = rss_kb(dp)
    url = conn_url(dp, env.api, cid)
    body = b"z" * (100 * 1024)
    gone = False
    headers = sign("POST", url, kid, secret, body)  # SigV4 has no nonce: one signature serves
    for i in range(300):
        r = requests.post(url, data=body, timeout=10, headers=headers)
        if r.status_code == 410:
            gone = True
            break
        assert r.status_code == 200, r.text
    assert gone, "the connection was never closed"
    print(f"closed after {i} posts of 100 KB")
    assert i * 100 < 30 * 1024  # closed after well under 30 MB were posted
    with open(f"/proc/{dp.proc.pid}/maps") as f:
        asan = "libasan" in f.read()  # ASan's quarantine keeps freed memory resident
    if not asan:
        assert rss_kb(dp) - before < 20 * 1024  # and the node did not keep them
    s.close()


def test_a_flood_of_connects_is_limited_and_the_node_keeps_serving(env):
    async def one():
        try:
            ws = await connect(env.dps[1], env.api2, headers={})
            await ws.close()
            return 101
        except websockets.exceptions.InvalidStatusCode as e:
            return e.status_code

    async def go():
        time.sleep(1.0)
        codes = await asyncio.gather(*[one() for _ in range(120)])
        assert set(codes) <= {101, 429}, codes
        assert codes.count(429) > 0 and codes.count(101) >= 30
        await asyncio.sleep(1.1)
        assert await one() == 101
    run(go())


def test_a_redeploy_keeps_the_connection_and_later_messages_use_it(env):
    cp = env.cp

    async def go():
        ws = await connect(env.dps[0], env.api)
        await ws.send("before")
        assert await ws.recv() == "default: before"
        cp.ok("PATCH", f"/v2/apis/{env.api}/integrations/{env.dflt}/integrationresponses/"
                       f"{env.dflt_resp['integrationResponseId']}",
              {"responseTemplates": {"$default": "v2: $input.body"}})
        v = cp.version()
        env.dps[0].wait_version(v)
        await ws.send("after")
        assert await ws.recv() == "v2: after"
        await ws.close()
    run(go())


def test_npm_ws_client(env):
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(JS_DIR, "node_modules", "ws")):
        pytest.skip("node or the npm ws module is not installed (deploy/install-deps)")
    script = """
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[1], {headers: {auth: 'allow'}});
ws.on('open', () => ws.send(JSON.stringify({action: 'echo', x: 7})));
ws.on('message', (m) => { console.log(m.toString()); ws.close(); });
ws.on('error', (e) => { console.error(e.message); process.exit(2); });
"""
    p = subprocess.run([node, "-e", script, ws_url(env.dps[1], env.api)], cwd=JS_DIR,
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["x"] == 7


def test_chromium_websocket(env, tmp_path):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("python3-selenium is not installed")
    driver_bin = shutil.which("chromedriver")
    if driver_bin is None:
        pytest.skip("chromedriver is not installed")
    opts = Options()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        opts.add_argument(a)
    browser = webdriver.Chrome(service=Service(driver_bin), options=opts)
    try:
        browser.get(env.dps[0].base + "/")  # a page on the node: same address space as the socket
        browser.set_script_timeout(15)
        got = browser.execute_async_script("""
const done = arguments[arguments.length - 1];
const ws = new WebSocket(arguments[0]);
ws.onopen = () => ws.send(JSON.stringify({action: 'nope', x: 1}));
ws.onmessage = (e) => { done(e.data); ws.close(); };
ws.onerror = () => done('error');
""", ws_url(env.dps[0], env.api2))
    finally:
        browser.quit()
    assert got != "error"
    frame = json.loads(got)
    assert frame["message"] == "Forbidden" and len(frame["connectionId"]) == 16


def test_node_shutdown_closes_with_1001_and_runs_disconnect(env, tmp_path):
    dp = DataPlane(str(tmp_path), env.cp, name="ws3", threads=1).start()
    try:
        dp.wait_version(env.cp.version())

        async def go():
            ws = await connect(dp, env.api)
            cid = await whoami(ws)
            dp.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(ws.wait_closed(), 10)
            assert ws.close_code == 1001
            return cid
        cid = run(go())
        wait_for(lambda: any(r["path"] == "/disconnect" and (r["json"] or {}).get("cid") == cid
                             for r in env.backend.requests), timeout=10, what="$disconnect at shutdown")
        assert dp.proc.wait(30) == 0
    finally:
        dp.stop()


def test_websocket_over_tls_and_the_idle_timeout(env, tmp_path):
    key, cert = str(tmp_path / "k.pem"), str(tmp_path / "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=30)
    tls_port = free_port()
    dp = DataPlane(str(tmp_path), env.cp, name="ws4", threads=1,
                   extra_args=("--tls-listen", f"127.0.0.1:{tls_port}", "--tls-cert", cert,
                               "--tls-key", key, "--ws-idle-timeout", "2")).start()
    try:
        dp.wait_version(env.cp.version())
        ctx = ssl.create_default_context(cafile=cert)

        async def go():
            url = f"wss://127.0.0.1:{tls_port}/restapis/{env.api}/prod/_user_request_"
            ws = await websockets.connect(url, ssl=ctx, extra_headers=OK_HEADERS)
            await ws.send(json.dumps({"action": "echo", "x": "tls"}))
            assert json.loads(await ws.recv())["x"] == "tls"
            # --ws-idle-timeout 2: no message for 2 s closes with 1001
            t = time.monotonic()
            await asyncio.wait_for(ws.wait_closed(), 8)
            assert ws.close_code == 1001 and time.monotonic() - t > 1.5
        run(go())
    finally:
        dp.stop()


def test_custom_domain_mapping_for_the_socket_and_connections(env):
    kid, secret = env.key
    dp = env.dps[1]

    async def go():
        ws = await websockets.connect(f"ws://127.0.0.1:{dp.port}/chat",
                                      extra_headers={"Host": "ws.example.com", **OK_HEADERS})
        cid = await whoami(ws)
        url = f"{dp.base}/chat/@connections/{cid}"
        r = requests.post(url, data=b"via domain", timeout=10,
                          headers=sign("POST", url, kid, secret, b"via domain", host="ws.example.com"))
        assert r.status_code == 200, r.text
        assert await ws.recv() == "via domain"
        await ws.close()
    run(go())


def test_route_throttling_answers_too_many_requests_frames(env):
    async def go():
        ws = await websockets.connect(ws_url(env.dps[0], env.api, "slow"), extra_headers=OK_HEADERS)
        for _ in range(4):
            await ws.send(json.dumps({"action": "echo", "x": 1}))
        answers = [json.loads(await ws.recv()) for _ in range(4)]
        limited = [a for a in answers if a.get("message") == "Too Many Requests"]
        assert 1 <= len(limited) <= 3 and all(len(a["connectionId"]) == 16 for a in limited)
        assert any(a.get("route") == "echo" for a in answers)
        await ws.send("other routes are not limited")
        assert (await ws.recv()).endswith(": other routes are not limited")
        await ws.close()
    run(go())


def test_connect_decisions_are_cached_for_the_authorizer_ttl(env):
    if not env.has_auth:
        pytest.skip("no /v2/apis/{id}/authorizers in the admin API yet")

    def calls():
        return sum(1 for r in env.backend.requests if r["path"].startswith("/authorize"))

    async def go():
        for _ in range(4):
            ws = await connect(env.dps[1], env.api)
            await ws.close()
    before = calls()
    run(go())
    assert calls() - before <= 2  # at most once per worker thread (2) in 300 s
