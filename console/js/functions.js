// Functions (the Lambda management API, /2015-03-31/functions): the list
// (name, runtime, handler, memory, timeout, code size, last modified, state)
// and per function its configuration, published versions, aliases (with
// their routing weights) and reserved concurrency; a function is deleted
// after a confirmation. Shown only where the control plane has the API.
import { del, enc, get, getOptional } from "./api.js";
import { badge, button, confirmAction, el, link, notify, section, table, bytes } from "./ui.js";

const BASE = "/2015-03-31/functions";

// Every page of a Lambda-style list ({KEY: [...], NextMarker}).
async function listLambda(path, key) {
  const items = [];
  let marker = null;
  for (let pages = 0; pages < 100; pages++) {
    const sep = path.includes("?") ? "&" : "?";
    const page = await getOptional(`${path}${sep}MaxItems=50${marker ? `&Marker=${enc(marker)}` : ""}`);
    if (page === null) return null;
    items.push(...(page[key] || []));
    if (!page.NextMarker || page.NextMarker === marker) break;
    marker = page.NextMarker;
  }
  return items;
}

export async function render(main, name) {
  if (name) return renderFunction(main, name);
  main.append(el("h1", null, "Functions"));
  const items = await listLambda(BASE, "Functions");
  if (items === null) {
    main.append(el("p", { class: "muted", id: "functions-missing" }, "This control plane has no functions API."));
    return undefined;
  }
  items.sort((a, b) => a.FunctionName.localeCompare(b.FunctionName));
  main.append(section("Functions", table(
    ["Name", "Runtime", "Handler", "Memory", "Timeout", "Code", "Last modified", "State"],
    items.map((f) => el("tr", { dataset: { function: f.FunctionName } },
      el("td", null, link(f.FunctionName, "functions", f.FunctionName)),
      el("td", null, f.Runtime || f.PackageType || ""), el("td", null, el("code", null, f.Handler || "")),
      el("td", { class: "num" }, f.MemorySize ? `${f.MemorySize} MB` : ""),
      el("td", { class: "num" }, f.Timeout ? `${f.Timeout} s` : ""),
      el("td", { class: "num" }, f.CodeSize !== undefined ? bytes(f.CodeSize) : ""),
      el("td", null, f.LastModified || ""),
      el("td", null, badge(f.State || "", f.State === "Active" ? "ok" : "warn")))),
    { id: "functions-table" }),
  el("p", { class: "muted" }, "Functions are created and updated through the API (aws lambda create-function, "
    + "update-function-code); their versions and aliases are listed on each function's page.")));
  return undefined;
}

async function renderFunction(main, name) {
  const path = `${BASE}/${enc(name)}`;
  const [fn, versions, aliases] = await Promise.all([
    get(path), listLambda(`${path}/versions`, "Versions"), listLambda(`${path}/aliases`, "Aliases"),
  ]);
  const c = fn.Configuration || {};
  const facts = [
    ["ARN", el("code", null, c.FunctionArn || "")], ["Description", c.Description || ""], ["Runtime", c.Runtime || ""], ["Handler", c.Handler || ""],
    ["Memory", c.MemorySize ? `${c.MemorySize} MB` : ""], ["Timeout", c.Timeout ? `${c.Timeout} s` : ""],
    ["Code", `${c.CodeSize !== undefined ? bytes(c.CodeSize) : ""} · SHA-256 ${c.CodeSha256 || ""}`],
    ["Reserved concurrency", fn.Concurrency && fn.Concurrency.ReservedConcurrentExecutions !== undefined
      ? String(fn.Concurrency.ReservedConcurrentExecutions) : "none"],
    ["Environment", Object.keys((c.Environment && c.Environment.Variables) || {}).sort().join(", ") || "none"],
    ["Last modified", c.LastModified || ""], ["State", c.State || ""],
  ];
  main.append(
    el("p", { class: "crumbs" }, link("Functions", "functions"), " / ", name),
    el("h1", { id: "function-title" }, c.FunctionName || name),
    section("Configuration", el("dl", { class: "facts" }, facts.map(([k, v]) => [el("dt", null, k), el("dd", null, v)])),
      el("div", { class: "toolbar" }, button("Delete function", async () => {
        if (!(await confirmAction("Delete this function?",
          `Function ${name}, its versions and aliases are deleted; integrations calling it fail.`, "Delete function")))
          return;
        await del(path);
        notify(`Deleted function ${name}.`);
        location.hash = "#/functions";
      }, { class: "danger small" }))),
    section("Versions", table(["Version", "Description", "Code SHA-256", "Last modified"],
      (versions || []).map((v) => el("tr", { dataset: { version: v.Version } }, el("td", null, v.Version),
        el("td", null, v.Description || ""), el("td", null, el("code", null, v.CodeSha256 || "")),
        el("td", null, v.LastModified || ""))), { id: "function-versions" })),
    section("Aliases", table(["Name", "Version", "Routing", "Description"],
      (aliases || []).map((a) => el("tr", { dataset: { alias: a.Name } }, el("td", null, a.Name),
        el("td", null, a.FunctionVersion || ""),
        el("td", null, Object.entries((a.RoutingConfig && a.RoutingConfig.AdditionalVersionWeights) || {})
          .map(([v, w]) => `${v}: ${Math.round(Number(w) * 1000) / 10} %`).join(", ")),
        el("td", null, a.Description || ""))), { id: "function-aliases" })));
  return undefined;
}
