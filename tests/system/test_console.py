"""The web console: portico-cp serves its static files at /console/ (no
token, strict names, no way out of the console directory, a strict
Content-Security-Policy), and an operator drives the gateway from headless
Chromium (Selenium + chromium-driver): sign in, create an API, deploy it
twice, roll back from the Stages page, watch both nodes IN_SYNC, keys and
plans, metrics, and an API whose name is markup shown as text.
Screenshots of each page go to BUILD/test-reports/console/ and tmp_path."""

import http.client
import os
import re
import shutil
import subprocess
import time

import pytest

from console_flow import create_mock_api
from harness import BUILD, CHROMIUM, CP_BIN, ROOT, ControlPlane, wait_for

CHROMEDRIVER = "/usr/bin/chromedriver"
CHARTJS = "/usr/share/javascript/chart.js/chart.min.js"
XSS_NAME = "<img src=x onerror=alert(1)>"


def raw_get(cp, path, method="GET", headers=None):
    """One request with the path sent exactly as given (no client-side
    normalization of dot segments or escapes)."""
    conn = http.client.HTTPConnection("127.0.0.1", cp.admin_port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


# ---- the static handler ------------------------------------------------------------

def test_console_files_need_no_token_and_carry_a_strict_policy(cp):
    status, headers, body = raw_get(cp, "/console/")
    assert status == 200, body
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b'<script type="module" src="js/app.js">' in body
    csp = headers["content-security-policy"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";"))
    assert directives["default-src"] == "'none'" and directives["script-src"] == "'self'", csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
    assert directives["frame-ancestors"] == "'none'" and directives["form-action"] == "'none'", csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "set-cookie" not in headers

    for path, ctype in [("/console/index.html", "text/html; charset=utf-8"),
                        ("/console/style.css", "text/css; charset=utf-8"),
                        ("/console/js/app.js", "text/javascript; charset=utf-8"),
                        ("/console/favicon.svg", "image/svg+xml"),
                        ("/console/style.css?v=2", "text/css; charset=utf-8")]:
        status, headers, _ = raw_get(cp, path)
        assert status == 200 and headers["content-type"] == ctype, (path, status, headers)
        assert headers["x-content-type-options"] == "nosniff"

    # the file the console's JavaScript module names exists on disk, byte for byte
    with open(os.path.join(ROOT, "console", "js", "app.js"), "rb") as f:
        assert raw_get(cp, "/console/js/app.js")[2] == f.read()
    # revalidation: the ETag answers 304 without a body
    status, headers, _ = raw_get(cp, "/console/style.css")
    status, _, body = raw_get(cp, "/console/style.css", headers={"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""
    # /console and GET / without credentials lead to the console
    status, headers, _ = raw_get(cp, "/console")
    assert status == 301 and headers["location"] == "/console/"
    status, headers, _ = raw_get(cp, "/")
    assert status == 301 and headers["location"] == "/console/"
    # read-only; the management API still needs the token
    assert raw_get(cp, "/console/index.html", method="POST")[0] == 405
    assert raw_get(cp, "/console/", method="DELETE")[0] == 405
    assert raw_get(cp, "/restapis")[0] == 403  # Missing Authentication Token


@pytest.mark.skipif(not os.path.exists(CHARTJS), reason="libjs-chart.js is not installed")
def test_console_serves_debian_chartjs(cp):
    status, headers, body = raw_get(cp, "/console/vendor/chart.min.js")
    assert status == 200 and headers["content-type"] == "text/javascript; charset=utf-8"
    with open(CHARTJS, "rb") as f:
        assert body == f.read()
    # only that row: the rest of the chart.js directory is not reachable
    for path in ("/console/vendor/chart.js", "/console/vendor/chart.esm.js", "/console/vendor/chunks/helpers.segment.js"):
        assert raw_get(cp, path)[0] == 404, path


TRAVERSALS = [
    "/console/../cp/data/admin.token",
    "/console/../../cp/data/admin.token",
    "/console/js/../../cp/data/admin.token",
    "/console/%2e%2e/cp/data/admin.token",
    "/console/%2E%2E/%2E%2E/etc/passwd",
    "/console/..%2fcp%2fdata%2fadmin.token",
    "/console/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/console/js%2fapp.js",
    "/console/./index.html",
    "/console/js/./app.js",
    "/console//etc/passwd",
    "/console/js//app.js",
    "/console/.hidden.js",
    "/console/index.html/",
    "/console/index.html%00.js",
    "/console/index.html\\..\\x.js",
    "/console/nope.js",
    "/console/js/nope.js",
    "/console/js",
    "/console/js/",
    "/console/README",
    "/console/" + "a/" * 5 + "x.js",
    "/console/" + "a" * 300 + ".js",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_console_refuses_names_outside_its_files(cp, path):
    status, headers, body = raw_get(cp, path)
    assert status == 404, (path, status, body[:200])
    assert headers["content-type"] == "application/json"
    assert headers["x-amzn-errortype"] == "NotFoundException"
    assert cp.token.encode() not in body and b"root:" not in body


def test_console_dir_option_and_symlinks_leading_out(tmp_path, secret):
    console = tmp_path / "console"
    shutil.copytree(os.path.join(ROOT, "console"), console)
    (console / "extra.txt").write_text("extra file\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret outside the console\n")
    os.symlink(outside, console / "leak.txt")
    os.symlink("/etc/passwd", console / "passwd.js")
    os.symlink(tmp_path, console / "up")
    (console / "js" / "inner.js").write_text("export const x = 1;\n")
    os.symlink("inner.js", console / "js" / "alias.js")  # inside: allowed
    cp = ControlPlane(str(tmp_path), secret, extra_args=("--console-dir", str(console))).start()
    try:
        assert "web console at /console/ from " + str(console) in cp.output()
        assert raw_get(cp, "/console/extra.txt")[:3:2] == (200, b"extra file\n")
        assert raw_get(cp, "/console/js/alias.js")[2] == b"export const x = 1;\n"
        for path in ("/console/leak.txt", "/console/passwd.js", "/console/up/outside.txt"):
            status, _, body = raw_get(cp, path)
            assert status == 404 and b"secret outside" not in body, (path, status)
    finally:
        cp.stop()
    # a directory without index.html is refused at start
    empty = tmp_path / "empty"
    empty.mkdir()
    out = subprocess.run([CP_BIN, "--console-dir", str(empty), "--data-dir", str(tmp_path / "d2"),
                          "--admin-listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30,
                         env=dict(os.environ, PORTICO_ADMIN_TOKEN=cp.token, PORTICO_CLUSTER_SECRET=secret))
    assert out.returncode != 0 and "no index.html" in out.stderr, out.stderr


# ---- in the browser ---------------------------------------------------------------

def have_browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        return False
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return True


class Console:
    """A headless Chromium on the console, driven through chromedriver."""

    def __init__(self, cp, outdirs, profile):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,900", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.cp, self.outdirs = cp, outdirs
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.implicitly_wait(0)
        self.logs = []

    def quit(self):
        self.driver.quit()

    def open(self, route=""):
        self.driver.get(f"{self.cp.url}/console/{route}")

    def route(self, route):
        self.driver.execute_script("location.hash = arguments[0]", route)

    def find(self, css, timeout=15, visible=True):
        from selenium.webdriver.common.by import By

        from selenium.common.exceptions import StaleElementReferenceException

        def found():
            try:
                for e in self.driver.find_elements(By.CSS_SELECTOR, css):
                    if not visible or e.is_displayed():
                        return e
            except StaleElementReferenceException:
                pass  # the page re-rendered meanwhile: look again
            return None
        return wait_for(found, timeout=timeout, interval=0.1, what=css)

    def finds(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css, timeout=15):
        return self.find(css, timeout).text

    def wait_text(self, css, want, timeout=15):
        from selenium.common.exceptions import StaleElementReferenceException

        def has():
            try:
                return want in self.find(css, timeout).text
            except StaleElementReferenceException:
                return False
        return wait_for(has, timeout=timeout, interval=0.1, what=f"{want!r} in {css}")

    def fill(self, css, value):
        e = self.find(css)
        e.clear()
        e.send_keys(value)
        return e

    def choose(self, css, value):
        from selenium.webdriver.support.ui import Select
        Select(self.find(css)).select_by_value(value)

    def click(self, css):
        e = self.find(css)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", e)
        e.click()
        return e

    def confirm(self):
        self.click("dialog[open] #confirm-ok")
        wait_for(lambda: not self.finds("dialog[open]"), timeout=10, interval=0.1, what="the dialog to close")

    def no_error(self):
        errors = [e.text for e in self.finds("#flash .error") if e.is_displayed()]
        assert not errors, errors

    def shot(self, name):
        for d in self.outdirs:
            self.driver.save_screenshot(os.path.join(d, f"{name}.png"))

    def browser_log(self):
        self.logs.extend(self.driver.get_log("browser"))
        return self.logs


def stage_doc(cp, api_id, stage="prod"):
    return cp.ok("GET", f"/restapis/{api_id}/stages/{stage}")


@pytest.mark.skipif(not have_browser(), reason="chromium, chromium-driver or python3-selenium missing")
def test_console_in_chromium(cp, make_dp, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.keys import Keys

    reports = os.path.join(BUILD, "test-reports", "console")
    os.makedirs(reports, exist_ok=True)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    dps = [make_dp().start(), make_dp().start()]
    ui = Console(cp, [str(shots), reports], str(tmp_path / "chromium-profile"))
    try:
        # -- sign in: a wrong token is refused and said so; the right one is kept in sessionStorage only
        ui.open()
        ui.find("#token")
        assert ui.driver.switch_to.active_element.get_attribute("id") == "token"  # keyboard first
        ui.shot("01-sign-in")
        ui.fill("#token", "not-the-token-0123456789" + Keys.ENTER)
        ui.wait_text("#sign-in-status", "Wrong token")
        assert ui.driver.execute_script("return sessionStorage.length") == 0
        ui.shot("02-wrong-token")
        ui.fill("#token", cp.token + Keys.ENTER)
        ui.find("#create-api")
        assert ui.driver.execute_script("return sessionStorage.getItem('portico.adminToken')") == cp.token
        assert cp.token not in ui.driver.current_url
        assert ui.driver.execute_script("return document.cookie") == ""

        # -- APIs: create one, add a resource and a MOCK method from the page
        api, hello = create_mock_api(ui, cp, "console-demo", "made in the console", '{"from": "console"}')
        # POST /hello needs an API key (used by the usage plan below)
        ui.choose("#new-method-resource", hello["id"])
        ui.choose("#new-method-verb", "POST")
        ui.choose("#new-method-type", "MOCK")
        ui.click("#new-method-apikey")
        ui.fill("#new-method-body", '{"paid": true}')
        ui.click("#create-method button[type=submit]")
        ui.find("#resource-tree tr.method[data-verb='POST']")
        assert cp.ok("GET", f"/restapis/{api['id']}/resources/{hello['id']}/methods/POST")["apiKeyRequired"] is True
        ui.shot("03-api")

        # -- Stages: deploy twice with descriptions, then roll back to the first
        ui.route(f"#/stages/{api['id']}")
        ui.fill("#deploy-stage", "prod")
        ui.fill("#deploy-description", "first from the console")
        ui.click("#deploy-form button[type=submit]")
        ui.find("section.stage[data-stage='prod']")
        first = stage_doc(cp, api["id"])["deploymentId"]
        time.sleep(1.1)  # created dates are seconds: keep the two apart
        ui.fill("#deploy-description", "second from the console")
        ui.click("#deploy-form button[type=submit]")
        second = wait_for(lambda: (d := stage_doc(cp, api["id"])["deploymentId"]) != first and d,
                          what="the second deployment")
        deployments = {d["id"]: d for d in cp.ok("GET", f"/restapis/{api['id']}/deployments")["item"]}
        assert deployments[first]["description"] == "first from the console"
        assert deployments[second]["description"] == "second from the console"
        ui.wait_text("section.stage[data-stage='prod'] .stage-deployment", second)
        current = ui.find(f"tr[data-deployment-id='{second}']")
        assert "current" in current.text
        # the deployment is served by both nodes
        for dp in dps:
            dp.wait_version(cp.version())
            r = dp.get(api["id"], "prod", "/hello")
            assert r.status_code == 200 and r.json() == {"from": "console"}, r.text
        ui.shot("04-stages")
        # roll back: a confirmation first (cancel keeps everything as it was)
        ui.click(f"tr[data-deployment-id='{first}'] button.rollback")
        ui.find("dialog[open]")
        assert ui.driver.switch_to.active_element.get_attribute("id") == "confirm-cancel"
        ui.shot("05-confirm-rollback")
        ui.driver.switch_to.active_element.send_keys(Keys.ESCAPE)  # the keyboard way out
        wait_for(lambda: not ui.finds("dialog[open]"), what="Escape to close the dialog")
        time.sleep(0.3)
        assert stage_doc(cp, api["id"])["deploymentId"] == second
        ui.click(f"tr[data-deployment-id='{first}'] button.rollback")
        ui.confirm()
        wait_for(lambda: stage_doc(cp, api["id"])["deploymentId"] == first, what="the rollback through the API")
        ui.wait_text("section.stage[data-stage='prod'] .stage-deployment", first)
        assert "current" in ui.find(f"tr[data-deployment-id='{first}']").text
        ui.no_error()

        # stage variables, then a canary: deploy with 25 %, set 50 %, promote
        stage_css = "section.stage[data-stage='prod']"
        ui.fill(f"{stage_css} .variables input[aria-label='Variable name']", "backend")
        ui.fill(f"{stage_css} .variables input[aria-label='Variable value']", "blue")
        ui.click(f"{stage_css} .variables button[type=submit]")
        wait_for(lambda: stage_doc(cp, api["id"]).get("variables") == {"backend": "blue"}, what="the variable")
        ui.click("#deploy-canary")
        ui.fill("#deploy-canary-percent", "25")
        ui.fill("#deploy-description", "canary from the console")
        ui.click("#deploy-form button[type=submit]")
        ui.find(f"{stage_css} .canary")
        canary = stage_doc(cp, api["id"])["canarySettings"]
        assert canary["percentTraffic"] == 25 and canary["deploymentId"] not in (first, second)
        assert stage_doc(cp, api["id"])["deploymentId"] == first
        ui.fill(f"{stage_css} .canary-percent", "50")
        ui.click(f"{stage_css} .canary form button[type=submit]")
        wait_for(lambda: stage_doc(cp, api["id"])["canarySettings"]["percentTraffic"] == 50, what="50 %")
        ui.driver.set_window_size(1100, 1180)
        ui.driver.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.3)
        ui.shot("05b-canary")  # docs/console.png is this one
        ui.driver.set_window_size(1280, 900)
        ui.click(f"{stage_css} button.promote")
        ui.confirm()
        wait_for(lambda: stage_doc(cp, api["id"])["deploymentId"] == canary["deploymentId"], what="the promotion")
        assert "canarySettings" not in stage_doc(cp, api["id"])
        ui.wait_text(f"{stage_css} .stage-deployment", canary["deploymentId"])
        assert not ui.finds(f"{stage_css} .canary")
        ui.no_error()

        # the stage's cache (switched on through the API) is flushed from the page, confirmed
        cp.ok("PATCH", f"/restapis/{api['id']}/stages/prod", {"patchOperations": [
            {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
            {"op": "replace", "path": "/cacheClusterSize", "value": "0.5"},
            {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"}]})
        cache_of = lambda dp: dp.get(api["id"], "prod", "/hello").headers.get("x-portico-cache")  # noqa: E731
        for dp in dps:
            dp.wait_version(cp.version())
            cache_of(dp)
            assert cache_of(dp) == "HIT"
        ui.route("#/apis")
        ui.route(f"#/stages/{api['id']}")
        ui.click("#flush-prod")
        ui.confirm()
        for dp in dps:
            wait_for(lambda dp=dp: cache_of(dp) == "MISS", what=f"{dp.name} to miss after the flush")
        ui.no_error()

        # -- Cluster (reached with the keyboard): both nodes IN_SYNC at the current version,
        #    refreshed by the page itself
        ui.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
        body = ui.driver.find_element("css selector", "body")
        body.send_keys(Keys.TAB)
        for _ in range(10):
            if ui.driver.switch_to.active_element.text == "Cluster":
                break
            ui.driver.switch_to.active_element.send_keys(Keys.TAB)
        assert ui.driver.switch_to.active_element.text == "Cluster"
        ui.driver.switch_to.active_element.send_keys(Keys.ENTER)
        wait_for(lambda: ui.driver.execute_script("return location.hash") == "#/cluster", what="the cluster route")
        version = cp.version()
        wait_for(lambda: all(ui.finds(f"#nodes-table tr[data-node-id='{dp.name}'][data-status='IN_SYNC']")
                             for dp in dps), timeout=20, interval=0.2, what="both nodes IN_SYNC on the page")
        assert int(ui.text("#current-version")) == version
        caches = ui.text(f"#nodes-table tr[data-node-id='{dps[0].name}']")
        assert re.search(api["id"] + r"/prod: [0-9]+ entries, [0-9.]+ K?i?B of 512\.0 MiB, [1-9][0-9]* hits, "
                         r"[1-9][0-9]* misses", caches), caches
        ui.shot("06-cluster")

        # -- Keys and plans: a key's value is shown once; a plan with the stage and the key
        ui.route("#/keys")
        ui.fill("#new-key-name", "alice")
        ui.click("#create-key button[type=submit]")
        value = ui.find("#new-key-value").get_attribute("value")
        key = next(k for k in cp.ok("GET", "/apikeys")["item"] if k["name"] == "alice")
        assert len(value) >= 20 and value.startswith(key["valuePrefix"])
        ui.shot("07-new-key")
        ui.fill("#new-plan-name", "basic")
        ui.choose("#new-plan-stage", f"{api['id']}:prod")
        ui.fill("#new-plan-rate", "5")
        ui.fill("#new-plan-burst", "10")
        ui.fill("#new-plan-quota", "1000")
        ui.click("#create-plan button[type=submit]")
        card = ui.find("section.plan")
        plan = next(p for p in cp.ok("GET", "/usageplans")["item"] if p["name"] == "basic")
        assert plan["throttle"] == {"rateLimit": 5.0, "burstLimit": 10}
        assert plan["quota"]["limit"] == 1000 and plan["apiStages"] == [{"apiId": api["id"], "stage": "prod"}]
        assert card.get_attribute("data-plan-id") == plan["id"]
        ui.click("section.plan form button[type=submit]")  # add the only key
        wait_for(lambda: cp.ok("GET", f"/usageplans/{plan['id']}/keys")["item"], what="the key in the plan")
        ui.find("section.plan canvas")
        # the key's requests show in the plan's usage chart
        for dp in dps:
            dp.wait_version(cp.version())
        wait_for(lambda: dps[0].request("POST", api["id"], "prod", "/hello",
                                        headers={"x-api-key": value}).status_code == 200, what="the key accepted")
        for _ in range(4):
            assert dps[1].request("POST", api["id"], "prod", "/hello", headers={"x-api-key": value}).status_code == 200
        assert dps[0].request("POST", api["id"], "prod", "/hello").status_code == 403
        today = time.strftime("%Y-%m-%d", time.gmtime())
        wait_for(lambda: sum(v[0] for v in cp.ok("GET", f"/usageplans/{plan['id']}/usage?startDate={today}"
                                                     f"&endDate={today}")["values"].get(key["id"], [[0, 0]])) >= 5,
                 what="the usage counted")
        ui.route("#/cluster")
        ui.route("#/keys")

        def charted():
            return ui.driver.execute_script(
                "const c = document.querySelector('section.plan canvas');"
                "const ch = c && window.Chart.getChart(c);"
                "return ch ? ch.data.datasets.map(d => [d.label, d.data[d.data.length - 1]]) : null;")
        assert wait_for(charted, what="the usage chart") == [["alice", 5]], charted()
        ui.shot("08-keys-and-plans")

        # -- Metrics: traffic shows up in the charts, per method where metrics are enabled
        cp.ok("PATCH", f"/restapis/{api['id']}/stages/prod",
              {"patchOperations": [{"op": "replace", "path": "/~1hello/GET/metrics/enabled", "value": "true"}]})
        for dp in dps:
            dp.wait_version(cp.version())
        for _ in range(20):
            dps[0].get(api["id"], "prod", "/hello")
        ui.route(f"#/metrics/{api['id']}/prod")
        ui.find(".charts canvas")
        assert not ui.finds("#new-key-value")  # shown once: gone once the page is left
        wait_for(lambda: sum(cp.ok("GET", f"/cluster/metrics?api={api['id']}&stage=prod")["metrics"]["Count"]["sum"])
                 >= 20, timeout=15, what="the requests in the metrics")
        ui.route(f"#/metrics/{api['id']}")
        ui.route(f"#/metrics/{api['id']}/prod")
        wait_for(lambda: int(ui.text("#metrics-note").split()[0]) >= 20, timeout=20, interval=0.3,
                 what="the count on the metrics page")
        options = [o.text for o in ui.finds("#metrics-method option")]
        assert options == ["All methods", "GET /hello"], options
        ui.driver.execute_script("document.querySelector('#metrics-note').textContent = ''")
        ui.choose("#metrics-method", '["/hello","GET"]')
        wait_for(lambda: ui.text("#metrics-note") and int(ui.text("#metrics-note").split()[0]) == 20,
                 timeout=20, interval=0.3, what="the method's own count")
        time.sleep(0.5)
        ui.shot("09-metrics")

        # -- an API whose name is markup is shown as text, and nothing runs
        xss = cp.ok("POST", "/restapis", {"name": XSS_NAME, "description": XSS_NAME}, expect=201)
        ui.route("#/cluster")
        ui.route("#/apis")
        cell = ui.find(f"#apis-table tr[data-api-id='{xss['id']}'] td.api-name")
        assert cell.text == XSS_NAME
        assert not ui.finds("#main img")
        ui.shot("10-apis")
        ui.route(f"#/apis/{xss['id']}")
        ui.wait_text("#api-title", XSS_NAME)
        assert not ui.finds("#main img")
        ui.route(f"#/stages/{xss['id']}")
        ui.find("#stages-api")
        time.sleep(0.5)
        assert not ui.finds("img")
        with pytest.raises(NoAlertPresentException):
            ui.driver.switch_to.alert.text
        assert ui.driver.execute_script("return document.querySelectorAll('img').length") == 0

        # -- tablet width: the pages fit, nothing scrolls sideways
        ui.driver.set_window_size(800, 1100)
        for route, name in ((f"#/stages/{api['id']}", "11-tablet-stages"), ("#/cluster", "12-tablet-cluster")):
            ui.route(route)
            ui.find("main section")
            time.sleep(0.5)
            overflow = ui.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (route, overflow)
            ui.shot(name)
        ui.driver.set_window_size(1280, 900)

        # -- the page obeyed its policy: no CSP violation, no script error
        expected = ("/models?", "/requestvalidators?",  # endpoints this control plane lacks: hidden
                    "/v2/apis?", "/2015-03-31/functions?",
                    "/cluster/nodes - Failed to load resource: the server responded with a status of 401")
        problems = [e for e in ui.browser_log() if e["level"] == "SEVERE"
                    and not any(x in e["message"] for x in expected)]
        assert not problems, problems
        assert not [e for e in ui.logs if "Content Security Policy" in e["message"]], ui.logs

        # -- sign out forgets the token and the page
        ui.route("#/apis")
        ui.find("#apis-table")
        ui.click("#sign-out")
        ui.find("#sign-in")
        assert ui.driver.execute_script("return sessionStorage.length") == 0
        assert "console-demo" not in ui.driver.find_element("id", "main").text
        assert not ui.finds("#top:not([hidden])")
        ui.shot("13-signed-out")
    finally:
        ui.quit()
