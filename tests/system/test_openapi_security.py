"""OpenAPI security requirements on import, as the reference reads them:
every requirement object of an operation counts (the reference's exports
write one object per scheme), sigv4 (x-amazon-apigateway-authtype awsSigv4)
makes the method AWS_IAM, a second authorizer and unsupported schemes are
warned about, and failonwarnings turns those warnings into a refusal. The
export writes AWS_IAM methods back with the reference's sigv4 scheme."""

import json

DOC = {
    "swagger": "2.0",
    "info": {"title": "sec", "version": "1"},
    "paths": {
        "/both": {"get": {"responses": {}, "security": [{"sigv4": []}, {"api_key": []}],
                          "x-amazon-apigateway-integration": {"type": "mock"}}},
        "/two": {"get": {"responses": {}, "security": [{"tok": []}, {"tok2": []}],
                         "x-amazon-apigateway-integration": {"type": "mock"}}},
        "/pool": {"get": {"responses": {}, "security": [{"api_key": []}, {"pool": []}],
                          "x-amazon-apigateway-integration": {"type": "mock"}}},
    },
    "securityDefinitions": {
        "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
        "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header",
                  "x-amazon-apigateway-authtype": "awsSigv4"},
        "tok": {"type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": "http://127.0.0.1:9/a"}},
        "tok2": {"type": "apiKey", "name": "Authorization", "in": "header",
                 "x-amazon-apigateway-authtype": "custom",
                 "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": "http://127.0.0.1:9/b"}},
        "pool": {"type": "apiKey", "name": "Authorization", "in": "header",
                 "x-amazon-apigateway-authtype": "cognito_user_pools",
                 "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["arn:x"]}},
    },
}


def test_every_requirement_imported_warnings_and_sigv4_round_trip(cp):
    body = json.dumps(DOC)
    r = cp.call("POST", "/restapis", raw=body, params={"mode": "import", "failonwarnings": "true"})
    assert r.status_code == 400, r.text
    assert "security scheme pool is not supported" in r.json()["message"]

    r = cp.call("POST", "/restapis", raw=body, params={"mode": "import"})
    assert r.status_code in (200, 201), r.text
    api = r.json()
    warnings = " | ".join(api.get("warnings", []))
    assert "security scheme tok2 is not applied" in warnings, warnings
    assert "security scheme pool is not supported" in warnings, warnings
    resources = {x["path"]: x for x in cp.ok("GET", f"/restapis/{api['id']}/resources")["item"]}
    assert "/pool" not in resources or "GET" not in resources["/pool"].get("resourceMethods", {})
    both = cp.ok("GET", f"/restapis/{api['id']}/resources/{resources['/both']['id']}/methods/GET")
    assert both["authorizationType"] == "AWS_IAM" and both["apiKeyRequired"] is True
    two = cp.ok("GET", f"/restapis/{api['id']}/resources/{resources['/two']['id']}/methods/GET")
    assert two["authorizationType"] == "CUSTOM"

    cp.ok("POST", f"/restapis/{api['id']}/deployments", {"stageName": "prod"}, expect=201)
    r = cp.session.get(f"{cp.url}/restapis/{api['id']}/stages/prod/exports/swagger",
                       params={"extensions": "apigateway"},
                       headers={"Accept": "application/json", "Authorization": f"Bearer {cp.token}"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["securityDefinitions"]["sigv4"] == DOC["securityDefinitions"]["sigv4"]
    assert doc["paths"]["/both"]["get"]["security"] == [{"sigv4": [], "api_key": []}]
    # and the export imports back to the same method
    again = cp.call("POST", "/restapis", raw=r.text, params={"mode": "import"}).json()
    res = {x["path"]: x for x in cp.ok("GET", f"/restapis/{again['id']}/resources")["item"]}
    m = cp.ok("GET", f"/restapis/{again['id']}/resources/{res['/both']['id']}/methods/GET")
    assert m["authorizationType"] == "AWS_IAM" and m["apiKeyRequired"] is True
