"""Binary payloads through non-proxy integrations, end to end: the API's
binaryMediaTypes, the client's Content-Type and Accept, and contentHandling
on the integration and the integration response decide what the endpoint
and the client get (the reference's conversion tables; unit-tested row by
row in tests/unit/test_payload.c). Real binary bodies (a PNG-like payload
with every byte value) go both ways. One control plane, one data plane and
one endpoint for the whole module."""

import base64
import json

import pytest

from harness import ControlPlane, DataPlane, JsonServer, deploy

# a PNG signature followed by every byte value: not UTF-8, not base64
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PASS_CT = {"method.response.header.Content-Type": "integration.response.header.Content-Type"}


def endpoint(req):
    if req["path"].startswith("/img"):
        return 200, PNG, {"content-type": "image/png"}
    return 200, {"got": len(req["body"])}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    import secrets as _s
    work = str(tmp_path_factory.mktemp("binary"))
    cp = ControlPlane(work, _s.token_hex(24))
    cp.start()
    up = JsonServer(endpoint)
    api = cp.ok("POST", "/restapis", {"name": "bin", "binaryMediaTypes": ["image/png", "image/webp"]},
                expect=201)
    api_id, root = api["id"], api["rootResourceId"]

    def method(part, verb, integration, responses):
        res = cp.ok("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": part}, expect=201)
        base = f"/restapis/{api_id}/resources/{res['id']}/methods/{verb}"
        cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
        cp.ok("PUT", base + "/integration", integration, expect=201)
        for status, body in responses.items():
            cp.ok("PUT", f"{base}/responses/{status}",
                  {"responseParameters": {"method.response.header.Content-Type": False}}, expect=201)
            cp.ok("PUT", f"{base}/integration/responses/{status}", body, expect=201)

    http = {"type": "HTTP", "httpMethod": "POST"}
    # binary passthrough both ways (no contentHandling)
    method("img", "POST", dict(http, uri=up.url + "/img"),
           {200: {"responseParameters": PASS_CT}})
    # CONVERT_TO_TEXT on the request: the template sees base64 in $input.body
    method("totext", "POST", dict(http, uri=up.url + "/totext", contentHandling="CONVERT_TO_TEXT",
                                  requestTemplates={"image/png": '{"data": "$input.body"}'}),
           {200: {}})
    # CONVERT_TO_BINARY on the request: base64 text from the client is decoded
    method("tobin", "POST", dict(http, uri=up.url + "/tobin", contentHandling="CONVERT_TO_BINARY"),
           {200: {}})
    # the answer converted to text whatever Accept says, rendered by a template
    method("imgtext", "POST", dict(http, uri=up.url + "/img"),
           {200: {"contentHandling": "CONVERT_TO_TEXT",
                  "responseTemplates": {"application/json": '{"image": "$input.body"}'}}})
    # MOCK answering an image: a template's base64 converted to binary
    b64 = base64.b64encode(PNG).decode()
    method("mock", "GET", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
           {200: {"contentHandling": "CONVERT_TO_BINARY",
                  "responseParameters": {"method.response.header.Content-Type": "'image/png'"},
                  "responseTemplates": {"application/json": b64}}})
    deploy(cp, api_id)
    dp = DataPlane(work, cp).start()
    dp.wait_version(cp.version())
    yield cp, dp, up, api_id
    dp.stop()
    up.stop()
    cp.stop()


def test_binary_passes_both_ways_and_accept_decides_the_answer(env):
    cp, dp, up, api_id = env
    r = dp.request("POST", api_id, "prod", "/img", data=PNG,
                   headers={"Content-Type": "image/png", "Accept": "image/png"})
    assert r.status_code == 200, r.text
    assert up.calls("/img")[-1]["body"] == PNG  # the endpoint got the bytes untouched
    assert r.content == PNG and r.headers["content-type"] == "image/png"
    # a browser's Accept: only the first type counts (image/webp is in the list)
    r = dp.request("POST", api_id, "prod", "/img", data=PNG,
                   headers={"Content-Type": "image/png", "Accept": "image/webp,image/*,*/*;q=0.8"})
    assert r.content == PNG
    # a text Accept: binary answers go out base64-encoded
    r = dp.request("POST", api_id, "prod", "/img", data=PNG,
                   headers={"Content-Type": "image/png", "Accept": "application/json"})
    assert r.status_code == 200 and base64.b64decode(r.content) == PNG


def test_binary_under_a_text_type_is_read_as_utf8(env):
    cp, dp, up, api_id = env
    # application/octet-stream is not in binaryMediaTypes: the body is text to the gateway
    r = dp.request("POST", api_id, "prod", "/img", data=PNG,
                   headers={"Content-Type": "application/octet-stream", "Accept": "image/png"})
    assert r.status_code == 200
    sent = up.calls("/img")[-1]["body"]
    assert sent != PNG and sent == PNG.decode("utf-8", errors="replace").encode()


def test_convert_to_text_gives_the_template_base64(env):
    cp, dp, up, api_id = env
    r = dp.request("POST", api_id, "prod", "/totext", data=PNG, headers={"Content-Type": "image/png"})
    assert r.status_code == 200, r.text
    got = up.calls("/totext")[-1]
    assert got["headers"]["content-type"] == "image/png"
    assert base64.b64decode(json.loads(got["body"])["data"]) == PNG


def test_convert_to_binary_decodes_base64_or_answers_500(env):
    cp, dp, up, api_id = env
    b64 = base64.b64encode(PNG)
    r = dp.request("POST", api_id, "prod", "/tobin", data=b64, headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    assert up.calls("/tobin")[-1]["body"] == PNG
    n = len(up.calls("/tobin"))
    r = dp.request("POST", api_id, "prod", "/tobin", data=b"not base64!",
                   headers={"Content-Type": "text/plain"})
    assert r.status_code == 500 and r.json() == {"message": "Internal server error"}
    assert len(up.calls("/tobin")) == n  # nothing went to the endpoint


def test_response_convert_to_text_and_mock_convert_to_binary(env):
    cp, dp, up, api_id = env
    r = dp.request("POST", api_id, "prod", "/imgtext", data=b"{}",
                   headers={"Content-Type": "application/json", "Accept": "image/png"})
    assert r.status_code == 200, r.text
    assert base64.b64decode(r.json()["image"]) == PNG
    r = dp.request("GET", api_id, "prod", "/mock", headers={"Accept": "image/png"})
    assert r.status_code == 200, r.text
    assert r.content == PNG and r.headers["content-type"] == "image/png"


def test_method_response_models_checked_kept_and_exported(env):
    """responseModels are not applied at run time by the reference (they feed
    exports and SDKs); they must name a model, block its deletion and be
    exported as the response schema."""
    cp, dp, up, api_id = env
    res = next(r for r in cp.ok("GET", f"/restapis/{api_id}/resources")["item"] if r["path"] == "/img")
    base = f"/restapis/{api_id}/resources/{res['id']}/methods/POST/responses"
    r = cp.call("PUT", base + "/404", {"responseModels": {"application/json": "Nope"}})
    assert r.status_code == 400 and r.json()["message"] == "Invalid model identifier specified: Nope"
    cp.ok("PUT", base + "/404", {"responseModels": {"application/json": "Error"}}, expect=201)
    assert cp.ok("GET", base + "/404")["responseModels"] == {"application/json": "Error"}
    r = cp.call("DELETE", f"/restapis/{api_id}/models/Error")
    assert r.status_code == 409
    assert r.json()["message"] == "Cannot delete model 'Error', is referenced in method response: /img/POST/404"
    deploy(cp, api_id)
    r = cp.session.get(f"{cp.url}/restapis/{api_id}/stages/prod/exports/oas30",
                       headers={"Accept": "application/json", "Authorization": f"Bearer {cp.token}"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["paths"]["/img"]["post"]["responses"]["404"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/Error"}
    assert "Error" in doc["components"]["schemas"]
