// OpenAPI in the console: import a document (a file read in the browser, or
// pasted) as a new API (POST /restapis?mode=import) or into one
// (PUT /restapis/{id}?mode=overwrite|merge), with the import's warnings
// listed; export a stage's deployed definition (GET …/exports/{oas30|swagger},
// JSON or YAML, with or without the x-amazon-apigateway extensions) to a
// preview and a download. Only the admin API's import and export do the work.
import { enc, send } from "./api.js";
import {
  clear, confirmAction, editor, el, field, form, inlineError, link, notify, section, select,
} from "./ui.js";

const MAX_FILE = 6 * 1024 * 1024;

// The object URL of the last export (a download link's target): revoked by
// the next export and when the page is left (app.js), so no definition
// stays reachable after sign-out.
let exportUrl = null;

export function revokeExport() {
  if (exportUrl) URL.revokeObjectURL(exportUrl);
  exportUrl = null;
}

// "application/json" for a document whose first non-blank character opens
// JSON, else YAML (the importer reads both either way).
function documentType(text) {
  return /^\s*[{[]/.test(text) ? "application/json" : "application/yaml";
}

// The import form. api: null for a new API, else the API imported into.
// done(result) runs after a successful import.
export function importSection(api, done) {
  const prefix = api ? "import-into" : "import";
  const file = el("input", { type: "file", id: `${prefix}-file`,
    accept: ".json,.yaml,.yml,application/json,application/yaml,application/x-yaml" });
  const doc = editor("OpenAPI 3 or Swagger 2 document (JSON or YAML): choose a file or paste it",
    "", { id: `${prefix}-text`, rows: 10, placeholder: "openapi: 3.0.1\ninfo:\n  title: …" });
  const mode = api ? select({ id: `${prefix}-mode`, name: "mode" },
    [["merge", "Merge: add and replace what the document defines"],
      ["overwrite", "Overwrite: replace the whole API"]], "merge") : null;
  const basepath = select({ id: `${prefix}-basepath`, name: "basepath" },
    [["ignore", "ignore the base path"], ["prepend", "prepend it to every path"],
      ["split", "split: drop its first part"]], "ignore");
  const strict = el("input", { type: "checkbox", id: `${prefix}-failonwarnings` });
  const result = el("div", { class: "import-result", id: `${prefix}-result`, "aria-live": "polite" });
  file.addEventListener("change", async () => {
    inlineError(doc, null);
    const f = file.files && file.files[0];
    if (!f) return;
    if (f.size > MAX_FILE) {
      inlineError(doc, new Error(`${f.name} is larger than ${MAX_FILE / 1048576} MiB`));
      return;
    }
    try {
      doc.input.value = await f.text();
    } catch (e) {
      inlineError(doc, new Error(`Could not read ${f.name}: ${e.message}`));
    }
  });
  const f = form({ id: `${prefix}-form` }, [
    el("div", { class: "row" }, field("File", file)),
    doc.node,
    el("div", { class: "row" }, mode ? field("Mode", mode) : null,
      field("Base path (basePath or the server URL's path)", basepath),
      el("label", { class: "check" }, strict, " fail on warnings"),
      el("button", { type: "submit" }, api ? "Import into this API" : "Import as a new API")),
  ], async () => {
    clear(result);
    inlineError(doc, null);
    const text = doc.input.value;
    if (!text.trim()) {
      inlineError(doc, new Error("Choose a file or paste a document first."));
      return;
    }
    if (api && !(await confirmAction(mode.value === "overwrite" ? "Overwrite this API?" : "Merge into this API?",
      mode.value === "overwrite"
        ? `Every resource, method, model, validator, authorizer and gateway response of "${api.name}" is `
          + "replaced by the document's."
        : `Methods of "${api.name}" that the document defines are replaced; the rest is kept.`,
      mode.value === "overwrite" ? "Overwrite" : "Merge")))
      return;
    const q = new URLSearchParams();
    q.set("mode", api ? mode.value : "import");
    if (basepath.value !== "ignore") q.set("basepath", basepath.value);
    if (strict.checked) q.set("failonwarnings", "true");
    let imported;
    try {
      imported = await send(api ? "PUT" : "POST", api ? `/restapis/${enc(api.id)}?${q}` : `/restapis?${q}`,
        { body: text, contentType: documentType(text) });
    } catch (e) {
      if (e.status === 400 || e.status === 409 || e.status === 413) {
        inlineError(doc, e);
        return;
      }
      throw e;
    }
    const warnings = Array.isArray(imported.warnings) ? imported.warnings : [];
    clear(result, el("div", { class: warnings.length ? "note warn" : "note" },
      el("p", null, api ? "Imported into " : "Imported as ", link(imported.name, "apis", imported.id), " (",
        el("code", null, imported.id), ")", warnings.length ? ` with ${warnings.length} warning`
          + `${warnings.length === 1 ? "" : "s"}:` : ", no warnings."),
      warnings.length ? el("ul", { class: "warnings", id: `${prefix}-warnings` },
        warnings.map((w) => el("li", null, String(w)))) : null));
    notify(`Imported ${imported.name}${warnings.length ? ` with ${warnings.length} warnings` : ""}.`);
    if (done) await done(imported);
  });
  return section(api ? "Import OpenAPI into this API" : "Import an API from OpenAPI", f, result);
}

// The export form for one API with its stages.
export function exportSection(api, stages) {
  if (!stages.length)
    return section("Export OpenAPI", el("p", { class: "muted" }, "Deploy to a stage first: exports are of a stage's "
      + "deployed definition."));
  const stage = select({ id: "export-stage", name: "stage" }, stages.map((s) => [s.stageName, s.stageName]));
  const type = select({ id: "export-type", name: "type" }, [["oas30", "OpenAPI 3.0"], ["swagger", "Swagger 2.0"]]);
  const format = select({ id: "export-format", name: "format" }, [["json", "JSON"], ["yaml", "YAML"]]);
  const ext = el("input", { type: "checkbox", id: "export-extensions", checked: true });
  const out = editor("Export", "", { id: "export-preview", rows: 14, readonly: true });
  out.node.hidden = true;
  const download = el("a", { id: "export-download", class: "button", hidden: true }, "Download");
  const f = form({ class: "inline", id: "export-form" }, [
    field("Stage", stage), field("Format", type), field("As", format),
    el("label", { class: "check" }, ext, " with x-amazon-apigateway extensions"),
    el("button", { type: "submit" }, "Export"),
  ], async () => {
    inlineError(out, null);
    const q = ext.checked ? "?extensions=apigateway" : "";
    const yaml = format.value === "yaml";
    const text = await send("GET", `/restapis/${enc(api.id)}/stages/${enc(stage.value)}/exports/${type.value}${q}`,
      { accept: yaml ? "application/yaml" : "application/json", raw: true });
    out.input.value = text;
    out.node.hidden = false;
    revokeExport();
    const mime = yaml ? "application/yaml" : "application/json";
    const url = URL.createObjectURL(new Blob([text], { type: mime }));
    exportUrl = url;
    const name = `${api.name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60) || api.id}-${stage.value}-${type.value}`
      + `.${yaml ? "yaml" : "json"}`;
    download.setAttribute("href", url);
    download.setAttribute("download", name);
    clear(download, `Download ${name}`);
    download.hidden = false;
  });
  return section("Export OpenAPI", f, el("div", { class: "toolbar" }, download), out.node,
    el("p", { class: "muted" }, "The export is of the stage's deployed definition, not of unsaved changes."));
}
