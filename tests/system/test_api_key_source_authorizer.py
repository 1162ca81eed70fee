"""apiKeySource AUTHORIZER: the key that a usage plan meters comes from the
custom authorizer's usageIdentifierKey instead of the x-api-key header."""

from harness import JsonServer, deploy, make_key, make_plan


def allow(key=None):
    answer = {"principalId": "user", "policyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}
    if key is not None:
        answer["usageIdentifierKey"] = key
    return answer


def test_usage_identifier_key_is_the_api_key(cp, make_dp):
    value = "authorizer-supplied-key-0123456789"
    authorizer = JsonServer(lambda req: (200, allow({"Bearer good": value, "Bearer stranger": "x" * 30}
                                                    .get(req["json"]["authorizationToken"]))))
    try:
        api = cp.ok("POST", "/restapis", {"name": "keyed-by-authorizer", "apiKeySource": "AUTHORIZER"},
                    expect=201)
        a, root = api["id"], api["rootResourceId"]
        auth = cp.ok("POST", f"/restapis/{a}/authorizers",
                     {"name": "tokens", "type": "TOKEN", "authorizerUri": authorizer.url + "/auth",
                      "identitySource": "method.request.header.Authorization",
                      "authorizerResultTtlInSeconds": 0}, expect=201)
        base = f"/restapis/{a}/resources/{root}/methods/GET"
        cp.ok("PUT", base, {"authorizationType": "CUSTOM", "authorizerId": auth["id"],
                            "apiKeyRequired": True}, expect=201)
        cp.ok("PUT", base + "/integration", {"type": "MOCK"}, expect=201)
        cp.ok("PUT", base + "/responses/200", {}, expect=201)
        cp.ok("PUT", base + "/integration/responses/200",
              {"selectionPattern": "", "responseTemplates": {"application/json": '{"ok": true}'}},
              expect=201)
        deploy(cp, a)
        key = make_key(cp, value=value)
        make_plan(cp, a, keys=[key], quota={"limit": 2, "period": "DAY"})
        dp = make_dp().start()
        dp.wait_version(cp.version())

        def get(token, **headers):
            return dp.get(a, "prod", "/", headers={"Authorization": token, **headers})

        assert get("Bearer good").status_code == 200
        # the header is not where keys come from on this API
        r = get("Bearer nokey", **{"x-api-key": value})
        assert r.status_code == 403 and r.json() == {"message": "Forbidden"}
        assert get("Bearer stranger").status_code == 403  # a value that is no key
        # the plan meters the authorizer's key: its quota of 2 runs out
        assert get("Bearer good").status_code == 200
        r = get("Bearer good")
        assert r.status_code == 429 and r.json() == {"message": "Limit Exceeded"}
    finally:
        authorizer.stop()
