"""Resource policies (source IP, explicit deny, evaluated before authorizers)
and gateway responses (admin API shapes, overrides on the data plane)."""

import http.client
import json

from harness import put_mock_method, deploy, make_mock_api


def from_ip(dp, api_id, path, source_ip, headers=None):
    """A request from another loopback address (127.0.0.2, ...)."""
    conn = http.client.HTTPConnection("127.0.0.1", dp.port, timeout=10, source_address=(source_ip, 0))
    try:
        h = {"Host": f"{api_id}.execute-api.localhost:{dp.port}"}
        h.update(headers or {})
        conn.request("GET", "/prod" + path, headers=h)
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"null"), dict(r.getheaders())
    finally:
        conn.close()


def set_policy(cp, api_id, doc):
    return cp.call("PATCH", f"/restapis/{api_id}", {"patchOperations": [
        {"op": "replace", "path": "/policy", "value": json.dumps(doc)}]})


def test_policy_by_source_ip_and_explicit_deny(cp, make_dp, json_server):
    ids = make_mock_api(cp, "guarded", body='{"pets": []}')
    secret = cp.ok("POST", f"/restapis/{ids['api']}/resources/{ids['leaf']}", {"pathPart": "secret"}, expect=201)
    put_mock_method(cp, ids["api"], secret["id"], "GET", '{"secret": 1}')
    r = set_policy(cp, ids["api"], {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
         "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.1/32", "10.0.0.0/8", "::1"]}}},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "execute-api:*",
         "Resource": "execute-api:/*/GET/pets/secret"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
         "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.3"}}}]})
    assert r.status_code == 200, r.text
    deploy(cp, ids["api"])
    dp = make_dp().start()
    dp.wait_version(cp.version())

    status, body, _ = from_ip(dp, ids["api"], "/pets", "127.0.0.1")
    assert (status, body) == (200, {"pets": []})
    arn = f"arn:aws:execute-api:local:********0000:{ids['api']}/prod/GET/pets"
    status, body, headers = from_ip(dp, ids["api"], "/pets", "127.0.0.2")  # no allow matches
    assert status == 403
    assert body == {"Message": f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn}"}
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    status, body, _ = from_ip(dp, ids["api"], "/pets", "127.0.0.3")  # allowed by nothing, denied
    assert status == 403 and body["Message"].endswith(" with an explicit deny")
    status, body, _ = from_ip(dp, ids["api"], "/pets/secret", "127.0.0.1")  # explicit deny wins
    assert status == 403
    assert body["Message"] == ("User: anonymous is not authorized to perform: execute-api:Invoke on "
                               f"resource: {arn}/secret with an explicit deny")


def test_policy_is_checked_before_the_authorizer(cp, make_dp, json_server):
    calls = []
    authz = json_server(lambda req: (calls.append(1), (200, {"principalId": "p", "policyDocument": {
        "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}}))[1])
    ids = make_mock_api(cp, "both")
    auth = cp.ok("POST", f"/restapis/{ids['api']}/authorizers",
                 {"name": "a", "type": "TOKEN", "authorizerUri": authz.url,
                  "identitySource": "method.request.header.Authorization"}, expect=201)
    cp.ok("PATCH", f"/restapis/{ids['api']}/resources/{ids['leaf']}/methods/GET", {"patchOperations": [
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
        {"op": "replace", "path": "/authorizerId", "value": auth["id"]}]})
    assert set_policy(cp, ids["api"], {"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"NotIpAddress": {"aws:SourceIp": "127.0.0.2/32"}}}]}).status_code == 200
    deploy(cp, ids["api"])
    dp = make_dp().start()
    dp.wait_version(cp.version())
    status, _, _ = from_ip(dp, ids["api"], "/pets", "127.0.0.2", {"Authorization": "t"})
    assert status == 403 and calls == []
    status, _, _ = from_ip(dp, ids["api"], "/pets", "127.0.0.1", {"Authorization": "t"})
    assert status == 200 and len(calls) == 1


def test_invalid_policies_are_refused(cp):
    bad = [
        "not json",
        {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]},  # no Principal
        {"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "*",
                        "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                        "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}]},
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                        "Condition": {"IpAddress": {"aws:SourceIp": "300.1.2.3"}}}]},
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "arn:aws:s3:::b"}]},
    ]
    for doc in bad:
        text = doc if isinstance(doc, str) else json.dumps(doc)
        r = cp.call("POST", "/restapis", {"name": "p", "policy": text})
        assert r.status_code == 400, (doc, r.text)
        assert r.json()["message"].startswith("Invalid policy document")
    api = cp.ok("POST", "/restapis", {"name": "p"}, expect=201)
    r = set_policy(cp, api["id"], bad[1])
    assert r.status_code == 400
    assert "policy" not in cp.ok("GET", f"/restapis/{api['id']}")


def test_gateway_response_admin_shapes(cp):
    api = cp.ok("POST", "/restapis", {"name": "g"}, expect=201)["id"]
    base = f"/restapis/{api}/gatewayresponses"
    assert cp.ok("GET", base + "/UNAUTHORIZED") == {
        "defaultResponse": True, "responseParameters": {},
        "responseTemplates": {"application/json": '{"message":$context.error.messageString}'},
        "responseType": "UNAUTHORIZED", "statusCode": "401"}
    assert "statusCode" not in cp.ok("GET", base + "/DEFAULT_4XX")
    items = cp.ok("GET", base + "?limit=500")["item"]
    assert len(items) == 21 and all(i["defaultResponse"] for i in items)
    assert {i["responseType"]: i.get("statusCode") for i in items}["INTEGRATION_FAILURE"] == "504"
    put = cp.ok("PUT", base + "/UNAUTHORIZED", {"statusCode": "418",
                                               "responseParameters": {"gatewayresponse.header.x-why": "'auth'"}},
                expect=201)
    assert put["defaultResponse"] is False and put["statusCode"] == "418"
    assert put["responseTemplates"] == {"application/json": '{"message":$context.error.messageString}'}
    assert cp.ok("GET", base + "/UNAUTHORIZED") == put
    patched = cp.ok("PATCH", base + "/UNAUTHORIZED", {"patchOperations": [
        {"op": "add", "path": "/responseTemplates/text~1plain", "value": "no: $context.error.message"}]})
    assert patched["responseTemplates"]["text/plain"] == "no: $context.error.message"
    for body in [{"statusCode": "99"}, {"responseParameters": {"x-foo": "'a'"}},
                 {"responseTemplates": {"application/json": "#set($x = 1"}},  # full VTL, syntax checked
                 {"responseTemplates": {"application/json": '#include("x")'}}]:
        r = cp.call("PUT", base + "/DEFAULT_4XX", body)
        assert r.status_code == 400, (body, r.text)
    assert cp.call("PUT", base + "/NOT_A_TYPE", {}).status_code == 400
    cp.ok("DELETE", base + "/UNAUTHORIZED", expect=202)
    assert cp.ok("GET", base + "/UNAUTHORIZED")["defaultResponse"] is True


def test_gateway_response_overrides_on_the_data_plane(cp, make_dp):
    ids = make_mock_api(cp, "overrides")
    base = f"/restapis/{ids['api']}/gatewayresponses"
    cp.ok("PUT", base + "/MISSING_AUTHENTICATION_TOKEN", {
        "statusCode": "404",
        "responseParameters": {"gatewayresponse.header.x-kind": "'missing'",
                               "gatewayresponse.header.x-stage": "context.stage"},
        "responseTemplates": {"application/json": '{"error":$context.error.messageString,'
                                                  '"type":"$context.error.responseType",'
                                                  '"id":"$context.requestId"}'}}, expect=201)
    cp.ok("PUT", base + "/DEFAULT_4XX", {"responseParameters": {
        "gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}}, expect=201)
    cp.ok("PUT", base + "/DEFAULT_5XX", {"statusCode": "503", "responseTemplates": {
        "application/json": '{"down":true}'}}, expect=201)
    dp = make_dp().start()
    deploy(cp, ids["api"])
    dp.wait_version(cp.version())
    r = dp.get(ids["api"], "prod", "/nowhere")
    assert r.status_code == 404
    assert r.headers["x-kind"] == "missing" and r.headers["x-stage"] == "prod"
    assert r.json() == {"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN",
                        "id": r.headers["x-amzn-RequestId"]}
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    # a 4xx without its own override takes DEFAULT_4XX, keeping its status and message
    auth = cp.ok("POST", f"/restapis/{ids['api']}/authorizers",
                 {"name": "a", "type": "TOKEN", "authorizerUri": "http://127.0.0.1:9/",
                  "identitySource": "method.request.header.Authorization"}, expect=201)
    cp.ok("PATCH", f"/restapis/{ids['api']}/resources/{ids['leaf']}/methods/GET", {"patchOperations": [
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
        {"op": "replace", "path": "/authorizerId", "value": auth["id"]}]})
    r = dp.get(ids["api"], "prod", "/pets")
    assert r.status_code == 200, "changes take effect at the next deployment"
    deploy(cp, ids["api"])
    dp.wait_version(cp.version())
    r = dp.get(ids["api"], "prod", "/pets")
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = dp.get(ids["api"], "prod", "/pets", headers={"Authorization": "x"})  # authorizer unreachable
    assert r.status_code == 503 and r.json() == {"down": True}
