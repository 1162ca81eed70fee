"""A small WebDriver BiDi client (https://w3c.github.io/webdriver-bidi/) for
the console's Firefox test: Firefox ESR has the protocol built in, so no
geckodriver is needed. `Firefox` starts a headless firefox-esr on a fresh
profile with --remote-debugging-port 0, reads the "WebDriver BiDi listening
on ws://..." line and opens a BiDi-only session over python3-websockets
(Debian 12 ships 10.4: asyncio only, so the synchronous methods here run
the client's own event loop until their answer arrives).

Commands carry an id and wait for the message with that id; events (for
example log.entryAdded) are kept in `events` in arrival order."""

import asyncio
import base64
import json
import os
import re
import signal
import subprocess
import time

import websockets

FIREFOX = "/usr/bin/firefox-esr"

# Keys as WebDriver spells them (the code points of the WebDriver key table)
TAB, ENTER, ESCAPE, SHIFT = "\ue004", "\ue007", "\ue00c", "\ue008"

# Quiet, deterministic profile: nothing phones home, nothing asks first
PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.tabs.warnOnClose": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "app.normandy.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "extensions.update.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.newtabpage.enabled": False,
    "remote.active-protocols": 1,  # WebDriver BiDi only
    # Tab moves through links as well as form fields (macOS-style "text
    # controls only" is not the default on Linux; set it explicitly)
    "accessibility.tabfocus": 7,
    "signon.rememberSignons": False,
}


class BidiError(Exception):
    pass


class Firefox:
    """A headless firefox-esr and one BiDi session on it."""

    def __init__(self, profile, log_path, timeout=60):
        os.makedirs(profile, exist_ok=True)
        with open(os.path.join(profile, "user.js"), "w") as f:
            for k, v in PREFS.items():
                f.write(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n")
        self.log_path = log_path
        self.log = open(log_path, "wb")
        env = dict(os.environ, MOZ_HEADLESS="1", MOZ_CRASHREPORTER_DISABLE="1")
        self.proc = subprocess.Popen([FIREFOX, "--headless", "--no-remote", "--remote-debugging-port", "0",
                                      "--profile", profile, "about:blank"], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.loop = asyncio.new_event_loop()
        self.ws = None
        self.next_id = 0
        self.events = []
        try:
            url = self._wait_listening(timeout)
            self.ws = self._run(self._connect(url + "/session", timeout))
            self.session = self.cmd("session.new", {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": False}}})
        except BaseException:
            self.quit()
            raise

    def _wait_listening(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as f:
                m = re.search(rb"WebDriver BiDi listening on (ws://[0-9.:\[\]a-z]+)", f.read())
            if m:
                return m.group(1).decode()
            if self.proc.poll() is not None:
                raise BidiError(f"firefox-esr exited with {self.proc.returncode}:\n{self.output()}")
            time.sleep(0.1)
        raise BidiError(f"firefox-esr did not open its BiDi endpoint in {timeout} s:\n{self.output()}")

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    async def _connect(self, url, timeout):
        # websockets 10 binds the connection to the running loop: connect from inside it
        return await websockets.connect(url, max_size=64 << 20, ping_interval=None, open_timeout=timeout)

    def _run(self, coro):
        return self.loop.run_until_complete(coro)

    async def _command(self, method, params, timeout):
        self.next_id += 1
        mid = self.next_id
        await self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        deadline = self.loop.time() + timeout
        while True:
            left = deadline - self.loop.time()
            if left <= 0:
                raise BidiError(f"{method}: no answer in {timeout} s")
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), left))
            if msg.get("type") == "event":
                self.events.append(msg)
                continue
            if msg.get("id") != mid:
                continue  # an answer to a command that timed out before
            if msg.get("type") == "error":
                raise BidiError(f"{method}: {msg.get('error')}: {msg.get('message')}")
            return msg["result"]

    def cmd(self, method, params=None, timeout=30):
        """Sends one command and returns its result (raises BidiError on an error answer)."""
        return self._run(self._command(method, params or {}, timeout))

    async def _drain(self, seconds):
        end = self.loop.time() + seconds
        while (left := end - self.loop.time()) > 0:
            try:
                msg = json.loads(await asyncio.wait_for(self.ws.recv(), left))
            except asyncio.TimeoutError:
                break
            if msg.get("type") == "event":
                self.events.append(msg)

    def pump(self, seconds=0.05):
        """Collects the events that arrive within `seconds`."""
        self._run(self._drain(seconds))
        return self.events

    def quit(self):
        if self.ws is not None:
            try:
                self.cmd("session.end", timeout=5)
            except Exception:
                pass
            try:
                self._run(self.ws.close())
            except Exception:
                pass
            self.ws = None
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.loop.close()
        self.log.close()


class Page:
    """One top-level browsing context: navigate, evaluate, type, press keys."""

    def __init__(self, ff):
        self.ff = ff
        self.context = ff.cmd("browsingContext.getTree", {"maxDepth": 0})["contexts"][0]["context"]

    def navigate(self, url):
        return self.ff.cmd("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def set_viewport(self, width, height):
        self.ff.cmd("browsingContext.setViewport", {"context": self.context,
                                                     "viewport": {"width": width, "height": height}})

    def js(self, body, *args):
        """Runs `body` as a function body in the page (arguments as args[0]...);
        its return value comes back through JSON (promises awaited)."""
        fn = ("async () => { const args = " + json.dumps(list(args)) + "; const r = await (async () => { " +
              body + " })(); return JSON.stringify(r === undefined ? null : r); }")
        res = self.ff.cmd("script.callFunction", {
            "functionDeclaration": fn, "awaitPromise": True, "target": {"context": self.context},
            "resultOwnership": "none"})
        if res["type"] == "exception":
            d = res["exceptionDetails"]
            raise BidiError(f"script: {d.get('text')} (line {d.get('lineNumber')})")
        return json.loads(res["result"]["value"])

    def screenshot(self, path):
        data = self.ff.cmd("browsingContext.captureScreenshot", {"context": self.context})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def keys(self, *keys):
        """Presses each key (or types each character of a string) in turn."""
        actions = []
        for k in keys:
            for ch in ([k] if len(k) == 1 else list(k)):
                actions += [{"type": "keyDown", "value": ch}, {"type": "keyUp", "value": ch}]
        self.ff.cmd("input.performActions", {"context": self.context,
                                             "actions": [{"type": "key", "id": "keyboard", "actions": actions}]})

    def chord(self, *keys):
        """Holds the keys down in order (modifiers first), then releases them."""
        actions = [{"type": "keyDown", "value": k} for k in keys] + \
            [{"type": "keyUp", "value": k} for k in reversed(keys)]
        self.ff.cmd("input.performActions", {"context": self.context,
                                             "actions": [{"type": "key", "id": "keyboard", "actions": actions}]})
