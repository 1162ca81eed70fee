"""A boto3 session against Portico's management API, run by
test_aws_clients.py with the pyenv Python (the one that has boto3):

    python3 boto3_session.py ENDPOINT REGION KEY_ID SECRET ADMIN_TOKEN

Prints one JSON object {"passed": [...], "failed": [...]} on stdout: the
client's operations, then botocore-signed requests Portico must refuse with
the reference's 403s (wrong secret, unknown key, stale or future clock,
tampered body), a presigned URL, and an access key made and revoked through
/portico/accesskeys."""

import datetime
import json
import sys
import traceback
from unittest import mock

import boto3
import botocore.auth
import requests
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

ENDPOINT, REGION, KEY_ID, SECRET, TOKEN = sys.argv[1:6]
VALUE = "boto3-session-key-value-0123456789"
passed, failed = [], []


def step(name):
    def wrap(fn):
        try:
            fn()
            passed.append(name)
        except Exception:  # a failed step is reported, the session goes on
            failed.append(f"{name}: {traceback.format_exc(limit=3)}")
        return fn
    return wrap


def client(key_id=KEY_ID, secret=SECRET):
    return boto3.client("apigateway", endpoint_url=ENDPOINT, region_name=REGION,
                        aws_access_key_id=key_id, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}))


def refused(fn, code, message_start):
    try:
        fn()
    except ClientError as e:
        err = e.response["Error"]
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
        assert err["Code"] == code, err
        assert err["Message"].startswith(message_start), err
        return
    raise AssertionError("the request was accepted")


gw = client()
state = {}


@step("create_rest_api")
def _():
    api = gw.create_rest_api(name="boto3-demo", binaryMediaTypes=["application/octet-stream"])
    assert api["binaryMediaTypes"] == ["application/octet-stream"], api
    state["api"], state["root"] = api["id"], api["rootResourceId"]


@step("get_rest_apis (paginator)")
def _():
    ids = [a["id"] for page in gw.get_paginator("get_rest_apis").paginate() for a in page["items"]]
    assert state["api"] in ids, ids


@step("create_resource + put_method + put_integration")
def _():
    r = gw.create_resource(restApiId=state["api"], parentId=state["root"], pathPart="items")
    state["res"] = r["id"]
    gw.put_method(restApiId=state["api"], resourceId=r["id"], httpMethod="ANY",
                  authorizationType="NONE")
    i = gw.put_integration(restApiId=state["api"], resourceId=r["id"], httpMethod="ANY",
                           type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    assert i["type"] == "MOCK", i


@step("create_deployment + get_stages + update_stage")
def _():
    gw.create_deployment(restApiId=state["api"], stageName="dev")
    stages = gw.get_stages(restApiId=state["api"])["item"]
    assert [s["stageName"] for s in stages] == ["dev"], stages
    s = gw.update_stage(restApiId=state["api"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/variables/tier", "value": "gold"}])
    assert s["variables"] == {"tier": "gold"}, s


@step("create_api_key + get_api_key(includeValue)")
def _():
    k = gw.create_api_key(name="boto3-key", value=VALUE, enabled=True)
    state["key"] = k["id"]
    got = gw.get_api_key(apiKey=k["id"], includeValue=True)
    assert got["value"] == VALUE and got["enabled"] is True, got
    assert isinstance(got["createdDate"], datetime.datetime), got


@step("create_usage_plan + create_usage_plan_key + get_usage")
def _():
    p = gw.create_usage_plan(name="boto3-plan", apiStages=[{"apiId": state["api"], "stage": "dev"}],
                             quota={"limit": 10, "period": "WEEK"})
    k = gw.create_usage_plan_key(usagePlanId=p["id"], keyId=state["key"], keyType="API_KEY")
    assert k["value"] == VALUE and k["name"] == "boto3-key", k
    today = datetime.date.today().isoformat()
    u = gw.get_usage(usagePlanId=p["id"], startDate=today, endDate=today)
    assert u["usagePlanId"] == p["id"], u
    state["plan"] = p["id"]


@step("flush_stage_cache")
def _():
    gw.flush_stage_cache(restApiId=state["api"], stageName="dev")


@step("refused: wrong secret")
def _():
    refused(lambda: client(secret=SECRET + "x").get_rest_apis(), "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.")


@step("refused: unknown access key")
def _():
    refused(lambda: client(key_id="AKIAUNKNOWNKEY000000").get_rest_apis(),
            "UnrecognizedClientException", "The security token included in the request is invalid.")


def at(offset):
    return mock.patch.object(botocore.auth, "get_current_datetime",
                             return_value=datetime.datetime.utcnow() + offset)


@step("refused: signed 10 minutes ago")
def _():
    with at(datetime.timedelta(minutes=-10)):
        refused(lambda: gw.get_rest_apis(), "InvalidSignatureException", "Signature expired: ")


@step("refused: signed 10 minutes ahead")
def _():
    with at(datetime.timedelta(minutes=10)):
        refused(lambda: gw.get_rest_apis(), "InvalidSignatureException", "Signature not yet current: ")


def signed(method, path, body=b"", key_id=KEY_ID, secret=SECRET, query=False):
    req = AWSRequest(method=method, url=ENDPOINT + path, data=body,
                     headers={} if query else {"Content-Type": "application/json"})
    auth = botocore.auth.SigV4QueryAuth if query else botocore.auth.SigV4Auth
    auth(Credentials(key_id, secret), "apigateway", REGION).add_auth(req)
    return req


@step("refused: body changed after signing")
def _():
    req = signed("POST", "/restapis", json.dumps({"name": "signed"}).encode())
    r = requests.post(req.url, data=json.dumps({"name": "tampered"}), headers=dict(req.headers))
    assert r.status_code == 403, r.text
    assert r.headers["x-amzn-ErrorType"] == "InvalidSignatureException", r.headers


@step("refused: signed for another service")
def _():
    req = AWSRequest(method="GET", url=ENDPOINT + "/restapis")
    botocore.auth.SigV4Auth(Credentials(KEY_ID, SECRET), "execute-api", REGION).add_auth(req)
    r = requests.get(req.url, headers=dict(req.headers))
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "InvalidSignatureException", r.text


@step("presigned URL")
def _():
    req = signed("GET", "/restapis?limit=5", query=True)
    r = requests.get(req.url)
    assert r.status_code == 200 and "item" in r.json(), r.text


@step("access key made, used and revoked through /portico/accesskeys")
def _():
    bearer = {"Authorization": "Bearer " + TOKEN}
    made = requests.post(ENDPOINT + "/portico/accesskeys", json={"description": "ci"}, headers=bearer)
    assert made.status_code == 201, made.text
    k = made.json()
    other = client(k["accessKeyId"], k["secretAccessKey"])
    assert any(a["id"] == state["api"] for a in other.get_rest_apis()["items"])
    listed = requests.get(ENDPOINT + "/portico/accesskeys", headers=bearer).json()["item"]
    assert {x["accessKeyId"] for x in listed} == {KEY_ID, k["accessKeyId"]}, listed
    assert all("secretAccessKey" not in x for x in listed), listed
    gone = requests.delete(ENDPOINT + "/portico/accesskeys/" + k["accessKeyId"], headers=bearer)
    assert gone.status_code == 202, gone.text
    refused(lambda: other.get_rest_apis(), "UnrecognizedClientException",
            "The security token included in the request is invalid.")


@step("delete_usage_plan + delete_api_key + delete_rest_api")
def _():
    gw.delete_usage_plan(usagePlanId=state["plan"])
    gw.delete_api_key(apiKey=state["key"])
    gw.delete_rest_api(restApiId=state["api"])
    try:
        gw.get_rest_api(restApiId=state["api"])
        raise AssertionError("still there")
    except gw.exceptions.NotFoundException:
        pass


print(json.dumps({"passed": passed, "failed": failed}))
