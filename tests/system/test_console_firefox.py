"""The web console in Firefox: Debian's firefox-esr, headless, driven over
its built-in WebDriver BiDi endpoint (tests/system/bidi.py, no geckodriver).
At laptop width (1280x800) an operator signs in with the keyboard, creates an
API with a resource and a MOCK method, deploys it (a data plane serves it),
reaches the Cluster page with Tab and Enter, makes a key, opens the metrics;
then at tablet width (800x1024) every page fits without sideways scrolling.
No script error, console error or CSP violation may happen on the way.
Screenshots go to BUILD/test-reports/console-firefox/."""

import os
import time

import pytest

from bidi import ENTER, FIREFOX, SHIFT, TAB, BidiError, Firefox, Page
from console_flow import create_mock_api
from harness import BUILD, wait_for

XSS_NAME = "<img src=x onerror=alert(1)>"

# Records CSP violations in each document before the console's own scripts run
CSP_RECORDER = """() => {
  window.__porticoCsp = [];
  document.addEventListener("securitypolicyviolation",
    (e) => window.__porticoCsp.push(`${e.violatedDirective} ${e.blockedURI}`));
}"""


class FirefoxConsole:
    def __init__(self, cp, tmp_path):
        self.cp = cp
        self.ff = Firefox(str(tmp_path / "firefox-profile"), str(tmp_path / "firefox.log"))
        self.ff.cmd("session.subscribe", {"events": ["log.entryAdded"]})
        self.ff.cmd("script.addPreloadScript", {"functionDeclaration": CSP_RECORDER})
        self.page = Page(self.ff)
        self.reports = os.path.join(BUILD, "test-reports", "console-firefox")
        os.makedirs(self.reports, exist_ok=True)

    def js(self, body, *args):
        return self.page.js(body, *args)

    def wait(self, body, *args, what, timeout=15):
        return wait_for(lambda: self.js(body, *args), timeout=timeout, interval=0.1, what=what)

    def find(self, css, what=None, timeout=15):
        """Waits for a rendered (laid out, not hidden) element matching css."""
        return self.wait("const e = document.querySelector(args[0]);"
                         "return !!e && e.getClientRects().length > 0;", css, what=what or css, timeout=timeout)

    def text(self, css):
        return self.js("const e = document.querySelector(args[0]); return e && e.textContent;", css)

    def wait_text(self, css, want, timeout=15):
        return wait_for(lambda: want in (self.text(css) or ""), timeout=timeout, interval=0.1,
                        what=f"{want!r} in {css} (now {self.text(css)!r})")

    def active(self):
        return self.js("const e = document.activeElement;"
                       "return {id: e.id, tag: e.tagName, text: e.textContent.trim(), type: e.type || ''};")

    def fill(self, css, value):
        """Focuses the field, empties it and types into it with real key events."""
        self.find(css)
        self.js("const e = document.querySelector(args[0]); e.focus(); e.select && e.select();", css)
        self.page.keys(value)
        got = self.js("return document.querySelector(args[0]).value", css)
        assert got == value, (css, got, value)

    def choose(self, css, value):
        self.find(css)
        ok = self.js("const s = document.querySelector(args[0]);"
                     "if (![...s.options].some(o => o.value === args[1])) return false;"
                     "s.value = args[1]; s.dispatchEvent(new Event('input', {bubbles: true}));"
                     "s.dispatchEvent(new Event('change', {bubbles: true})); return true;", css, value)
        assert ok, (css, value)

    def click(self, css):
        """A real pointer click at the middle of the element."""
        self.find(css)
        x, y = self.js("const e = document.querySelector(args[0]); e.scrollIntoView({block: 'center'});"
                       "const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2];", css)
        self.ff.cmd("input.performActions", {"context": self.page.context, "actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": [
                {"type": "pointerMove", "x": int(x), "y": int(y), "origin": "viewport"},
                {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}]}]})

    def route(self, route):
        self.js("location.hash = args[0]", route)

    def no_error(self):
        errors = self.js("return [...document.querySelectorAll('#flash .error')]"
                         ".filter(e => e.getClientRects().length).map(e => e.textContent)")
        assert not errors, errors

    def overflow(self):
        return self.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")

    def shot(self, name):
        self.page.screenshot(os.path.join(self.reports, f"{name}.png"))

    def problems(self):
        """Script errors, console errors and CSP reports seen so far."""
        self.ff.pump(0.1)
        logged = [f"{e['params'].get('type')}: {e['params'].get('text')}" for e in self.ff.events
                  if e.get("method") == "log.entryAdded" and e["params"].get("level") == "error"]
        return logged + [f"csp: {v}" for v in (self.js("return window.__porticoCsp || []") or [])]


@pytest.fixture
def firefox(cp, tmp_path):
    if not os.path.exists(FIREFOX):
        pytest.skip("firefox-esr is not installed")
    ui = FirefoxConsole(cp, tmp_path)
    yield ui
    ui.ff.quit()


def test_console_in_firefox(cp, make_dp, firefox):
    ui = firefox
    dp = make_dp().start()
    ui.page.set_viewport(1280, 800)
    assert ui.js("return [innerWidth, innerHeight]") == [1280, 800]

    # -- sign in with the keyboard: the token field has the focus, Tab reaches the button
    ui.page.navigate(f"{cp.url}/console/")
    ui.find("#token")
    ui.wait("return document.activeElement && document.activeElement.id === 'token'", what="focus on #token")
    ui.page.keys(TAB)
    assert ui.active()["id"] == "sign-in-button", ui.active()
    ui.page.chord(SHIFT, TAB)
    assert ui.active()["id"] == "token", ui.active()
    ui.page.keys("not-the-token-0123456789", ENTER)
    ui.wait_text("#sign-in-status", "Wrong token")
    assert ui.js("return sessionStorage.length") == 0
    ui.shot("01-wrong-token")
    ui.fill("#token", cp.token)
    ui.page.keys(ENTER)
    ui.find("#create-api")
    assert ui.js("return sessionStorage.getItem('portico.adminToken')") == cp.token
    assert cp.token not in ui.js("return location.href") and ui.js("return document.cookie") == ""

    # -- APIs: create one, a resource and a MOCK method, all from the page
    api, hello = create_mock_api(ui, cp, "firefox-demo", "made in Firefox", '{"from": "firefox"}')
    assert ui.overflow() <= 0
    ui.shot("02-api")

    # -- Stages: deploy; the data plane serves what was made in the page
    ui.route(f"#/stages/{api['id']}")
    ui.fill("#deploy-stage", "prod")
    ui.fill("#deploy-description", "from Firefox")
    ui.click("#deploy-form button[type=submit]")
    ui.find("section.stage[data-stage='prod']")
    deployment = cp.ok("GET", f"/restapis/{api['id']}/stages/prod")["deploymentId"]
    ui.wait_text("section.stage[data-stage='prod'] .stage-deployment", deployment)
    dp.wait_version(cp.version())
    r = dp.get(api["id"], "prod", "/hello")
    assert r.status_code == 200 and r.json() == {"from": "firefox"}, r.text
    ui.no_error()
    ui.shot("03-stages")

    # -- Cluster, reached with Tab and Enter through the skip link and the menu
    ui.js("document.activeElement.blur(); window.scrollTo(0, 0)")
    seen = []
    for _ in range(12):
        ui.page.keys(TAB)
        seen.append(ui.active()["text"])
        if seen[-1] == "Cluster":
            break
    assert seen[0] == "Skip to content" and seen[-1] == "Cluster", seen
    menu = [t for t in seen if t in ("APIs", "Stages", "Keys and plans", "Cluster")]
    assert menu == ["APIs", "Stages", "Keys and plans", "Cluster"], seen
    ui.page.keys(ENTER)
    ui.wait("return location.hash === '#/cluster'", what="the cluster route")
    in_sync = f"#nodes-table tr[data-node-id='{dp.name}'][data-status='IN_SYNC']"
    ui.wait("return !!document.querySelector(args[0])", in_sync, what="the node IN_SYNC on the page", timeout=20)
    assert int(ui.text("#current-version")) == cp.version()
    ui.shot("04-cluster")

    # -- Keys and plans: a new key's value is shown once
    ui.route("#/keys")
    ui.fill("#new-key-name", "firefox-key")
    ui.click("#create-key button[type=submit]")
    ui.find("#new-key-value")
    value = ui.js("return document.querySelector('#new-key-value').value")
    key = next(k for k in cp.ok("GET", "/apikeys")["item"] if k["name"] == "firefox-key")
    assert len(value) >= 20 and value.startswith(key["valuePrefix"])
    ui.no_error()
    ui.shot("05-keys")

    # -- Metrics: the charts draw (Chart.js in Firefox)
    for _ in range(5):
        dp.get(api["id"], "prod", "/hello")
    ui.route(f"#/metrics/{api['id']}/prod")
    ui.find(".charts canvas")
    ui.wait("const c = document.querySelector('.charts canvas');"
            "return !!(window.Chart && window.Chart.getChart(c))", what="a Chart.js chart on the canvas")
    ui.no_error()

    # -- an API whose name is markup is shown as text
    xss = cp.ok("POST", "/restapis", {"name": XSS_NAME}, expect=201)
    ui.route("#/apis")
    ui.find(f"#apis-table tr[data-api-id='{xss['id']}'] td.api-name")
    assert ui.text(f"#apis-table tr[data-api-id='{xss['id']}'] td.api-name") == XSS_NAME
    assert ui.js("return document.querySelectorAll('img').length") == 0

    # -- tablet width: every page fits, nothing scrolls sideways
    ui.page.set_viewport(800, 1024)
    assert ui.js("return document.documentElement.clientWidth") <= 800
    pages = [("apis", "#/apis", "#apis-table"), ("api", f"#/apis/{api['id']}", "#resource-tree"),
             ("stages", f"#/stages/{api['id']}", "section.stage[data-stage='prod']"),
             ("keys", "#/keys", "#create-key"), ("cluster", "#/cluster", "#nodes-table"),
             ("metrics", f"#/metrics/{api['id']}/prod", ".charts canvas")]
    for i, (name, route, css) in enumerate(pages):
        ui.route("#/cluster" if route != "#/cluster" else "#/apis")
        ui.route(route)
        ui.find(css, what=f"{css} on {route}")
        time.sleep(0.2)  # let the layout settle (charts resize on their own)
        assert ui.overflow() <= 0, (route, ui.overflow())
        ui.no_error()
        ui.shot(f"{6 + i:02d}-tablet-{name}")
    ui.page.set_viewport(1280, 800)

    # -- nothing went wrong in the page: no script error, console error or CSP violation
    problems = ui.problems()
    assert not problems, problems

    # -- sign out forgets the token and the page
    ui.route("#/apis")
    ui.find("#apis-table")
    ui.click("#sign-out")
    ui.find("#sign-in")
    assert ui.js("return sessionStorage.length") == 0
    assert "firefox-demo" not in ui.text("#main")
    assert ui.js("return document.getElementById('top').hidden") is True
    assert not ui.problems()


def test_bidi_errors_are_reported(firefox):
    """The client sees the page's errors: the check above can fail."""
    ui = firefox
    ui.page.navigate(f"{ui.cp.url}/console/")
    ui.find("#token")
    ui.js("setTimeout(() => { throw new Error('planted failure'); }, 0)")
    wait_for(lambda: any("planted failure" in p for p in ui.problems()), timeout=5, what="the planted error")
    with pytest.raises(BidiError):
        ui.js("return no_such_name.x")
