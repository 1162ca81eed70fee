"""GetSdk for sdkType javascript: the ZIP answered for a deployed stage
holds a generated client that Node (fetch, no libraries) loads and uses
against a real data plane: path, query and header parameters, a JSON body,
a 2xx answer resolved and a 4xx rejected with err.response, as the
reference's generated client behaves."""

import io
import json
import os
import shutil
import subprocess
import zipfile

import pytest

from harness import deploy

NODE = shutil.which("node")

SCRIPT = r"""
const factory = require(process.argv[2]);
const client = factory.newClient({invokeUrl: process.argv[3] + '/'});
(async () => {
  const out = {names: Object.keys(client).sort()};
  const got = await client.petsPetIdGet({petId: 'a b', limit: 5, 'X-Trace': 't1'});
  out.get = {status: got.status, data: got.data};
  const made = await client.petsPost({}, {name: 'rex'});
  out.post = {status: made.status, data: made.data};
  try { await client.petsPost({}, {name: 'bad'}); out.bad = 'resolved'; }
  catch (e) { out.bad = {status: e.response.status, data: e.response.data}; }
  try { await client.petsPetIdGet({}); } catch (e) { out.missing = e.message; }
  out.root = (await client.rootGet()).data;
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def mock(cp, base, request_template, responses, params=None):
    cp.ok("PUT", base, {"authorizationType": "NONE", "requestParameters": params or {}}, expect=201)
    cp.ok("PUT", base + "/integration", {"type": "MOCK", "requestTemplates": {
        "application/json": request_template}}, expect=201)
    for status, (pattern, template) in responses.items():
        cp.ok("PUT", f"{base}/responses/{status}", {}, expect=201)
        body = {"responseTemplates": {"application/json": template}}
        if pattern is not None:
            body["selectionPattern"] = pattern
        cp.ok("PUT", f"{base}/integration/responses/{status}", body, expect=201)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_generated_javascript_client_works_against_a_data_plane(cp, make_dp, tmp_path):
    api = cp.ok("POST", "/restapis", {"name": "pets */ sdk"}, expect=201)
    api_id, root = api["id"], api["rootResourceId"]
    pets = cp.ok("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": "pets"}, expect=201)
    pet = cp.ok("POST", f"/restapis/{api_id}/resources/{pets['id']}", {"pathPart": "{petId}"}, expect=201)
    mock(cp, f"/restapis/{api_id}/resources/{pet['id']}/methods/GET", '{"statusCode": 200}',
         {200: (None, '{"id": "$input.params(\'petId\')", "limit": "$input.params(\'limit\')", '
                      '"trace": "$input.params(\'X-Trace\')"}')},
         params={"method.request.querystring.limit": False, "method.request.header.X-Trace": False})
    mock(cp, f"/restapis/{api_id}/resources/{pets['id']}/methods/POST",
         "#if($input.path('$.name') == 'bad'){\"statusCode\": 400}#else{\"statusCode\": 201}#end",
         {201: (None, '{"created": true}'), 400: ("400", '{"message": "bad pet"}')})
    mock(cp, f"/restapis/{api_id}/resources/{root}/methods/GET", '{"statusCode": 200}',
         {200: (None, '{"root": true}')})
    deploy(cp, api_id, stage="v1")
    dp = make_dp().start()
    dp.wait_version(cp.version())

    headers = {"Authorization": f"Bearer {cp.token}"}
    r = cp.session.get(f"{cp.url}/restapis/{api_id}/stages/v1/sdks/javascript", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    assert zf.testzip() is None
    assert sorted(zf.namelist()) == ["apiGateway-js-sdk/README.md", "apiGateway-js-sdk/apigClient.js"]
    zf.extractall(tmp_path)
    client = os.path.join(tmp_path, "apiGateway-js-sdk", "apigClient.js")
    script = tmp_path / "use.js"
    script.write_text(SCRIPT)
    url = f"{dp.base}/restapis/{api_id}/v1/_user_request_"
    run = subprocess.run([NODE, str(script), client, url], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["names"] == ["petsPetIdGet", "petsPost", "rootGet"]
    assert out["get"] == {"status": 200, "data": {"id": "a b", "limit": "5", "trace": "t1"}}
    assert out["post"] == {"status": 201, "data": {"created": True}}
    assert out["bad"] == {"status": 400, "data": {"message": "bad pet"}}
    assert out["missing"] == "missing path parameter petId"
    assert out["root"] == {"root": True}

    r = cp.session.get(f"{cp.url}/restapis/{api_id}/stages/v1/sdks/java", headers=headers)
    assert r.status_code == 400 and "javascript" in r.json()["message"]
    r = cp.session.get(f"{cp.url}/restapis/{api_id}/stages/nope/sdks/javascript", headers=headers)
    assert r.status_code == 404
