// APIs: the list (name, id, created, stages) with create and delete, and one
// API's resource tree with its methods, authorization and integrations,
// authorizers, gateway responses, and models and validators where the
// control plane has them. Resources and methods (HTTP_PROXY or MOCK) are
// created from here, and OpenAPI documents imported and exported
// (openapi.js); models and validators are edited here too (models.js), a
// method's validation and templates on its own page (method.js).
import { del, enc, get, getOptional, listAll, post, put } from "./api.js";
import { exportSection, importSection } from "./openapi.js";
import { modelsSection, validatorsSection } from "./models.js";
import {
  badge, button, clear, confirmAction, date, el, field, form, link, notify, section, select, table,
} from "./ui.js";

const VERBS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];

export async function render(main) {
  const list = el("div", { id: "api-list" }, el("p", { class: "muted" }, "Loading…"));
  main.append(el("h1", null, "APIs"), createApiForm(), section("REST APIs", list),
    importSection(null, () => fillList(list)));
  await fillList(list);
}

function createApiForm() {
  const name = el("input", { name: "name", id: "new-api-name", required: true, maxlength: 1024 });
  const description = el("input", { name: "description", id: "new-api-description" });
  return section("Create an API", form({ class: "inline", id: "create-api" }, [
    field("Name", name), field("Description", description),
    el("button", { type: "submit" }, "Create API"),
  ], async () => {
    const body = { name: name.value.trim() };
    if (description.value.trim()) body.description = description.value.trim();
    const api = await post("/restapis", body);
    notify(`Created API ${api.name} (${api.id}).`);
    location.hash = `#/apis/${enc(api.id)}`;
  }));
}

async function fillList(list) {
  const items = await listAll("/restapis");
  const rows = items.map((api) => {
    const stagesCell = el("td", { class: "stages" }, "…");
    get(`/restapis/${enc(api.id)}/stages`).then((s) => {
      const names = (s.item || []).map((x) => x.stageName);
      clear(stagesCell, ...(names.length ? names.flatMap((n, i) =>
        [i ? ", " : "", link(n, "stages", api.id)]) : ["—"]));
    }, (e) => { stagesCell.textContent = e.message; });
    return el("tr", { dataset: { apiId: api.id } },
      el("td", { class: "api-name" }, link(api.name, "apis", api.id)),
      el("td", null, el("code", null, api.id)),
      el("td", null, date(api.createdDate)),
      stagesCell,
      el("td", { class: "actions" }, button("Delete", async () => {
        if (!(await confirmAction("Delete this API?",
          `API "${api.name}" (${api.id}), its resources, deployments and stages are deleted.`, "Delete API")))
          return;
        await del(`/restapis/${enc(api.id)}`);
        notify(`Deleted API ${api.name}.`);
        await fillList(list);
      }, { class: "danger small" })));
  });
  clear(list, table(["Name", "ID", "Created", "Stages", ""], rows, { id: "apis-table" }));
}

// ---- one API ------------------------------------------------------------------

export async function renderApi(main, apiId) {
  const api = await get(`/restapis/${enc(apiId)}`);
  const body = el("div");
  main.append(
    el("p", { class: "crumbs" }, link("APIs", "apis"), " / ", api.name),
    el("h1", { id: "api-title" }, api.name),
    el("p", { class: "muted" }, el("code", null, api.id), api.description ? ` — ${api.description}` : "",
      " · created ", date(api.createdDate), " · ", link("Stages", "stages", api.id), " · ",
      link("Metrics", "metrics", api.id)),
    jumpBar(),
    body,
    // outside body: its result (and warnings) stays while body is redrawn
    part("import", importSection(api, (imported) => {
      // the document's title and description become the API's
      Object.assign(api, { name: imported.name, description: imported.description });
      document.getElementById("api-title").textContent = imported.name;
      return fillApi(body, api);
    })));
  await fillApi(body, api);
}

async function fillApi(body, api) {
  const base = `/restapis/${enc(api.id)}`;
  const [resources, authorizers, responses, models, validators, stages] = await Promise.all([
    listAll(`${base}/resources?embed=methods`),
    listAll(`${base}/authorizers`),
    get(`${base}/gatewayresponses?limit=500`),
    getOptional(`${base}/models?limit=500`),
    getOptional(`${base}/requestvalidators?limit=500`),
    get(`${base}/stages`),
  ]);
  const refresh = () => fillApi(body, api);
  resources.sort((a, b) => a.path.localeCompare(b.path));
  clear(body,
    part("resources", section("Resources",
      resourceTree(api, resources, authorizers, (validators && validators.item) || [], refresh))),
    section("Add a resource", resourceForm(api, resources, refresh)),
    section("Add a method", methodForm(api, resources, authorizers, refresh)),
    section("Authorizers", authorizerTable(authorizers)),
    section("Gateway responses", responsesTable(responses)),
    models ? part("models", modelsSection(api, models.item || [], refresh)) : null,
    validators ? part("validators", validatorsSection(api, validators.item || [], refresh)) : null,
    part("export", exportSection(api, (stages.item || []).sort((a, b) => a.stageName.localeCompare(b.stageName)))));
}

// A section the jump bar can reach.
function part(name, node) {
  node.dataset.part = name;
  return node;
}

// Buttons that move to a part of the (long) API page and put the focus on
// its heading; buttons, not #anchors, since the hash is the console's route.
function jumpBar() {
  const parts = [["resources", "Resources"], ["models", "Models"], ["validators", "Validators"],
    ["export", "Export OpenAPI"], ["import", "Import OpenAPI"]];
  return el("nav", { class: "toolbar jump", "aria-label": "On this page" }, parts.map(([name, label]) =>
    el("button", { type: "button", class: "secondary small", dataset: { jump: name }, onclick: () => {
      const target = document.querySelector(`#main [data-part="${name}"]`);
      if (!target) return;
      const heading = target.querySelector("h2") || target;
      heading.setAttribute("tabindex", "-1");
      target.scrollIntoView({ block: "start" });
      heading.focus();
    } }, label)));
}

function resourceTree(api, resources, authorizers, validators, refresh) {
  const byId = new Map(authorizers.map((a) => [a.id, a]));
  const validatorName = new Map(validators.map((v) => [v.id, v.name]));
  const rows = [];
  for (const r of resources) {
    const depth = r.path === "/" ? 0 : r.path.split("/").length - 1;
    const methods = Object.entries(r.resourceMethods || {}).sort(([a], [b]) => a.localeCompare(b));
    rows.push(el("tr", { class: "resource", dataset: { resourceId: r.id, path: r.path } },
      el("td", { colspan: 4 }, el("span", { class: "tree", dataset: { depth } },
        el("strong", null, r.path === "/" ? "/" : `/${r.pathPart}`)),
      depth > 1 ? el("span", { class: "muted" }, ` ${r.path}`) : null, " ", el("code", { class: "muted" }, r.id)),
      el("td", { class: "actions" }, r.path === "/" ? null : button("Delete", async () => {
        if (!(await confirmAction("Delete this resource?",
          `${r.path} with its methods and child resources is deleted.`, "Delete resource")))
          return;
        await del(`/restapis/${enc(api.id)}/resources/${enc(r.id)}`);
        await refresh();
      }, { class: "danger small" }))));
    for (const [verb, m] of methods) {
      const integ = m.methodIntegration || {};
      const auth = m.authorizationType || "NONE";
      const authorizer = m.authorizerId && byId.get(m.authorizerId);
      rows.push(el("tr", { class: "method", dataset: { verb } },
        el("td", null, el("span", { class: "tree", dataset: { depth: depth + 1 } }, badge(verb, "verb"))),
        el("td", null, auth, authorizer ? ` (${authorizer.name})` : "", m.apiKeyRequired ? " · API key" : "",
          m.requestValidatorId ? ` · validator ${validatorName.get(m.requestValidatorId) || m.requestValidatorId}` : ""),
        el("td", null, integ.type || "none"),
        el("td", { class: "uri" }, integ.type === "HTTP_PROXY" || integ.type === "HTTP"
          ? `${integ.httpMethod || ""} ${integ.uri || ""}` : ""),
        el("td", { class: "actions" }, el("a", { class: "button small secondary edit-method",
          href: `#/apis/${enc(api.id)}/methods/${enc(r.id)}/${enc(verb)}`, "aria-label": `Edit ${verb} ${r.path}` },
        "Edit"), button("Delete", async () => {
          if (!(await confirmAction("Delete this method?", `${verb} ${r.path} is deleted.`, "Delete method")))
            return;
          await del(`/restapis/${enc(api.id)}/resources/${enc(r.id)}/methods/${enc(verb)}`);
          await refresh();
        }, { class: "danger small", "aria-label": `Delete ${verb} ${r.path}` }))));
    }
  }
  return table(["Resource / method", "Authorization", "Integration", "Endpoint", ""], rows, { id: "resource-tree" });
}

function resourceForm(api, resources, refresh) {
  const parent = select({ name: "parent", id: "new-resource-parent" }, resources.map((r) => [r.id, r.path]));
  const pathPart = el("input", { name: "pathPart", id: "new-resource-path", required: true,
    placeholder: "pets, {petId} or {proxy+}" });
  return form({ class: "inline", id: "create-resource" }, [
    field("Parent", parent), field("Path part", pathPart), el("button", { type: "submit" }, "Add resource"),
  ], async () => {
    await post(`/restapis/${enc(api.id)}/resources/${enc(parent.value)}`, { pathPart: pathPart.value.trim() });
    notify(`Added ${pathPart.value.trim()}.`);
    await refresh();
  });
}

function pathParams(path) {
  return [...path.matchAll(/\{([A-Za-z0-9._-]+)\+?\}/g)].map((m) => m[1]);
}

function methodForm(api, resources, authorizers, refresh) {
  const resource = select({ name: "resource", id: "new-method-resource" }, resources.map((r) => [r.id, r.path]));
  const verb = select({ name: "verb", id: "new-method-verb" }, VERBS.map((v) => [v, v]), "GET");
  const auth = select({ name: "auth", id: "new-method-auth" },
    [["NONE", "None"], ...authorizers.map((a) => [a.id, `${a.name} (${a.type})`])], "NONE");
  const apiKey = el("input", { type: "checkbox", name: "apiKeyRequired", id: "new-method-apikey" });
  const type = select({ name: "type", id: "new-method-type" }, [["HTTP_PROXY", "HTTP_PROXY"], ["MOCK", "MOCK"]]);
  const uri = el("input", { name: "uri", id: "new-method-uri", placeholder: "http://127.0.0.1:9090/{proxy}",
    type: "url" });
  const httpMethod = select({ name: "httpMethod", id: "new-method-http" }, VERBS.map((v) => [v, v]), "ANY");
  const status = el("input", { name: "status", id: "new-method-status", value: "200", pattern: "[1-5][0-9][0-9]",
    inputmode: "numeric", size: 4 });
  const mockBody = el("textarea", { name: "body", id: "new-method-body", rows: 2 }, '{"message": "hello"}');
  const proxyFields = el("div", { class: "row" }, field("Endpoint URI", uri), field("Upstream method", httpMethod));
  const mockFields = el("div", { class: "row", hidden: true }, field("Status", status), field("Response body", mockBody));
  type.addEventListener("change", () => {
    proxyFields.hidden = type.value !== "HTTP_PROXY";
    mockFields.hidden = type.value !== "MOCK";
  });
  return form({ id: "create-method" }, [
    el("div", { class: "row" }, field("Resource", resource), field("Method", verb), field("Authorization", auth),
      el("label", { class: "check" }, apiKey, " API key required"), field("Integration", type)),
    proxyFields, mockFields,
    el("button", { type: "submit" }, "Add method"),
  ], async () => {
    const r = resources.find((x) => x.id === resource.value);
    const base = `/restapis/${enc(api.id)}/resources/${enc(r.id)}/methods/${enc(verb.value)}`;
    const params = pathParams(r.path);
    const authorizer = authorizers.find((a) => a.id === auth.value);
    const method = { authorizationType: authorizer ? (authorizer.type === "JWT" ? "JWT" : "CUSTOM") : "NONE",
      apiKeyRequired: apiKey.checked };
    if (authorizer) method.authorizerId = authorizer.id;
    if (type.value === "HTTP_PROXY" && params.length)
      method.requestParameters = Object.fromEntries(params.map((p) => [`method.request.path.${p}`, true]));
    await put(base, method);
    if (type.value === "HTTP_PROXY") {
      const integration = { type: "HTTP_PROXY", httpMethod: httpMethod.value, uri: uri.value.trim() };
      if (params.length)
        integration.requestParameters = Object.fromEntries(params.map((p) =>
          [`integration.request.path.${p}`, `method.request.path.${p}`]));
      await put(`${base}/integration`, integration);
    } else {
      const code = status.value.trim();
      await put(`${base}/integration`, { type: "MOCK",
        requestTemplates: { "application/json": JSON.stringify({ statusCode: Number(code) }) } });
      await put(`${base}/responses/${enc(code)}`, {});
      await put(`${base}/integration/responses/${enc(code)}`,
        { selectionPattern: "", responseTemplates: { "application/json": mockBody.value } });
    }
    notify(`Added ${verb.value} ${r.path}; deploy it from the Stages page.`);
    await refresh();
  });
}

function authorizerTable(authorizers) {
  return table(["Name", "ID", "Type", "Identity source", "Endpoint or issuer", "TTL"], authorizers.map((a) =>
    el("tr", null, el("td", null, a.name), el("td", null, el("code", null, a.id)), el("td", null, a.type),
      el("td", null, a.identitySource || ""),
      el("td", { class: "uri" }, a.authorizerUri || (a.jwtConfiguration && a.jwtConfiguration.issuer) || ""),
      el("td", null, a.authorizerResultTtlInSeconds ?? ""))));
}

function responsesTable(responses) {
  const items = (responses && responses.item) || [];
  const custom = items.filter((g) => g.defaultResponse === false);
  return el("div", null,
    table(["Type", "Status", "Headers", "Templates"], custom.map((g) => el("tr", null,
      el("td", null, g.responseType), el("td", null, g.statusCode || ""),
      el("td", null, Object.keys(g.responseParameters || {}).map((k) => k.replace(/^gatewayresponse\.header\./, "")).join(", ")),
      el("td", null, Object.keys(g.responseTemplates || {}).join(", "))))),
    el("p", { class: "muted" }, `${items.length - custom.length} other response types answer with their defaults.`));
}
