// Stages: for one API, each stage's deployment history with the current
// deployment marked and a confirmed roll back to any other; deploy with a
// description (optionally as a canary); canary percentage, promotion and
// removal; stage variables; cache flush.
import { del, enc, get, listAll, patch, post, seg } from "./api.js";
import {
  badge, button, clear, confirmAction, date, el, field, form, link, notify, section, select, table,
} from "./ui.js";

export async function render(main, apiId) {
  const apis = await listAll("/restapis");
  const chooser = select({ id: "stages-api", "aria-label": "API" },
    [["", "Choose an API…"], ...apis.map((a) => [a.id, `${a.name} (${a.id})`])], apiId || "");
  chooser.addEventListener("change", () => { location.hash = `#/stages/${enc(chooser.value)}`; });
  main.append(el("h1", null, "Stages"), el("div", { class: "toolbar" }, field("API", chooser)));
  if (!apiId) {
    main.append(el("p", { class: "muted" }, apis.length ? "Choose an API to see its stages." : "No API yet."));
    return;
  }
  const body = el("div", { id: "stages-body" });
  main.append(body);
  await fill(body, apiId);
}

async function fill(body, apiId) {
  const base = `/restapis/${enc(apiId)}`;
  const [api, stages, deployments] = await Promise.all([
    get(base), get(`${base}/stages`), listAll(`${base}/deployments`),
  ]);
  deployments.sort((a, b) => (b.createdDate || 0) - (a.createdDate || 0));
  const items = (stages.item || []).sort((a, b) => a.stageName.localeCompare(b.stageName));
  const refresh = () => fill(body, apiId);
  clear(body,
    el("p", { class: "muted" }, "API ", link(api.name, "apis", api.id), " · ", link("Metrics", "metrics", api.id)),
    deployForm(base, items, refresh),
    ...items.map((s) => stageCard(base, api, s, deployments, refresh)),
    items.length ? null : el("p", { class: "muted" }, "No stage yet: deploy to create one."));
}

function deployForm(base, stages, refresh) {
  const stage = el("input", { id: "deploy-stage", name: "stageName", required: true, list: "stage-names",
    value: stages.length ? stages[0].stageName : "prod", pattern: "[A-Za-z0-9_\\-]+" });
  const names = el("datalist", { id: "stage-names" }, stages.map((s) => el("option", { value: s.stageName })));
  const description = el("input", { id: "deploy-description", name: "description" });
  const canary = el("input", { type: "checkbox", id: "deploy-canary" });
  const percent = el("input", { type: "number", id: "deploy-canary-percent", min: 0, max: 100, step: "any",
    value: "10", size: 5 });
  return section("Deploy", form({ class: "inline", id: "deploy-form" }, [
    field("Stage", stage), names, field("Description", description),
    el("label", { class: "check" }, canary, " as a canary with "), field("% of traffic", percent),
    el("button", { type: "submit" }, "Deploy"),
  ], async () => {
    const body = { stageName: stage.value.trim() };
    if (description.value.trim()) body.description = description.value.trim();
    if (canary.checked) body.canarySettings = { percentTraffic: Number(percent.value) };
    const d = await post(`${base}/deployments`, body);
    notify(`Deployed ${d.id} to ${body.stageName}${canary.checked ? " as a canary" : ""}.`);
    description.value = "";
    await refresh();
  }));
}

function stageCard(base, api, s, deployments, refresh) {
  const path = `${base}/stages/${enc(s.stageName)}`;
  const canary = s.canarySettings;
  const current = deployments.find((d) => d.id === s.deploymentId);
  const rows = deployments.map((d) => {
    const isCurrent = d.id === s.deploymentId;
    const isCanary = canary && d.id === canary.deploymentId;
    const older = current && (d.createdDate || 0) <= (current.createdDate || 0);
    return el("tr", { dataset: { deploymentId: d.id }, class: isCurrent ? "current" : "" },
      el("td", null, el("code", null, d.id)), el("td", null, d.description || ""), el("td", null, date(d.createdDate)),
      el("td", null, isCurrent ? badge("current", "ok") : null, isCanary ? badge("canary", "warn") : null),
      el("td", { class: "actions" }, isCurrent ? null : button(older ? "Roll back" : "Switch", async () => {
        if (!(await confirmAction(`${older ? "Roll back" : "Switch"} stage ${s.stageName}?`,
          `Stage ${s.stageName} will serve deployment ${d.id}${d.description ? ` (${d.description})` : ""} `
          + `instead of ${s.deploymentId}.`, older ? "Roll back" : "Switch")))
          return;
        await patch(path, [{ op: "replace", path: "/deploymentId", value: d.id }]);
        notify(`Stage ${s.stageName} now serves ${d.id}.`);
        await refresh();
      }, { class: "small rollback" })));
  });
  return el("section", { class: "card stage", dataset: { stage: s.stageName } },
    el("h2", null, "Stage ", el("span", { class: "stage-name" }, s.stageName)),
    el("p", { class: "muted" }, "Deployment ", el("code", { class: "stage-deployment" }, s.deploymentId || "none"),
      " · updated ", date(s.lastUpdatedDate || s.createdDate),
      s.cacheClusterEnabled ? ` · cache ${s.cacheClusterSize || ""} GB` : " · no cache",
      " · ", link("Metrics", "metrics", api.id, s.stageName)),
    el("div", { class: "toolbar" },
      s.cacheClusterEnabled ? button("Flush cache", async () => {
        if (!(await confirmAction("Flush the cache?", `Every cached answer of stage ${s.stageName} is dropped on every node.`,
          "Flush cache")))
          return;
        await del(`${path}/cache/data`);
        notify(`Flushed the cache of ${s.stageName}.`);
      }, { class: "secondary small", id: `flush-${s.stageName}` }) : null,
      button("Delete stage", async () => {
        if (!(await confirmAction("Delete this stage?", `Stage ${s.stageName} stops serving on every node.`, "Delete stage")))
          return;
        await del(path);
        notify(`Deleted stage ${s.stageName}.`);
        await refresh();
      }, { class: "danger small" })),
    canary ? canaryBlock(path, s, refresh) : null,
    el("h3", null, "Deployments"),
    table(["ID", "Description", "Created", "", ""], rows, { class: "deployments" }),
    el("h3", null, "Stage variables"),
    variablesBlock(path, s, refresh));
}

function canaryBlock(path, s, refresh) {
  const c = s.canarySettings;
  const percent = el("input", { type: "number", min: 0, max: 100, step: "any", value: String(c.percentTraffic ?? 0),
    class: "canary-percent", size: 5 });
  return el("div", { class: "canary" },
    el("h3", null, "Canary"),
    el("p", null, "Deployment ", el("code", null, c.deploymentId || ""), ` takes ${c.percentTraffic ?? 0} % of the traffic`,
      Object.keys(c.stageVariableOverrides || {}).length
        ? ` with overrides of ${Object.keys(c.stageVariableOverrides).join(", ")}` : "", "."),
    form({ class: "inline" }, [field("Percentage", percent), el("button", { type: "submit" }, "Set")], async () => {
      await patch(path, [{ op: "replace", path: "/canarySettings/percentTraffic", value: String(Number(percent.value)) }]);
      notify(`Canary of ${s.stageName} at ${Number(percent.value)} %.`);
      await refresh();
    }),
    el("div", { class: "toolbar" },
      button("Promote", async () => {
        if (!(await confirmAction("Promote the canary?",
          `Stage ${s.stageName} will serve ${c.deploymentId} to all traffic, with the canary's variable overrides.`,
          "Promote")))
          return;
        const ops = [{ op: "copy", from: "/canarySettings/deploymentId", path: "/deploymentId" }];
        if (Object.keys(c.stageVariableOverrides || {}).length)
          ops.push({ op: "copy", from: "/canarySettings/stageVariableOverrides", path: "/variables" });
        ops.push({ op: "remove", path: "/canarySettings" });
        await patch(path, ops);
        notify(`Promoted ${c.deploymentId} on ${s.stageName}.`);
        await refresh();
      }, { class: "small promote" }),
      button("Remove canary", async () => {
        if (!(await confirmAction("Remove the canary?", `All traffic of ${s.stageName} goes back to ${s.deploymentId}.`,
          "Remove canary")))
          return;
        await patch(path, [{ op: "remove", path: "/canarySettings" }]);
        await refresh();
      }, { class: "danger small" })));
}

function variablesBlock(path, s, refresh) {
  const vars = Object.entries(s.variables || {}).sort(([a], [b]) => a.localeCompare(b));
  const name = el("input", { required: true, pattern: "[A-Za-z0-9_]{1,64}", size: 16, "aria-label": "Variable name" });
  const value = el("input", { maxlength: 512, "aria-label": "Variable value" });
  return el("div", { class: "variables" },
    table(["Name", "Value", ""], vars.map(([k, v]) => el("tr", null, el("td", null, el("code", null, k)),
      el("td", null, v), el("td", { class: "actions" }, button("Remove", async () => {
        if (!(await confirmAction("Remove this variable?", `${k} is removed from stage ${s.stageName}.`, "Remove")))
          return;
        await patch(path, [{ op: "remove", path: `/variables/${seg(k)}` }]);
        await refresh();
      }, { class: "danger small" }))))),
    form({ class: "inline" }, [field("Name", name), field("Value", value), el("button", { type: "submit" }, "Set variable")],
      async () => {
        await patch(path, [{ op: "replace", path: `/variables/${seg(name.value.trim())}`, value: value.value }]);
        await refresh();
      }));
}
