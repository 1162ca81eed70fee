// HTTP and WebSocket APIs (apigatewayv2, /v2/apis): the list (name, id,
// protocol, endpoint, created) and per API its routes with their targets,
// integrations, stages and deployments; an API is deleted after a
// confirmation. Shown only where the control plane has the API.
import { del, enc, get, getOptional } from "./api.js";
import { badge, button, confirmAction, el, link, notify, section, table } from "./ui.js";

// Every page of an apigatewayv2 list ({items, nextToken}); null when the
// control plane has no such API.
async function listV2(path) {
  const items = [];
  let token = null;
  for (let pages = 0; pages < 100; pages++) {
    const sep = path.includes("?") ? "&" : "?";
    const page = await getOptional(`${path}${sep}maxResults=500${token ? `&nextToken=${enc(token)}` : ""}`);
    if (page === null) return null;
    items.push(...(page.items || []));
    if (!page.nextToken || page.nextToken === token) break;
    token = page.nextToken;
  }
  return items;
}

export async function render(main, apiId) {
  if (apiId) return renderApi(main, apiId);
  main.append(el("h1", null, "HTTP and WebSocket APIs"));
  const items = await listV2("/v2/apis");
  if (items === null) {
    main.append(el("p", { class: "muted", id: "httpapis-missing" }, "This control plane has no HTTP or WebSocket "
      + "APIs (apigatewayv2)."));
    return undefined;
  }
  items.sort((a, b) => (a.name || "").localeCompare(b.name || ""));
  main.append(section("APIs", table(["Name", "ID", "Protocol", "Endpoint", "Created"],
    items.map((a) => el("tr", { dataset: { apiId: a.apiId } },
      el("td", { class: "api-name" }, link(a.name || a.apiId, "httpapis", a.apiId)),
      el("td", null, el("code", null, a.apiId)), el("td", null, badge(a.protocolType || "", "verb")),
      el("td", { class: "uri" }, a.apiEndpoint || ""), el("td", null, a.createdDate || ""))),
    { id: "httpapis-table" }),
  el("p", { class: "muted" }, "HTTP and WebSocket APIs are created through the API (aws apigatewayv2 create-api, "
    + "create-route, create-integration, create-stage).")));
  return undefined;
}

async function renderApi(main, apiId) {
  const base = `/v2/apis/${enc(apiId)}`;
  const [api, routes, integrations, stages, deployments] = await Promise.all([
    get(base), listV2(`${base}/routes`), listV2(`${base}/integrations`), listV2(`${base}/stages`),
    listV2(`${base}/deployments`),
  ]);
  const byId = new Map((integrations || []).map((i) => [i.integrationId, i]));
  const target = (t) => {
    const m = /^integrations\/(.+)$/.exec(t || "");
    const i = m && byId.get(m[1]);
    return i ? `${i.integrationType} ${i.integrationMethod || ""} ${i.integrationUri || ""}`.replace(/ +/g, " ")
      : t || "";
  };
  main.append(
    el("p", { class: "crumbs" }, link("HTTP and WebSocket APIs", "httpapis"), " / ", api.name || apiId),
    el("h1", { id: "httpapi-title" }, api.name || apiId),
    el("p", { class: "muted" }, el("code", null, api.apiId), " · ", api.protocolType || "",
      api.routeSelectionExpression ? ` · route selection ${api.routeSelectionExpression}` : "",
      api.apiEndpoint ? ` · ${api.apiEndpoint}` : ""),
    el("div", { class: "toolbar" }, button("Delete API", async () => {
      if (!(await confirmAction("Delete this API?",
        `API "${api.name}" (${api.apiId}), its routes, integrations, stages and deployments are deleted.`,
        "Delete API")))
        return;
      await del(base);
      notify(`Deleted API ${api.name}.`);
      location.hash = "#/httpapis";
    }, { class: "danger small" })),
    section("Routes", table(["Route key", "Target", "Authorization"],
      (routes || []).sort((a, b) => a.routeKey.localeCompare(b.routeKey)).map((r) =>
        el("tr", { dataset: { routeId: r.routeId } }, el("td", null, el("code", null, r.routeKey)),
          el("td", { class: "uri" }, target(r.target)), el("td", null, r.authorizationType || "NONE"))),
      { id: "httpapi-routes" })),
    section("Integrations", table(["ID", "Type", "Method", "URI", "Payload"],
      (integrations || []).map((i) => el("tr", null, el("td", null, el("code", null, i.integrationId)),
        el("td", null, i.integrationType || ""), el("td", null, i.integrationMethod || ""),
        el("td", { class: "uri" }, i.integrationUri || ""), el("td", null, i.payloadFormatVersion || ""))),
      { id: "httpapi-integrations" })),
    section("Stages", table(["Stage", "Deployment", "Auto-deploy", "Last updated"],
      (stages || []).map((s) => el("tr", { dataset: { stage: s.stageName } }, el("td", null, s.stageName),
        el("td", null, el("code", null, s.deploymentId || "")), el("td", null, s.autoDeploy ? "yes" : "no"),
        el("td", null, s.lastUpdatedDate || ""))),
      { id: "httpapi-stages" })),
    section("Deployments", table(["ID", "Status", "Description", "Created"],
      (deployments || []).map((d) => el("tr", null, el("td", null, el("code", null, d.deploymentId)),
        el("td", null, d.deploymentStatus || ""), el("td", null, d.description || ""),
        el("td", null, d.createdDate || ""))))));
  return undefined;
}
