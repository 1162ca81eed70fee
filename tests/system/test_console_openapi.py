"""The web console's OpenAPI, models, validators and templates pages in
headless Chromium: a shared example document uploaded as a new API (its
warnings listed) and a YAML one pasted into it, a bad document's 400 shown
under the editor, a stage exported as YAML and JSON and the downloads
parsed, a model with a bad schema refused inline at its line and column,
a validator and a request model chosen for a method and a bad body refused
by the data plane, and mapping templates edited with a bad one refused
inline. The example documents are read from ../shared/openapi-examples/
(PORTICO_OPENAPI_EXAMPLES), never copied into the project."""

import json
import os
import time

import pytest
import yaml

from harness import BUILD, ROOT, wait_for
from test_console import XSS_NAME, Console, have_browser

EXAMPLES = os.environ.get("PORTICO_OPENAPI_EXAMPLES", os.path.join(ROOT, "..", "shared", "openapi-examples"))
PETSTORE = os.path.join(EXAMPLES, "petstore.swagger20.json")
VALIDATORS = os.path.join(EXAMPLES, "request_validators.swagger20.json")
COGNITO = os.path.join(EXAMPLES, "cognito_http_proxy.oas30.json")

pytestmark = [
    pytest.mark.skipif(not have_browser(), reason="chromium, chromium-driver or python3-selenium missing"),
    pytest.mark.skipif(not os.path.exists(PETSTORE), reason=f"no OpenAPI examples in {EXAMPLES}"),
]


def set_value(ui, css, text):
    """Pastes text into a textarea (send_keys types it key by key)."""
    e = ui.find(css)
    ui.driver.execute_script("arguments[0].value = arguments[1];"
                             "arguments[0].dispatchEvent(new Event('input'))", e, text)
    return e


def unlabelled(ui):
    """Form controls of the page without a label (a <label> or aria-label)."""
    return ui.driver.execute_script(
        "return [...document.querySelectorAll('#main textarea, #main input, #main select')]"
        ".filter(e => e.type !== 'hidden' && !e.hidden && !e.labels.length && !e.getAttribute('aria-label'))"
        ".map(e => e.id || e.name || e.outerHTML.slice(0, 80))")


def sideways(ui):
    return ui.driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")


def resource(cp, api_id, path):
    return next(r for r in cp.ok("GET", f"/restapis/{api_id}/resources")["item"] if r["path"] == path)


def test_console_openapi_models_validators_templates(cp, make_dp, tmp_path):
    from selenium.webdriver.common.keys import Keys

    reports = os.path.join(BUILD, "test-reports", "console")
    os.makedirs(reports, exist_ok=True)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    dp = make_dp().start()
    ui = Console(cp, [str(tmp_path), reports], str(tmp_path / "chromium-profile"))
    try:
        ui.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                  {"behavior": "allow", "downloadPath": str(downloads)})
        ui.open()
        ui.fill("#token", cp.token + "\n")
        ui.find("#create-api")

        # -- import: a file chosen in the page becomes a new API; its warning is listed
        ui.find("#import-file").send_keys(os.path.abspath(PETSTORE))
        wait_for(lambda: '"swagger"' in ui.find("#import-text").get_attribute("value"), what="the file read")
        ui.click("#import-form button[type=submit]")
        ui.wait_text("#import-result", "Imported as PetStore")
        warnings = [e.text for e in ui.finds("#import-warnings li")]
        assert warnings == ["x-amazon-apigateway-documentation is not supported; ignored"], warnings
        api = next(a for a in cp.ok("GET", "/restapis")["item"] if a["name"] == "PetStore")
        assert resource(cp, api["id"], "/pets/{petId}")
        ui.shot("20-import")
        # failonwarnings: the warnings come back as the 400 under the editor, nothing created
        ui.find("#import-file").send_keys(os.path.abspath(COGNITO))
        wait_for(lambda: '"openapi"' in ui.find("#import-text").get_attribute("value"), what="the file read")
        ui.click("#import-failonwarnings")
        ui.click("#import-form button[type=submit]")
        ui.wait_text("#import-text-error", "Warnings found during import:")
        assert "cognito_user_pools" in ui.text("#import-text-error")
        ui.click("#import-failonwarnings")
        assert len(cp.ok("GET", "/restapis")["item"]) == 1
        # a document that is not one: the API's 400 under the editor, nothing created
        set_value(ui, "#import-text", "openapi: 3.0.1\ninfo: [unclosed\n")
        ui.click("#import-form button[type=submit]")
        ui.wait_text("#import-text-error", "Invalid OpenAPI input")
        assert ui.find("#import-text").get_attribute("aria-invalid") == "true"
        assert len(cp.ok("GET", "/restapis")["item"]) == 1

        # -- into the API: a YAML document pasted and merged (confirmed); its models arrive
        ui.route(f"#/apis/{api['id']}")
        ui.wait_text("#api-title", "PetStore")
        with open(VALIDATORS) as f:
            set_value(ui, "#import-into-text", yaml.safe_dump(json.load(f), sort_keys=False))
        ui.choose("#import-into-mode", "merge")
        ui.click("#import-into-form button[type=submit]")
        ui.confirm()
        ui.wait_text("#import-into-result", "Imported into ReqValidators Sample")  # the document's title
        ui.wait_text("#api-title", "ReqValidators Sample")
        assert len(ui.finds("#import-into-warnings li")) == 4
        assert resource(cp, api["id"], "/validation") and resource(cp, api["id"], "/pets")
        models = {m["name"] for m in cp.ok("GET", f"/restapis/{api['id']}/models")["item"]}
        assert {"Pet", "NewPet", "RequestBodyModel", "Error"} <= models, models
        ui.find("#models-table tr[data-model='RequestBodyModel']")

        # -- models: a schema that is not JSON is refused under the editor, the caret at its place
        ui.fill("#model-name", "Order")
        bad = '{\n  "type": "object",\n  "required": ["qty"],\n  oops\n}'
        set_value(ui, "#model-schema", bad)
        ui.click("#model-form button[type=submit]")
        message = ui.wait_text("#model-schema-error", "line 4, column") and ui.text("#model-schema-error")
        assert "Invalid model specified" in message, message
        caret = ui.driver.execute_script("const t = document.querySelector('#model-schema');"
                                         "return [document.activeElement === t, t.selectionStart]")
        assert caret[0] and bad[:caret[1]].count("\n") == 3, caret
        ui.shot("21-model-error")
        # a schema that is JSON but not a schema: refused too
        set_value(ui, "#model-schema", '{"type": "object", "properties": {"qty": {"type": 5}}}')
        ui.click("#model-form button[type=submit]")
        ui.wait_text("#model-schema-error", "Invalid model schema specified")
        set_value(ui, "#model-schema", '{"type": "object", "required": ["qty"],\n'
                                       ' "properties": {"qty": {"type": "integer", "minimum": 1}}}')
        ui.click("#model-form button[type=submit]")
        ui.wait_text("#flash", "Created model Order")  # shown once the page is redrawn
        ui.find("#models-table tr[data-model='Order']")
        assert not ui.find("#model-schema-error", visible=False).is_displayed()
        order = cp.ok("GET", f"/restapis/{api['id']}/models/Order")
        assert json.loads(order["schema"])["required"] == ["qty"]
        # edit: the description and schema change through PATCH
        ui.click("#models-table tr[data-model='Order'] button[aria-label='Edit model Order']")
        ui.wait_text("#model-form-title", "Edit model Order")
        ui.fill("#model-description", "an order")
        ui.click("#model-form button[type=submit]")
        ui.wait_text("#flash", "Saved model Order")
        wait_for(lambda: cp.ok("GET", f"/restapis/{api['id']}/models/Order").get("description") == "an order",
                 what="the model's description")

        # -- validators: one made in the page
        ui.fill("#validator-name", "body-only")
        ui.click("#validator-params")  # unchecked: bodies only
        ui.click("#validator-form button[type=submit]")
        ui.wait_text("#flash", "Added validator body-only")
        row = ui.find("#validators-table tr[data-validator-id]:not([data-validator-id=''])")
        validator = next(v for v in cp.ok("GET", f"/restapis/{api['id']}/requestvalidators")["item"]
                         if v["name"] == "body-only")
        assert validator["validateRequestBody"] is True and validator["validateRequestParameters"] is False, row
        ui.shot("22-models-validators")

        # -- a method's validator and request model: POST /pets then refuses a bad body on the data plane
        pets = resource(cp, api["id"], "/pets")
        ui.route(f"#/apis/{api['id']}/methods/{pets['id']}/POST")
        ui.wait_text("#method-title", "/pets")
        ui.choose("#method-validator", validator["id"])
        ui.click("#method-validator-form button[type=submit]")
        ui.wait_text("#flash", "validates its requests")  # shown once the page is redrawn
        ui.fill("#method-model-type", "application/json")
        ui.choose("#method-model-name", "Order")
        ui.click("#method-model-form button[type=submit]")
        ui.wait_text("#flash", "checked against Order")  # shown once the page is redrawn
        assert "Order" in ui.text("#method-models tr[data-content-type='application/json']")
        ui.choose("#method-param-where", "header")
        ui.fill("#method-param-name", "x-order-id")
        ui.click("#method-param-form button[type=submit]")
        ui.wait_text("#flash", "declares method.request.header.x-order-id")
        ui.find("#method-params tr[data-parameter='method.request.header.x-order-id']")
        method = cp.ok("GET", f"/restapis/{api['id']}/resources/{pets['id']}/methods/POST")
        assert method["requestParameters"]["method.request.header.x-order-id"] is True
        assert method["requestValidatorId"] == validator["id"]
        assert method["requestModels"] == {"application/json": "Order"}
        ui.shot("23-method-validation")
        assert not unlabelled(ui), unlabelled(ui)

        # -- templates: a bad request template is refused under its editor, a good one stored
        root = resource(cp, api["id"], "/")
        ui.route(f"#/apis/{api['id']}/methods/{root['id']}/GET")
        ui.wait_text("#method-title", "/")
        ui.fill("#request-template-new-type", "application/xml")
        set_value(ui, "#request-template-new", '{"statusCode": 200}\n#if($input.path(\'$.a\') == 1\n')
        ui.click("#request-template-add button[type=submit]")
        ui.wait_text("#request-template-new-error", "Invalid mapping template for application/xml: syntax error "
                                                     "at line 2, column")
        set_value(ui, "#request-template-new", '#if($input.params(\'x\') == "1"){"statusCode": 200}'
                                               '#else{"statusCode": 200}#end')
        ui.click("#request-template-add button[type=submit]")
        ui.find("#request-templates .template-block[data-content-type='application/xml']")
        integ = cp.ok("GET", f"/restapis/{api['id']}/resources/{root['id']}/methods/GET/integration")
        assert integ["requestTemplates"]["application/xml"].startswith("#if(")
        assert integ["type"] == "MOCK" and "application/json" in integ["requestTemplates"]
        # an integration response's template, edited in place: a bad one refused, a good one stored
        block = ".integration-response[data-status='200'] .template-block[data-content-type='text/html']"
        ui.find(block)
        set_value(ui, f"{block} textarea", "<p>$context.requestId</p>\n#foreach($x in)\n")
        ui.click(f"{block} button[aria-label='Save the template for text/html']")
        ui.wait_text(f"{block} .inline-error", "syntax error at line 2, column")
        set_value(ui, f"{block} textarea", "<p>hello from $context.stage</p>")
        ui.click(f"{block} button[aria-label='Save the template for text/html']")
        wait_for(lambda: cp.ok("GET", f"/restapis/{api['id']}/resources/{root['id']}/methods/GET/integration/"
                               "responses/200")["responseTemplates"]["text/html"] == "<p>hello from $context.stage</p>",
                 what="the response template")
        ui.shot("24-templates")

        # -- deployed: the data plane answers with the new template and refuses a bad body
        cp.ok("POST", f"/restapis/{api['id']}/deployments", {"stageName": "prod"})
        dp.wait_version(cp.version())
        r = dp.get(api["id"], "prod", "/", headers={"Accept": "text/html"})
        assert r.status_code == 200 and r.text == "<p>hello from prod</p>", r.text
        r = dp.request("POST", api["id"], "prod", "/pets", json={"qty": 0})
        assert r.status_code == 400 and r.json()["message"] == "Invalid request body", r.text

        # -- export: YAML OpenAPI 3 with the extensions, then JSON Swagger 2 without, both downloaded and parsed
        ui.route(f"#/apis/{api['id']}")
        ui.find("#export-form")
        ui.choose("#export-stage", "prod")
        ui.choose("#export-type", "oas30")
        ui.choose("#export-format", "yaml")
        ui.click("#export-form button[type=submit]")
        ui.wait_text("#export-download", "Download ReqValidators_Sample-prod-oas30.yaml")
        ui.click("#export-download")
        path = downloads / "ReqValidators_Sample-prod-oas30.yaml"
        wait_for(lambda: path.exists() and path.stat().st_size > 0, what="the YAML download")
        doc = yaml.safe_load(path.read_text())
        assert doc["openapi"] == "3.0.1" and "/pets/{petId}" in doc["paths"], list(doc)
        assert doc["paths"]["/pets"]["post"]["x-amazon-apigateway-request-validator"] == "body-only"
        assert "x-amazon-apigateway-integration" in doc["paths"]["/"]["get"]
        assert yaml.safe_load(ui.find("#export-preview").get_attribute("value")) == doc
        ui.choose("#export-type", "swagger")
        ui.choose("#export-format", "json")
        ui.click("#export-extensions")  # off
        ui.click("#export-form button[type=submit]")
        ui.wait_text("#export-download", "Download ReqValidators_Sample-prod-swagger.json")
        ui.click("#export-download")
        path = downloads / "ReqValidators_Sample-prod-swagger.json"
        wait_for(lambda: path.exists() and path.stat().st_size > 0, what="the JSON download")
        time.sleep(0.2)
        doc = json.loads(path.read_text())
        assert doc["swagger"] == "2.0" and doc["basePath"] == "/prod"
        assert "x-amazon-apigateway-integration" not in json.dumps(doc)
        ui.shot("25-export")

        # -- markup from the API (a model's description, an import warning naming a scheme) is shown as text
        cp.ok("POST", f"/restapis/{api['id']}/models", {"name": "Xss", "contentType": "text/plain",
                                                       "description": XSS_NAME, "schema": '{"type": "string"}'})
        set_value(ui, "#import-into-text", json.dumps({
            "openapi": "3.0.1", "info": {"title": "ReqValidators Sample", "version": "1"}, "paths": {},
            "components": {"securitySchemes": {XSS_NAME: {
                "type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "cognito_user_pools",
                "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": []}}}}}))
        ui.click("#import-into-form button[type=submit]")
        ui.confirm()
        ui.wait_text("#import-into-warnings", XSS_NAME)
        ui.wait_text("#models-table tr[data-model='Xss']", XSS_NAME)
        assert ui.driver.execute_script("return document.querySelectorAll('img').length") == 0

        # -- every control of the new forms has a label; the tree names the method's validator
        assert not unlabelled(ui), unlabelled(ui)
        assert "validator body-only" in ui.text("#resource-tree tr.method[data-verb='POST']")
        # the jump bar moves the focus to a part of the long API page
        ui.click("nav.jump button[data-jump='export']")
        assert ui.driver.switch_to.active_element.text == "Export OpenAPI"
        # the method page is reached from the tree with the keyboard
        edit = ui.find("#resource-tree a[aria-label='Edit POST /pets']")
        edit.send_keys(Keys.ENTER)
        ui.wait_text("#method-title", "/pets")
        # tablet width: nothing scrolls sideways on the API and method pages
        ui.driver.set_window_size(800, 1100)
        time.sleep(0.3)
        assert sideways(ui) <= 0
        ui.route(f"#/apis/{api['id']}")
        ui.find("#export-form")
        time.sleep(0.3)
        assert sideways(ui) <= 0
        ui.shot("26-tablet-api")
        ui.driver.set_window_size(1280, 900)

        # -- overwrite (confirmed): the API becomes the pet store again, the merged parts are gone
        ui.find("#import-into-file").send_keys(os.path.abspath(PETSTORE))
        wait_for(lambda: '"swagger"' in ui.find("#import-into-text").get_attribute("value"), what="the file read")
        ui.choose("#import-into-mode", "overwrite")
        ui.click("#import-into-form button[type=submit]")
        ui.wait_text("dialog[open]", "Overwrite this API?")
        ui.confirm()
        ui.wait_text("#import-into-result", "Imported into PetStore")
        ui.wait_text("#api-title", "PetStore")
        paths = {r["path"] for r in cp.ok("GET", f"/restapis/{api['id']}/resources")["item"]}
        assert "/validation" not in paths and "/pets/{petId}" in paths, paths
        models = {m["name"] for m in cp.ok("GET", f"/restapis/{api['id']}/models")["item"]}
        assert "Order" not in models and "Xss" not in models and "Pet" in models, models
        wait_for(lambda: not ui.finds("#models-table tr[data-model='Order']"), what="the models redrawn")

        # -- no CSP violation, no script error (the 400s above are the API's answers)
        absent = ("/v2/apis?", "/2015-03-31/functions?")  # sections this control plane may lack: hidden
        problems = [e for e in ui.browser_log() if e["level"] == "SEVERE"
                    and "the server responded with a status of 400" not in e["message"]
                    and not any(x in e["message"] for x in absent)]
        assert not problems, problems
    except Exception:
        ui.shot("failure-openapi")
        print("flash:", [e.text for e in ui.finds("#flash")], "main:", ui.find("#main").text[-3000:])
        raise
    finally:
        ui.quit()
