"""A boto3 `lambda` client session against Portico's Lambda management API,
run by test_lambda_api.py with the pyenv Python (the one with boto3 and moto):

    python3 lambda_session.py ENDPOINT REGION KEY_ID SECRET WORKDIR

Prints one JSON object {"passed": [...], "failed": [...]} on stdout. Every
step is one operation (or a refusal) checked against the reference's shapes;
the last steps run the same calls on moto's Lambda backend and compare."""

import base64
import hashlib
import io
import json
import os
import sys
import traceback
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT, REGION, KEY_ID, SECRET, WORKDIR = sys.argv[1:6]
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
ARN = f"arn:aws:lambda:{REGION}:000000000000:function:"
passed, failed = [], []


def step(name):
    def wrap(fn):
        try:
            fn()
            passed.append(name)
        except Exception:  # a failed step is reported, the session goes on
            failed.append(f"{name}: {traceback.format_exc(limit=4)}")
        return fn
    return wrap


def zip_of(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            z.writestr(info, data)
    return buf.getvalue()


def sha_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def refused(fn, status, code, message_part=""):
    try:
        fn()
    except ClientError as e:
        err = e.response["Error"]
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == status, e.response
        assert err["Code"] == code, err
        assert message_part in err["Message"], err
        return err
    raise AssertionError("the request was accepted")


lam = boto3.client("lambda", endpoint_url=ENDPOINT, region_name=REGION,
                   aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
                   config=Config(retries={"max_attempts": 1}, read_timeout=60))
BOOT = zip_of({"bootstrap": "#!/bin/sh\necho one\n"})
BOOT2 = zip_of({"bootstrap": "#!/bin/sh\necho two\n"})
NODE = zip_of({"index.mjs": "export const handler = async () => 'hi';\n"})
CORE_KEYS = {"FunctionName", "FunctionArn", "Runtime", "Role", "Handler", "CodeSize",
             "Description", "Timeout", "MemorySize", "LastModified", "CodeSha256", "Version",
             "RevisionId", "State", "LastUpdateStatus", "PackageType", "Architectures"}
seen = {}


@step("CreateFunction (provided.al2023)")
def _():
    r = lam.create_function(FunctionName="echo", Runtime="provided.al2023", Role=ROLE,
                            Handler="echo.handler", Code={"ZipFile": BOOT}, Timeout=10,
                            MemorySize=256, Description="first",
                            Environment={"Variables": {"GREETING": "hello"}})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201, r
    assert CORE_KEYS <= set(r), set(r) ^ CORE_KEYS
    assert r["FunctionArn"] == ARN + "echo", r["FunctionArn"]
    assert r["Version"] == "$LATEST" and r["Timeout"] == 10 and r["MemorySize"] == 256
    assert r["CodeSha256"] == sha_b64(BOOT) and r["CodeSize"] == len(BOOT), r
    assert r["Environment"] == {"Variables": {"GREETING": "hello"}}, r
    seen["create"] = r


@step("CreateFunction (nodejs22.x, index.mjs)")
def _():
    r = lam.create_function(FunctionName="node-fn", Runtime="nodejs22.x", Role=ROLE,
                            Handler="index.handler", Code={"ZipFile": NODE})
    assert r["Timeout"] == 3 and r["MemorySize"] == 128, r


@step("CreateFunction again: ResourceConflictException 409")
def _():
    refused(lambda: lam.create_function(FunctionName="echo", Runtime="provided", Role=ROLE,
                                        Handler="h", Code={"ZipFile": BOOT}),
            409, "ResourceConflictException", "echo")


@step("GetFunction: Configuration, Code.Location, no Concurrency yet")
def _():
    r = lam.get_function(FunctionName="echo")
    assert r["Configuration"]["CodeSha256"] == sha_b64(BOOT), r
    assert r["Code"]["RepositoryType"] == "S3" and "/portico/code/" in r["Code"]["Location"], r
    assert "Concurrency" not in r, r


@step("GetFunctionConfiguration by ARN")
def _():
    r = lam.get_function_configuration(FunctionName=ARN + "echo")
    assert r["FunctionName"] == "echo" and r["Description"] == "first", r


@step("GetFunction of a missing function: ResourceNotFoundException 404")
def _():
    refused(lambda: lam.get_function(FunctionName="nope"), 404, "ResourceNotFoundException",
            "Function not found: " + ARN + "nope")


@step("ListFunctions with paging")
def _():
    first = lam.list_functions(MaxItems=1)
    assert len(first["Functions"]) == 1 and "NextMarker" in first, first
    rest = lam.list_functions(Marker=first["NextMarker"])
    names = [f["FunctionName"] for f in first["Functions"] + rest["Functions"]]
    assert names == ["echo", "node-fn"], names


@step("UpdateFunctionConfiguration")
def _():
    r = lam.update_function_configuration(FunctionName="echo", Timeout=30,
                                          Environment={"Variables": {"GREETING": "hi"}})
    assert r["Timeout"] == 30 and r["Environment"]["Variables"]["GREETING"] == "hi", r
    assert r["RevisionId"] != seen["create"]["RevisionId"], r
    refused(lambda: lam.update_function_configuration(FunctionName="echo", Timeout=5,
                                                      RevisionId="not-the-revision"),
            412, "PreconditionFailedException")


@step("PublishVersion, and again without a change: the same version")
def _():
    v1 = lam.publish_version(FunctionName="echo", Description="v1")
    assert v1["ResponseMetadata"]["HTTPStatusCode"] == 201, v1
    assert v1["Version"] == "1" and v1["FunctionArn"] == ARN + "echo:1", v1
    again = lam.publish_version(FunctionName="echo")
    assert again["Version"] == "1", again


@step("UpdateFunctionCode: DryRun stores nothing; with Publish: version 2")
def _():
    dry = lam.update_function_code(FunctionName="echo", ZipFile=BOOT2, DryRun=True)
    assert dry["CodeSha256"] == sha_b64(BOOT2), dry
    assert lam.get_function_configuration(FunctionName="echo")["CodeSha256"] == sha_b64(BOOT)
    r = lam.update_function_code(FunctionName="echo", ZipFile=BOOT2, Publish=True)
    assert r["Version"] == "2" and r["CodeSha256"] == sha_b64(BOOT2), r
    latest = lam.get_function_configuration(FunctionName="echo")
    assert latest["CodeSha256"] == sha_b64(BOOT2), latest
    v1 = lam.get_function_configuration(FunctionName="echo", Qualifier="1")
    assert v1["CodeSha256"] == sha_b64(BOOT), v1  # published versions keep their code


@step("ListVersionsByFunction")
def _():
    r = lam.list_versions_by_function(FunctionName="echo")
    assert [v["Version"] for v in r["Versions"]] == ["$LATEST", "1", "2"], r
    page = lam.list_versions_by_function(FunctionName="echo", MaxItems=2)
    rest = lam.list_versions_by_function(FunctionName="echo", Marker=page["NextMarker"])
    assert [v["Version"] for v in page["Versions"] + rest["Versions"]] == ["$LATEST", "1", "2"]
    seen_all, marker = [], None
    while True:  # ListFunctions FunctionVersion=ALL, two at a time
        kw = {"Marker": marker} if marker else {}
        got = lam.list_functions(FunctionVersion="ALL", MaxItems=2, **kw)
        seen_all += [(f["FunctionName"], f["Version"]) for f in got["Functions"]]
        marker = got.get("NextMarker")
        if not marker:
            break
    assert seen_all == [("echo", "$LATEST"), ("echo", "1"), ("echo", "2"),
                        ("node-fn", "$LATEST")], seen_all


@step("CreateAlias, GetAlias, UpdateAlias, ListAliases, qualified reads")
def _():
    a = lam.create_alias(FunctionName="echo", Name="live", FunctionVersion="1")
    assert a["ResponseMetadata"]["HTTPStatusCode"] == 201, a
    assert a["AliasArn"] == ARN + "echo:live" and a["FunctionVersion"] == "1", a
    refused(lambda: lam.create_alias(FunctionName="echo", Name="live", FunctionVersion="1"),
            409, "ResourceConflictException")
    refused(lambda: lam.create_alias(FunctionName="echo", Name="next", FunctionVersion="9"),
            404, "ResourceNotFoundException")
    got = lam.get_alias(FunctionName="echo", Name="live")
    assert got["RevisionId"] == a["RevisionId"], got
    up = lam.update_alias(FunctionName="echo", Name="live", FunctionVersion="2")
    assert up["FunctionVersion"] == "2", up
    conf = lam.get_function_configuration(FunctionName="echo:live")
    assert conf["Version"] == "2", conf
    lam.create_alias(FunctionName="echo", Name="old", FunctionVersion="1")
    listed = lam.list_aliases(FunctionName="echo")
    assert [x["Name"] for x in listed["Aliases"]] == ["live", "old"], listed
    only = lam.list_aliases(FunctionName="echo", FunctionVersion="1")
    assert [x["Name"] for x in only["Aliases"]] == ["old"], only
    refused(lambda: lam.get_alias(FunctionName="echo", Name="gone"), 404,
            "ResourceNotFoundException")


@step("DeleteFunction of a version an alias uses: ResourceConflictException")
def _():
    refused(lambda: lam.delete_function(FunctionName="echo", Qualifier="1"), 409,
            "ResourceConflictException")
    lam.delete_alias(FunctionName="echo", Name="old")
    lam.delete_function(FunctionName="echo", Qualifier="1")
    refused(lambda: lam.get_function(FunctionName="echo", Qualifier="1"), 404,
            "ResourceNotFoundException")


@step("Put/Get/DeleteFunctionConcurrency")
def _():
    r = lam.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=7)
    assert r["ReservedConcurrentExecutions"] == 7, r
    assert lam.get_function_concurrency(FunctionName="echo")["ReservedConcurrentExecutions"] == 7
    assert lam.get_function(FunctionName="echo")["Concurrency"] == {"ReservedConcurrentExecutions": 7}
    refused(lambda: lam.put_function_concurrency(FunctionName="node-fn",
                                                 ReservedConcurrentExecutions=900),
            400, "InvalidParameterValueException", "UnreservedConcurrentExecution")
    lam.delete_function_concurrency(FunctionName="echo")
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="echo")


@step("bad input: runtime, timeout, memory, names, env, handler module, code")
def _():
    def create(**kw):
        args = dict(FunctionName="bad", Runtime="provided.al2023", Role=ROLE, Handler="h",
                    Code={"ZipFile": BOOT})
        args.update(kw)
        return lambda: lam.create_function(**args)
    refused(create(Runtime="python3.12"), 400, "InvalidParameterValueException",
            "provided.al2023, provided, nodejs20.x, nodejs22.x")
    refused(create(Timeout=901), 400, "ValidationException", "timeout")
    refused(create(MemorySize=20000), 400, "ValidationException", "memorySize")
    refused(create(Environment={"Variables": {"AWS_REGION": "x"}}), 400,
            "InvalidParameterValueException", "AWS_REGION")
    refused(create(Environment={"Variables": {"1BAD": "x"}}), 400, "ValidationException")
    refused(create(Code={"ZipFile": NODE}), 400, "InvalidParameterValueException", "bootstrap")
    refused(create(Runtime="nodejs20.x", Handler="app.handler", Code={"ZipFile": NODE}), 400,
            "InvalidParameterValueException", "app.js")
    refused(create(Code={"ZipFile": b"this is not a zip"}), 400,
            "InvalidParameterValueException", "Could not unzip")
    refused(create(Code={"ZipFile": zip_of({"bootstrap": "x", "../evil": "x"})}), 400,
            "InvalidParameterValueException", "not allowed")
    refused(create(FunctionName="no spaces"), 400, "ValidationException")
    refused(create(Role="not-a-role"), 400, "ValidationException", "role")


@step("a zip bomb is refused")
def _():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
        with z.open("zeros", "w") as w:
            chunk = bytes(4 << 20)
            for _ in range(66):  # 264 MB inflated, about 260 KB zipped
                w.write(chunk)
    bomb = buf.getvalue()
    assert len(bomb) < 2 << 20
    refused(lambda: lam.create_function(FunctionName="bomb", Runtime="provided", Role=ROLE,
                                        Handler="h", Code={"ZipFile": bomb}),
            400, "InvalidParameterValueException", "262144000")


@step("a zip over 50 MB is refused (413)")
def _():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
        z.writestr("blob", os.urandom(51 << 20))
    refused(lambda: lam.create_function(FunctionName="big", Runtime="provided", Role=ROLE,
                                        Handler="h", Code={"ZipFile": buf.getvalue()}),
            413, "RequestEntityTooLargeException")


@step("a function that lives elsewhere (tag portico:remote-endpoint)")
def _():
    r = lam.create_function(FunctionName="remote", Runtime="provided.al2023", Role=ROLE,
                            Handler="h", Code={},
                            Tags={"portico:remote-endpoint": "http://127.0.0.1:9001"})
    assert r["CodeSize"] == 0 and "x-portico-remote-endpoint" not in r, r
    got = lam.get_function(FunctionName="remote")
    assert got["Tags"] == {"portico:remote-endpoint": "http://127.0.0.1:9001"}, got
    assert "Code" not in got, got
    refused(lambda: lam.create_function(FunctionName="remote2", Runtime="provided", Role=ROLE,
                                        Handler="h", Code={},
                                        Tags={"portico:remote-endpoint": "ftp://x"}),
            400, "InvalidParameterValueException")


@step("DeleteFunction, then 404")
def _():
    r = lam.delete_function(FunctionName="echo")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204, r
    refused(lambda: lam.get_function(FunctionName="echo"), 404, "ResourceNotFoundException")
    refused(lambda: lam.delete_function(FunctionName="echo"), 404, "ResourceNotFoundException")


@step("moto's Lambda backend: the same keys and errors")
def _():
    from moto import mock_aws
    ours = lam.create_function(FunctionName="cmp", Runtime="provided.al2023", Role=ROLE,
                               Handler="h", Code={"ZipFile": BOOT})
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="lambda-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        m = boto3.client("lambda", region_name=REGION)
        theirs = m.create_function(FunctionName="cmp", Runtime="provided.al2023", Role=role,
                                   Handler="h", Code={"ZipFile": BOOT})
        # moto leaves out two keys the reference documents and answers (the docs win)
        moto_gaps = {"RevisionId", "LastUpdateStatus"}
        missing = CORE_KEYS - set(theirs) - moto_gaps
        assert not missing, f"moto lacks {missing}"
        extra = set(ours) - set(theirs) - moto_gaps
        assert not extra, f"Portico answers keys moto does not know: {extra}"
        for key in ("FunctionName", "Runtime", "Handler", "CodeSha256", "CodeSize", "Version",
                    "Timeout", "MemorySize", "PackageType", "Architectures"):
            assert ours[key] == theirs[key], (key, ours[key], theirs[key])
        try:
            m.get_function(FunctionName="nope")
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ResourceNotFoundException"
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        try:
            m.create_function(FunctionName="cmp", Runtime="provided.al2023", Role=role,
                              Handler="h", Code={"ZipFile": BOOT})
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ResourceConflictException"


print(json.dumps({"passed": passed, "failed": failed}))
