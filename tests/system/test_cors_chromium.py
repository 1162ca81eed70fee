"""CORS the reference way (an OPTIONS method with a MOCK integration and
Access-Control-Allow-* headers, plus the same on DEFAULT_4XX/5XX), set up
with Portico's one-call shortcut, and proven in headless Chromium: a page on
one origin fetch()es APIs on another origin."""

import json

import pytest

from harness import CHROMIUM, Chromium, deploy, make_mock_api, put_mock_method, wait_for

PAGE = """<!doctype html><html><body><script>
async function probe(name, url, opts) {
  try {
    const r = await fetch(url, opts);
    return {name, ok: true, status: r.status, body: await r.text()};
  } catch (e) {
    return {name, ok: false, error: String(e)};
  }
}
(async () => {
  const results = [];
  for (const [name, url] of %s)
    results.push(await probe(name, url, {headers: {"X-Custom": "1", "Content-Type": "application/json"}}));
  await fetch("/result", {method: "POST", body: JSON.stringify(results)});
})();
</script></body></html>"""


@pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="chromium is not installed")
def test_cors_in_chromium(cp, make_dp, json_server, tmp_path):
    results = []
    probes = []

    def page(req):
        if req["method"] == "POST" and req["path"] == "/result":
            results.append(req["json"])
            return 204, b""
        return 200, PAGE % json.dumps(probes), {"content-type": "text/html"}

    site = json_server(page)
    origin = site.url
    with_cors = make_mock_api(cp, "with-cors", body='{"pets": ["cors"]}')
    private = cp.ok("POST", f"/restapis/{with_cors['api']}/resources/{with_cors['root']}",
                    {"pathPart": "private"}, expect=201)
    auth = cp.ok("POST", f"/restapis/{with_cors['api']}/authorizers",
                 {"name": "a", "type": "TOKEN", "authorizerUri": "http://127.0.0.1:9/",
                  "identitySource": "method.request.header.Authorization"}, expect=201)
    put_mock_method(cp, with_cors["api"], private["id"], "GET", '{"secret": 1}',
                    {"authorizationType": "CUSTOM", "authorizerId": auth["id"]})
    for rid in (with_cors["leaf"], private["id"]):
        setup = cp.ok("PUT", f"/restapis/{with_cors['api']}/resources/{rid}/cors",
                      {"allowOrigin": origin, "allowHeaders": ["Content-Type", "X-Custom"], "maxAge": 60})
    assert setup["gatewayResponses"] == ["DEFAULT_4XX", "DEFAULT_5XX"] and setup["methodsUpdated"] == ["GET"]
    options = cp.ok("GET", f"/restapis/{with_cors['api']}/resources/{with_cors['leaf']}/methods/OPTIONS")
    assert options["methodIntegration"]["type"] == "MOCK"
    assert options["methodIntegration"]["integrationResponses"]["200"]["responseParameters"][
        "method.response.header.Access-Control-Allow-Origin"] == f"'{origin}'"
    without = make_mock_api(cp, "without-cors", body='{"pets": ["none"]}')
    deploy(cp, with_cors["api"])
    deploy(cp, without["api"])
    dp = make_dp().start()
    dp.wait_version(cp.version())

    # what the browser's preflight gets, seen with a plain client first
    r = dp.request("OPTIONS", with_cors["api"], "prod", "/pets",
                   headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == origin, dict(r.headers)
    assert r.headers["Access-Control-Allow-Headers"] == "Content-Type,X-Custom"
    assert r.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert r.headers["Access-Control-Max-Age"] == "60"
    r = dp.get(with_cors["api"], "prod", "/pets", headers={"Origin": origin})
    assert r.headers["Access-Control-Allow-Origin"] == origin

    api = lambda ids: f"http://{ids['api']}.execute-api.localhost:{dp.port}/prod"  # noqa: E731
    probes.extend([["cors", api(with_cors) + "/pets"], ["cors-401", api(with_cors) + "/private"],
                   ["no-cors", api(without) + "/pets"]])
    browser = Chromium(str(tmp_path), origin + "/page")
    browser.start()
    try:
        wait_for(lambda: results, timeout=60, interval=0.2, what="the page's report")
    finally:
        browser.kill()
    got = {p["name"]: p for p in results[0]}
    assert got["cors"]["ok"] and got["cors"]["status"] == 200, got["cors"]
    assert json.loads(got["cors"]["body"]) == {"pets": ["cors"]}
    # the authorizer's 401 is readable because DEFAULT_4XX carries the CORS headers
    assert got["cors-401"]["ok"] and got["cors-401"]["status"] == 401, got["cors-401"]
    assert json.loads(got["cors-401"]["body"]) == {"message": "Unauthorized"}
    # without CORS set up the browser blocks the call
    assert not got["no-cors"]["ok"] and "TypeError" in got["no-cors"]["error"], got["no-cors"]
