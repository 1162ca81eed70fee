"""TOKEN and REQUEST authorizers: an HTTP endpoint on loopback answers the
reference's Lambda-authorizer output; every outcome, the decision cache,
coalescing of concurrent identical identities across worker threads, and
the authorizer's context reaching the integration."""

import threading
import time

import requests

from harness import put_mock_method, deploy, free_port, make_mock_api


def policy(effect, resource):
    return {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}


class Authorizer:
    """Answers by token: allow, deny, other (allows another resource only),
    unauthorized (401), garbage (malformed), nested (object in context),
    slow (allow after a delay), and anything else allows."""

    def __init__(self, json_server, delay=0.0):
        self.delay = delay
        self.server = json_server(self.answer)

    def answer(self, req):
        ev = req["json"] or {}
        token = ev.get("authorizationToken") or ev.get("headers", {}).get("X-Tenant", "")
        if self.delay:
            time.sleep(self.delay)
        arn = ev.get("methodArn", "")
        api_prefix = arn.rsplit("/", 2)[0].split("/")[0]  # arn:...:API
        if token == "deny":
            return 200, {"principalId": "mallory", "policyDocument": policy("Deny", arn)}
        if token == "other":
            return 200, {"principalId": "x", "policyDocument": policy("Allow", api_prefix + "/prod/POST/*")}
        if token == "unauthorized":
            return 401, {"message": "Unauthorized"}
        if token == "garbage":
            return 200, "this is not json"
        if token == "nested":
            return 200, {"principalId": "x", "policyDocument": policy("Allow", "*"), "context": {"a": {"b": 1}}}
        return 200, {"principalId": "user-" + token,
                     "policyDocument": policy("Allow", api_prefix + "/prod/GET/*"),
                     "context": {"tenant": "acme", "level": 3, "admin": True},
                     "usageIdentifierKey": "key-" + token}

    def calls(self):
        return self.server.calls()


def custom_api(cp, authorizer_url, upstream_url, ttl=300, type_="TOKEN", **extra):
    """GET /pets (MOCK) and GET /who (HTTP_PROXY echoing the mapped context)."""
    ids = make_mock_api(cp, "custom", body='{"pets": []}')
    body = {"name": "auth", "type": type_, "authorizerUri": authorizer_url + "/authorize",
            "authorizerResultTtlInSeconds": ttl}
    body["identitySource"] = ("method.request.header.Authorization" if type_ == "TOKEN"
                              else "method.request.header.X-Tenant, method.request.querystring.key")
    body.update(extra)
    auth = cp.ok("POST", f"/restapis/{ids['api']}/authorizers", body, expect=201)
    m = f"/restapis/{ids['api']}/resources/{ids['leaf']}/methods/GET"
    cp.ok("PATCH", m, {"patchOperations": [
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
        {"op": "replace", "path": "/authorizerId", "value": auth["id"]}]})
    who = cp.ok("POST", f"/restapis/{ids['api']}/resources/{ids['root']}", {"pathPart": "who"}, expect=201)
    base = f"/restapis/{ids['api']}/resources/{who['id']}/methods/GET"
    cp.ok("PUT", base, {"authorizationType": "CUSTOM", "authorizerId": auth["id"]}, expect=201)
    cp.ok("PUT", base + "/integration",
          {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": upstream_url + "/who",
           "requestParameters": {"integration.request.header.x-principal": "context.authorizer.principalId",
                                 "integration.request.header.x-tenant-id": "context.authorizer.tenant",
                                 "integration.request.header.x-level": "context.authorizer.level"}},
          expect=201)
    post = f"/restapis/{ids['api']}/resources/{ids['leaf']}/methods/POST"
    put_mock_method(cp, ids["api"], ids["leaf"], "POST", '{"posted": true}',
                    {"authorizationType": "CUSTOM", "authorizerId": auth["id"]})
    assert post
    deploy(cp, ids["api"])
    ids["authorizer"] = auth["id"]
    return ids


def call(dp, ids, token=None, path="/pets", method="GET", fresh=True, **kw):
    """fresh: a new connection each time, so requests spread over the worker threads."""
    headers = dict(kw.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = token
    headers["Host"] = f"{ids['api']}.execute-api.localhost:{dp.port}"
    send = requests.request if fresh else dp.session.request
    return send(method, f"{dp.base}/prod{path}", headers=headers, timeout=15, **kw)


def test_token_authorizer_outcomes(cp, make_dp, json_server, upstream):
    authz = Authorizer(json_server)
    ids = custom_api(cp, authz.server.url, upstream("backend").url, ttl=0,
                     identityValidationExpression="^[a-z]+$")
    dp = make_dp().start()
    dp.wait_version(cp.version())

    r = call(dp, ids)  # no identity: 401 without calling the authorizer
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    assert r.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    r = call(dp, ids, "Bearer 123")  # fails identityValidationExpression: not called either
    assert r.status_code == 401
    assert authz.calls() == []

    r = call(dp, ids, "alice")
    assert r.status_code == 200 and r.json() == {"pets": []}
    ev = authz.calls()[-1]["json"]
    assert ev["type"] == "TOKEN" and ev["authorizationToken"] == "alice"
    assert ev["methodArn"] == f"arn:aws:execute-api:local:000000000000:{ids['api']}/prod/GET/pets"

    r = call(dp, ids, "deny")
    assert r.status_code == 403
    assert r.json() == {"Message": "User is not authorized to access this resource with an explicit deny"}
    assert r.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    r = call(dp, ids, "other")
    assert r.status_code == 403 and r.json() == {"Message": "User is not authorized to access this resource"}
    assert call(dp, ids, "other", method="POST").json() == {"posted": True}
    r = call(dp, ids, "unauthorized")
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    for token in ("garbage", "nested"):
        r = call(dp, ids, token)
        assert r.status_code == 500 and r.json() == {"message": None}, token
        assert r.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"

    # the authorizer's principalId and context reach the integration
    got = call(dp, ids, "bob", path="/who").json()
    assert got["headers"]["x-principal"] == "user-bob"
    assert got["headers"]["x-tenant-id"] == "acme"
    assert got["headers"]["x-level"] == "3"


def test_unreachable_authorizer_is_a_500(cp, make_dp, upstream):
    ids = custom_api(cp, f"http://127.0.0.1:{free_port()}", upstream().url, ttl=300)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    for _ in range(2):  # failures are not cached: each request tries again
        r = call(dp, ids, "carol")
        assert r.status_code == 500 and r.json() == {"message": None}


def test_decisions_cached_once_per_identity_per_ttl(cp, make_dp, json_server, upstream):
    authz = Authorizer(json_server)
    ids = custom_api(cp, authz.server.url, upstream().url, ttl=4)
    dp = make_dp(threads=2).start()
    dp.wait_version(cp.version())

    for _ in range(12):  # new connections: both worker threads serve some
        assert call(dp, ids, "dave").status_code == 200
    # the cached policy is evaluated per request: POST is not allowed by dave's answer
    assert call(dp, ids, "dave", method="POST").status_code == 403
    assert len(authz.calls()) == 1
    assert call(dp, ids, "erin").status_code == 200
    assert len(authz.calls()) == 2
    time.sleep(4.5)  # the TTL passes: the next request asks again
    assert call(dp, ids, "dave").status_code == 200
    assert len(authz.calls()) == 3
    assert call(dp, ids, "dave").status_code == 200
    assert len(authz.calls()) == 3


def test_concurrent_identities_share_one_call(cp, make_dp, json_server, upstream):
    authz = Authorizer(json_server, delay=0.8)
    ids = custom_api(cp, authz.server.url, upstream().url, ttl=300)
    dp = make_dp(threads=2).start()
    dp.wait_version(cp.version())
    results = []

    def one(token):
        results.append((token, call(dp, ids, token).status_code))

    threads = [threading.Thread(target=one, args=(t,)) for t in ["frank"] * 16 + ["deny"] * 8]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == sorted([("frank", 200)] * 16 + [("deny", 403)] * 8)
    tokens = sorted(c["json"]["authorizationToken"] for c in authz.calls())
    assert tokens == ["deny", "frank"]


def test_no_caching_with_ttl_zero(cp, make_dp, json_server, upstream):
    authz = Authorizer(json_server)
    ids = custom_api(cp, authz.server.url, upstream().url, ttl=0)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    for _ in range(4):
        assert call(dp, ids, "gina").status_code == 200
    assert len(authz.calls()) == 4


def test_request_authorizer(cp, make_dp, json_server, upstream):
    authz = Authorizer(json_server)
    ids = custom_api(cp, authz.server.url, upstream().url, ttl=300, type_="REQUEST")
    dp = make_dp().start()
    dp.wait_version(cp.version())
    # both identity sources are needed
    assert call(dp, ids, headers={"X-Tenant": "acme"}).status_code == 401
    assert call(dp, ids, path="/pets?key=k1").status_code == 401
    assert authz.calls() == []
    r = call(dp, ids, path="/pets?key=k%201&key=k2&other=x", headers={"X-Tenant": "acme"})
    assert r.status_code == 200
    ev = authz.calls()[-1]["json"]
    assert ev["type"] == "REQUEST"
    assert ev["headers"]["X-Tenant"] == "acme"
    assert ev["queryStringParameters"] == {"key": "k2", "other": "x"}
    assert ev["multiValueQueryStringParameters"]["key"] == ["k 1", "k2"]
    assert ev["httpMethod"] == "GET" and ev["resource"] == "/pets" and ev["path"] == "/pets"
    assert ev["requestContext"]["stage"] == "prod" and ev["requestContext"]["apiId"] == ids["api"]
    assert ev["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    # the same identity is answered from the cache; another one calls again
    assert call(dp, ids, path="/pets?key=k%201&key=k2", headers={"X-Tenant": "acme"}).status_code == 200
    assert len(authz.calls()) == 1
    assert call(dp, ids, path="/pets?key=k3", headers={"X-Tenant": "acme"}).status_code == 200
    assert len(authz.calls()) == 2


def test_custom_authorizer_admin_validation(cp, json_server):
    ids = make_mock_api(cp, "v")
    base = f"/restapis/{ids['api']}/authorizers"
    bad = [
        {"name": "a", "type": "TOKEN", "authorizerUri": "http://127.0.0.1:1/x"},
        {"name": "a", "type": "TOKEN", "authorizerUri": "http://127.0.0.1:1/x",
         "identitySource": "method.request.querystring.t"},
        {"name": "a", "type": "TOKEN", "authorizerUri": "http://127.0.0.1:1/x",
         "identitySource": "method.request.header.A", "identityValidationExpression": "(["},
        {"name": "a", "type": "REQUEST", "authorizerUri": "http://127.0.0.1:1/x"},  # caching needs sources
        {"name": "a", "type": "REQUEST", "authorizerUri": "http://127.0.0.1:1/x",
         "identitySource": "method.request.body.x", "authorizerResultTtlInSeconds": 0},
        {"name": "a", "type": "TOKEN", "authorizerUri": "http://127.0.0.1:1/x",
         "identitySource": "method.request.header.A", "authorizerResultTtlInSeconds": 3601},
        {"name": "a", "type": "TOKEN", "authorizerUri": "http://127.0.0.1:1/x",
         "identitySource": "method.request.header.A", "authorizerCredentials": "arn:aws:iam::1:role/x"},
    ]
    for body in bad:
        r = cp.call("POST", base, body)
        assert r.status_code == 400, (body, r.text)
        assert r.headers["x-amzn-ErrorType"] == "BadRequestException"
    a = cp.ok("POST", base, {"name": "t", "type": "REQUEST", "authorizerUri": "http://127.0.0.1:1/x",
                             "authorizerResultTtlInSeconds": 0}, expect=201)
    assert a["authorizerResultTtlInSeconds"] == 0
    b = cp.ok("POST", base, {"name": "t", "type": "TOKEN", "authorizerUri": "http://127.0.0.1:1/x",
                             "identitySource": "method.request.header.Authorization"}, expect=201)
    assert b["authorizerResultTtlInSeconds"] == 300
    r = cp.call("PATCH", f"{base}/{b['id']}", {"patchOperations": [
        {"op": "replace", "path": "/identitySource", "value": "method.request.querystring.q"}]})
    assert r.status_code == 400
    assert cp.ok("GET", f"{base}/{b['id']}") == b
    assert cp.call("GET", f"{base}/nope00").status_code == 404
    cp.ok("DELETE", f"{base}/{a['id']}", expect=202)
    assert [x["id"] for x in cp.ok("GET", base)["item"]] == [b["id"]]
