"""Mapping templates end to end: a control plane, a data plane and an
endpoint on loopback. HTTP (non-proxy) integrations render their request
template into the body the endpoint gets, select an integration response by
the endpoint's status, and render its template chosen by Accept; MOCK takes
its status from the rendered request template. Outputs that depend on
Velocity's semantics are checked against Velocity 1.7 itself (the oracle in
tests/vtl) when Java is installed."""

import json
import os
import shutil
import sys
import time

import pytest

from harness import deploy, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vtl"))
import vtlcases  # noqa: E402

RESHAPE = """#set($root = $input.path('$'))
{
  "count": $root.items.size(),
  "names": [#foreach($it in $root.items)"$util.escapeJavaScript($it.name)"#if($foreach.hasNext),#end#end],
  "total": #set($t = 0)#foreach($it in $input.path('$.items'))#set($t = $t + $it.qty)#end$t,
  "first": $input.json('$.items[0]'),
  "user": "$input.params('user')",
  "stage": "$context.stage",
  "color": "$stageVariables.color"
}
"""


def reshape_body():
    items = [{"name": f"item \"{i}\" o'clock/{'x' * (i % 5)}", "qty": i, "tags": ["a", "b"]}
             for i in range(12)]
    body = json.dumps({"items": items, "note": "pad" * 80})
    assert 1000 <= len(body) <= 1400
    return body


def oracle(tmp_path, template, inp):
    """Velocity 1.7's output for template and input, or None without Java."""
    if shutil.which("javac") is None or not all(os.path.exists(j) for j in vtlcases.JARS):
        return None
    cases, out = str(tmp_path / "cases"), str(tmp_path / "out")
    vtlcases.write_cases(cases, [(template, inp)])
    vtlcases.run_oracle(str(tmp_path), cases, out)
    status, text = vtlcases.read_results(out)[0]
    assert status == "OK", text
    return text.decode()


def api_with_method(cp, verb="POST", path_part="items", method_extra=None):
    api = cp.ok("POST", "/restapis", {"name": "tmpl"}, expect=201)
    api_id = api["id"]
    res = cp.ok("POST", f"/restapis/{api_id}/resources/{api['rootResourceId']}", {"pathPart": path_part},
                expect=201)
    base = f"/restapis/{api_id}/resources/{res['id']}/methods/{verb}"
    method = {"authorizationType": "NONE"}
    method.update(method_extra or {})
    cp.ok("PUT", base, method, expect=201)
    return api_id, base


def http_integration(cp, base, uri, templates=None, verb="POST", **extra):
    body = {"type": "HTTP", "httpMethod": verb, "uri": uri}
    if templates is not None:
        body["requestTemplates"] = templates
    body.update(extra)
    return cp.ok("PUT", base + "/integration", body, expect=201)


def response(cp, base, status, pattern=None, templates=None, params=None):
    body = {}
    if pattern is not None:
        body["selectionPattern"] = pattern
    if templates is not None:
        body["responseTemplates"] = templates
    if params is not None:
        body["responseParameters"] = params
    cp.ok("PUT", f"{base}/responses/{status}", {}, expect=201)
    return cp.ok("PUT", f"{base}/integration/responses/{status}", body, expect=201)


def start(cp, make_dp, api_id, **stage):
    deploy(cp, api_id, **stage)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    return dp


def test_request_template_reshapes_a_1k_body_exactly(cp, make_dp, json_server, tmp_path):
    up = json_server(lambda req: (200, {"ok": True}))
    api_id, base = api_with_method(cp)
    http_integration(cp, base, up.url + "/in", {"application/json": RESHAPE})
    response(cp, base, 200, templates={})
    dp = start(cp, make_dp, api_id, variables={"color": "blue"})

    body = reshape_body()
    r = dp.request("POST", api_id, "prod", "/items?user=ann%20b", data=body,
                   headers={"Content-Type": "application/json", "X-Secret": "s"})
    assert r.status_code == 200, r.text
    assert r.json() == {"ok": True}  # no response template: the endpoint's body as it came
    got = up.calls("/in")
    assert len(got) == 1
    sent = got[0]["body"].decode()
    # HTTP (non-proxy): the client's headers and query do not go to the endpoint
    assert "x-secret" not in got[0]["headers"] and got[0]["path"] == "/in"
    assert got[0]["headers"]["content-type"] == "application/json"
    items = json.loads(body)["items"]
    # escapeJavaScript as commons-lang 2: " ' and / escaped (so the output is not strict JSON)
    assert '"item \\"3\\" o\\\'clock\\/xxx"' in sent
    assert '"count": 12,' in sent and f'"total": {sum(i["qty"] for i in items)},' in sent
    assert '"first": ' + json.dumps(items[0], separators=(",", ":")) + "," in sent
    assert '"user": "ann b",\n  "stage": "prod",\n  "color": "blue"' in sent
    want = oracle(tmp_path, RESHAPE, {"body": body, "params": {"path": {}, "querystring": {"user": "ann b"},
                                                               "header": {}},
                                      "context": {"stage": "prod"}, "stageVariables": {"color": "blue"}})
    if want is not None:
        assert sent == want


def test_response_template_chosen_by_accept(cp, make_dp, json_server):
    up = json_server(lambda req: (200, {"n": 7, "s": "x"}))
    api_id, base = api_with_method(cp, verb="GET")
    http_integration(cp, base, up.url + "/n", verb="GET")
    response(cp, base, 200, templates={"application/xml": "<n>$input.path('$.n')</n>",
                                       "application/json": '{"got": $input.json(\'$.n\')}'},
             params={"method.response.header.X-Up": "integration.response.header.content-type",
                     "method.response.header.X-N": "integration.response.body.n"})
    dp = start(cp, make_dp, api_id)

    r = dp.get(api_id, "prod", "/items", headers={"Accept": "application/xml"})
    assert (r.status_code, r.text, r.headers["content-type"]) == (200, "<n>7</n>", "application/xml")
    assert r.headers["x-up"] == "application/json" and r.headers["x-n"] == "7"
    r = dp.get(api_id, "prod", "/items", headers={"Accept": "text/plain"})  # then application/json
    assert (r.status_code, r.text, r.headers["content-type"]) == (200, '{"got": 7}', "application/json")


def test_selection_pattern_on_the_status_code(cp, make_dp, json_server):
    status = {"code": 404}
    up = json_server(lambda req: (status["code"], {"msg": "no such pet"}))
    api_id, base = api_with_method(cp, verb="GET")
    http_integration(cp, base, up.url + "/pets", verb="GET")
    response(cp, base, 200, templates={"application/json": '{"fine": true}'})
    response(cp, base, 400, pattern="4\\d{2}",
             templates={"application/json": '{"error": "$input.path(\'$.msg\')"}'})
    dp = start(cp, make_dp, api_id)

    r = dp.get(api_id, "prod", "/items")
    assert (r.status_code, r.text) == (400, '{"error": "no such pet"}')
    status["code"] = 201  # no pattern matches: the default response
    r = dp.get(api_id, "prod", "/items")
    assert (r.status_code, r.text) == (200, '{"fine": true}')

    # no match and no default: the reference's 500
    cp.ok("DELETE", f"{base}/integration/responses/200", expect=204)
    deploy(cp, api_id)
    dp.wait_version(cp.version())
    r = dp.get(api_id, "prod", "/items")
    assert (r.status_code, r.text) == (500, '{"message": "Internal server error"}')


@pytest.mark.parametrize("behavior,content_type,expect", [
    ("WHEN_NO_MATCH", "text/plain", 200),
    ("WHEN_NO_TEMPLATES", "text/plain", 415),
    ("NEVER", "text/plain", 415),
    ("NEVER", None, 200),  # no Content-Type reads as application/json, which has a template
])
def test_passthrough_behavior(cp, make_dp, json_server, behavior, content_type, expect):
    up = json_server(lambda req: (200, {"ok": True}))
    api_id, base = api_with_method(cp)
    http_integration(cp, base, up.url + "/p", {"application/json": '{"t": "$input.body"}'},
                     passthroughBehavior=behavior)
    response(cp, base, 200)
    dp = start(cp, make_dp, api_id)

    headers = {"Content-Type": content_type} if content_type else {}
    r = dp.request("POST", api_id, "prod", "/items", data="raw text", headers=headers)
    assert r.status_code == expect, r.text
    if expect == 415:
        assert r.text == '{"message":"Unsupported Media Type"}'
        assert up.calls() == []
    elif content_type == "text/plain":
        assert up.calls()[0]["body"] == b"raw text"  # passed through unchanged
        assert up.calls()[0]["headers"]["content-type"] == "text/plain"
    else:
        assert up.calls()[0]["body"] == b'{"t": "raw text"}'


def test_unsupported_media_type_gateway_response_template(cp, make_dp, json_server):
    up = json_server(lambda req: (200, {}))
    api_id, base = api_with_method(cp)
    http_integration(cp, base, up.url, {"application/json": "{}"}, passthroughBehavior="NEVER")
    response(cp, base, 200)
    cp.ok("PUT", f"/restapis/{api_id}/gatewayresponses/UNSUPPORTED_MEDIA_TYPE",
          {"statusCode": "415", "responseTemplates": {
              "application/json": '{"oops":"$context.error.messageString"}'}}, expect=201)
    dp = start(cp, make_dp, api_id)
    r = dp.request("POST", api_id, "prod", "/items", data="<x/>", headers={"Content-Type": "text/xml"})
    assert (r.status_code, r.text) == (415, '{"oops":""Unsupported Media Type""}')
    # the full engine: directives, $input, $util
    cp.ok("PATCH", f"/restapis/{api_id}/gatewayresponses/UNSUPPORTED_MEDIA_TYPE", {"patchOperations": [
        {"op": "replace", "path": "/responseTemplates/application~1json",
         "value": '#if($context.error.responseType == "UNSUPPORTED_MEDIA_TYPE")#set($m = $context.error.message)'
                  '{"kind": "$m.toLowerCase()", "ct": "$util.escapeJavaScript($input.params(\'Content-Type\'))"}'
                  '#else{}#end'}]})
    deploy(cp, api_id)
    dp.wait_version(cp.version())
    r = dp.request("POST", api_id, "prod", "/items", data="<x/>", headers={"Content-Type": "text/xml"})
    assert (r.status_code, r.text) == (415, '{"kind": "unsupported media type", "ct": "text\\/xml"}')


def test_mock_status_from_the_rendered_template(cp, make_dp):
    api_id, base = api_with_method(cp, verb="GET")
    cp.ok("PUT", base + "/integration", {"type": "MOCK", "requestTemplates": {
        "application/json": "#if($input.params('code') == 'x')\n{\"statusCode\": 404}\n#else\n"
                            "{\"statusCode\": 200}\n#end"}}, expect=201)
    response(cp, base, 200, templates={"application/json": '{"pet": "$input.params(\'code\')"}'})
    response(cp, base, 404, pattern="404", templates={"application/json": '{"missing": true}'})
    dp = start(cp, make_dp, api_id)

    r = dp.get(api_id, "prod", "/items?code=x")
    assert (r.status_code, r.text) == (404, '{"missing": true}')
    r = dp.get(api_id, "prod", "/items?code=y")
    assert (r.status_code, r.text) == (200, '{"pet": "y"}')


def test_request_and_response_overrides(cp, make_dp, json_server):
    up = json_server(lambda req: (200, {"ok": True}))
    api_id, base = api_with_method(cp)
    http_integration(cp, base, up.url + "/o", {"application/json": (
        '#set($context.requestOverride.header.X-Over = "yes")'
        '#set($context.requestOverride.querystring.q = "a b")$input.body')},
        requestParameters={"integration.request.header.X-Pet": "method.request.body.pet.name",
                           "integration.request.header.X-Over": "'mapped, then overridden'",
                           "integration.request.querystring.st": "context.stage"})
    response(cp, base, 200, templates={"application/json": (
        '#set($context.responseOverride.status = 201)'
        '#set($context.responseOverride.header.X-Resp = "r$input.path(\'$.ok\')")done')})
    dp = start(cp, make_dp, api_id)

    r = dp.request("POST", api_id, "prod", "/items", data='{"pet": {"name": "rex"}}')
    assert (r.status_code, r.text, r.headers["x-resp"]) == (201, "done", "rtrue")
    call = up.calls()[0]
    assert call["headers"]["x-over"] == "yes" and call["path"] == "/o?st=prod&q=a%20b"
    assert call["headers"]["x-pet"] == "rex"
    assert call["body"] == b'{"pet": {"name": "rex"}}'


def test_template_syntax_error_refused_at_put(cp):
    api_id, base = api_with_method(cp)
    r = cp.call("PUT", base + "/integration", {"type": "MOCK", "requestTemplates": {
        "application/json": '{\n  "a": #if($x\n}'}})
    assert r.status_code == 400 and r.headers["x-amzn-errortype"] == "BadRequestException"
    msg = r.json()["message"]
    assert "application/json" in msg and "line 3" in msg and "column" in msg, msg
    # #include is refused when stored
    r = cp.call("PUT", base + "/integration", {"type": "MOCK", "requestTemplates": {
        "application/json": '#include("x")'}})
    assert r.status_code == 400
    # the reference's size limit
    r = cp.call("PUT", base + "/integration", {"type": "MOCK", "requestTemplates": {
        "application/json": "x" * (300 * 1024 + 1)}})
    assert r.status_code == 400 and "limit" in r.json()["message"]
    cp.ok("PUT", base + "/integration", {"type": "MOCK"}, expect=201)
    cp.ok("PUT", base + "/responses/200", {}, expect=201)
    r = cp.call("PUT", base + "/integration/responses/200",
                {"responseTemplates": {"application/json": "#foreach($a in [1])"}})
    assert r.status_code == 400 and "line 1" in r.json()["message"], r.text
    # HTTP needs an http(s) endpoint, as HTTP_PROXY does
    r = cp.call("PUT", base + "/integration", {"type": "HTTP", "httpMethod": "GET", "uri": "ftp://x"})
    assert r.status_code == 400


def test_render_error_answers_500_and_logs_why(cp, make_dp, json_server, tmp_path):
    up = json_server(lambda req: (200, {}))
    api_id, base = api_with_method(cp)
    http_integration(cp, base, up.url, {"application/json": '#set($s = "abc")$s.substring(10)'})
    response(cp, base, 200)
    deploy(cp, api_id)
    cp.ok("PATCH", f"/restapis/{api_id}/stages/prod", {"patchOperations": [
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "ERROR"}]})
    exec_log = str(tmp_path / "execution.log")
    dp = make_dp(extra_args=("--execution-log", exec_log)).start()
    dp.wait_version(cp.version())
    r = dp.request("POST", api_id, "prod", "/items", data="{}")
    assert (r.status_code, r.text) == (500, '{"message": "Internal server error"}')
    assert up.calls() == []
    rid = r.headers["x-amzn-RequestId"]
    wait_for(lambda: os.path.exists(exec_log) and f"({rid})" in open(exec_log).read(), what="the log line")
    time.sleep(0.3)
    lines = [line for line in open(exec_log).read().splitlines() if f"({rid})" in line]
    assert any("Execution failed due to configuration error: Unable to transform" in line
               and "StringIndexOutOfBoundsException" in line for line in lines), lines
    assert any("(API_CONFIGURATION_ERROR)" in line for line in lines), lines


def test_test_invoke_method_renders_a_mock_without_deploying(cp):
    api_id, base = api_with_method(cp, verb="GET", path_part="{id}")
    cp.ok("PUT", base + "/integration", {"type": "MOCK", "requestTemplates": {
        "application/json": "#if($input.params('id') == 'gone'){\"statusCode\": 410}"
                            "#else{\"statusCode\": 200}#end"}}, expect=201)
    response(cp, base, 200, templates={
        "application/json": '{"id": "$input.params(\'id\')", "q": "$input.params(\'q\')", '
                            '"v": "$stageVariables.v"}',
        "text/plain": "id=$input.params('id')"},
             params={"method.response.header.X-Kind": "'pet'"})
    response(cp, base, 410, pattern="4\\d{2}", templates={"application/json": (
        '#set($context.responseOverride.status = 404)'
        '#set($context.responseOverride.header.X-Why = "gone")nope')})

    r = cp.ok("POST", base, {"pathWithQueryString": "/7?q=a%20b", "stageVariables": {"v": "x"}})
    assert r["status"] == 200 and r["body"] == '{"id": "7", "q": "a b", "v": "x"}'
    assert r["headers"]["X-Kind"] == "pet" and r["headers"]["Content-Type"] == "application/json"
    assert r["multiValueHeaders"]["X-Kind"] == ["pet"]
    assert r["log"].startswith("Execution log for request ")
    assert "Starting execution for request: " in r["log"]
    assert "Method completed with status: 200" in r["log"]
    r = cp.ok("POST", base, {"pathWithQueryString": "/7", "headers": {"Accept": "text/plain"}})
    assert (r["status"], r["body"], r["headers"]["Content-Type"]) == (200, "id=7", "text/plain")
    r = cp.ok("POST", base, {"pathWithQueryString": "/gone"})
    assert (r["status"], r["body"], r["headers"]["X-Why"]) == (404, "nope", "gone")

    # a template that fails at run time: the reference's 500 and why, in the log
    cp.ok("PUT", base + "/integration", {"type": "MOCK", "requestTemplates": {
        "application/json": '#set($s = "ab")$s.substring(5)'}}, expect=201)
    r = cp.ok("POST", base, {"pathWithQueryString": "/7"})
    assert (r["status"], r["body"]) == (500, '{"message": "Internal server error"}')
    assert "Execution failed due to configuration error" in r["log"]
    assert cp.call("POST", base, {"headers": {"a": 1}}).status_code == 400
    # HTTP_PROXY is not run from the control plane
    cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": "http://127.0.0.1:9/x"},
          expect=201)
    assert cp.call("POST", base, {}).status_code == 400


def test_test_invoke_method_calls_an_http_endpoint(cp, json_server):
    up = json_server(lambda req: (202, {"seen": req["json"], "q": req["path"]}, {"x-up": "u"}))
    api_id, base = api_with_method(cp, verb="POST", path_part="{id}",
                                   method_extra={"requestParameters": {"method.request.header.X-K": False}})
    http_integration(cp, base, up.url + "/pets/{id}", {"application/json": (
        '#set($context.requestOverride.header.X-Over = "o"){"name": "$input.path(\'$.n\')", '
        '"id": "$input.params(\'id\')"}')},
        requestParameters={"integration.request.querystring.k": "method.request.header.X-K"})
    response(cp, base, 200, pattern="2\\d{2}", templates={"application/json": (
        '{"got": $input.json(\'$.seen\'), "path": "$input.path(\'$.q\')"}')},
             params={"method.response.header.X-Up": "integration.response.header.x-up"})
    r = cp.ok("POST", base, {"pathWithQueryString": "/9", "body": '{"n": "rex"}',
                             "headers": {"X-K": "v w"}})
    assert r["status"] == 200, r
    assert json.loads(r["body"]) == {"got": {"name": "rex", "id": "9"}, "path": "/pets/9?k=v%20w"}
    assert r["headers"]["X-Up"] == "u"
    call = up.calls()[0]
    assert call["headers"]["x-over"] == "o" and call["headers"]["content-type"] == "application/json"
    assert "Endpoint request URI: " + up.url + "/pets/9?k=v%20w" in r["log"]
    assert "Received response. Status: 202" in r["log"]
