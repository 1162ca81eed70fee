"""OpenAPI import and export: every public example document (JSON, and the
same document converted to YAML here) imported through POST
/restapis?mode=import, checked through the admin API, deployed and called on
a real data plane; stage exports in both formats (JSON and YAML) validated
by openapi-spec-validator (pyenv python3, as a subprocess) and by
@apidevtools/swagger-parser (node, tests/js); round trips; failonwarnings,
basepath modes, overwrite and merge; bad documents answer 400 and store
nothing."""

import copy
import json
import os
import re
import shutil
import subprocess
import time

import pytest
import yaml

from harness import Upstream, deploy, wait_for

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = os.environ.get("PORTICO_OPENAPI_EXAMPLES",
                          os.path.join(ROOT, "..", "shared", "openapi-examples"))
DOCS = sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".json")) if os.path.isdir(EXAMPLES) else []
VALIDATE_JS = os.path.join(ROOT, "tests", "js", "validate_openapi.cjs")
PYENV_PYTHON = shutil.which("python3", path=os.environ.get("PATH", "")) or "python3"

pytestmark = pytest.mark.skipif(not DOCS, reason=f"no OpenAPI examples in {EXAMPLES}")

SUPPORTED_TYPES = {"mock", "http_proxy", "http"}
VERBS = {"get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE", "options": "OPTIONS",
         "head": "HEAD", "patch": "PATCH", "x-amazon-apigateway-any-method": "ANY"}


def load(name):
    with open(os.path.join(EXAMPLES, name), "rb") as f:
        return json.load(f)


def do_import(cp, body, method="POST", api_id=None, **params):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    path = "/restapis" if api_id is None else f"/restapis/{api_id}"
    params.setdefault("mode", "import" if api_id is None else "overwrite")
    return cp.call(method if api_id is None else "PUT", path, raw=body, params=params)


def imported(cp, body, **params):
    r = do_import(cp, body, **params)
    assert r.status_code in (200, 201), r.text
    return r.json()


def api_ids(cp):
    return sorted(a["id"] for a in cp.ok("GET", "/restapis?limit=500")["item"])


# ---- what the document should give ------------------------------------------

def scheme_defs(doc):
    if "openapi" in doc:
        return doc.get("components", {}).get("securitySchemes", {})
    return doc.get("securityDefinitions", {})


def scheme_supported(scheme):
    auth = scheme.get("x-amazon-apigateway-authorizer")
    if auth is None and scheme.get("x-amazon-apigateway-authtype", "").lower() == "awssigv4":
        return True  # AWS_IAM
    if auth is None:
        return scheme.get("type") == "apiKey" and scheme.get("name", "").lower() == "x-api-key"
    t = auth.get("type", "").lower()
    if t == "jwt":
        return True
    uri = auth.get("authorizerUri", "")
    # an HTTP endpoint, or a function (the reference's Lambda authorizers)
    return t in ("token", "request") and (uri.startswith("http") or (
        uri.startswith("arn:aws:apigateway:") and ":lambda:path/2015-03-31/functions/" in uri))


def integration_supported(integ):
    t = integ.get("type", "").lower()
    if t in ("aws", "aws_proxy"):  # functions: the Lambda invocation URI form only
        return ":lambda:path/2015-03-31/functions/" in integ.get("uri", "")
    return t in SUPPORTED_TYPES


def expected_methods(doc):
    """{(path, VERB)} that Portico imports: supported integration types and
    security schemes (the rest is warned about and left out)."""
    out = set()
    schemes = scheme_defs(doc)
    for path, item in doc["paths"].items():
        for key, op in item.items():
            verb = VERBS.get(key)
            if verb is None:
                continue
            integ = op.get("x-amazon-apigateway-integration")
            if integ is not None and not integration_supported(integ):
                continue
            sec = op.get("security", doc.get("security", []))
            names = [n for req in sec for n in req]  # every requirement counts
            if any(n in schemes and not scheme_supported(schemes[n]) for n in names):
                continue
            out.add((path, verb))
    return out


def model_names(doc):
    if "openapi" in doc:
        return set(doc.get("components", {}).get("schemas", {}))
    return set(doc.get("definitions", {}))


# ---- what the admin API shows -------------------------------------------------

def api_state(cp, api_id):
    """Resources, methods (with integration and responses), models, validators,
    authorizers and gateway responses of an API, without ids."""
    base = f"/restapis/{api_id}"
    resources = cp.ok("GET", f"{base}/resources?limit=500")["item"]
    validators = {v["id"]: v for v in cp.ok("GET", f"{base}/requestvalidators")["item"]}
    authorizers = {a["id"]: a for a in cp.ok("GET", f"{base}/authorizers")["item"]}
    methods = {}
    for res in resources:
        for verb in res.get("resourceMethods", {}) or {}:
            m = cp.ok("GET", f"{base}/resources/{res['id']}/methods/{verb}")
            methods[(res["path"], verb)] = normalize_method(res["path"], m, validators, authorizers)
    if not any(res.get("resourceMethods") for res in resources):
        for res in resources:
            for verb in VERBS.values():
                r = cp.call("GET", f"{base}/resources/{res['id']}/methods/{verb}")
                if r.status_code == 200:
                    methods[(res["path"], verb)] = normalize_method(res["path"], r.json(),
                                                                   validators, authorizers)
    models = {}
    for m in cp.ok("GET", f"{base}/models?limit=500")["item"]:
        models[m["name"]] = json.loads(m["schema"].replace(api_id, "API"))
    return {
        # resources that carry a method, and their ancestors: an OpenAPI
        # document cannot express a resource without methods
        "paths": sorted({r["path"] for r in resources
                         if any(p == r["path"] or p.startswith(r["path"].rstrip("/") + "/")
                                for p, _ in methods)} | {"/"}),
        "methods": methods,
        "models": models,
        "validators": sorted((v.get("name"), v.get("validateRequestBody", False),
                              v.get("validateRequestParameters", False))
                             for v in validators.values()),
        "authorizers": sorted(json.dumps({k: v for k, v in a.items() if k != "id"}, sort_keys=True)
                              for a in authorizers.values()),
    }


def normalize_method(path, m, validators, authorizers):
    m = copy.deepcopy(m)
    params = m.get("requestParameters") or {}
    # an export declares every {param} of the path: the round trip may add them
    for name in re.findall(r"{([^}]+?)\+?}", path):
        params.pop(f"method.request.path.{name}", None)
    m["requestParameters"] = params
    if m.get("authorizerId"):
        m["authorizerId"] = authorizers[m.pop("authorizerId")]["name"]
    if m.get("requestValidatorId"):
        m["requestValidatorId"] = validators[m.pop("requestValidatorId")].get("name")
    integ = m.get("methodIntegration")
    if integ:
        integ.pop("cacheNamespace", None)
    return m


# ---- exports and validators ----------------------------------------------------

def export(cp, api_id, stage, kind, fmt="json", extensions="apigateway"):
    headers = {"Accept": "application/yaml" if fmt == "yaml" else "application/json",
               "Authorization": f"Bearer {cp.token}"}
    r = cp.session.get(f"{cp.url}/restapis/{api_id}/stages/{stage}/exports/{kind}",
                       params={"extensions": extensions}, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    if fmt == "yaml":
        assert r.headers["content-type"].startswith("application/yaml")
        return r.text, yaml.safe_load(r.text)
    assert r.headers["content-type"].startswith("application/json")
    return r.text, r.json()


def validate_files(paths):
    """openapi-spec-validator (pyenv python3 -m openapi_spec_validator) and
    swagger-parser (node tests/js/validate_openapi.cjs) on every file."""
    for p in paths:
        r = subprocess.run([PYENV_PYTHON, "-m", "openapi_spec_validator", p],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and "OK" in r.stdout, f"openapi-spec-validator {p}: {r.stdout}{r.stderr}"
    r = subprocess.run(["node", VALIDATE_JS, *paths], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"swagger-parser: {r.stdout}{r.stderr}"
    assert r.stdout.count("OK ") == len(paths), r.stdout


def sample_path(path):
    return re.sub(r"{[^}]+\+}", "a/b", re.sub(r"{[^}+]+}", "1", path))


def call_mock(dp, api_id, doc, state):
    """Calls every imported MOCK method that needs no key nor authorizer;
    returns how many answered the status of their default response."""
    called = 0
    for (path, verb), m in sorted(state["methods"].items()):
        integ = m.get("methodIntegration") or {}
        if integ.get("type") != "MOCK" or m.get("apiKeyRequired") or m["authorizationType"] != "NONE":
            continue
        default = [r for r in integ.get("integrationResponses", {}).values()
                   if not r.get("selectionPattern")]
        want = int(default[0]["statusCode"]) if default else 500
        r = dp.request(verb if verb != "ANY" else "GET", api_id, "prod", sample_path(path),
                       headers={"Content-Type": "application/json"})
        assert r.status_code == want, f"{verb} {path}: {r.status_code} {r.text}"
        called += 1
    return called


# ---- the tests -------------------------------------------------------------------

@pytest.mark.parametrize("name", DOCS)
def test_import_each_example_json_and_yaml(cp, make_dp, tmp_path, name):
    doc = load(name)
    want = expected_methods(doc)
    dp = make_dp().start()
    states = []
    for body in (json.dumps(doc), yaml.safe_dump(doc, sort_keys=False)):
        api = imported(cp, body)
        assert api["name"] == doc["info"]["title"]
        state = api_state(cp, api["id"])
        assert set(state["methods"]) == want, (set(state["methods"]) ^ want)
        assert set(state["models"]) == model_names(doc)
        for (path, verb), m in state["methods"].items():
            integ = doc["paths"][path][next(k for k, v in VERBS.items() if v == verb)].get(
                "x-amazon-apigateway-integration")
            if integ is None:
                assert "methodIntegration" not in m
                continue
            got = m["methodIntegration"]
            assert got["type"] == integ["type"].upper()
            assert got.get("requestTemplates", {}) == integ.get("requestTemplates", {})
            patterns = {r.get("selectionPattern", "default") for r in got["integrationResponses"].values()}
            assert patterns == set(integ.get("responses", {})), patterns
        states.append(state)
    assert states[0] == states[1]  # YAML gives what JSON gives

    if not want:
        return
    deploy(cp, api["id"], "prod")
    dp.wait_version(cp.version())
    called = call_mock(dp, api["id"], doc, states[1])
    has_open_mock = any(m.get("methodIntegration", {}).get("type") == "MOCK" and
                        not m.get("apiKeyRequired") and m["authorizationType"] == "NONE"
                        for m in states[1]["methods"].values())
    assert called > 0 or not has_open_mock

    files = []
    for kind in ("oas30", "swagger"):
        for fmt in ("json", "yaml"):
            text, parsed = export(cp, api["id"], "prod", kind, fmt)
            p = tmp_path / f"{kind}.{fmt}"
            p.write_text(text)
            files.append(str(p))
            back = imported(cp, text)  # round trip, from either format
            assert api_state(cp, back["id"]) == states[1], f"{kind}/{fmt} round trip"
    validate_files(files)


def proxy_doc(upstream_url, n=1, base_path=None):
    paths = {}
    for i in range(n):
        paths[f"/r{i}/items/{{id}}"] = {
            "get": {
                "parameters": [{"name": "id", "in": "path", "required": True, "type": "string"}],
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy", "httpMethod": "GET",
                    "uri": f"{upstream_url}/items/{{id}}",
                    "requestParameters": {"integration.request.path.id": "method.request.path.id"},
                    "passthroughBehavior": "when_no_match",
                    "responses": {"default": {"statusCode": "200"}},
                },
            }
        }
    doc = {"swagger": "2.0", "info": {"title": "proxy", "version": "1"}, "paths": paths}
    if base_path:
        doc["basePath"] = base_path
    return doc


def test_http_proxy_route_and_yaml_export_round_trip(cp, make_dp, tmp_path):
    up = Upstream("imported")
    try:
        api = imported(cp, yaml.safe_dump(proxy_doc(up.url)))
        deploy(cp, api["id"], "prod")
        dp = make_dp().start()
        dp.wait_version(cp.version())
        r = dp.get(api["id"], "prod", "/r0/items/42")
        assert r.status_code == 200 and r.json()["path"] == "/items/42", r.text
        text, _ = export(cp, api["id"], "prod", "oas30", "yaml")
        back = imported(cp, text)
        assert api_state(cp, back["id"]) == api_state(cp, api["id"])
    finally:
        up.stop()


def test_failonwarnings(cp):
    doc = load("petstore.swagger20.json")
    before = api_ids(cp)
    r = do_import(cp, doc, failonwarnings="true")
    assert r.status_code == 400 and r.headers["x-amzn-errortype"] == "BadRequestException"
    msg = r.json()["message"]
    assert msg.startswith("Warnings found during import:\n\t"), msg
    assert "x-amazon-apigateway-documentation is not supported" in msg
    assert api_ids(cp) == before
    api = imported(cp, doc, failonwarnings="false")
    assert any("x-amazon-apigateway-documentation" in w for w in api["warnings"])


def test_missing_model_is_a_warning_or_the_reference_error(cp):
    doc = {"openapi": "3.0.1", "info": {"title": "m", "version": "1"},
           "paths": {"/update": {"get": {
               "responses": {"200": {"description": "ok", "content": {"application/json": {
                   "schema": {"$ref": "#/components/schemas/ModelThatDoesNotExist"}}}}},
               "x-amazon-apigateway-integration": {"type": "mock"}}}}}
    before = api_ids(cp)
    r = do_import(cp, doc, failonwarnings="true")
    assert r.status_code == 400
    assert r.json()["message"] == (
        "Warnings found during import:\n\tParse issue: attribute paths.'/update'(get).responses."
        "200.content.schema.#/components/schemas/ModelThatDoesNotExist is missing")
    assert api_ids(cp) == before
    api = imported(cp, doc)
    assert len(api["warnings"]) == 1
    m = api_state(cp, api["id"])["methods"][("/update", "GET")]
    assert m["methodResponses"]["200"].get("responseModels", {}) == {}


def test_basepath_modes(cp):
    doc = proxy_doc("http://127.0.0.1:9", base_path="/v1/shop")
    for mode, prefix in (("ignore", ""), ("prepend", "/v1/shop"), ("split", "/shop")):
        api = imported(cp, doc, basepath=mode)
        paths = api_state(cp, api["id"])["paths"]
        assert f"{prefix}/r0/items/{{id}}" in paths, (mode, paths)
    oas = {"openapi": "3.0.1", "info": {"title": "o", "version": "1"},
           "servers": [{"url": "https://example.com/{basePath}",
                        "variables": {"basePath": {"default": "/api"}}}],
           "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}},
                                    "x-amazon-apigateway-integration": {"type": "mock"}}}}}
    api = imported(cp, oas, basepath="prepend")
    assert "/api/x" in api_state(cp, api["id"])["paths"]
    r = do_import(cp, doc, basepath="bogus")
    assert r.status_code == 400 and "basepath" in r.json()["message"]


def test_overwrite_and_merge(cp):
    first = proxy_doc("http://127.0.0.1:9", n=2)
    api = imported(cp, first, endpointConfigurationTypes="REGIONAL")
    assert api["endpointConfiguration"] == {"types": ["REGIONAL"]}
    second = proxy_doc("http://127.0.0.1:9", n=1)
    second["paths"] = {"/new": second["paths"].pop("/r0/items/{id}")}
    second["paths"]["/new"]["get"]["parameters"] = []
    second["paths"]["/new"]["get"]["x-amazon-apigateway-integration"] = {"type": "mock"}
    r = do_import(cp, second, api_id=api["id"], mode="merge")
    assert r.status_code == 200, r.text
    merged = set(api_state(cp, api["id"])["methods"])
    assert merged == {("/r0/items/{id}", "GET"), ("/r1/items/{id}", "GET"), ("/new", "GET")}
    r = do_import(cp, second, api_id=api["id"], mode="overwrite")
    assert r.status_code == 200, r.text
    state = api_state(cp, api["id"])
    assert set(state["methods"]) == {("/new", "GET")} and state["paths"] == ["/", "/new"]
    r = do_import(cp, second, api_id=api["id"], mode="replace")
    assert r.status_code == 400
    r = do_import(cp, second, api_id="nosuchapi1", mode="merge")
    assert r.status_code == 404


BAD = [
    ("invalid JSON", '{"swagger": "2.0", "paths": {', "neither JSON nor YAML"),
    ("invalid YAML", "swagger: '2.0'\npaths: [unclosed\n  - x: : :\n", "neither JSON nor YAML"),
    ("not OpenAPI", '{"hello": "world"}', "only OpenAPI 3.0.x and Swagger 2.0"),
    ("unknown $ref", {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {},
                      "definitions": {"A": {"type": "object",
                                            "properties": {"b": {"$ref": "#/definitions/Nope"}}}}},
     "Invalid model reference: #/definitions/Nope"),
    ("unknown parameter $ref", {"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
                                "paths": {"/p": {"get": {"parameters": [
                                    {"$ref": "#/components/parameters/Nope"}], "responses": {}}}}},
     "Invalid reference: #/components/parameters/Nope"),
    ("VPC_LINK", {"swagger": "2.0", "info": {"title": "t", "version": "1"},
                  "paths": {"/v": {"get": {"responses": {},
                                           "x-amazon-apigateway-integration": {
                                               "type": "http_proxy", "connectionType": "VPC_LINK",
                                               "connectionId": "abc", "httpMethod": "GET",
                                               "uri": "http://10.0.0.1/"}}}}},
     "integrations over VPC_LINK are not supported"),
    ("bad template path", {"swagger": "2.0", "info": {"title": "t", "version": "1"},
                           "paths": {"/a/{x": {"get": {"responses": {},
                                                      "x-amazon-apigateway-integration": {"type": "mock"}}}}},
     "path part"),
    ("bad selection pattern", {"swagger": "2.0", "info": {"title": "t", "version": "1"},
                               "paths": {"/a": {"get": {"responses": {}, "x-amazon-apigateway-integration": {
                                   "type": "mock", "responses": {"(unclosed": {"statusCode": "200"}}}}}}},
     "Invalid selection pattern"),
]


@pytest.mark.parametrize("what,body,message", BAD, ids=[b[0] for b in BAD])
def test_bad_documents_store_nothing(cp, what, body, message):
    base = imported(cp, proxy_doc("http://127.0.0.1:9"))
    before = api_ids(cp)
    state = api_state(cp, base["id"])
    r = do_import(cp, body)
    assert r.status_code == 400, r.text
    assert r.headers["x-amzn-errortype"] == "BadRequestException"
    assert message in r.json()["message"], r.json()["message"]
    assert api_ids(cp) == before
    r = do_import(cp, body, api_id=base["id"], mode="overwrite")
    assert r.status_code == 400 and message in r.json()["message"]
    assert api_state(cp, base["id"]) == state


def test_export_errors(cp):
    api = imported(cp, proxy_doc("http://127.0.0.1:9"))
    r = cp.call("GET", f"/restapis/{api['id']}/stages/prod/exports/oas30")
    assert r.status_code == 404
    deploy(cp, api["id"], "prod")
    r = cp.call("GET", f"/restapis/{api['id']}/stages/prod/exports/raml")
    assert r.status_code == 404
    r = cp.call("GET", f"/restapis/{api['id']}/stages/prod/exports/oas30",
                params={"extensions": "bogus"})
    assert r.status_code == 400
    # without extensions: no x-amazon-apigateway-* at all
    _, doc = export(cp, api["id"], "prod", "oas30", extensions="")
    assert "x-amazon-apigateway" not in json.dumps(doc)
    _, doc = export(cp, api["id"], "prod", "swagger", extensions="integrations")
    assert "x-amazon-apigateway-integration" in json.dumps(doc)


def test_export_is_the_deployed_definition(cp):
    api = imported(cp, proxy_doc("http://127.0.0.1:9", n=1))
    deploy(cp, api["id"], "prod")
    imported(cp, proxy_doc("http://127.0.0.1:9", n=3), api_id=api["id"], mode="overwrite")
    _, doc = export(cp, api["id"], "prod", "oas30")
    assert list(doc["paths"]) == ["/r0/items/{id}"]
    deploy(cp, api["id"], "prod")
    _, doc = export(cp, api["id"], "prod", "oas30")
    assert len(doc["paths"]) == 3


def test_bench_300_resources(cp, tmp_path):
    """Import time and snapshot size of a 300-resource document (printed;
    run with -s to see): a bound, not a benchmark."""
    doc = proxy_doc("http://127.0.0.1:9", n=100)  # 100 x /rN/items/{id}: 300 resources
    body = json.dumps(doc)
    t0 = time.monotonic()
    api = imported(cp, body)
    elapsed = time.monotonic() - t0
    n = len(cp.ok("GET", f"/restapis/{api['id']}/resources?limit=500")["item"])
    assert n == 301
    deploy(cp, api["id"], "prod")
    pattern = re.compile(r"published snapshot version \d+ \((\d+) bytes")
    sizes = wait_for(lambda: [int(x) for x in pattern.findall(cp.output())][1:],
                     what="the snapshot with the deployment")
    print(f"\nOPENAPI-BENCH import of {n - 1} resources ({len(body)} bytes of JSON): "
          f"{elapsed * 1000:.0f} ms; snapshot with the stage: {sizes[-1]} bytes")
    assert elapsed < 30 and sizes[-1] < 10 * len(body)


def full_doc():
    """Every extension Portico stores: authorizers (TOKEN, REQUEST, JWT), an
    API key scheme, validators (root default and per operation), models that
    refer to each other, gateway responses, API settings, ANY, templates and
    selection patterns, cache keys, timeouts."""
    return {
        "openapi": "3.0.1",
        "info": {"title": "full", "version": "7", "description": "everything"},
        "paths": {
            "/pets": {
                "post": {
                    "operationId": "addPet",
                    "parameters": [{"name": "q", "in": "query", "required": True,
                                    "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Pet"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Pets"}}}},
                        "400": {"description": "bad"}},
                    "security": [{"tok": [], "api_key": []}],
                    "x-amazon-apigateway-request-validator": "all",
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                        "passthroughBehavior": "never",
                        "responses": {"4\\d{2}": {"statusCode": "400"},
                                      "default": {"statusCode": "200", "responseTemplates": {
                                          "application/json": "{\"ok\": true}"}}},
                    },
                },
                "x-amazon-apigateway-any-method": {
                    "responses": {"200": {"description": "ok"}},
                    "security": [{"req": []}],
                    "x-amazon-apigateway-integration": {
                        "type": "http_proxy", "httpMethod": "ANY",
                        "uri": "http://127.0.0.1:9/pets", "timeoutInMillis": 5000,
                        "contentHandling": "CONVERT_TO_TEXT",
                        "responses": {"default": {"statusCode": "200"}},
                    },
                },
            },
            "/files/{proxy+}": {
                "get": {
                    "parameters": [{"name": "proxy", "in": "path", "required": True,
                                    "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "http_proxy", "httpMethod": "GET",
                        "uri": "http://127.0.0.1:9/files/{proxy}",
                        "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"},
                        "responses": {"default": {"statusCode": "200"}},
                    },
                },
            },
            "/pets/{petId}": {
                "get": {
                    "parameters": [{"name": "petId", "in": "path", "required": True,
                                    "schema": {"type": "string"}},
                                   {"name": "type", "in": "query", "schema": {"type": "string"}},
                                   {"name": "x-trace", "in": "header", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "headers": {
                        "X-Rate": {"schema": {"type": "string"}}}}},
                    "security": [{"jwt": ["read"]}],
                    "x-amazon-apigateway-integration": {
                        "type": "http_proxy", "httpMethod": "GET",
                        "uri": "http://127.0.0.1:9/pets/{id}",
                        "requestParameters": {"integration.request.path.id": "method.request.path.petId"},
                        "cacheKeyParameters": ["method.request.querystring.type"],
                        "responses": {"default": {"statusCode": "200",
                                                  "responseParameters": {
                                                      "method.response.header.X-Rate": "'10'"}}},
                    },
                },
            },
        },
        "components": {
            "schemas": {
                "Pet": {"type": "object", "required": ["name"],
                        "properties": {"name": {"type": "string"}, "id": {"type": "integer"}}},
                "Pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
            },
            "securitySchemes": {
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                "tok": {"type": "apiKey", "name": "Authorization", "in": "header",
                        "x-amazon-apigateway-authtype": "custom",
                        "x-amazon-apigateway-authorizer": {
                            "type": "token", "authorizerUri": "http://127.0.0.1:9/auth",
                            "authorizerResultTtlInSeconds": 60,
                            "identityValidationExpression": "^Bearer .+$"}},
                "req": {"type": "apiKey", "name": "Unused", "in": "header",
                        "x-amazon-apigateway-authtype": "custom",
                        "x-amazon-apigateway-authorizer": {
                            "type": "request", "authorizerUri": "http://127.0.0.1:9/auth",
                            "identitySource": "method.request.header.X-User",
                            "authorizerResultTtlInSeconds": 0}},
                "jwt": {"type": "apiKey", "name": "Authorization", "in": "header",
                        "x-amazon-apigateway-authorizer": {
                            "type": "jwt", "identitySource": "$request.header.Authorization",
                            "jwtConfiguration": {"issuer": "http://127.0.0.1:9/issuer",
                                                 "audience": ["portico"]}}},
            },
        },
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": True, "validateRequestParameters": True},
            "params": {"validateRequestBody": False, "validateRequestParameters": True}},
        "x-amazon-apigateway-request-validator": "params",
        "x-amazon-apigateway-api-key-source": "HEADER",
        "x-amazon-apigateway-binary-media-types": ["image/png"],
        "x-amazon-apigateway-minimum-compression-size": 1024,
        "x-amazon-apigateway-endpoint-configuration": {"disableExecuteApiEndpoint": True},
        "x-amazon-apigateway-gateway-responses": {
            "UNAUTHORIZED": {"statusCode": 401, "responseParameters": {
                "gatewayresponse.header.X-Why": "'auth'"},
                "responseTemplates": {"application/json": "{\"message\":$context.error.messageString}"}}},
        "x-amazon-apigateway-policy": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                           "Resource": "execute-api:/*"}]},
    }


def test_full_featured_round_trip(cp, tmp_path):
    doc = full_doc()
    api = imported(cp, yaml.safe_dump(doc), failonwarnings="true")
    assert "warnings" not in api
    assert api["binaryMediaTypes"] == ["image/png"] and api["minimumCompressionSize"] == 1024
    assert api["disableExecuteApiEndpoint"] is True
    assert json.loads(api["policy"])["Statement"][0]["Action"] == "execute-api:Invoke"
    state = api_state(cp, api["id"])
    methods = state["methods"]
    assert set(methods) == {("/pets", "POST"), ("/pets", "ANY"), ("/pets/{petId}", "GET"),
                            ("/files/{proxy+}", "GET")}
    assert methods[("/files/{proxy+}", "GET")]["requestParameters"] == {}  # path params normalized
    post = methods[("/pets", "POST")]
    assert post["authorizationType"] == "CUSTOM" and post["authorizerId"] == "tok"
    assert post["apiKeyRequired"] is True and post["requestValidatorId"] == "all"
    assert post["requestModels"] == {"application/json": "Pet"}
    assert post["operationName"] == "addPet"
    assert post["methodResponses"]["200"]["responseModels"] == {"application/json": "Pets"}
    assert post["methodIntegration"]["passthroughBehavior"] == "NEVER"
    assert post["methodIntegration"]["integrationResponses"]["400"]["selectionPattern"] == "4\\d{2}"
    get = methods[("/pets/{petId}", "GET")]
    assert get["authorizationType"] == "JWT" and get["authorizationScopes"] == ["read"]
    assert get["requestValidatorId"] == "params"  # the root default
    assert get["requestParameters"] == {"method.request.querystring.type": False,
                                        "method.request.header.x-trace": False}
    assert get["methodIntegration"]["cacheKeyParameters"] == ["method.request.querystring.type"]
    anym = methods[("/pets", "ANY")]
    assert anym["authorizerId"] == "req" and anym["methodIntegration"]["timeoutInMillis"] == 5000
    assert state["models"]["Pets"]["items"] == {"$ref": "https://apigateway.amazonaws.com/restapis/API/models/Pet"}
    assert len(state["authorizers"]) == 3 and len(state["validators"]) == 2
    gw = cp.ok("GET", f"/restapis/{api['id']}/gatewayresponses/UNAUTHORIZED")
    assert gw["statusCode"] == "401" and gw["responseParameters"] == {"gatewayresponse.header.X-Why": "'auth'"}

    deploy(cp, api["id"], "prod")
    files = []
    for kind in ("oas30", "swagger"):
        for fmt in ("json", "yaml"):
            text, parsed = export(cp, api["id"], "prod", kind, fmt)
            assert parsed["x-amazon-apigateway-minimum-compression-size"] == 1024
            assert parsed["x-amazon-apigateway-endpoint-configuration"] == {
                "disableExecuteApiEndpoint": True}
            p = tmp_path / f"full-{kind}.{fmt}"
            p.write_text(text)
            files.append(str(p))
            back = imported(cp, text, failonwarnings="true")
            got = api_state(cp, back["id"])
            assert got["authorizers"] == state["authorizers"], (
                set(got["authorizers"]) ^ set(state["authorizers"]))
            assert got == state, f"{kind}/{fmt}"
            assert back["disableExecuteApiEndpoint"] is True
            gw2 = cp.ok("GET", f"/restapis/{back['id']}/gatewayresponses/UNAUTHORIZED")
            assert gw2["statusCode"] == "401"
    validate_files(files)
