"""The data plane's function host, end to end: functions created through the
control plane's Lambda API, their code fetched by hash by the node and
unpacked, runtime processes started, kept warm, killed, throttled, and
invoked through the control plane's Invoke (forwarded to the node with a
MAC) or the node's forwarded-invoke route directly. A `provided` bootstrap in
Python speaks the Runtime API with urllib; a nodejs20.x handler runs through
the real aws-lambda-ric from deploy/node-ric (skipped when not installed).
One control plane and one node serve the whole module."""

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import zipfile
import io

import pytest
import requests

from harness import ControlPlane, DataPlane, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
RIC = os.environ.get("PORTICO_NODE_RIC") or os.path.join(HERE, "..", "..", "deploy", "node-ric",
                                                         "node_modules", "aws-lambda-ric")
HAVE_RIC = os.path.exists(os.path.join(RIC, "dist", "rapid-client.node"))
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
# the node's own credentials, for remote functions (never a function's)
NODE_KEY_ID = "AKIAPORTICONODE00001"
NODE_SECRET = "portico-node-secret-0123456789abcdefghij"

BOOTSTRAP = r"""#!/usr/bin/python3
import json, os, sys, time, urllib.request
api = 'http://' + os.environ['AWS_LAMBDA_RUNTIME_API'] + '/2018-06-01/runtime'
def post(path, body, headers={}):
    req = urllib.request.Request(api + path, data=body, headers=headers, method='POST')
    return urllib.request.urlopen(req).status
if os.environ.get('MODE') == 'init-error':
    post('/init/error', b'{"errorMessage":"bad init","errorType":"InitError"}')
    sys.exit(1)
while True:
    r = urllib.request.urlopen(api + '/invocation/next')
    rid = r.headers['Lambda-Runtime-Aws-Request-Id']
    ev = r.read().decode()
    print('got ' + ev, flush=True)
    if ev == '"sleep"':
        time.sleep(30)
    if ev == '"nap"':
        time.sleep(3)
    if ev == '"crash"':
        os._exit(3)
    if ev == '"error"':
        post('/invocation/%s/error' % rid, b'{"errorMessage":"boom","errorType":"Boom"}',
             {'Lambda-Runtime-Function-Error-Type': 'Boom'})
        continue
    out = {'event': ev, 'pid': os.getpid(), 'headers': dict(r.headers)}
    if ev == '"env"':
        out['env'] = dict(os.environ)
    post('/invocation/%s/response' % rid, json.dumps(out).encode())
"""

NODE_HANDLER = """export const handler = async (event, context) => {
  console.log('node got', JSON.stringify(event));
  return { hello: event.name, fn: context.functionName, rid: context.awsRequestId };
};
"""


def zip_of(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, (data, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            z.writestr(info, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("fnhost"))
    secret = secrets.token_hex(24)
    cp = ControlPlane(work, secret)
    cp.start()
    log = os.path.join(work, "exec.log")
    args = ["--function-slots", "4", "--function-idle-seconds", "60", "--execution-log", log]
    if HAVE_RIC:
        args += ["--function-node-ric", os.path.abspath(RIC)]
    saved = dict(os.environ)
    os.environ.update(AWS_ACCESS_KEY_ID=NODE_KEY_ID, AWS_SECRET_ACCESS_KEY=NODE_SECRET)
    try:
        dp = DataPlane(work, cp, threads=1, extra_args=args)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    dp.start()
    yield cp, dp, secret, log
    dp.stop()
    cp.stop()


def create(cp, name, files, runtime="provided.al2023", handler="x", timeout=3, variables=None):
    body = {"FunctionName": name, "Runtime": runtime, "Handler": handler, "Role": ROLE,
            "Timeout": timeout, "Code": {"ZipFile": base64.b64encode(zip_of(files)).decode()}}
    if variables:
        body["Environment"] = {"Variables": variables}
    r = cp.call("POST", "/2015-03-31/functions", body)
    assert r.status_code == 201, r.text
    return r.json()


def invoke(cp, name, event, invocation_type=None, timeout=30):
    headers = {"Authorization": f"Bearer {cp.token}"}
    if invocation_type:
        headers["X-Amz-Invocation-Type"] = invocation_type
    return requests.post(f"{cp.url}/2015-03-31/functions/{name}/invocations",
                         data=json.dumps(event), headers=headers, timeout=timeout)


def invoke_when_there(cp, name, event):
    """The node learns of a new function with the next snapshot."""
    holder = {}

    def ok():
        holder["r"] = invoke(cp, name, event)
        return holder["r"].status_code not in (404, 503)  # not there yet, no node reported yet
    wait_for(ok, timeout=15, what=f"{name} on the node")
    return holder["r"]


def direct(dp, secret, ref, event, invocation_type="RequestResponse", mac=None, headers=None):
    """The node's forwarded-invoke route with a MAC made as the control plane makes it."""
    body = json.dumps(event).encode()
    t = int(time.time() * 1000)
    nonce = secrets.token_hex(16)
    msg = "portico-invoke\n%d\n%s\n%s\n%s\n%s" % (t, nonce, ref, invocation_type,
                                                  hashlib.sha256(body).hexdigest())
    m = hmac.new(secret.encode(), msg.encode(), hashlib.sha256).hexdigest()
    header = mac if mac is not None else f"t={t};n={nonce};m={m}"
    return requests.post(f"{dp.base}/.portico/invoke/{ref}", data=body, timeout=30,
                         headers={"x-portico-invoke": header,
                                  "x-amz-invocation-type": invocation_type, **(headers or {})})


BASIC = {"bootstrap": (BOOTSTRAP, 0o755)}


def read(path):
    return open(path).read() if os.path.exists(path) else ""


def test_provided_bootstrap_warm_and_environment(env):
    cp, dp, secret, log = env
    made = create(cp, "echo", BASIC, variables={"GREETING": "hello"})
    r = invoke_when_there(cp, "echo", "hi")
    assert r.status_code == 200, r.text
    assert r.headers.get("X-Amz-Executed-Version") == "$LATEST"
    assert "X-Amz-Function-Error" not in r.headers
    first = r.json()
    assert first["event"] == '"hi"'
    h = {k.lower(): v for k, v in first["headers"].items()}
    assert h["lambda-runtime-invoked-function-arn"] == made["FunctionArn"]
    assert int(h["lambda-runtime-deadline-ms"]) > time.time() * 1000
    # warm: the same process answers again
    again = invoke(cp, "echo", "again").json()
    assert again["pid"] == first["pid"]
    # the environment as the reference sets it, and nothing of the node's own
    e = invoke(cp, "echo", "env").json()["env"]
    assert e["AWS_LAMBDA_FUNCTION_NAME"] == "echo"
    assert e["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert e["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert e["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/echo"
    assert e["_HANDLER"] == "x" and e["GREETING"] == "hello"
    assert e["LAMBDA_TASK_ROOT"].endswith(made["CodeSha256"] and
                                          base64.b64decode(made["CodeSha256"]).hex())
    assert e["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert not any(k.startswith("PORTICO") for k in e), sorted(e)
    assert "AWS_SECRET_ACCESS_KEY" not in e and NODE_SECRET not in json.dumps(e)
    assert secret not in json.dumps(e) and cp.token not in json.dumps(e)
    # the code was unpacked once under its hash in the state directory
    code = os.path.join(dp.dir, "state", "functions", base64.b64decode(made["CodeSha256"]).hex())
    assert os.access(os.path.join(code, "bootstrap"), os.X_OK)
    # stdout lines in the execution log, tagged
    wait_for(lambda: "stdout got \"again\"" in read(log), timeout=5, what="the log line")
    line = [l for l in open(log) if 'stdout got "again"' in l][0]
    assert "function echo:$LATEST (invoke)" in line


def test_failures_answer_as_the_reference(env):
    cp, dp, secret, log = env
    create(cp, "faulty", BASIC, timeout=1)
    r = invoke_when_there(cp, "faulty", "error")
    assert r.status_code == 200 and r.headers["X-Amz-Function-Error"] == "Unhandled"
    assert r.json() == {"errorMessage": "boom", "errorType": "Boom"}
    r = invoke(cp, "faulty", "crash")
    assert r.headers["X-Amz-Function-Error"] == "Unhandled"
    assert r.json()["errorType"] == "Runtime.ExitError"
    assert "Runtime exited with error: exit status 3" in r.json()["errorMessage"]
    started = time.time()
    r = invoke(cp, "faulty", "sleep")
    assert r.headers["X-Amz-Function-Error"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in r.json()["errorMessage"]
    assert time.time() - started < 5
    # the function still answers after a crash and a kill
    assert invoke(cp, "faulty", "ok").status_code == 200
    create(cp, "initfail", BASIC, variables={"MODE": "init-error"})
    r = invoke_when_there(cp, "initfail", "x")
    assert r.headers["X-Amz-Function-Error"] == "Unhandled" and "bad init" in r.text
    create(cp, "noexec", {"bootstrap": (BOOTSTRAP, 0o644)})
    r = invoke_when_there(cp, "noexec", "x")
    assert r.headers["X-Amz-Function-Error"] == "Unhandled" and "not executable" in r.text
    wait_for(lambda: "not executable" in read(log), timeout=5, what="the refusal logged")
    r = invoke(cp, "nosuchfn", "x")
    assert r.status_code == 404 and r.headers["x-amzn-ErrorType"].startswith("ResourceNotFound")


def test_concurrency_event_and_mac(env):
    cp, dp, secret, log = env
    create(cp, "single", BASIC, timeout=2)
    cp.ok("PUT", "/2017-10-31/functions/single/concurrency", {"ReservedConcurrentExecutions": 1})
    dp.wait_version(cp.version())
    wait_for(lambda: direct(dp, secret, "single", "warm").status_code == 200, timeout=15,
             what="single on the node with its concurrency")
    slow = {}
    t = threading.Thread(target=lambda: slow.setdefault("r", direct(dp, secret, "single", "sleep")))
    t.start()
    time.sleep(0.5)
    r = direct(dp, secret, "single", "second")
    t.join()
    assert r.status_code == 429 and r.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert slow["r"].headers["X-Amz-Function-Error"] == "Unhandled"
    # Event: accepted at once
    r = invoke(cp, "echo", "event", invocation_type="Event")
    assert r.status_code == 202, r.text
    assert invoke(cp, "echo", "x", invocation_type="DryRun").status_code == 204
    # the node's route takes only the control plane's MAC, once
    assert direct(dp, secret, "echo", "x", mac="t=1;n=00;m=00").status_code == 403
    assert direct(dp, "not-the-secret", "echo", "x").status_code == 403
    ctx = json.dumps({"custom": {"a": "b"}})
    good = direct(dp, secret, "echo", "once", headers={
        "x-amz-client-context": base64.b64encode(ctx.encode()).decode(),
        "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793"})
    assert good.status_code == 200
    h = {k.lower(): v for k, v in good.json()["headers"].items()}
    assert h["lambda-runtime-client-context"] == ctx
    assert h["lambda-runtime-trace-id"] == "Root=1-5759e988-bd862e3fe1be46a994272793"


def test_invoke_does_not_block_the_admin_api(env):
    """The control plane's Invoke waits for its node on a worker thread: while
    a ~3 s invocation runs, other management calls and a second Invoke answer
    at once; an invocation whose client went away is dropped cleanly."""
    cp, dp, secret, log = env
    create(cp, "napper", BASIC, timeout=10)
    create(cp, "quick", BASIC)
    assert invoke_when_there(cp, "napper", "warm").status_code == 200
    assert invoke_when_there(cp, "quick", "warm").status_code == 200
    slow = {}

    def nap():
        t0 = time.monotonic()
        slow["r"] = invoke(cp, "napper", "nap")
        slow["s"] = time.monotonic() - t0
    t = threading.Thread(target=nap)
    t.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    r = cp.call("GET", "/restapis")
    listed = time.monotonic() - t0
    assert r.status_code == 200, r.text
    t0 = time.monotonic()
    q = invoke(cp, "quick", "fast")
    quick = time.monotonic() - t0
    assert t.is_alive()  # the slow one is still under way
    assert listed < 0.8 and quick < 0.8, (listed, quick)
    assert q.status_code == 200 and q.json()["event"] == '"fast"'
    assert q.headers["X-Amz-Executed-Version"] == "$LATEST"
    t.join()
    assert slow["r"].status_code == 200 and slow["r"].json()["event"] == '"nap"', slow["r"].text
    assert slow["s"] >= 2.5
    # the client goes away mid-invocation: the answer is dropped, the API goes on
    with pytest.raises(requests.exceptions.Timeout):
        invoke(cp, "napper", "nap", timeout=1)
    assert cp.call("GET", "/restapis").status_code == 200
    time.sleep(2.5)  # the dropped invocation is back
    r = invoke(cp, "napper", "after")
    assert r.status_code == 200 and r.json()["event"] == '"after"'
    r = invoke(cp, "napper", "error")
    assert r.status_code == 200 and r.headers["X-Amz-Function-Error"] == "Unhandled"


def processes_in(code_dir):
    """Live processes whose working directory is code_dir (runtime processes)."""
    n = 0
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.readlink(f"/proc/{pid}/cwd") == code_dir:
                n += 1
        except OSError:
            pass
    return n


def test_deleted_while_in_flight(env):
    cp, dp, secret, log = env
    made = create(cp, "gone", {**BASIC, "mark": ("gone", 0o644)}, timeout=2)  # code of its own
    wait_for(lambda: direct(dp, secret, "gone", "warm").status_code == 200, timeout=15,
             what="gone on the node")
    code = os.path.join(dp.dir, "state", "functions", base64.b64decode(made["CodeSha256"]).hex())
    assert processes_in(code) == 1
    slow = {}
    t = threading.Thread(target=lambda: slow.setdefault("r", direct(dp, secret, "gone", "sleep")))
    t.start()
    time.sleep(0.3)
    assert cp.call("DELETE", "/2015-03-31/functions/gone").status_code == 204
    t.join()
    # the invocation under way ends cleanly (here: its timeout), then the process goes
    assert slow["r"].status_code == 200 and slow["r"].headers["X-Amz-Function-Error"] == "Unhandled"
    wait_for(lambda: processes_in(code) == 0, timeout=5, what="the runtime process reaped")
    wait_for(lambda: direct(dp, secret, "gone", "x").status_code == 404, timeout=5,
             what="gone unknown on the node")


@pytest.mark.skipif(not HAVE_RIC, reason="aws-lambda-ric not installed (deploy/install-deps)")
def test_nodejs_through_aws_lambda_ric(env):
    cp, dp, secret, log = env
    create(cp, "nodefn", {"index.mjs": (NODE_HANDLER, 0o644)}, runtime="nodejs20.x",
           handler="index.handler", timeout=10)
    r = invoke_when_there(cp, "nodefn", {"name": "portico"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["hello"] == "portico" and out["fn"] == "nodefn" and len(out["rid"]) == 36
    wait_for(lambda: "node got" in read(log), timeout=5, what="the node log line")


@pytest.fixture(scope="module")
def remote_b(tmp_path_factory):
    """Control plane B (SigV4 with the node's key) and its node, which runs the
    code of a function A only knows by B's endpoint."""
    work = str(tmp_path_factory.mktemp("fnhost-b"))
    b = ControlPlane(work, secrets.token_hex(24),
                     extra_env={"PORTICO_ACCESS_KEY_ID": NODE_KEY_ID,
                                "PORTICO_SECRET_ACCESS_KEY": NODE_SECRET},
                     extra_args=("--iam-region", "us-east-1"))
    b.start()
    bdp = DataPlane(work, b, name="dpb", threads=1)
    bdp.start()
    yield b
    bdp.stop()
    b.stop()


def test_remote_function_through_the_invoke_api(env, remote_b):
    """A function whose code lives behind another Lambda Invoke API (here a
    second Portico: control plane B, whose node runs it): node A calls B's
    Invoke signed with SigV4 from its own environment's credentials."""
    cp, dp, secret, log = env
    b = remote_b
    create(b, "far", BASIC)
    wait_for(lambda: invoke(b, "far", "warm").status_code == 200, timeout=15, what="far on B")
    body = {"FunctionName": "far", "Role": ROLE, "Tags": {"portico:remote-endpoint": b.url}}
    r = cp.call("POST", "/2015-03-31/functions", body)
    assert r.status_code == 201, r.text
    assert ":us-east-1:" in r.json()["FunctionArn"]
    r = invoke_when_there(cp, "far", "from-a")
    assert r.status_code == 200, r.text
    assert r.json()["event"] == '"from-a"'
    assert invoke(cp, "far", "error").headers.get("X-Amz-Function-Error") == "Unhandled"
