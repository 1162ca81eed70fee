// A session of the reference's JavaScript SDK v3 (@aws-sdk/client-api-gateway)
// against Portico's management API, run by tests/system/test_aws_clients.py:
//   node session.mjs ENDPOINT REGION   (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)
// Prints {"passed": [...], "failed": [...]} as the last line of stdout.
import * as gw from "@aws-sdk/client-api-gateway";

const [endpoint, region] = process.argv.slice(2);
const client = new gw.APIGatewayClient({ endpoint, region, maxAttempts: 1 });
const send = (Command, input) => client.send(new Command(input));
const passed = [];
const failed = [];
const state = {};
const VALUE = "js-sdk-session-key-value-0123456789";

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function step(name, fn) {
  try {
    await fn();
    passed.push(name);
  } catch (e) {
    failed.push(`${name}: ${e.name}: ${e.message}`);
  }
}

await step("CreateRestApi", async () => {
  const api = await send(gw.CreateRestApiCommand, { name: "js-demo", binaryMediaTypes: ["image/gif"] });
  check(api.name === "js-demo" && api.binaryMediaTypes[0] === "image/gif", JSON.stringify(api));
  check(api.createdDate instanceof Date, "createdDate is a Date");
  state.api = api.id;
  state.root = api.rootResourceId;
});
await step("GetRestApis", async () => {
  const out = await send(gw.GetRestApisCommand, {});
  check(out.items.some((a) => a.id === state.api), JSON.stringify(out));
});
await step("CreateResource", async () => {
  const r = await send(gw.CreateResourceCommand, { restApiId: state.api, parentId: state.root, pathPart: "things" });
  check(r.path === "/things", JSON.stringify(r));
  state.res = r.id;
});
await step("PutMethod", async () => {
  const m = await send(gw.PutMethodCommand, {
    restApiId: state.api, resourceId: state.res, httpMethod: "POST", authorizationType: "NONE",
  });
  check(m.httpMethod === "POST", JSON.stringify(m));
});
await step("PutIntegration", async () => {
  const i = await send(gw.PutIntegrationCommand, {
    restApiId: state.api, resourceId: state.res, httpMethod: "POST", type: "MOCK",
    requestTemplates: { "application/json": '{"statusCode": 200}' },
  });
  check(i.type === "MOCK", JSON.stringify(i));
});
await step("CreateDeployment", async () => {
  const d = await send(gw.CreateDeploymentCommand, { restApiId: state.api, stageName: "test" });
  check(typeof d.id === "string", JSON.stringify(d));
});
await step("GetStages", async () => {
  const s = await send(gw.GetStagesCommand, { restApiId: state.api });
  check(s.item.length === 1 && s.item[0].stageName === "test", JSON.stringify(s));
});
await step("UpdateStage", async () => {
  const s = await send(gw.UpdateStageCommand, {
    restApiId: state.api, stageName: "test",
    patchOperations: [{ op: "replace", path: "/variables/who", value: "js" }],
  });
  check(s.variables.who === "js", JSON.stringify(s));
});
await step("CreateApiKey + GetApiKey(includeValue)", async () => {
  const k = await send(gw.CreateApiKeyCommand, { name: "js-key", value: VALUE, enabled: true });
  state.key = k.id;
  const got = await send(gw.GetApiKeyCommand, { apiKey: k.id, includeValue: true });
  check(got.value === VALUE, JSON.stringify(got));
});
await step("CreateUsagePlan + CreateUsagePlanKey + GetUsage", async () => {
  const p = await send(gw.CreateUsagePlanCommand, {
    name: "js-plan", apiStages: [{ apiId: state.api, stage: "test" }],
    throttle: { rateLimit: 3, burstLimit: 6 },
  });
  state.plan = p.id;
  const pk = await send(gw.CreateUsagePlanKeyCommand, { usagePlanId: p.id, keyId: state.key, keyType: "API_KEY" });
  check(pk.id === state.key, JSON.stringify(pk));
  const day = new Date().toISOString().slice(0, 10);
  const u = await send(gw.GetUsageCommand, { usagePlanId: p.id, startDate: day, endDate: day });
  check(u.usagePlanId === p.id, JSON.stringify(u));
});
await step("FlushStageCache", async () => {
  await send(gw.FlushStageCacheCommand, { restApiId: state.api, stageName: "test" });
});
await step("wrong secret refused (InvalidSignatureException)", async () => {
  const bad = new gw.APIGatewayClient({
    endpoint, region, maxAttempts: 1,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: "wrong-secret-0123456789" },
  });
  try {
    await bad.send(new gw.GetRestApisCommand({}));
    throw new Error("accepted");
  } catch (e) {
    check(e.name === "InvalidSignatureException" && e.$metadata.httpStatusCode === 403, `${e.name} ${e.message}`);
  }
});
await step("DeleteUsagePlan + DeleteApiKey + DeleteRestApi", async () => {
  await send(gw.DeleteUsagePlanCommand, { usagePlanId: state.plan });
  await send(gw.DeleteApiKeyCommand, { apiKey: state.key });
  await send(gw.DeleteRestApiCommand, { restApiId: state.api });
  try {
    await send(gw.GetRestApiCommand, { restApiId: state.api });
    throw new Error("still there");
  } catch (e) {
    check(e instanceof gw.NotFoundException, `${e.name} ${e.message}`);
  }
});

console.log(JSON.stringify({ passed, failed }));
