"""The reference's own clients, unchanged, drive Portico's management API
with SigV4: the stock aws CLI (`aws apigateway ... --endpoint-url`), boto3
and the JavaScript SDK v3. Also the reference's 403s for missing, unknown,
wrong and stale credentials, access keys made through /portico/accesskeys,
and API key values read back with includeValue.

Which Python runs what: pytest runs on /usr/bin/python3 (Debian); the aws
CLI and boto3 come from the pyenv Python (its `aws` and `python3`, found
through ~/.pyenv or PATH) and run as subprocesses; the JS SDK runs under
node from tests/js/node_modules (deploy/install-deps)."""

import datetime
import json
import os
import shutil
import subprocess

import pytest
import requests

from harness import ControlPlane, DataPlane, deploy, make_proxy_api

HERE = os.path.dirname(os.path.abspath(__file__))
JS_DIR = os.path.join(HERE, "..", "js")
KEY_ID = "AKIAPORTICOTEST00001"
SECRET = "portico-test-secret-0123456789abcdefghij"
REGION = "eu-central-1"
KEY_VALUE = "cli-session-key-value-0123456789abcdef"


def _pyenv_tool(name):
    """The pyenv interpreter's tool (the one with botocore), else PATH's."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    shim = os.path.join(root, "shims", name)
    return shim if os.access(shim, os.X_OK) else shutil.which(name)


AWS = _pyenv_tool("aws")
PYTHON = _pyenv_tool("python3")


def _has_boto3():
    return PYTHON is not None and subprocess.run([PYTHON, "-c", "import boto3"],
                                                 capture_output=True).returncode == 0


def client_env(tmp_path, key_id=KEY_ID, secret=SECRET):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret,
               AWS_DEFAULT_REGION=REGION, AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
               AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    return env


@pytest.fixture
def sigcp(tmp_path, secret):
    c = ControlPlane(str(tmp_path), secret,
                     extra_env={"PORTICO_ACCESS_KEY_ID": KEY_ID, "PORTICO_SECRET_ACCESS_KEY": SECRET})
    c.start()
    yield c
    c.stop()


class CliSession:
    """Runs `aws apigateway ...` and counts the operations that passed."""

    def __init__(self, cp, env):
        self.cp, self.env = cp, env
        self.passed, self.failed = [], []

    def run(self, *args, expect_error=None, check=None):
        argv = [AWS, "apigateway", *args, "--endpoint-url", self.cp.url, "--output", "json"]
        p = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=60)
        name = args[0]
        try:
            if expect_error is not None:
                assert p.returncode != 0 and expect_error in p.stderr, (p.returncode, p.stderr)
                out = None
            else:
                assert p.returncode == 0, p.stderr
                out = json.loads(p.stdout) if p.stdout.strip() else {}
                if check is not None:
                    check(out)
            self.passed.append(name)
            return out
        except AssertionError as e:
            self.failed.append(f"{' '.join(args)}: {e}")
            return None


def test_aws_cli_full_session(sigcp, tmp_path):
    if AWS is None:
        pytest.skip("the aws CLI is not installed")
    s = CliSession(sigcp, client_env(tmp_path))
    api = s.run("create-rest-api", "--name", "cli-demo", "--description", "made by the aws CLI",
                "--binary-media-types", "image/png", "--api-key-source", "HEADER",
                check=lambda o: (o["name"] == "cli-demo" and o["binaryMediaTypes"] == ["image/png"])
                or pytest.fail(str(o)))
    assert api is not None, s.failed
    api_id, root = api["id"], api["rootResourceId"]
    A = ["--rest-api-id", api_id]
    s.run("get-rest-apis", check=lambda o: api_id in [i["id"] for i in o["items"]] or pytest.fail(str(o)))
    s.run("get-rest-api", *A, check=lambda o: o["id"] == api_id or pytest.fail(str(o)))
    s.run("update-rest-api", *A, "--patch-operations",
          "op=replace,path=/description,value=patched", "op=add,path=/binaryMediaTypes/image~1jpeg",
          "op=replace,path=/version,value=v2",
          check=lambda o: (o["description"] == "patched" and o["version"] == "v2"
                           and o["binaryMediaTypes"] == ["image/png", "image/jpeg"]) or pytest.fail(str(o)))
    s.run("get-resources", *A, check=lambda o: o["items"][0]["path"] == "/" or pytest.fail(str(o)))
    res = s.run("create-resource", *A, "--parent-id", root, "--path-part", "pets")
    rid = res["id"] if res else "missing"
    R = [*A, "--resource-id", rid, "--http-method", "GET"]
    s.run("put-method", *R, "--authorization-type", "NONE", "--api-key-required",
          check=lambda o: o["apiKeyRequired"] is True or pytest.fail(str(o)))
    s.run("put-integration", *R, "--type", "MOCK", "--request-templates",
          json.dumps({"application/json": '{"statusCode": 200}'}),
          check=lambda o: o["type"] == "MOCK" or pytest.fail(str(o)))
    s.run("put-method-response", *R, "--status-code", "200")
    s.run("put-integration-response", *R, "--status-code", "200", "--response-templates",
          json.dumps({"application/json": '{"pets": []}'}))
    s.run("get-method", *R, check=lambda o: o["httpMethod"] == "GET" or pytest.fail(str(o)))
    s.run("get-integration", *R, check=lambda o: o["type"] == "MOCK" or pytest.fail(str(o)))
    s.run("get-method-response", *R, "--status-code", "200")
    s.run("get-integration-response", *R, "--status-code", "200")
    s.run("get-resource", *A, "--resource-id", rid, "--embed", "methods",
          check=lambda o: o["pathPart"] == "pets" or pytest.fail(str(o)))
    dep = s.run("create-deployment", *A, "--stage-name", "prod", "--description", "first")
    s.run("get-deployments", *A, check=lambda o: len(o["items"]) == 1 or pytest.fail(str(o)))
    if dep:
        s.run("get-deployment", *A, "--deployment-id", dep["id"])
    s.run("get-stages", *A, check=lambda o: o["item"][0]["stageName"] == "prod" or pytest.fail(str(o)))
    s.run("get-stage", *A, "--stage-name", "prod")
    s.run("update-stage", *A, "--stage-name", "prod", "--patch-operations",
          "op=replace,path=/variables/color,value=blue",
          "op=replace,path=/*/*/throttling/rateLimit,value=50",
          check=lambda o: o["variables"] == {"color": "blue"} or pytest.fail(str(o)))
    s.run("create-stage", *A, "--stage-name", "beta", "--deployment-id", dep["id"] if dep else "x",
          "--variables", "color=green")
    key = s.run("create-api-key", "--name", "cli-key", "--value", KEY_VALUE, "--enabled",
                check=lambda o: o["value"] == KEY_VALUE or pytest.fail(str(o)))
    kid = key["id"] if key else "missing"
    s.run("get-api-key", "--api-key", kid, "--include-value",
          check=lambda o: o["value"] == KEY_VALUE or pytest.fail(str(o)))
    s.run("get-api-key", "--api-key", kid, check=lambda o: "value" not in o or pytest.fail(str(o)))
    s.run("get-api-keys", "--include-values",
          check=lambda o: [k["value"] for k in o["items"]] == [KEY_VALUE] or pytest.fail(str(o)))
    s.run("update-api-key", "--api-key", kid, "--patch-operations",
          "op=replace,path=/description,value=cli",
          check=lambda o: o["description"] == "cli" or pytest.fail(str(o)))
    plan = s.run("create-usage-plan", "--name", "cli-plan", "--api-stages", f"apiId={api_id},stage=prod",
                 "--throttle", "burstLimit=10,rateLimit=5", "--quota", "limit=100,period=DAY")
    pid = plan["id"] if plan else "missing"
    s.run("get-usage-plans", check=lambda o: len(o["items"]) == 1 or pytest.fail(str(o)))
    s.run("get-usage-plan", "--usage-plan-id", pid)
    s.run("create-usage-plan-key", "--usage-plan-id", pid, "--key-id", kid, "--key-type", "API_KEY",
          check=lambda o: o["type"] == "API_KEY" or pytest.fail(str(o)))
    s.run("get-usage-plan-keys", "--usage-plan-id", pid,
          check=lambda o: o["items"][0]["id"] == kid or pytest.fail(str(o)))
    s.run("get-usage-plan-key", "--usage-plan-id", pid, "--key-id", kid)
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    s.run("get-usage", "--usage-plan-id", pid, "--start-date", today, "--end-date", today,
          check=lambda o: o["usagePlanId"] == pid or pytest.fail(str(o)))
    s.run("update-usage-plan", "--usage-plan-id", pid, "--patch-operations",
          "op=replace,path=/description,value=cli plan")
    s.run("flush-stage-cache", *A, "--stage-name", "prod")
    s.run("get-gateway-responses", *A)
    s.run("put-gateway-response", *A, "--response-type", "MISSING_AUTHENTICATION_TOKEN",
          "--status-code", "404", check=lambda o: o["statusCode"] == "404" or pytest.fail(str(o)))
    s.run("get-gateway-response", *A, "--response-type", "MISSING_AUTHENTICATION_TOKEN")
    s.run("delete-gateway-response", *A, "--response-type", "MISSING_AUTHENTICATION_TOKEN")
    s.run("delete-usage-plan-key", "--usage-plan-id", pid, "--key-id", kid)
    s.run("delete-usage-plan", "--usage-plan-id", pid)
    s.run("delete-api-key", "--api-key", kid)
    s.run("delete-stage", *A, "--stage-name", "beta")
    s.run("delete-integration-response", *R, "--status-code", "200")
    s.run("delete-method-response", *R, "--status-code", "200")
    s.run("delete-integration", *R)
    s.run("delete-method", *R)
    s.run("delete-resource", *A, "--resource-id", rid)
    s.run("delete-rest-api", *A)
    s.run("get-rest-api", *A, expect_error="NotFoundException")
    print(f"\naws CLI session: {len(s.passed)} of {len(s.passed) + len(s.failed)} operations passed")
    assert not s.failed, "\n".join(s.failed)


def _session_result(p):
    assert p.returncode == 0, p.stderr[-4000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_boto3_session_and_refusals(sigcp, tmp_path):
    if not _has_boto3():
        pytest.skip("no Python with boto3 (the pyenv one) found")
    p = subprocess.run([PYTHON, os.path.join(HERE, "boto3_session.py"), sigcp.url, REGION, KEY_ID,
                        SECRET, sigcp.token], env=client_env(tmp_path), capture_output=True,
                       text=True, timeout=300)
    res = _session_result(p)
    print(f"\nboto3 session: {len(res['passed'])} of {len(res['passed']) + len(res['failed'])} steps passed")
    assert not res["failed"], "\n".join(res["failed"])


def test_js_sdk_v3_session(sigcp, tmp_path):
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(JS_DIR, "node_modules", "@aws-sdk",
                                                      "client-api-gateway")):
        pytest.skip("node or tests/js/node_modules missing (run deploy/install-deps)")
    p = subprocess.run([node, os.path.join(JS_DIR, "session.mjs"), sigcp.url, REGION],
                       env=client_env(tmp_path), capture_output=True, text=True, timeout=300)
    res = _session_result(p)
    print(f"\nJS SDK v3 session: {len(res['passed'])} of {len(res['passed']) + len(res['failed'])} steps passed")
    assert not res["failed"], "\n".join(res["failed"])


def test_missing_and_malformed_credentials(sigcp):
    r = requests.get(sigcp.url + "/restapis")
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert r.json() == {"message": "Missing Authentication Token"}
    r = requests.get(sigcp.url + "/restapis", headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAX/20260101/us-east-1/apigateway",
        "X-Amz-Date": "20260101T000000Z"})
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"
    r = requests.get(sigcp.url + "/restapis", headers={"Authorization": "Bearer not-the-token-0123"})
    assert r.status_code == 401 and r.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert requests.get(sigcp.url + "/healthz").status_code == 200


@pytest.mark.cp_args("--api-key-values", "hashed")
def test_api_key_values_hashed_mode(cp):
    k = cp.ok("POST", "/apikeys", {"name": "h", "value": KEY_VALUE}, expect=201)
    assert k["value"] == KEY_VALUE  # shown once, at creation
    r = cp.call("GET", f"/apikeys/{k['id']}?includeValue=true")
    assert r.status_code == 400 and "hashed" in r.json()["message"]
    assert "value" not in cp.ok("GET", f"/apikeys/{k['id']}")
    assert cp.call("GET", "/apikeys?includeValues=true").status_code == 400


def test_api_key_values_sealed_at_rest(cp):
    k = cp.ok("POST", "/apikeys", {"name": "s", "value": KEY_VALUE}, expect=201)
    assert cp.ok("GET", f"/apikeys/{k['id']}?includeValue=true")["value"] == KEY_VALUE
    assert [i.get("value") for i in cp.ok("GET", "/apikeys?includeValues=true")["item"]] == [KEY_VALUE]
    db = os.path.join(cp.dir, "data", "portico.db")
    with open(db, "rb") as f:
        raw = f.read()
    for suffix in ("-wal", "-journal"):
        if os.path.exists(db + suffix):
            with open(db + suffix, "rb") as f:
                raw += f.read()
    assert KEY_VALUE.encode() not in raw  # only sealed bytes and a SHA-256 are stored
    # survives a restart: the sealing key lives in DATA-DIR/sealing.key
    cp.restart()
    assert cp.ok("GET", f"/apikeys/{k['id']}?includeValue=true")["value"] == KEY_VALUE


def test_bootstrap_key_file_mode_checked(tmp_path, secret):
    keyfile = tmp_path / "ak"
    keyfile.write_text(f"{KEY_ID}\n{SECRET}\n")
    os.chmod(keyfile, 0o644)
    c = ControlPlane(str(tmp_path), secret, extra_args=("--access-key-file", str(keyfile)))
    p = subprocess.run(c.argv, env=c.env, capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "chmod 600" in p.stderr + p.stdout
    os.chmod(keyfile, 0o600)
    c.start()
    try:
        r = requests.get(c.url + "/restapis")
        assert r.status_code == 403
        if AWS is not None:
            env = client_env(tmp_path)
            out = subprocess.run([AWS, "apigateway", "get-rest-apis", "--endpoint-url", c.url],
                                 env=env, capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
    finally:
        c.stop()


def botocore_headers(method, url, key_id=KEY_ID, secret=SECRET, body=b"", region="us-east-1",
                     service="execute-api", offset=0):
    """The headers botocore's SigV4Auth adds to a request (pyenv Python)."""
    p = subprocess.run([PYTHON, os.path.join(HERE, "sigv4_sign.py"), method, url, key_id, secret,
                        region, service, str(offset)], input=body, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_aws_iam_method_on_the_data_plane(sigcp, tmp_path, upstream):
    if not _has_boto3():
        pytest.skip("no Python with botocore (the pyenv one) found")
    cp, up = sigcp, upstream("iam")
    ids = make_proxy_api(cp, up.url)
    api = ids["api"]
    for rid, verb in ((ids["leaf"], "GET"), (ids["proxy"], "ANY")):
        cp.ok("PATCH", f"/restapis/{api}/resources/{rid}/methods/{verb}", {"patchOperations": [
            {"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"}]})
    cp.ok("PUT", f"/restapis/{api}/resources/{ids['leaf']}/methods/GET/integration",
          {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": up.url + "/pets",
           "requestParameters": {"integration.request.header.x-caller": "context.identity.accessKey"}},
          expect=201)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke",
         "Resource": [f"arn:aws:execute-api:*:*:{api}/prod/GET/pets",
                      f"arn:aws:execute-api:*:*:{api}/prod/POST/pets/*"]}]}
    bad = cp.call("POST", "/portico/accesskeys", {"policy": "{\"Statement\": 3}"})
    assert bad.status_code == 400 and "Invalid policy document" in bad.json()["message"]
    key = cp.ok("POST", "/portico/accesskeys", {"description": "invoker", "policy": json.dumps(policy)},
                expect=201)
    cp.iam_key = key["accessKeyId"], key["secretAccessKey"]
    deploy(cp, api)
    dp = DataPlane(str(tmp_path), cp).start()
    try:
        iam_session(cp, dp, up, api)
    finally:
        dp.stop()


def iam_session(cp, dp, up, api):
    kid, ksecret = cp.iam_key
    dp.wait_version(cp.version())

    def call(method, path, key_id=kid, secret=ksecret, body=b"", sign=True, **kw):
        url = dp.url(api, "prod", path)
        headers = botocore_headers(method, url, key_id, secret, body=body, **kw) if sign else {}
        return requests.request(method, url, data=body, headers=headers, timeout=10)

    r = call("GET", "/pets", sign=False)
    assert r.status_code == 403 and r.json() == {"message": "Missing Authentication Token"}
    r = call("GET", "/pets")
    assert r.status_code == 200, r.text
    assert up.calls[-1]["headers"]["x-caller"] == kid  # $context.identity.accessKey
    r = call("POST", "/pets/7", body=b'{"name":"rex"}')
    assert r.status_code == 200 and up.calls[-1]["body"] == '{"name":"rex"}', r.text
    r = call("GET", "/pets", secret=ksecret + "x")
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert r.json()["message"].startswith("The request signature we calculated does not match")
    r = call("GET", "/pets", key_id=KEY_ID, secret=SECRET)  # the bootstrap key has no policy
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "UnrecognizedClientException"
    assert r.json() == {"message": "The security token included in the request is invalid."}
    r = call("GET", "/pets", offset=-600)
    assert r.status_code == 403 and r.json()["message"].startswith("Signature expired: ")
    r = call("GET", "/pets", region="eu-west-1")  # signing keys are shipped for --iam-region
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "UnrecognizedClientException"
    r = call("GET", "/pets", service="apigateway")
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"
    r = call("DELETE", "/pets/7")  # the key's policy does not allow it
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    msg = r.json()["Message"]
    assert msg.startswith(f"User: arn:aws:iam::000000000000:user/{kid} is not authorized to perform: "
                          "execute-api:Invoke on resource: arn:aws:execute-api:"), msg
    assert msg.endswith(f":{api}/prod/DELETE/pets/7"), msg
    # a body changed after signing
    url = dp.url(api, "prod", "/pets/7")
    headers = botocore_headers("POST", url, kid, ksecret, body=b'{"name":"rex"}')
    r = requests.post(url, data=b'{"name":"max"}', headers=headers, timeout=10)
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    # revoking the key reaches the data plane with the next snapshot
    assert cp.call("DELETE", f"/portico/accesskeys/{kid}").status_code == 202
    dp.wait_version(cp.version())
    r = call("GET", "/pets")
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "UnrecognizedClientException"
