"""Steps of the console's tour shared by the browser tests (test_console.py in
Chromium, test_console_firefox.py in Firefox). `ui` is either test's page
driver: find, fill, choose, click, wait_text and no_error mean the same in both.
Run by pytest with Debian's /usr/bin/python3."""


def create_mock_api(ui, cp, name, description, body):
    """From the APIs page: an API, a /hello resource and a GET MOCK method
    answering body, each checked through the management API.
    Returns (api, hello resource)."""
    ui.fill("#new-api-name", name)
    ui.fill("#new-api-description", description)
    ui.click("#create-api button[type=submit]")
    ui.wait_text("#api-title", name)
    api = next(a for a in cp.ok("GET", "/restapis")["item"] if a["name"] == name)
    assert api["description"] == description
    ui.fill("#new-resource-path", "hello")
    ui.click("#create-resource button[type=submit]")
    ui.find("#resource-tree tr[data-path='/hello']")
    hello = next(r for r in cp.ok("GET", f"/restapis/{api['id']}/resources")["item"] if r["path"] == "/hello")
    ui.choose("#new-method-resource", hello["id"])
    ui.choose("#new-method-verb", "GET")
    ui.choose("#new-method-type", "MOCK")
    ui.fill("#new-method-body", body)
    ui.click("#create-method button[type=submit]")
    ui.find("#resource-tree tr.method[data-verb='GET']")
    ui.no_error()
    method = cp.ok("GET", f"/restapis/{api['id']}/resources/{hello['id']}/methods/GET")
    assert method["methodIntegration"]["type"] == "MOCK"
    return api, hello
