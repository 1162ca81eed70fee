"""A boto3 apigatewayv2 session against Portico's management API, run by
test_apigatewayv2_admin.py with the pyenv Python (the one that has boto3):

    python3 boto3_v2_session.py ENDPOINT REGION KEY_ID SECRET

Prints one JSON object {"passed": [...], "failed": [...]} on stdout: every
resource family created, read, updated and deleted through the stock client,
and the reference's errors (NotFoundException, BadRequestException,
ConflictException) as the client models them."""

import json
import sys
import traceback

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT, REGION, KEY_ID, SECRET = sys.argv[1:5]
passed, failed = [], []
state = {}


def step(name):
    def wrap(fn):
        try:
            fn()
            passed.append(name)
        except Exception:  # a failed step is reported, the session goes on
            failed.append(f"{name}: {traceback.format_exc(limit=3)}")
        return fn
    return wrap


v2 = boto3.client("apigatewayv2", endpoint_url=ENDPOINT, region_name=REGION,
                  aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
                  config=Config(retries={"max_attempts": 1}))


def error(fn, exc, status):
    try:
        fn()
    except exc as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == status, e.response
        assert e.response["Error"]["Message"], e.response
        return e.response["Error"]["Message"]
    raise AssertionError("no error")


@step("create_api HTTP + get_api + get_apis paginator")
def _():
    a = v2.create_api(Name="pets", ProtocolType="HTTP", Description="boto3",
                      CorsConfiguration={"AllowOrigins": ["https://example.com"], "MaxAge": 300})
    assert a["ProtocolType"] == "HTTP" and len(a["ApiId"]) == 10, a
    assert a["RouteSelectionExpression"] == "$request.method $request.path", a
    assert a["ApiEndpoint"].startswith("https://" + a["ApiId"] + ".execute-api."), a
    assert a["CorsConfiguration"]["MaxAge"] == 300, a
    assert a["CreatedDate"].year >= 2024, a
    state["api"] = a["ApiId"]
    got = v2.get_api(ApiId=a["ApiId"])
    assert got["Name"] == "pets", got
    ids = [x["ApiId"] for p in v2.get_paginator("get_apis").paginate(PaginationConfig={"PageSize": 1})
           for x in p["Items"]]
    assert a["ApiId"] in ids, ids


@step("update_api + delete_cors_configuration")
def _():
    u = v2.update_api(ApiId=state["api"], Description="changed", Version="2")
    assert u["Description"] == "changed" and u["Version"] == "2" and u["Name"] == "pets", u
    v2.delete_cors_configuration(ApiId=state["api"])
    assert "CorsConfiguration" not in v2.get_api(ApiId=state["api"])


@step("tag_resource + get_tags + untag_resource (API and stage ARNs)")
def _():
    arn = f"arn:aws:apigateway:{REGION}::/apis/{state['api']}"
    v2.tag_resource(ResourceArn=arn, Tags={"team": "core", "env": "test"})
    assert v2.get_tags(ResourceArn=arn)["Tags"] == {"team": "core", "env": "test"}
    v2.untag_resource(ResourceArn=arn, TagKeys=["team", "absent"])
    assert v2.get_tags(ResourceArn=arn)["Tags"] == {"env": "test"}
    assert v2.get_api(ApiId=state["api"])["Tags"] == {"env": "test"}
    error(lambda: v2.get_tags(ResourceArn=f"arn:aws:apigateway:{REGION}::/apis/zzzzzzzzzz"),
          v2.exceptions.NotFoundException, 404)
    error(lambda: v2.tag_resource(ResourceArn=arn, Tags={"aws:x": "y"}),
          v2.exceptions.BadRequestException, 400)


@step("create_integration HTTP_PROXY + AWS_PROXY, get_integrations")
def _():
    i = v2.create_integration(ApiId=state["api"], IntegrationType="HTTP_PROXY",
                              IntegrationUri="https://example.com/pets", IntegrationMethod="GET",
                              RequestParameters={"overwrite:header.x-from": "$request.header.host"},
                              ResponseParameters={"200": {"append:header.x-served": "portico"}})
    assert i["PayloadFormatVersion"] == "1.0" and i["TimeoutInMillis"] == 30000, i
    assert len(i["IntegrationId"]) == 7, i
    state["integ"] = i["IntegrationId"]
    f = v2.create_integration(ApiId=state["api"], IntegrationType="AWS_PROXY",
                              IntegrationUri="arn:aws:lambda:us-east-1:000000000000:function:fn",
                              PayloadFormatVersion="2.0", TimeoutInMillis=5000)
    assert f["PayloadFormatVersion"] == "2.0" and f["TimeoutInMillis"] == 5000, f
    state["fn_integ"] = f["IntegrationId"]
    items = v2.get_integrations(ApiId=state["api"])["Items"]
    assert {x["IntegrationId"] for x in items} == {state["integ"], state["fn_integ"]}, items


@step("integration rules: MOCK refused for HTTP APIs, timeout over 30000, AWS_PROXY without version")
def _():
    error(lambda: v2.create_integration(ApiId=state["api"], IntegrationType="MOCK"),
          v2.exceptions.BadRequestException, 400)
    error(lambda: v2.create_integration(ApiId=state["api"], IntegrationType="HTTP_PROXY",
                                        IntegrationUri="https://example.com", IntegrationMethod="GET",
                                        TimeoutInMillis=30001),
          v2.exceptions.BadRequestException, 400)
    error(lambda: v2.create_integration(ApiId=state["api"], IntegrationType="AWS_PROXY",
                                        IntegrationUri="arn:aws:lambda:us-east-1:0:function:f"),
          v2.exceptions.BadRequestException, 400)


@step("create_route + update_route + get_routes")
def _():
    r = v2.create_route(ApiId=state["api"], RouteKey="GET /pets/{id}",
                        Target="integrations/" + state["integ"])
    assert r["AuthorizationType"] == "NONE" and r["ApiKeyRequired"] is False, r
    state["route"] = r["RouteId"]
    u = v2.update_route(ApiId=state["api"], RouteId=r["RouteId"], RouteKey="ANY /{proxy+}")
    assert u["RouteKey"] == "ANY /{proxy+}" and u["Target"] == "integrations/" + state["integ"], u
    keys = [x["RouteKey"] for x in v2.get_routes(ApiId=state["api"])["Items"]]
    assert keys == ["ANY /{proxy+}"], keys


@step("route errors: 400 bad key, 409 duplicate key, 404 unknown route")
def _():
    error(lambda: v2.create_route(ApiId=state["api"], RouteKey="FETCH /x"),
          v2.exceptions.BadRequestException, 400)
    error(lambda: v2.create_route(ApiId=state["api"], RouteKey="GET /a/{proxy+}/b"),
          v2.exceptions.BadRequestException, 400)
    error(lambda: v2.create_route(ApiId=state["api"], RouteKey="ANY /{proxy+}"),
          v2.exceptions.ConflictException, 409)
    error(lambda: v2.get_route(ApiId=state["api"], RouteId="nope123"),
          v2.exceptions.NotFoundException, 404)
    error(lambda: v2.create_route(ApiId=state["api"], RouteKey="GET /t", Target="integrations/zzzzzzz"),
          v2.exceptions.BadRequestException, 400)


@step("JWT authorizer + route with scopes")
def _():
    au = v2.create_authorizer(ApiId=state["api"], Name="jwt", AuthorizerType="JWT",
                              IdentitySource=["$request.header.Authorization"],
                              JwtConfiguration={"Issuer": "http://127.0.0.1:9/issuer",
                                                "Audience": ["portico"]})
    assert au["JwtConfiguration"]["Audience"] == ["portico"], au
    state["authorizer"] = au["AuthorizerId"]
    r = v2.create_route(ApiId=state["api"], RouteKey="GET /me", AuthorizationType="JWT",
                        AuthorizerId=au["AuthorizerId"], AuthorizationScopes=["read"],
                        Target="integrations/" + state["fn_integ"])
    assert r["AuthorizationScopes"] == ["read"], r
    state["me"] = r["RouteId"]
    error(lambda: v2.delete_authorizer(ApiId=state["api"], AuthorizerId=au["AuthorizerId"]),
          v2.exceptions.ConflictException, 409)
    req = v2.create_authorizer(ApiId=state["api"], Name="lambda", AuthorizerType="REQUEST",
                               AuthorizerUri="https://auth.example.com/check",
                               AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=True,
                               IdentitySource=["$request.header.x-token"],
                               AuthorizerResultTtlInSeconds=60)
    assert req["EnableSimpleResponses"] is True, req
    upd = v2.update_authorizer(ApiId=state["api"], AuthorizerId=req["AuthorizerId"],
                               AuthorizerResultTtlInSeconds=0)
    assert upd["AuthorizerResultTtlInSeconds"] == 0, upd
    assert len(v2.get_authorizers(ApiId=state["api"])["Items"]) == 2
    v2.delete_authorizer(ApiId=state["api"], AuthorizerId=req["AuthorizerId"])


@step("create_deployment + stage with deploymentId, variables and route settings")
def _():
    d = v2.create_deployment(ApiId=state["api"], Description="first")
    assert d["DeploymentStatus"] == "DEPLOYED" and d["AutoDeployed"] is False, d
    s = v2.create_stage(ApiId=state["api"], StageName="prod", DeploymentId=d["DeploymentId"],
                        StageVariables={"tier": "gold"},
                        RouteSettings={"ANY /{proxy+}": {"ThrottlingBurstLimit": 10,
                                                         "ThrottlingRateLimit": 5.0}})
    assert s["DeploymentId"] == d["DeploymentId"] and s["AutoDeploy"] is False, s
    assert s["RouteSettings"]["ANY /{proxy+}"]["ThrottlingBurstLimit"] == 10, s
    d2 = v2.create_deployment(ApiId=state["api"], StageName="prod")
    assert v2.get_stage(ApiId=state["api"], StageName="prod")["DeploymentId"] == d2["DeploymentId"]
    u = v2.update_stage(ApiId=state["api"], StageName="prod", StageVariables={"tier": "silver"})
    assert u["StageVariables"] == {"tier": "silver"}, u
    stage_arn = f"arn:aws:apigateway:{REGION}::/apis/{state['api']}/stages/prod"
    v2.tag_resource(ResourceArn=stage_arn, Tags={"tier": "1"})
    assert v2.get_stage(ApiId=state["api"], StageName="prod")["Tags"] == {"tier": "1"}
    v2.delete_route_settings(ApiId=state["api"], StageName="prod", RouteKey="ANY /{proxy+}")
    assert v2.get_stage(ApiId=state["api"], StageName="prod")["RouteSettings"] == {}
    error(lambda: v2.create_stage(ApiId=state["api"], StageName="prod"),
          v2.exceptions.ConflictException, 409)
    error(lambda: v2.delete_deployment(ApiId=state["api"], DeploymentId=d2["DeploymentId"]),
          v2.exceptions.BadRequestException, 400)
    v2.delete_deployment(ApiId=state["api"], DeploymentId=d["DeploymentId"])
    ids = [x["DeploymentId"] for x in v2.get_deployments(ApiId=state["api"])["Items"]]
    assert ids == [d2["DeploymentId"]], ids


@step("$default stage with autoDeploy redeploys on changes")
def _():
    s = v2.create_stage(ApiId=state["api"], StageName="$default", AutoDeploy=True)
    first = s["DeploymentId"]
    v2.create_route(ApiId=state["api"], RouteKey="POST /pets", Target="integrations/" + state["integ"])
    now = v2.get_stage(ApiId=state["api"], StageName="$default")["DeploymentId"]
    assert now != first, (first, now)
    assert v2.get_deployment(ApiId=state["api"], DeploymentId=now)["AutoDeployed"] is True
    error(lambda: v2.create_stage(ApiId=state["api"], StageName="bad name"),
          v2.exceptions.BadRequestException, 400)


@step("quick create (target) makes route, integration and $default stage")
def _():
    q = v2.create_api(Name="quick", ProtocolType="HTTP", Target="https://example.com/quick",
                      RouteKey="GET /quick")
    routes = v2.get_routes(ApiId=q["ApiId"])["Items"]
    assert [r["RouteKey"] for r in routes] == ["GET /quick"], routes
    integ = v2.get_integrations(ApiId=q["ApiId"])["Items"]
    assert integ[0]["IntegrationType"] == "HTTP_PROXY", integ
    stages = v2.get_stages(ApiId=q["ApiId"])["Items"]
    assert stages[0]["StageName"] == "$default" and stages[0]["AutoDeploy"] is True, stages
    before = stages[0]["DeploymentId"]
    v2.update_api(ApiId=q["ApiId"], Target="arn:aws:lambda:us-east-1:000000000000:function:f",
                  RouteKey="ANY /{proxy+}")
    assert [r["RouteKey"] for r in v2.get_routes(ApiId=q["ApiId"])["Items"]] == ["ANY /{proxy+}"]
    integ = v2.get_integrations(ApiId=q["ApiId"])["Items"][0]
    assert integ["IntegrationType"] == "AWS_PROXY" and integ["PayloadFormatVersion"] == "2.0", integ
    assert v2.get_stage(ApiId=q["ApiId"], StageName="$default")["DeploymentId"] != before
    error(lambda: v2.update_api(ApiId=state["api"], Target="https://example.com"),
          v2.exceptions.BadRequestException, 400)
    v2.delete_api(ApiId=q["ApiId"])


@step("WebSocket API: routes, MOCK integration, responses, model")
def _():
    error(lambda: v2.create_api(Name="ws", ProtocolType="WEBSOCKET"),
          v2.exceptions.BadRequestException, 400)
    w = v2.create_api(Name="ws", ProtocolType="WEBSOCKET",
                      RouteSelectionExpression="$request.body.action")
    assert w["ApiEndpoint"].startswith("wss://"), w
    wid = w["ApiId"]
    state["ws"] = wid
    i = v2.create_integration(ApiId=wid, IntegrationType="MOCK",
                              RequestTemplates={"$default": '{"statusCode": 200}'},
                              TemplateSelectionExpression="\\$default")
    assert i["PassthroughBehavior"] == "WHEN_NO_MATCH", i
    ir = v2.create_integration_response(ApiId=wid, IntegrationId=i["IntegrationId"],
                                        IntegrationResponseKey="$default",
                                        ResponseTemplates={"$default": '{"ok": true}'})
    assert ir["IntegrationResponseKey"] == "$default", ir
    assert len(v2.get_integration_responses(ApiId=wid, IntegrationId=i["IntegrationId"])["Items"]) == 1
    m = v2.create_model(ApiId=wid, Name="Message", ContentType="application/json",
                        Schema=json.dumps({"type": "object", "required": ["action"],
                                           "properties": {"action": {"type": "string"}}}))
    assert v2.get_model(ApiId=wid, ModelId=m["ModelId"])["Name"] == "Message"
    error(lambda: v2.create_model(ApiId=wid, Name="Bad", Schema='{"type": 5}'),
          v2.exceptions.BadRequestException, 400)
    error(lambda: v2.create_route(ApiId=wid, RouteKey="typed", RequestModels={"$default": "Nope"},
                                  ModelSelectionExpression="$default"),
          v2.exceptions.BadRequestException, 400)
    typed = v2.create_route(ApiId=wid, RouteKey="typed", RequestModels={"$default": "Message"},
                            ModelSelectionExpression="$default")
    error(lambda: v2.delete_model(ApiId=wid, ModelId=m["ModelId"]), v2.exceptions.ConflictException, 409)
    v2.delete_route(ApiId=wid, RouteId=typed["RouteId"])
    for key in ("$connect", "$disconnect", "$default", "sendmessage"):
        r = v2.create_route(ApiId=wid, RouteKey=key, Target="integrations/" + i["IntegrationId"],
                            RouteResponseSelectionExpression="$default")
    rr = v2.create_route_response(ApiId=wid, RouteId=r["RouteId"], RouteResponseKey="$default")
    assert rr["RouteResponseKey"] == "$default", rr
    got = v2.get_route_responses(ApiId=wid, RouteId=r["RouteId"])["Items"]
    assert [x["RouteResponseId"] for x in got] == [rr["RouteResponseId"]], got
    error(lambda: v2.create_route(ApiId=wid, RouteKey="$bogus"), v2.exceptions.BadRequestException, 400)
    a = v2.create_authorizer(ApiId=wid, Name="auth", AuthorizerType="REQUEST",
                             AuthorizerUri="https://auth.example.com/ws",
                             IdentitySource=["route.request.querystring.token"])
    routes = {x["RouteKey"]: x["RouteId"] for x in v2.get_routes(ApiId=wid)["Items"]}
    v2.update_route(ApiId=wid, RouteId=routes["$connect"], AuthorizationType="CUSTOM",
                    AuthorizerId=a["AuthorizerId"])
    error(lambda: v2.update_route(ApiId=wid, RouteId=routes["sendmessage"],
                                  AuthorizationType="CUSTOM", AuthorizerId=a["AuthorizerId"]),
          v2.exceptions.BadRequestException, 400)
    v2.delete_route_response(ApiId=wid, RouteId=r["RouteId"], RouteResponseId=rr["RouteResponseId"])
    v2.delete_integration_response(ApiId=wid, IntegrationId=i["IntegrationId"],
                                   IntegrationResponseId=ir["IntegrationResponseId"])
    v2.delete_model(ApiId=wid, ModelId=m["ModelId"])


@step("domain name + api mappings")
def _():
    d = v2.create_domain_name(DomainName="API.Example.COM")
    assert d["DomainName"] == "api.example.com", d
    m = v2.create_api_mapping(DomainName="api.example.com", ApiId=state["api"], Stage="prod",
                              ApiMappingKey="pets")
    assert m["ApiMappingKey"] == "pets" and m["Stage"] == "prod", m
    error(lambda: v2.create_api_mapping(DomainName="api.example.com", ApiId=state["api"],
                                        Stage="prod", ApiMappingKey="pets"),
          v2.exceptions.ConflictException, 409)
    error(lambda: v2.create_api_mapping(DomainName="api.example.com", ApiId=state["api"],
                                        Stage="nostage", ApiMappingKey="other"),
          v2.exceptions.NotFoundException, 404)
    u = v2.update_api_mapping(DomainName="api.example.com", ApiMappingId=m["ApiMappingId"],
                              ApiId=state["api"], ApiMappingKey="v2/pets")
    assert u["ApiMappingKey"] == "v2/pets", u
    items = v2.get_api_mappings(DomainName="api.example.com")["Items"]
    assert [x["ApiMappingId"] for x in items] == [m["ApiMappingId"]], items
    assert any(x["DomainName"] == "api.example.com" for x in v2.get_domain_names()["Items"])
    v2.delete_api_mapping(DomainName="api.example.com", ApiMappingId=m["ApiMappingId"])
    v2.delete_domain_name(DomainName="api.example.com")
    error(lambda: v2.get_domain_name(DomainName="api.example.com"), v2.exceptions.NotFoundException, 404)


OPENAPI = """
openapi: 3.0.1
info:
  title: imported
  version: 1.0
paths:
  /pets/{id}:
    get:
      security:
        - jwt: [read]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: https://example.com/pets/{id}
        payloadFormatVersion: "1.0"
        requestParameters:
          overwrite:header.x-source: imported
  /$default:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: arn:aws:lambda:us-east-1:000000000000:function:fn
        payloadFormatVersion: "2.0"
components:
  securitySchemes:
    jwt:
      type: oauth2
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration:
          issuer: https://issuer.example.com
          audience: [portico]
x-amazon-apigateway-cors:
  allowOrigins: ["https://app.example.com"]
"""


@step("import_api (YAML) + export_api (JSON, YAML) + reimport_api")
def _():
    a = v2.import_api(Body=OPENAPI)
    assert a["Name"] == "imported" and a["Version"] == "1", a
    assert a["CorsConfiguration"]["AllowOrigins"] == ["https://app.example.com"], a
    routes = {r["RouteKey"]: r for r in v2.get_routes(ApiId=a["ApiId"])["Items"]}
    assert set(routes) == {"GET /pets/{id}", "$default"}, routes
    assert routes["GET /pets/{id}"]["AuthorizationType"] == "JWT", routes
    assert routes["GET /pets/{id}"]["AuthorizationScopes"] == ["read"], routes
    integ = {i["IntegrationType"]: i for i in v2.get_integrations(ApiId=a["ApiId"])["Items"]}
    assert integ["AWS_PROXY"]["PayloadFormatVersion"] == "2.0", integ
    assert integ["HTTP_PROXY"]["RequestParameters"] == {"overwrite:header.x-source": "imported"}
    out = json.loads(v2.export_api(ApiId=a["ApiId"], Specification="OAS30", OutputType="JSON")["body"].read())
    assert out["openapi"] == "3.0.1" and out["info"]["title"] == "imported", out
    op = out["paths"]["/pets/{id}"]["get"]
    assert op["security"] == [{"jwt": ["read"]}], op
    assert op["x-amazon-apigateway-integration"]["type"] == "http_proxy", op
    assert "x-amazon-apigateway-any-method" in out["paths"]["/$default"], out
    auth = out["components"]["securitySchemes"]["jwt"]["x-amazon-apigateway-authorizer"]
    assert auth["jwtConfiguration"]["issuer"] == "https://issuer.example.com", auth
    y = v2.export_api(ApiId=a["ApiId"], Specification="OAS30", OutputType="YAML")["body"].read().decode()
    assert "openapi: 3.0.1" in y and "/pets/{id}" in y, y
    # the export imports back into a new API with the same routes
    again = v2.import_api(Body=json.dumps(out))
    keys = {r["RouteKey"] for r in v2.get_routes(ApiId=again["ApiId"])["Items"]}
    assert keys == {"GET /pets/{id}", "$default"}, keys
    v2.delete_api(ApiId=again["ApiId"])
    r = v2.reimport_api(ApiId=a["ApiId"], Body=OPENAPI.replace("/pets/{id}", "/dogs"))
    keys = {r["RouteKey"] for r in v2.get_routes(ApiId=a["ApiId"])["Items"]}
    assert keys == {"GET /dogs", "$default"}, keys
    assert len(v2.get_integrations(ApiId=a["ApiId"])["Items"]) == 2
    error(lambda: v2.import_api(Body="swagger: '2.0'\ninfo: {title: x}\npaths: {}"),
          v2.exceptions.BadRequestException, 400)
    error(lambda: v2.import_api(Body=OPENAPI.replace("GET\n", "FETCH\n").replace("/pets/{id}", "/a/{b+}/c")),
          v2.exceptions.BadRequestException, 400)
    v2.delete_api(ApiId=a["ApiId"])


@step("delete routes, integrations, stages, apis; 404 afterwards")
def _():
    error(lambda: v2.delete_integration(ApiId=state["api"], IntegrationId=state["integ"]),
          v2.exceptions.ConflictException, 409)
    v2.delete_route(ApiId=state["api"], RouteId=state["me"])
    v2.delete_integration(ApiId=state["api"], IntegrationId=state["fn_integ"])
    v2.delete_stage(ApiId=state["api"], StageName="prod")
    error(lambda: v2.get_stage(ApiId=state["api"], StageName="prod"), v2.exceptions.NotFoundException, 404)
    v2.delete_api(ApiId=state["api"])
    v2.delete_api(ApiId=state["ws"])
    error(lambda: v2.get_api(ApiId=state["api"]), v2.exceptions.NotFoundException, 404)
    error(lambda: v2.get_routes(ApiId=state["api"]), v2.exceptions.NotFoundException, 404)


print(json.dumps({"passed": passed, "failed": failed}))
