"""The Lambda management API on portico-cp (/2015-03-31/functions...), driven
by the reference's own clients: boto3's `lambda` client (lambda_session.py,
run with the pyenv Python, which also compares a few answers with moto) and
the stock `aws lambda ...` CLI, both signing with SigV4 for service
"lambda"; plus the admin bearer token and the code download a GetFunction
answer points at. One control plane serves the whole module."""

import base64
import hashlib
import io
import json
import os
import secrets
import subprocess
import zipfile

import pytest

from harness import ControlPlane
from test_aws_clients import AWS, PYTHON, _has_boto3, client_env

HERE = os.path.dirname(os.path.abspath(__file__))
KEY_ID = "AKIAPORTICOLAMBDA001"
SECRET = "portico-lambda-secret-0123456789abcdefgh"
REGION = "eu-west-1"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def zip_of(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def lcp(tmp_path_factory):
    c = ControlPlane(str(tmp_path_factory.mktemp("lambda")), secrets.token_hex(24),
                     extra_env={"PORTICO_ACCESS_KEY_ID": KEY_ID,
                                "PORTICO_SECRET_ACCESS_KEY": SECRET},
                     extra_args=("--iam-region", REGION))
    c.start()
    yield c
    c.stop()
    report = c.sanitizer_report()  # the autouse check only sees processes a test started
    assert report is None, report


@pytest.mark.skipif(not _has_boto3(), reason="boto3 (pyenv Python) not installed")
def test_boto3_lambda_session(lcp, tmp_path):
    p = subprocess.run([PYTHON, os.path.join(HERE, "lambda_session.py"), lcp.url, REGION, KEY_ID,
                        SECRET, str(tmp_path)],
                       capture_output=True, text=True, timeout=180,
                       env=client_env(tmp_path, KEY_ID, SECRET))
    assert p.returncode == 0, p.stderr[-3000:]
    result = json.loads(p.stdout.strip().splitlines()[-1])
    assert result["failed"] == [], "\n".join(result["failed"])
    assert len(result["passed"]) == 20, result["passed"]


@pytest.mark.skipif(AWS is None, reason="aws CLI (pyenv) not installed")
def test_aws_cli(lcp, tmp_path):
    env = client_env(tmp_path, KEY_ID, SECRET)
    env["AWS_DEFAULT_REGION"] = env["AWS_REGION"] = REGION
    code = tmp_path / "fn.zip"
    code.write_bytes(zip_of({"bootstrap": "#!/bin/sh\necho cli\n"}))

    def aws(*args, fail=None):
        p = subprocess.run([AWS, "lambda", *args, "--endpoint-url", lcp.url, "--output", "json"],
                           env=env, capture_output=True, text=True, timeout=60)
        if fail is not None:
            assert p.returncode != 0 and fail in p.stderr, (args, p.returncode, p.stderr)
            return None
        assert p.returncode == 0, (args, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else None

    made = aws("create-function", "--function-name", "cli-fn", "--runtime", "provided.al2023",
               "--role", ROLE, "--handler", "x", "--zip-file", f"fileb://{code}")
    assert made["CodeSha256"] == base64.b64encode(hashlib.sha256(code.read_bytes()).digest()).decode()
    assert made["FunctionArn"] == f"arn:aws:lambda:{REGION}:000000000000:function:cli-fn"
    got = aws("get-function", "--function-name", "cli-fn")
    assert got["Configuration"]["Runtime"] == "provided.al2023"
    assert aws("publish-version", "--function-name", "cli-fn")["Version"] == "1"
    alias = aws("create-alias", "--function-name", "cli-fn", "--name", "prod",
                "--function-version", "1")
    assert alias["AliasArn"].endswith(":function:cli-fn:prod")
    assert aws("put-function-concurrency", "--function-name", "cli-fn",
               "--reserved-concurrent-executions", "3") == {"ReservedConcurrentExecutions": 3}
    aws("create-function", "--function-name", "cli-bad", "--runtime", "java21", "--role", ROLE,
        "--handler", "x", "--zip-file", f"fileb://{code}", fail="InvalidParameterValueException")
    aws("delete-function", "--function-name", "cli-fn")
    aws("get-function", "--function-name", "cli-fn", fail="ResourceNotFoundException")  # 404


def test_bearer_token_and_code_location(lcp):
    zipped = zip_of({"index.js": "exports.handler = async () => 1;\n"})
    body = {"FunctionName": "tok-fn", "Runtime": "nodejs20.x", "Handler": "index.handler",
            "Role": ROLE, "Code": {"ZipFile": base64.b64encode(zipped).decode()}}
    r = lcp.call("POST", "/2015-03-31/functions", body)
    assert r.status_code == 201, r.text
    loc = lcp.ok("GET", "/2015-03-31/functions/tok-fn")["Code"]["Location"]
    assert loc.endswith(hashlib.sha256(zipped).hexdigest())
    path = loc.split(str(lcp.admin_port), 1)[1]
    z = lcp.call("GET", path)
    assert z.status_code == 200 and z.content == zipped
    assert z.headers["content-type"] == "application/zip"
    assert lcp.call("GET", "/portico/code/" + "0" * 64).status_code == 404
    # the Lambda error shape: x-amzn-ErrorType and {"Type", "Message"}
    r = lcp.call("GET", "/2015-03-31/functions/nobody/configuration")
    assert r.status_code == 404 and r.headers["x-amzn-errortype"] == "ResourceNotFoundException"
    assert r.json() == {"Type": "User", "Message": "Function not found: "
                        f"arn:aws:lambda:{REGION}:000000000000:function:nobody"}
    # malformed JSON and base64 are 400s; other routes keep their 6 MB limit
    assert lcp.call("POST", "/2015-03-31/functions", raw="{").status_code == 400
    body["FunctionName"], body["Code"] = "tok-2", {"ZipFile": "not base64!"}
    r = lcp.call("POST", "/2015-03-31/functions", body)
    assert r.status_code == 400 and r.headers["x-amzn-errortype"] == "InvalidParameterValueException"
    r = lcp.call("POST", "/restapis", raw='{"name": "' + "x" * (7 << 20) + '"}')
    assert r.status_code == 413, r.status_code
    assert lcp.call("DELETE", "/2015-03-31/functions/tok-fn").status_code == 204
