// One method (#/apis/API/methods/RESOURCE/VERB): its request validator and
// request models (PATCH of the method), its integration's request templates
// (the integration PUT back with the templates changed) and each integration
// response's templates (PUT of that response). A template the admin API
// refuses shows the API's 400 under its editor, with the caret at the line
// and column named.
import { del, enc, get, getOptional, patch, put, seg } from "./api.js";
import {
  badge, button, clear, confirmAction, editor, el, field, form, link, notify, section, select, table,
  withInlineErrors,
} from "./ui.js";

// Fields a PUT of an integration (or of an integration response) accepts.
const INTEGRATION_FIELDS = ["type", "httpMethod", "uri", "connectionType", "requestParameters", "requestTemplates",
  "passthroughBehavior", "cacheNamespace", "cacheKeyParameters", "contentHandling", "timeoutInMillis"];
const RESPONSE_FIELDS = ["selectionPattern", "responseParameters", "responseTemplates", "contentHandling"];

function pick(doc, names) {
  return Object.fromEntries(names.filter((n) => doc[n] !== undefined && doc[n] !== null).map((n) => [n, doc[n]]));
}

export async function render(main, apiId, resourceId, verb) {
  const base = `/restapis/${enc(apiId)}`;
  const path = `${base}/resources/${enc(resourceId)}/methods/${enc(verb)}`;
  const [api, resource] = await Promise.all([get(base), get(`${base}/resources/${enc(resourceId)}`)]);
  const body = el("div");
  main.append(
    el("p", { class: "crumbs" }, link("APIs", "apis"), " / ", link(api.name, "apis", api.id), " / ",
      resource.path, " ", verb),
    el("h1", { id: "method-title" }, badge(verb, "verb"), " ", resource.path),
    body);
  const refresh = async () => {
    const [method, models, validators] = await Promise.all([
      get(path), getOptional(`${base}/models?limit=500`), getOptional(`${base}/requestvalidators?limit=500`),
    ]);
    clear(body,
      validators && models ? validationSection(path, method, models.item || [], validators.item || [], refresh)
        : null,
      method.methodIntegration ? requestTemplates(path, method.methodIntegration, refresh)
        : section("Integration", el("p", { class: "muted" }, "This method has no integration yet.")),
      method.methodIntegration ? responseTemplates(path, method.methodIntegration, refresh) : null);
  };
  await refresh();
}

// ---- request validation ---------------------------------------------------------

function validationSection(path, method, models, validators, refresh) {
  const chooser = select({ id: "method-validator" },
    [["", "None"], ...validators.map((v) => [v.id, `${v.name}${v.validateRequestBody ? " · body" : ""}`
      + `${v.validateRequestParameters ? " · parameters" : ""}`])], method.requestValidatorId || "");
  const validatorForm = form({ class: "inline", id: "method-validator-form" }, [
    field("Request validator", chooser), el("button", { type: "submit" }, "Save validator"),
  ], async () => {
    const op = chooser.value ? { op: "replace", path: "/requestValidatorId", value: chooser.value }
      : { op: "remove", path: "/requestValidatorId" };
    if (!chooser.value && !method.requestValidatorId) return;
    await patch(path, [op]);
    await refresh();
    notify(chooser.value ? "The method validates its requests; deploy to apply." : "The method no longer validates.");
  });
  const names = models.map((m) => [m.name, m.name]);
  const rows = Object.entries(method.requestModels || {}).sort(([a], [b]) => a.localeCompare(b)).map(([ct, name]) =>
    el("tr", { dataset: { contentType: ct } }, el("td", null, el("code", null, ct)), el("td", null, name),
      el("td", { class: "actions" }, button("Remove", async () => {
        if (!(await confirmAction("Remove this request model?",
          `Bodies of type ${ct} are no longer checked against ${name}.`, "Remove")))
          return;
        await patch(path, [{ op: "remove", path: `/requestModels/${seg(ct)}` }]);
        await refresh();
      }, { class: "danger small", "aria-label": `Remove the model for ${ct}` }))));
  const ct = el("input", { id: "method-model-type", value: "application/json", required: true, maxlength: 256 });
  const model = select({ id: "method-model-name" }, names.length ? names : [["", "No model yet"]]);
  const modelForm = form({ class: "inline", id: "method-model-form" }, [
    field("Content type", ct), field("Model", model), el("button", { type: "submit", disabled: !names.length },
      "Set request model"),
  ], async () => {
    const type = ct.value.trim();
    const name = model.value;
    await patch(path, [{ op: "add", path: `/requestModels/${seg(type)}`, value: name }]);
    await refresh();
    notify(`Bodies of type ${type} are checked against ${name} when the validator checks bodies.`);
  });
  return section("Request validation", validatorForm,
    el("h3", null, "Request parameters"), parametersBlock(path, method, refresh),
    el("h3", null, "Request models"),
    table(["Content type", "Model", ""], rows, { id: "method-models" }), modelForm);
}

// The method's declared parameters (method.request.{path,querystring,header}.NAME
// → required); a validator that checks parameters refuses a request lacking
// a required one.
function parametersBlock(path, method, refresh) {
  const params = Object.entries(method.requestParameters || {}).sort(([a], [b]) => a.localeCompare(b));
  const rows = params.map(([name, required]) => {
    const m = /^method\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.(.+)$/.exec(name);
    const where = m ? m[1] : "";
    return el("tr", { dataset: { parameter: name } }, el("td", null, where), el("td", null, el("code", null, m ? m[2] : name)),
      el("td", null, required ? "required" : "optional"),
      el("td", { class: "actions" }, where === "path" ? null : button("Remove", async () => {
        if (!(await confirmAction("Remove this parameter?", `${name} is no longer declared by the method.`, "Remove")))
          return;
        await patch(path, [{ op: "remove", path: `/requestParameters/${seg(name)}` }]);
        await refresh();
      }, { class: "danger small", "aria-label": `Remove ${name}` })));
  });
  const where = select({ id: "method-param-where" }, [["querystring", "query string"], ["header", "header"]]);
  const name = el("input", { id: "method-param-name", required: true, maxlength: 256, pattern: "[^\\s]+" });
  const required = el("input", { type: "checkbox", id: "method-param-required", checked: true });
  const f = form({ class: "inline", id: "method-param-form" }, [
    field("In", where), field("Name", name), el("label", { class: "check" }, required, " required"),
    el("button", { type: "submit" }, "Add parameter"),
  ], async () => {
    const key = `method.request.${where.value}.${name.value.trim()}`;
    await patch(path, [{ op: "add", path: `/requestParameters/${seg(key)}`, value: String(required.checked) }]);
    await refresh();
    notify(`The method declares ${key}${required.checked ? " (required)" : ""}; deploy to apply.`);
  });
  return el("div", null, table(["In", "Name", "Required", ""], rows, { id: "method-params" }), f);
}

// ---- templates --------------------------------------------------------------------

// One template editor per content type of templates (an object), each saved
// with save(newTemplates) or removed; plus a form to add a content type.
function templateEditors(idPrefix, templates, save) {
  const entries = Object.entries(templates || {}).sort(([a], [b]) => a.localeCompare(b));
  const blocks = entries.map(([ct, text], i) => {
    const ed = editor(`Template for ${ct}`, text, { id: `${idPrefix}-${i}`, rows: 6, class: "template" });
    return el("div", { class: "template-block", dataset: { contentType: ct } }, ed.node,
      el("div", { class: "toolbar" },
        button("Save template", () => withInlineErrors(ed, () => save({ ...templates, [ct]: ed.input.value })),
          { class: "small", "aria-label": `Save the template for ${ct}` }),
        button("Remove", async () => {
          if (!(await confirmAction("Remove this template?", `The template for ${ct} is removed.`, "Remove")))
            return;
          const rest = { ...templates };
          delete rest[ct];
          await save(rest);
        }, { class: "danger small", "aria-label": `Remove the template for ${ct}` })));
  });
  const ct = el("input", { id: `${idPrefix}-new-type`, required: true, value: "application/json", maxlength: 256 });
  const ed = editor("Template", "", { id: `${idPrefix}-new`, rows: 5, class: "template",
    placeholder: "#set($body = $input.path('$'))\n{\"name\": \"$util.escapeJavaScript($body.name)\"}" });
  const add = form({ id: `${idPrefix}-add` }, [
    el("h4", null, "Add a template"), el("div", { class: "row" }, field("Content type", ct)), ed.node,
    el("button", { type: "submit", class: "small" }, "Add template"),
  ], () => withInlineErrors(ed, () => save({ ...templates, [ct.value.trim()]: ed.input.value })));
  return el("div", { class: "templates" }, blocks.length ? blocks : el("p", { class: "muted" }, "No template."), add);
}

function requestTemplates(path, integ, refresh) {
  const save = async (templates) => {
    // the GET's whole integration, back with new templates (its responses stay)
    const fresh = await get(`${path}/integration`);
    await put(`${path}/integration`, { ...pick(fresh, INTEGRATION_FIELDS), requestTemplates: templates });
    await refresh();
    notify("Saved the integration's request templates; deploy to apply.");
    return true;
  };
  return section("Integration request",
    el("p", { class: "muted" }, `${integ.type}`, integ.uri ? ` ${integ.httpMethod || ""} ${integ.uri}` : "",
      ` · passthrough ${integ.passthroughBehavior || "WHEN_NO_MATCH"}`),
    el("div", { id: "request-templates" }, templateEditors("request-template", integ.requestTemplates, save)));
}

function responseTemplates(path, integ, refresh) {
  const responses = Object.entries(integ.integrationResponses || {}).sort(([a], [b]) => a.localeCompare(b));
  const blocks = responses.map(([code, r]) => {
    const save = async (templates) => {
      const fresh = await get(`${path}/integration/responses/${enc(code)}`);
      await put(`${path}/integration/responses/${enc(code)}`,
        { ...pick(fresh, RESPONSE_FIELDS), responseTemplates: templates });
      await refresh();
      notify(`Saved the templates of integration response ${code}; deploy to apply.`);
      return true;
    };
    return el("div", { class: "integration-response", dataset: { status: code } },
      el("h3", null, `Status ${code}`, r.selectionPattern ? el("span", { class: "muted" },
        ` · selection pattern ${r.selectionPattern}`) : el("span", { class: "muted" }, " · default")),
      templateEditors(`response-template-${code}`, r.responseTemplates, save),
      el("div", { class: "toolbar" }, button("Delete response", async () => {
        if (!(await confirmAction("Delete this integration response?", `Integration response ${code} is deleted.`,
          "Delete")))
          return;
        await del(`${path}/integration/responses/${enc(code)}`);
        await refresh();
      }, { class: "danger small" })));
  });
  const code = el("input", { id: "new-integration-response", pattern: "[1-5][0-9][0-9]", required: true, size: 4,
    inputmode: "numeric" });
  const pattern = el("input", { id: "new-integration-response-pattern", placeholder: "empty: the default" });
  const add = form({ class: "inline", id: "add-integration-response" }, [
    field("Status", code), field("Selection pattern", pattern),
    el("button", { type: "submit", class: "small" }, "Add integration response"),
  ], async () => {
    const body = { selectionPattern: pattern.value };
    try {
      await get(`${path}/responses/${enc(code.value)}`);
    } catch (e) {
      if (e.status !== 404) throw e;
      await put(`${path}/responses/${enc(code.value)}`, {}); // the method response it needs
    }
    await put(`${path}/integration/responses/${enc(code.value)}`, body);
    await refresh();
  });
  return section("Integration responses", blocks.length ? blocks : el("p", { class: "muted" }, "None."), add);
}
