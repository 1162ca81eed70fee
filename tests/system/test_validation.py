"""Models (JSON Schema draft 4) and request validators: the management API's
shapes and errors, and request validation on a real data plane — required
parameters before the body, the body against the Content-Type's model,
the reference's 400 answers and $context.error.validationErrorString, and
models frozen with the deployment."""

import json
import os

from harness import deploy, make_mock_api, make_proxy_api, wait_for

PET = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "Pet",
    "type": "object",
    "required": ["name", "price"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "price": {"type": "number", "minimum": 0},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    },
}


def model_url(api_id, name):
    return f"https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}"


def create_model(cp, api_id, name, schema, **extra):
    body = {"name": name, "contentType": "application/json",
            "schema": schema if isinstance(schema, str) else json.dumps(schema)}
    body.update(extra)
    return cp.call("POST", f"/restapis/{api_id}/models", body)


def error(r):
    return r.status_code, r.headers.get("x-amzn-errortype"), r.json()["message"]


def test_models_crud_shapes_and_errors(cp):
    api_id = make_mock_api(cp, "models")["api"]
    r = create_model(cp, api_id, "Pet", PET, description="a pet")
    assert r.status_code == 201, r.text
    pet = r.json()
    assert set(pet) == {"id", "name", "description", "schema", "contentType"}
    assert len(pet["id"]) == 6 and pet["name"] == "Pet" and json.loads(pet["schema"]) == PET
    assert pet["contentType"] == "application/json" and pet["description"] == "a pet"

    assert error(create_model(cp, api_id, "Pet", PET)) == (
        409, "ConflictException", "Model name already exists for this REST API")
    status, etype, msg = error(create_model(cp, api_id, "Bad", "{not json"))
    assert (status, etype) == (400, "BadRequestException")
    assert msg.startswith("Invalid model specified: Validation Result: warnings : [], errors : "
                          "[Invalid model schema specified: the schema is not JSON")
    status, _, msg = error(create_model(cp, api_id, "Bad", {"type": "whatever"}))
    assert status == 400 and "not a draft-4 schema" in msg, msg
    status, _, msg = error(create_model(cp, api_id, "Bad", {"minLength": -1}))
    assert status == 400 and "not a draft-4 schema" in msg, msg
    status, _, msg = error(create_model(cp, api_id, "Bad", {"pattern": "(unclosed"}))
    assert status == 400 and "invalid regular expression" in msg, msg
    status, _, msg = error(create_model(cp, api_id, "Bad", {"$ref": model_url(api_id, "Nope")}))
    assert status == 400 and "unresolvable reference" in msg, msg
    assert error(create_model(cp, api_id, "no-dash", PET))[2] == "Model name must be non-empty and alphanumeric"
    r = cp.call("POST", f"/restapis/{api_id}/models", {"name": "NoType", "schema": "{}"})
    assert r.status_code == 400

    # a model that refers to another by its URL (absolute and relative)
    r = create_model(cp, api_id, "Pets", {"type": "array", "items": {"$ref": model_url(api_id, "Pet")}})
    assert r.status_code == 201, r.text
    assert create_model(cp, api_id, "Pets2", {"type": "array", "items": {"$ref": "Pet"}}).status_code == 201

    assert cp.ok("GET", f"/restapis/{api_id}/models/Pet") == pet
    items = cp.ok("GET", f"/restapis/{api_id}/models")["item"]
    assert [m["name"] for m in items] == ["Empty", "Error", "Pet", "Pets", "Pets2"]
    empty = items[0]
    assert set(empty) == {"id", "name", "description", "schema", "contentType"}
    assert json.loads(empty["schema"]) == {"$schema": "http://json-schema.org/draft-04/schema#",
                                           "title": "Empty Schema", "type": "object"}
    page = cp.ok("GET", f"/restapis/{api_id}/models?limit=2")
    assert [m["name"] for m in page["item"]] == ["Empty", "Error"] and page["position"] == "Error"
    page = cp.ok("GET", f"/restapis/{api_id}/models?limit=2&position=Error")
    assert [m["name"] for m in page["item"]] == ["Pet", "Pets"]
    page = cp.ok("GET", f"/restapis/{api_id}/models?limit=2&position=Pets")
    assert [m["name"] for m in page["item"]] == ["Pets2"] and "position" not in page
    assert error(cp.call("GET", f"/restapis/{api_id}/models/Nope")) == (
        404, "NotFoundException", "Invalid model name specified: Nope")

    patched = cp.ok("PATCH", f"/restapis/{api_id}/models/Pet", {"patchOperations": [
        {"op": "replace", "path": "/description", "value": "still a pet"}]})
    assert patched["description"] == "still a pet" and patched["id"] == pet["id"]
    r = cp.call("PATCH", f"/restapis/{api_id}/models/Pet", {"patchOperations": [
        {"op": "replace", "path": "/schema", "value": '{"type": 7}'}]})
    assert r.status_code == 400 and "not a draft-4 schema" in r.json()["message"]
    r = cp.call("PATCH", f"/restapis/{api_id}/models/Pet", {"patchOperations": [
        {"op": "replace", "path": "/name", "value": "Other"}]})
    assert r.status_code == 400

    # request validators
    v = cp.ok("POST", f"/restapis/{api_id}/requestvalidators", {"name": "both", "validateRequestBody": True,
                                                               "validateRequestParameters": True}, expect=201)
    assert set(v) == {"id", "name", "validateRequestBody", "validateRequestParameters"}
    plain = cp.ok("POST", f"/restapis/{api_id}/requestvalidators", {"name": "none"}, expect=201)
    assert plain["validateRequestBody"] is False and plain["validateRequestParameters"] is False
    assert cp.ok("GET", f"/restapis/{api_id}/requestvalidators/{v['id']}") == v
    assert len(cp.ok("GET", f"/restapis/{api_id}/requestvalidators")["item"]) == 2
    assert cp.ok("PATCH", f"/restapis/{api_id}/requestvalidators/{plain['id']}", {"patchOperations": [
        {"op": "replace", "path": "/validateRequestBody", "value": "true"}]})["validateRequestBody"] is True
    assert error(cp.call("GET", f"/restapis/{api_id}/requestvalidators/zzzzzz")) == (
        404, "NotFoundException", "Invalid Request Validator identifier specified")

    # methods: unknown models and validators are refused; used ones cannot go
    res = cp.ok("POST", f"/restapis/{api_id}/resources/{cp.ok('GET', f'/restapis/{api_id}')['rootResourceId']}",
                {"pathPart": "things"}, expect=201)["id"]
    base = f"/restapis/{api_id}/resources/{res}/methods/POST"
    assert error(cp.call("PUT", base, {"authorizationType": "NONE", "requestModels": {"application/json": "Nope"}})) == (
        400, "BadRequestException", "Invalid model identifier specified: Nope")
    assert error(cp.call("PUT", base, {"authorizationType": "NONE", "requestValidatorId": "zzzzzz"})) == (
        400, "BadRequestException", "Invalid Request Validator identifier specified")
    cp.ok("PUT", base, {"authorizationType": "NONE", "requestValidatorId": v["id"],
                        "requestModels": {"application/json": "Pets"}}, expect=201)
    r = cp.call("PATCH", base, {"patchOperations": [
        {"op": "add", "path": "/requestModels/text~1plain", "value": "Nope"}]})
    assert r.status_code == 400
    assert error(cp.call("DELETE", f"/restapis/{api_id}/models/Pets")) == (
        409, "ConflictException", "Cannot delete model 'Pets', is referenced in method request: /things/POST")
    assert error(cp.call("DELETE", f"/restapis/{api_id}/models/Pet"))[0:2] == (409, "ConflictException")
    assert cp.call("DELETE", f"/restapis/{api_id}/requestvalidators/{v['id']}").status_code == 409
    assert cp.call("DELETE", f"/restapis/{api_id}/models/Pets2").status_code == 202
    assert cp.call("DELETE", f"/restapis/{api_id}/requestvalidators/{plain['id']}").status_code == 202
    assert cp.call("GET", f"/restapis/{api_id}/models/Pets2").status_code == 404


def validated_api(cp, upstream_url):
    """POST /pets -> upstream, validating three parameters and a Pet body."""
    ids = make_proxy_api(cp, upstream_url, "validated", greedy=False)
    api_id = ids["api"]
    assert create_model(cp, api_id, "Pet", PET).status_code == 201
    v = cp.ok("POST", f"/restapis/{api_id}/requestvalidators",
              {"name": "all", "validateRequestBody": True, "validateRequestParameters": True}, expect=201)
    base = f"/restapis/{api_id}/resources/{ids['leaf']}/methods/POST"
    cp.ok("PUT", base, {"authorizationType": "NONE", "requestValidatorId": v["id"],
                        "requestParameters": {"method.request.querystring.qs1": True,
                                              "method.request.header.x-header-param": True,
                                              "method.request.querystring.issuer": True,
                                              "method.request.querystring.optional": False},
                        "requestModels": {"application/json": "Pet"}}, expect=201)
    cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "POST",
                                         "uri": upstream_url + "/pets"}, expect=201)
    return api_id


def post(dp, api_id, body, qs="?qs1=1&issuer=me", headers=None, content_type="application/json"):
    h = {"x-header-param": "h"}
    if content_type is not None:
        h["Content-Type"] = content_type
    h.update(headers or {})
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return dp.request("POST", api_id, "prod", "/pets" + qs, data=data, headers=h)


def test_validation_answers_and_a_valid_body_reaches_the_upstream(cp, make_dp, upstream):
    up = upstream()
    api_id = validated_api(cp, up.url)
    deploy(cp, api_id)
    dp = make_dp().start()
    dp.wait_version(cp.version())

    r = dp.request("POST", api_id, "prod", "/pets", data="{}")
    assert r.status_code == 400
    assert r.text == '{"message":"Missing required request parameters: [x-header-param, issuer, qs1]"}'
    assert r.headers["x-amzn-errortype"] == "BadRequestException"
    assert r.headers["content-type"] == "application/json" and "x-amzn-requestid" in r.headers
    r = post(dp, api_id, {"name": "x"}, qs="?qs1=1")  # parameters are checked before the body
    assert (r.status_code, r.text) == (400, '{"message":"Missing required request parameters: [issuer]"}')

    for bad in ({"name": "rex"}, {"name": "rex", "price": -1}, {"name": "", "price": 1}, "",
                "[1, 2]", "{broken", {"name": "rex", "price": "7"}, {"name": "a", "price": 1, "tags": ["x", "x"]}):
        r = post(dp, api_id, bad)
        assert (r.status_code, r.text) == (400, '{"message":"Invalid request body"}'), bad
        assert r.headers["x-amzn-errortype"] == "BadRequestException"
    r = post(dp, api_id, {"name": "rex"}, content_type=None)  # no Content-Type: application/json
    assert r.status_code == 400
    assert up.calls == []

    good = {"name": "rex", "price": 12.5, "tags": ["a", "b"]}
    r = post(dp, api_id, good, content_type="application/json; charset=utf-8")
    assert r.status_code == 200, r.text
    assert json.loads(r.json()["body"]) == good and r.json()["path"] == "/pets?qs1=1&issuer=me"
    # a media type without a model is not validated
    r = post(dp, api_id, "not json at all", content_type="text/plain")
    assert r.status_code == 200 and len(up.calls) == 2


def test_validation_error_string_in_gateway_responses(cp, make_dp, upstream, tmp_path):
    up = upstream()
    api_id = validated_api(cp, up.url)
    for rtype, status in (("BAD_REQUEST_BODY", "422"), ("BAD_REQUEST_PARAMETERS", "400")):
        cp.ok("PUT", f"/restapis/{api_id}/gatewayresponses/{rtype}", {
            "statusCode": status,
            "responseTemplates": {"application/json": "$context.error.validationErrorString"}}, expect=201)
    deploy(cp, api_id)
    log = str(tmp_path / "access.log")
    cp.ok("PATCH", f"/restapis/{api_id}/stages/prod", {"patchOperations": [
        {"op": "replace", "path": "/accessLogSettings/format",
         "value": '{"id":"$context.requestId","v":"$context.error.validationErrorString"}'},
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": "access.log"}]})
    dp = make_dp(extra_args=("--access-log-dir", str(tmp_path))).start()
    dp.wait_version(cp.version())
    cases = [
        ({"name": "rex"}, '[object has missing required properties (["price"])]'),
        ({}, '[object has missing required properties (["name","price"])]'),
        ({"name": "rex", "price": "7"},
         '[instance type (string) does not match any allowed primitive type (allowed: ["integer","number"])]'),
        ({"name": "rex", "price": -1},
         "[numeric instance is lower than the required minimum (minimum: 0, found: -1)]"),
        ({"name": 5, "price": -1.5}, '[instance type (integer) does not match any allowed primitive type '
                                     '(allowed: ["string"]), numeric instance is lower than the required '
                                     'minimum (minimum: 0, found: -1.5)]'),
        ([], '[instance type (array) does not match any allowed primitive type (allowed: ["object"])]'),
    ]
    for body, expected in cases:
        r = post(dp, api_id, body)
        assert (r.status_code, r.text) == (422, expected), body
    r = post(dp, api_id, {}, qs="?qs1=1")
    assert (r.status_code, r.text) == (400, "Missing required request parameters: [issuer]")

    # the access log has the same string
    def logged():
        lines = open(log).read().splitlines() if os.path.exists(log) else []
        return lines if len(lines) == len(cases) + 1 else None
    entries = {json.loads(line)["id"]: json.loads(line)["v"] for line in wait_for(logged, what="log")}
    assert entries.pop(r.headers["x-amzn-requestid"]) == "Missing required request parameters: [issuer]"
    assert sorted(entries.values()) == sorted(expected for _, expected in cases)


def test_deployment_freezes_the_model(cp, make_dp, upstream):
    up = upstream()
    api_id = validated_api(cp, up.url)
    deploy(cp, api_id)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    body = {"name": "rex", "price": 3}
    assert post(dp, api_id, body).status_code == 200

    stricter = dict(PET, required=["name", "price", "owner"])
    cp.ok("PATCH", f"/restapis/{api_id}/models/Pet", {"patchOperations": [
        {"op": "replace", "path": "/schema", "value": json.dumps(stricter)}]})
    # an unrelated change publishes a new snapshot; the deployment keeps its model
    cp.ok("POST", f"/restapis/{api_id}/stages", {"stageName": "other", "deploymentId":
                                                 cp.ok("GET", f"/restapis/{api_id}/deployments")["item"][0]["id"]},
          expect=201)
    dp.wait_version(cp.version())
    assert post(dp, api_id, body).status_code == 200

    deploy(cp, api_id)
    dp.wait_version(cp.version())
    r = post(dp, api_id, body)
    assert (r.status_code, r.text) == (400, '{"message":"Invalid request body"}')
    assert post(dp, api_id, dict(body, owner="me")).status_code == 200


def test_the_default_empty_model_requires_an_object(cp, make_dp):
    ids = make_mock_api(cp, "empty", body='{"ok": true}')
    api_id = ids["api"]
    v = cp.ok("POST", f"/restapis/{api_id}/requestvalidators",
              {"name": "body", "validateRequestBody": True}, expect=201)
    base = f"/restapis/{api_id}/resources/{ids['leaf']}/methods/GET"
    cp.ok("PATCH", base, {"patchOperations": [
        {"op": "replace", "path": "/requestValidatorId", "value": v["id"]},
        {"op": "add", "path": "/requestModels/application~1json", "value": "Empty"}]})
    deploy(cp, api_id)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    ok = dict(headers={"Content-Type": "application/json"})
    assert dp.get(api_id, "prod", "/pets", data="[1]", **ok).status_code == 400
    assert dp.get(api_id, "prod", "/pets", data='"text"', **ok).status_code == 400
    r = dp.get(api_id, "prod", "/pets", data='{"any": [1]}', **ok)
    assert (r.status_code, r.json()) == (200, {"ok": True})
    assert dp.get(api_id, "prod", "/pets").status_code == 200  # no body: validated as {}
