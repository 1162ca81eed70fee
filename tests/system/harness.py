"""Real-process harness for Portico's system tests.

Starts portico-cp, portico-dp and upstream HTTP servers on ephemeral loopback
ports, talks to them over HTTP like a user would, and stops or kills them.
Runs under Debian's /usr/bin/python3 (pytest, requests)."""

import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("PORTICO_BUILD_DIR", os.path.join(ROOT, "build"))
CP_BIN = os.path.join(BUILD, "controlplane", "portico-cp")
DP_BIN = os.path.join(BUILD, "dataplane", "portico-dp")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_run(n):
    """A base port with n consecutive free ports above it."""
    for _ in range(200):
        base = free_port()
        if base + n > 65535:
            continue
        socks = []
        try:
            for i in range(n):
                s = socket.socket()
                s.bind(("127.0.0.1", base + i))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no run of free ports")


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (requests.ConnectionError, requests.Timeout) as e:
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


class Process:
    """A child process whose output goes to a log file in its directory."""

    started = []  # every process of the current test, checked for sanitizer reports

    def __init__(self, argv, env, log_path):
        self.argv, self.env, self.log_path = argv, env, log_path
        self.proc = None
        Process.started.append(self)

    def sanitizer_report(self):
        text = self.output() if os.path.exists(self.log_path) else ""
        for mark in SANITIZER_MARKS:
            i = text.find(mark)
            if i >= 0:
                return text[max(0, i - 200):i + 3000]
        return None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self.log.close()

    def kill(self):
        return self.stop(signal.SIGKILL)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


class ControlPlane(Process):
    def __init__(self, workdir, secret, token="test-admin-token-0123456789", extra_env=None,
                 extra_args=()):
        self.dir = os.path.join(workdir, "cp")
        os.makedirs(self.dir, exist_ok=True)
        self.token, self.secret = token, secret
        self.admin_port = free_port()
        self.cluster_port = free_port_run(3)
        env = dict(os.environ, PORTICO_ADMIN_TOKEN=token, PORTICO_CLUSTER_SECRET=secret)
        env.update(extra_env or {})
        super().__init__([CP_BIN, "--data-dir", os.path.join(self.dir, "data"),
                          "--admin-listen", f"127.0.0.1:{self.admin_port}",
                          "--cluster-listen", self.cluster_url, *extra_args], env,
                         os.path.join(self.dir, "cp.log"))
        self.base_argv = list(self.argv[:7])
        self.session = requests.Session()

    @property
    def cluster_url(self):
        return f"tcp://127.0.0.1:{self.cluster_port}"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.admin_port}"

    def start(self):
        super().start()
        wait_for(lambda: self.session.get(self.url + "/healthz", timeout=1).status_code == 200,
                 timeout=30, what="control plane health")
        return self

    def restart(self, extra_args=None):
        """Stops (SIGTERM) and starts again on the same ports and data directory."""
        self.stop()
        if extra_args is not None:
            self.argv = self.base_argv + list(extra_args)
        return self.start()

    def call(self, method, path, body=None, token=None, raw=None, **kw):
        headers = {"Authorization": f"Bearer {token or self.token}"}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return self.session.request(method, self.url + path, data=data, headers=headers, timeout=10, **kw)

    def ok(self, method, path, body=None, expect=None):
        r = self.call(method, path, body)
        if expect is not None:
            assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        else:
            assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def nodes(self):
        return self.ok("GET", "/cluster/nodes")

    def version(self):
        return self.nodes()["currentVersion"]


class DataPlane(Process):
    def __init__(self, workdir, cp, name="dp1", threads=2, secret=None, extra_args=(), status=False):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.name, self.cp = name, cp
        self.port = free_port()
        self.status_port = free_port() if status else None
        if status:
            extra_args = (*extra_args, "--status-listen", f"127.0.0.1:{self.status_port}")
        env = dict(os.environ, PORTICO_CLUSTER_SECRET=secret or cp.secret)
        super().__init__([DP_BIN, "--control-plane", cp.cluster_url, "--listen", f"127.0.0.1:{self.port}",
                          "--state-dir", os.path.join(self.dir, "state"), "--node-id", name,
                          "--threads", str(threads), *extra_args], env, os.path.join(self.dir, "dp.log"))
        self.session = requests.Session()

    def start(self, wait_ready=True):
        super().start()
        if wait_ready:
            wait_for(lambda: self.session.get(self.base + "/", timeout=1).status_code != 503,
                     timeout=30, what=f"{self.name} to serve a snapshot")
        return self

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def status_url(self):
        return f"http://127.0.0.1:{self.status_port}"

    def url(self, api_id, stage, path="/"):
        """Path-style URL (works without a Host header)."""
        return f"{self.base}/restapis/{api_id}/{stage}/_user_request_{path}"

    def get(self, api_id, stage, path="/", **kw):
        return self.request("GET", api_id, stage, path, **kw)

    def request(self, method, api_id, stage, path="/", host_style=True, **kw):
        kw.setdefault("timeout", 10)
        if host_style:
            headers = dict(kw.pop("headers", {}) or {})
            headers["Host"] = f"{api_id}.execute-api.localhost:{self.port}"
            return self.session.request(method, f"{self.base}/{stage}{path}", headers=headers, **kw)
        return self.session.request(method, self.url(api_id, stage, path), **kw)

    def wait_version(self, version, timeout=10):
        def applied():
            for n in self.cp.nodes()["item"]:
                if n["nodeId"] == self.name and n["appliedVersion"] >= version:
                    return True
            return False
        wait_for(applied, timeout, what=f"{self.name} at version {version}")


class Upstream:
    """An HTTP/1.1 server on loopback that answers JSON describing the request
    it got (with "n", its call number); counts calls; can be told to delay, to
    answer a given status, or to pad its answers to at least `pad` bytes."""

    def __init__(self, name="upstream", delay=0.0, status=200, pad=0):
        self.name, self.delay, self.status, self.pad = name, delay, status, pad
        self.calls = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_any(self):
                n = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(n) if n else b""
                record = {"name": outer.name, "method": self.command, "path": self.path,
                          "headers": {k.lower(): v for k, v in self.headers.items()},
                          "body": body.decode(errors="replace")}
                with outer.lock:
                    outer.calls.append(record)
                    record = dict(record, n=len(outer.calls))
                if outer.delay:
                    time.sleep(outer.delay)
                if outer.pad:
                    record["pad"] = "x" * max(0, outer.pad - len(json.dumps(record)) - 9)
                out = json.dumps(record).encode()
                self.send_response(outer.status)
                self.send_header("content-type", "application/json")
                self.send_header("x-upstream", outer.name)
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = handle_any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def make_proxy_api(cp, upstream_url, name="demo", path_parts=("pets",), greedy=True):
    """An API with GET /pets -> upstream/pets and ANY /pets/{proxy+} -> upstream/pets/{proxy}."""
    api = cp.ok("POST", "/restapis", {"name": name}, expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    parent = root
    path = ""
    for part in path_parts:
        res = cp.ok("POST", f"/restapis/{api_id}/resources/{parent}", {"pathPart": part}, expect=201)
        parent, path = res["id"], path + "/" + part
    cp.ok("PUT", f"/restapis/{api_id}/resources/{parent}/methods/GET", {"authorizationType": "NONE"}, expect=201)
    cp.ok("PUT", f"/restapis/{api_id}/resources/{parent}/methods/GET/integration",
          {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": upstream_url + path}, expect=201)
    ids = {"api": api_id, "root": root, "leaf": parent}
    if greedy:
        proxy = cp.ok("POST", f"/restapis/{api_id}/resources/{parent}", {"pathPart": "{proxy+}"}, expect=201)
        cp.ok("PUT", f"/restapis/{api_id}/resources/{proxy['id']}/methods/ANY",
              {"authorizationType": "NONE", "requestParameters": {"method.request.path.proxy": True}}, expect=201)
        cp.ok("PUT", f"/restapis/{api_id}/resources/{proxy['id']}/methods/ANY/integration",
              {"type": "HTTP_PROXY", "httpMethod": "ANY", "uri": upstream_url + path + "/{proxy}",
               "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}}, expect=201)
        ids["proxy"] = proxy["id"]
    return ids


def deploy(cp, api_id, stage="prod", **extra):
    body = {"stageName": stage}
    body.update(extra)
    return cp.ok("POST", f"/restapis/{api_id}/deployments", body, expect=201)


WRK_COUNTER = r"""
-- Counts responses by status and by the X-Deployment header, and responses
-- whose body does not name the deployment their header names.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {}; statuses = {}; mismatches = 0 end
function response(status, headers, body)
  local d = headers["X-Deployment"] or headers["x-deployment"] or "none"
  counts[d] = (counts[d] or 0) + 1
  statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  if d ~= "none" and not string.find(body, '"' .. d .. '"', 1, true) then mismatches = mismatches + 1 end
end
local function merge(into, from) for k, v in pairs(from) do into[k] = (into[k] or 0) + v end end
local function dump(t)
  local parts = {}
  for k, v in pairs(t) do table.insert(parts, string.format('"%s": %d', k, v)) end
  return "{" .. table.concat(parts, ", ") .. "}"
end
function done(summary, latency, requests)
  local c, s, m = {}, {}, 0
  for _, t in ipairs(threads) do merge(c, t:get("counts")); merge(s, t:get("statuses")); m = m + t:get("mismatches") end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "counts": %s, "statuses": %s, "mismatches": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, dump(c), dump(s), m, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def run_wrk(url, host, seconds=3, connections=10, threads=2, tmpdir="/tmp"):
    """Runs wrk against url with a Host header; returns the counter script's summary."""
    # a file per call: runs in parallel threads must not rewrite each other's script
    fd, script = tempfile.mkstemp(prefix="wrk_counter.", suffix=".lua", dir=tmpdir)
    with os.fdopen(fd, "w") as f:
        f.write(WRK_COUNTER)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                          "-H", f"Host: {host}", "-s", script, url],
                         capture_output=True, text=True, timeout=seconds + 60)
    for line in out.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON "):])
    raise AssertionError(f"wrk gave no summary: {out.stdout} {out.stderr}")


def add_mock_method(cp, api_id, resource_id, verb, label):
    """A MOCK method answering 200 with X-Deployment: label and {"deployment": "label"}."""
    base = f"/restapis/{api_id}/resources/{resource_id}/methods/{verb}"
    if cp.call("GET", base).status_code == 404:
        cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
        cp.ok("PUT", base + "/responses/200",
              {"responseParameters": {"method.response.header.X-Deployment": True}}, expect=201)
    cp.ok("PUT", base + "/integration",
          {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}, expect=201)
    cp.ok("PUT", base + "/integration/responses/200",
          {"selectionPattern": "",
           "responseParameters": {"method.response.header.X-Deployment": f"'{label}'"},
           "responseTemplates": {"application/json": json.dumps({"deployment": label})}}, expect=201)


class JsonServer:
    """An HTTP/1.1 server on loopback whose answers come from
    handler(request) -> (status, body[, headers]), where request is a dict
    {method, path, headers (lower-case names), body (bytes), json (or None)}
    and body is a dict/list (sent as JSON), str or bytes. Records every
    request; the handler may be replaced at any time."""

    def __init__(self, handler, host="127.0.0.1"):
        self.handler = handler
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_any(self):
                n = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(n) if n else b""
                try:
                    parsed = json.loads(body) if body else None
                except ValueError:
                    parsed = None
                req = {"method": self.command, "path": self.path, "body": body, "json": parsed,
                       "headers": {k.lower(): v for k, v in self.headers.items()}}
                with outer.lock:
                    outer.requests.append(req)
                answer = outer.handler(req)
                status, out = answer[0], answer[1]
                headers = answer[2] if len(answer) > 2 else {}
                if isinstance(out, (dict, list)):
                    out = json.dumps(out).encode()
                    headers.setdefault("content-type", "application/json")
                elif isinstance(out, str):
                    out = out.encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = handle_any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def calls(self, path_prefix=""):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(path_prefix)]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def make_mock_api(cp, name="mocked", path_parts=("pets",), body='{"ok": true}', auth=None):
    """An API with GET /<parts> answered by a MOCK integration (status 200,
    body). auth: dict of extra method fields (authorizationType, ...)."""
    api = cp.ok("POST", "/restapis", {"name": name}, expect=201)
    api_id, parent = api["id"], api["rootResourceId"]
    for part in path_parts:
        parent = cp.ok("POST", f"/restapis/{api_id}/resources/{parent}", {"pathPart": part}, expect=201)["id"]
    put_mock_method(cp, api_id, parent, "GET", body, auth)
    return {"api": api_id, "root": api["rootResourceId"], "leaf": parent}


def put_mock_method(cp, api_id, resource_id, verb="GET", body='{"ok": true}', auth=None):
    base = f"/restapis/{api_id}/resources/{resource_id}/methods/{verb}"
    method = {"authorizationType": "NONE"}
    method.update(auth or {})
    cp.ok("PUT", base, method, expect=201)
    cp.ok("PUT", base + "/responses/200", {}, expect=201)
    cp.ok("PUT", base + "/integration",
          {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}, expect=201)
    cp.ok("PUT", base + "/integration/responses/200",
          {"responseTemplates": {"application/json": body}}, expect=201)


CHROMIUM = "/usr/bin/chromium"


class Chromium(Process):
    """Headless Chromium on one page, with a fresh profile; the page reports
    what it saw to its own server, so no DevTools client is needed."""

    def __init__(self, workdir, url):
        profile = os.path.join(workdir, "chromium-profile")
        os.makedirs(profile, exist_ok=True)
        super().__init__([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                          "--no-first-run", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                          url], dict(os.environ), os.path.join(workdir, "chromium.log"))

    def sanitizer_report(self):
        return None  # not ours


def parse_prometheus(text):
    """Parses the Prometheus text exposition format (0.0.4) by its rules and
    checks what a scraper relies on; returns {(name, frozenset(labels)): value}.
    Every line is blank, a comment (# HELP / # TYPE with a valid name), or
    `name{label="value",...} value [timestamp]`; label values use the \\, \"
    and \n escapes only; a family's samples follow its TYPE line; histograms
    have cumulative _bucket samples ending at le="+Inf" equal to _count, and
    a _sum."""
    import math
    import re
    name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
    sample_re = re.compile(r"^(" + name_re + r")(?:\{(.*)\})? ([^ ]+)(?: (-?[0-9]+))?$")
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\[\\"n])*)"(,|$)')
    types, samples, current = {}, {}, None
    assert text.endswith("\n"), "the exposition must end with a newline"
    for line in text.split("\n")[:-1]:
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                assert re.fullmatch(name_re, parts[2]), line
                if parts[1] == "TYPE":
                    assert parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"), line
                    assert parts[2] not in types, f"second TYPE for {parts[2]}"
                    types[parts[2]] = parts[3]
                    current = parts[2]
            continue
        m = sample_re.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels_text, value = m.group(1), m.group(2) or "", m.group(3)
        labels, pos = {}, 0
        while pos < len(labels_text):
            lm = label_re.match(labels_text, pos)
            assert lm, f"bad labels in {line!r}"
            raw = lm.group(2)
            labels[lm.group(1)] = re.sub(r"\\(.)", lambda e: {"n": "\n"}.get(e.group(1), e.group(1)), raw)
            pos = lm.end()
        v = float(value)  # accepts +Inf, -Inf, NaN as the format does
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if types.get(current) == "histogram" and name == current + suffix:
                family = current
        assert family == current, f"{name} outside its family's block ({current})"
        key = (name, frozenset(labels.items()))
        assert key not in samples, f"duplicate sample {line!r}"
        samples[key] = v
        if types[current] == "counter":
            assert v >= 0 and not math.isnan(v), line
    for fam, typ in types.items():
        if typ != "histogram":
            continue
        groups = {}
        for (name, labels), v in samples.items():
            if name == fam + "_bucket":
                d = dict(labels)
                le = d.pop("le")
                groups.setdefault(frozenset(d.items()), []).append((float(le), v))
        for labels, buckets in groups.items():
            buckets.sort()
            assert buckets[-1][0] == math.inf, f"{fam}: no +Inf bucket"
            counts = [c for _, c in buckets]
            assert counts == sorted(counts), f"{fam}: buckets not cumulative"
            assert samples[(fam + "_count", labels)] == counts[-1], f"{fam}: _count != +Inf bucket"
            assert (fam + "_sum", labels) in samples, f"{fam}: no _sum"
    return samples


def promtool_check(text):
    """promtool (Debian's prometheus package) lints the exposition; None when absent."""
    if not os.path.exists("/usr/bin/promtool"):
        return None
    out = subprocess.run(["/usr/bin/promtool", "check", "metrics"], input=text, capture_output=True,
                         text=True, timeout=60)
    return out.returncode, out.stdout + out.stderr


def make_key_api(cp, name="keys"):
    """An API with MOCK methods: GET /pets and POST /pets need an API key,
    GET /open does not. Returns {"api", "root", "pets", "open"}."""
    api = cp.ok("POST", "/restapis", {"name": name}, expect=201)
    a, root = api["id"], api["rootResourceId"]
    ids = {"api": a, "root": root}
    for part, verbs in (("pets", (("GET", True), ("POST", True))), ("open", (("GET", False),))):
        rid = cp.ok("POST", f"/restapis/{a}/resources/{root}", {"pathPart": part}, expect=201)["id"]
        ids[part] = rid
        for verb, needs_key in verbs:
            base = f"/restapis/{a}/resources/{rid}/methods/{verb}"
            cp.ok("PUT", base, {"authorizationType": "NONE", "apiKeyRequired": needs_key}, expect=201)
            cp.ok("PUT", base + "/integration", {"type": "MOCK"}, expect=201)
            cp.ok("PUT", base + "/responses/200", {}, expect=201)
            cp.ok("PUT", base + "/integration/responses/200",
                  {"selectionPattern": "", "responseTemplates": {"application/json": '{"ok": true}'}}, expect=201)
    return ids


def make_key(cp, enabled=True, **extra):
    body = {"name": extra.pop("name", "customer"), "enabled": enabled}
    body.update(extra)
    return cp.ok("POST", "/apikeys", body, expect=201)


def make_plan(cp, api_id, stage="prod", keys=(), **extra):
    body = {"name": extra.pop("name", "plan"), "apiStages": [{"apiId": api_id, "stage": stage}]}
    body.update(extra)
    plan = cp.ok("POST", "/usageplans", body, expect=201)
    for key in keys:
        cp.ok("POST", f"/usageplans/{plan['id']}/keys", {"keyId": key["id"], "keyType": "API_KEY"}, expect=201)
    return plan
