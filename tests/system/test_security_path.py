"""Issue 11, the request path: one canonical path per request (routing, keys,
the upstream URL), no value copied into an HTTP message unchecked (CR/LF
from an authorizer's context), the stage cache storing only complete answers
to plain requests, an endpoint's Content-Length beside Transfer-Encoding, and
no {param} in an integration URI's host. Each test failed on c2c389f."""

import json
import os
import posixpath
import socket
import sqlite3
import threading

from harness import deploy, make_key, make_plan, put_mock_method


def raw_request(port, target, host, method="GET", headers=(), timeout=10):
    """Sends target byte for byte (no client-side normalization); returns
    (status, {lower-case name: value}, body)."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "Connection: close", *headers, "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall("\r\n".join(lines).encode("latin-1"))
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for h in header_lines:
        k, _, v = h.partition(":")
        hdrs.setdefault(k.strip().lower(), v.strip())
    if hdrs.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    return int(status_line.split(" ")[1]), hdrs, body


def dechunk(data):
    out = b""
    while data:
        size, _, data = data.partition(b"\r\n")
        n = int(size.split(b";")[0], 16)
        if n == 0:
            break
        out, data = out + data[:n], data[n + 2:]
    return out


def resource(cp, api_id, parent, part):
    return cp.ok("POST", f"/restapis/{api_id}/resources/{parent}", {"pathPart": part}, expect=201)["id"]


def proxy_method(cp, api_id, rid, uri, key=False, params=None, declared=None):
    base = f"/restapis/{api_id}/resources/{rid}/methods/ANY"
    decl = {"method.request.path.proxy": True}
    decl.update(declared or {})
    cp.ok("PUT", base, {"authorizationType": "NONE", "apiKeyRequired": key, "requestParameters": decl},
          expect=201)
    cp.ok("PUT", base + "/integration",
          {"type": "HTTP_PROXY", "httpMethod": "ANY", "uri": uri,
           "requestParameters": params or {"integration.request.path.proxy": "method.request.path.proxy"}},
          expect=201)


def admin_beside_open_api(cp, upstream_url):
    """/{proxy+} open, /admin/{proxy+} with apiKeyRequired; both to the same backend."""
    api = cp.ok("POST", "/restapis", {"name": "paths"}, expect=201)
    a, root = api["id"], api["rootResourceId"]
    proxy_method(cp, a, resource(cp, a, root, "{proxy+}"), upstream_url + "/{proxy}")
    admin = resource(cp, a, root, "admin")
    proxy_method(cp, a, resource(cp, a, admin, "{proxy+}"), upstream_url + "/admin/{proxy}", key=True)
    deploy(cp, a)
    return a


def reached_admin(up):
    return [c["path"] for c in up.calls if posixpath.normpath(c["path"].split("?")[0]).startswith("/admin")]


def test_path_variants_do_not_skip_the_key_route(cp, make_dp, upstream):
    up = upstream("backend")
    a = admin_beside_open_api(cp, up.url)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    host = f"{a}.execute-api.localhost"
    # the plain forms: open route served, admin route wants a key
    assert raw_request(dp.port, "/prod/pets/1", host)[0] == 200
    assert raw_request(dp.port, "/prod/admin/users", host)[0] == 403
    for target in ("/prod/x/../admin/users", "/prod/./admin/users", "/prod/%61dmin/users",
                   "/prod//admin/users", "/prod/x/%2e%2e/admin/users", "/prod/%2E/admin/users",
                   "/x/../prod/admin/users"):
        status, _, body = raw_request(dp.port, target, host)
        assert status == 403, (target, status, body)
        assert json.loads(body) == {"message": "Forbidden"}, target
    # the path-style form is canonical too
    assert raw_request(dp.port, f"/restapis/{a}/prod/_user_request_/x/../admin/users", "localhost")[0] == 403
    assert reached_admin(up) == []
    # with a key, the canonical path reaches the backend (decoded, without dot segments)
    key = make_key(cp, value="k" * 30)
    make_plan(cp, a, keys=[key])
    dp.wait_version(cp.version())
    status, _, body = raw_request(dp.port, "/prod/x/../%61dmin/./users", host, headers=["x-api-key: " + "k" * 30])
    assert status == 200, body
    assert up.calls[-1]["path"] == "/admin/users"


def test_paths_that_cannot_be_made_canonical_are_400(cp, make_dp, upstream):
    up = upstream("backend")
    a = admin_beside_open_api(cp, up.url)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    host = f"{a}.execute-api.localhost"
    before = len(up.calls)
    for target in ("/prod/admin%2Fusers", "/prod/..%2fadmin/users", "/prod/a%5c..%5cadmin", "/prod/%zz",
                   "/prod/a%2", "/prod/a%00b", "/prod/../../admin/users"):
        status, hdrs, body = raw_request(dp.port, target, host)
        assert status == 400, (target, status, body)
        assert hdrs.get("x-amzn-errortype") == "BadRequestException" and "x-amzn-requestid" in hdrs
    assert len(up.calls) == before


def test_proxy_values_stay_under_the_uri_prefix(cp, make_dp, upstream):
    """A {proxy} filled from a header (a mapped value, not the canonical path)
    must not climb out of the integration URI's /api/ prefix."""
    up = upstream("backend")
    api = cp.ok("POST", "/restapis", {"name": "prefix"}, expect=201)
    a, root = api["id"], api["rootResourceId"]
    rid = resource(cp, a, root, "files")
    proxy_method(cp, a, rid, up.url + "/api/{proxy}",
                 params={"integration.request.path.proxy": "method.request.header.x-file"},
                 declared={"method.request.header.x-file": False, "method.request.path.proxy": False})
    # a {param} in the template's query is no path prefix to keep
    qid = resource(cp, a, root, "q")
    proxy_method(cp, a, qid, up.url + "/q?to=/x/{proxy}",
                 params={"integration.request.path.proxy": "method.request.header.x-file"},
                 declared={"method.request.header.x-file": False, "method.request.path.proxy": False})
    deploy(cp, a)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    host = f"{a}.execute-api.localhost"
    status, _, _ = raw_request(dp.port, "/prod/q", host, headers=["x-file: abc"])
    assert status == 200 and up.calls[-1]["path"] == "/q?to=/x/abc"
    for value in ("../admin/users", "docs/../../admin/users", "%2e%2e/admin/users", "..%2Fadmin"):
        status, _, body = raw_request(dp.port, "/prod/files", host, headers=["x-file: " + value])
        assert status == 400, (value, status, body)
    assert reached_admin(up) == []
    status, _, _ = raw_request(dp.port, "/prod/files", host, headers=["x-file: docs/./a.txt"])
    assert status == 200 and up.calls[-1]["path"] == "/api/docs/a.txt"
    # a '?' in the value stays in the path: it does not start a query
    status, _, _ = raw_request(dp.port, "/prod/files", host, headers=["x-file: a?admin=1"])
    assert status == 200 and up.calls[-1]["path"] == "/api/a%3Fadmin=1"
    assert reached_admin(up) == []


class Splitting:
    """An authorizer whose context value (and principalId) carries CR LF and a
    second request line."""

    PAYLOAD = "alice\r\nContent-Length: 0\r\n\r\nGET /admin/users HTTP/1.1\r\nHost: backend\r\nX-Injected: yes"

    def __init__(self, json_server):
        self.server = json_server(self.answer)

    def answer(self, req):
        token = (req["json"] or {}).get("authorizationToken", "")
        user = self.PAYLOAD if token == "evil" else "alice"
        return 200, {"principalId": "p-" + token,
                     "policyDocument": {"Version": "2012-10-17", "Statement": [
                         {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]},
                     "context": {"user": user}}


def test_crlf_from_an_authorizer_context_never_reaches_a_message(cp, make_dp, upstream, json_server):
    up = upstream("backend")
    auth_server = Splitting(json_server)
    api = cp.ok("POST", "/restapis", {"name": "crlf"}, expect=201)
    a, root = api["id"], api["rootResourceId"]
    auth = cp.ok("POST", f"/restapis/{a}/authorizers",
                 {"name": "split", "type": "TOKEN", "authorizerUri": auth_server.server.url + "/auth",
                  "identitySource": "method.request.header.Authorization",
                  "authorizerResultTtlInSeconds": 0}, expect=201)
    who = resource(cp, a, root, "who")
    base = f"/restapis/{a}/resources/{who}/methods/GET"
    cp.ok("PUT", base, {"authorizationType": "CUSTOM", "authorizerId": auth["id"]}, expect=201)
    cp.ok("PUT", base + "/integration",
          {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": up.url + "/who",
           "requestParameters": {"integration.request.header.x-user": "context.authorizer.user"}},
          expect=201)
    # a MOCK answer whose response header is mapped from the same context value
    mock = resource(cp, a, root, "mock")
    m = f"/restapis/{a}/resources/{mock}/methods/GET"
    cp.ok("PUT", m, {"authorizationType": "CUSTOM", "authorizerId": auth["id"]}, expect=201)
    cp.ok("PUT", m + "/responses/200", {"responseParameters": {"method.response.header.X-User": True}},
          expect=201)
    cp.ok("PUT", m + "/integration",
          {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}, expect=201)
    cp.ok("PUT", m + "/integration/responses/200",
          {"selectionPattern": "", "responseParameters": {"method.response.header.X-User": "context.authorizer.user"},
           "responseTemplates": {"application/json": '{"mock": true}'}}, expect=201)
    deploy(cp, a)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    host = f"{a}.execute-api.localhost"
    # the honest value goes through, both ways
    status, _, _ = raw_request(dp.port, "/prod/who", host, headers=["Authorization: good"])
    assert status == 200 and up.calls[-1]["headers"]["x-user"] == "alice"
    status, hdrs, _ = raw_request(dp.port, "/prod/mock", host, headers=["Authorization: good"])
    assert status == 200 and hdrs["x-user"] == "alice"
    # the splitting value is refused: the gateway's 500, no second request, no injected header
    calls = len(up.calls)
    status, hdrs, body = raw_request(dp.port, "/prod/who", host, headers=["Authorization: evil"])
    assert status == 500, body
    assert json.loads(body) == {"message": "Internal server error"}
    status, hdrs, body = raw_request(dp.port, "/prod/mock", host, headers=["Authorization: evil"])
    assert status == 500 and "x-injected" not in hdrs and "x-user" not in hdrs, (hdrs, body)
    assert len(up.calls) == calls
    assert reached_admin(up) == [] and not any("x-injected" in c["headers"] for c in up.calls)


class ByteServer:
    """Answers every connection with fixed bytes, then closes it."""

    def __init__(self, answer):
        self.answer = answer
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                c.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                c.sendall(self.answer)

    def close(self):
        self.sock.close()


def test_content_length_beside_chunked_from_the_endpoint_is_502(cp, make_dp):
    bad = ByteServer(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    good = ByteServer(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"5\r\nhello\r\n0\r\n\r\n")
    try:
        api = cp.ok("POST", "/restapis", {"name": "te"}, expect=201)
        a, root = api["id"], api["rootResourceId"]
        for part, srv in (("bad", bad), ("good", good)):
            rid = resource(cp, a, root, part)
            base = f"/restapis/{a}/resources/{rid}/methods/GET"
            cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
            cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET",
                                                 "uri": f"http://127.0.0.1:{srv.port}/{part}"}, expect=201)
        deploy(cp, a)
        dp = make_dp().start()
        dp.wait_version(cp.version())
        host = f"{a}.execute-api.localhost"
        status, hdrs, body = raw_request(dp.port, "/prod/good", host)
        assert status == 200 and body == b"hello" and hdrs.get("content-length") in (None, "5")
        status, hdrs, body = raw_request(dp.port, "/prod/bad", host, timeout=5)
        assert status == 502, (status, hdrs, body)
        assert hdrs.get("content-length") != "100"
    finally:
        bad.close()
        good.close()


def test_param_in_an_integration_host_is_refused(cp):
    api = cp.ok("POST", "/restapis", {"name": "ssrf"}, expect=201)
    a, root = api["id"], api["rootResourceId"]
    rid = resource(cp, a, root, "{target}")
    base = f"/restapis/{a}/resources/{rid}/methods/GET"
    cp.ok("PUT", base, {"authorizationType": "NONE", "requestParameters": {"method.request.path.target": True}},
          expect=201)
    for uri in ("http://{target}/x", "http://{target}.internal:8080/x", "https://a{target}b/"):
        r = cp.call("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": uri})
        assert r.status_code == 400, (uri, r.text)
        assert r.headers.get("x-amzn-ErrorType", "").startswith("BadRequestException")
    # a stage variable in the host and a parameter in the path stay allowed
    for uri in ("http://${stageVariables.host}/x/{target}", "http://127.0.0.1:1/{target}"):
        cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": uri}, expect=201)


def test_param_in_a_stored_integration_host_is_not_deployed(cp):
    """An integration stored before the admin API refused it (written into
    the database here) cannot be deployed either."""
    api = cp.ok("POST", "/restapis", {"name": "legacy"}, expect=201)
    a, root = api["id"], api["rootResourceId"]
    rid = resource(cp, a, root, "{target}")
    base = f"/restapis/{a}/resources/{rid}/methods/GET"
    cp.ok("PUT", base, {"authorizationType": "NONE", "requestParameters": {"method.request.path.target": True}},
          expect=201)
    cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": "http://h/{target}"},
          expect=201)
    db = sqlite3.connect(os.path.join(cp.dir, "data", "portico.db"), timeout=10)
    with db:
        (doc,) = db.execute("SELECT doc FROM integrations WHERE api_id = ?", (a,)).fetchone()
        doc = json.loads(doc)
        doc["uri"] = "http://{target}.internal/x"
        db.execute("UPDATE integrations SET doc = ? WHERE api_id = ?", (json.dumps(doc), a))
    db.close()
    r = cp.call("POST", f"/restapis/{a}/deployments", {"stageName": "prod"})
    assert r.status_code == 400 and "host" in r.json()["message"], r.text
