"""The web console's pages for the objects of other management APIs, where
the control plane has them: HTTP and WebSocket APIs (apigatewayv2) with
their routes, integrations and stages, and functions with their versions
and aliases. Each part is skipped when the control plane answers its list
with 404 UnknownOperationException (the console then hides its link)."""

import base64
import io
import os
import zipfile

import pytest

from harness import BUILD, wait_for
from test_console import XSS_NAME, Console, have_browser

pytestmark = pytest.mark.skipif(not have_browser(), reason="chromium, chromium-driver or python3-selenium missing")


def has_api(cp, path):
    r = cp.call("GET", path)
    return not (r.status_code == 404 and r.headers.get("x-amzn-errortype") == "UnknownOperationException")


def node_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.js", "exports.handler = async () => ({statusCode: 200, body: 'hi'});\n")
    return base64.b64encode(buf.getvalue()).decode()


def test_console_http_apis_and_functions(cp, tmp_path):
    v2 = has_api(cp, "/v2/apis")
    fns = has_api(cp, "/2015-03-31/functions")
    if not (v2 or fns):
        pytest.skip("this control plane has neither apigatewayv2 nor the functions API")
    reports = os.path.join(BUILD, "test-reports", "console")
    os.makedirs(reports, exist_ok=True)
    ui = Console(cp, [str(tmp_path), reports], str(tmp_path / "chromium-profile"))
    try:
        ui.open()
        ui.fill("#token", cp.token + "\n")
        ui.find("#create-api")
        if v2:
            api = cp.ok("POST", "/v2/apis", {"name": XSS_NAME, "protocolType": "HTTP"})
            base = f"/v2/apis/{api['apiId']}"
            integ = cp.ok("POST", f"{base}/integrations", {
                "integrationType": "HTTP_PROXY", "integrationMethod": "GET",
                "integrationUri": "http://127.0.0.1:9/items", "payloadFormatVersion": "1.0"})
            cp.ok("POST", f"{base}/routes", {"routeKey": "GET /items",
                                             "target": f"integrations/{integ['integrationId']}"})
            cp.ok("POST", f"{base}/stages", {"stageName": "prod", "autoDeploy": True})
            ws = cp.ok("POST", "/v2/apis", {"name": "chat", "protocolType": "WEBSOCKET",
                                            "routeSelectionExpression": "$request.body.action"})
            link = ui.find("nav a[data-section='httpapis']")  # shown once its list answered
            link.click()
            row = ui.find(f"#httpapis-table tr[data-api-id='{api['apiId']}']")
            assert XSS_NAME in row.text and "HTTP" in row.text
            assert "WEBSOCKET" in ui.text(f"#httpapis-table tr[data-api-id='{ws['apiId']}']")
            ui.click(f"#httpapis-table tr[data-api-id='{api['apiId']}'] a")
            ui.wait_text("#httpapi-title", XSS_NAME)
            ui.wait_text("#httpapi-routes", "GET /items")
            assert "HTTP_PROXY GET http://127.0.0.1:9/items" in ui.text("#httpapi-routes")
            ui.find("#httpapi-stages tr[data-stage='prod']")
            assert ui.driver.execute_script("return document.querySelectorAll('img').length") == 0
            ui.shot("30-http-apis")
        else:
            assert not ui.find("nav a[data-section='httpapis']", visible=False).is_displayed()
        if fns:
            cp.ok("POST", "/2015-03-31/functions", {
                "FunctionName": "hello", "Runtime": "nodejs20.x", "Handler": "index.handler",
                "Role": "arn:aws:iam::123456789012:role/portico", "Code": {"ZipFile": node_zip()},
                "Description": XSS_NAME})
            cp.ok("POST", "/2015-03-31/functions/hello/versions", {"Description": "first"})
            cp.ok("POST", "/2015-03-31/functions/hello/aliases", {"Name": "live", "FunctionVersion": "1"})
            ui.find("nav a[data-section='functions']").click()
            ui.find("#functions-table tr[data-function='hello']")
            ui.click("#functions-table tr[data-function='hello'] a")
            ui.wait_text("#function-title", "hello")
            ui.find("#function-versions tr[data-version='1']")
            assert "1" in ui.text("#function-aliases tr[data-alias='live']")
            ui.shot("31-functions")
            # deleted from the page, confirmed
            ui.click("#main button.danger")
            ui.confirm()
            wait_for(lambda: cp.call("GET", "/2015-03-31/functions/hello").status_code == 404,
                     what="the function deleted")
            ui.find("#functions-table")
        else:
            assert not ui.find("nav a[data-section='functions']", visible=False).is_displayed()
        problems = [e for e in ui.browser_log() if e["level"] == "SEVERE"
                    and "status of 404" not in e["message"]]
        assert not problems, problems
    finally:
        ui.quit()
