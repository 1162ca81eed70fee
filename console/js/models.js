// Models and request validators of one API: models listed with a schema
// editor to create or change them (the admin API's 400 shown under the
// schema, the caret put at its line and column), validators listed with
// their two switches, and both deleted after a confirmation.
import { del, enc, patch, post } from "./api.js";
import {
  button, confirmAction, editor, el, field, form, inlineError, notify, section, table, withInlineErrors,
} from "./ui.js";

const NEW_SCHEMA = `{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "Pet",
  "type": "object",
  "properties": {
    "name": { "type": "string" }
  },
  "required": ["name"]
}`;

export function modelsSection(api, models, refresh) {
  const base = `/restapis/${enc(api.id)}/models`;
  const items = [...models].sort((a, b) => a.name.localeCompare(b.name));
  const name = el("input", { id: "model-name", name: "name", required: true, pattern: "[A-Za-z0-9]+", maxlength: 128,
    placeholder: "letters and digits" });
  const contentType = el("input", { id: "model-content-type", name: "contentType", required: true,
    value: "application/json", maxlength: 256 });
  const description = el("input", { id: "model-description", name: "description", maxlength: 4096 });
  const schema = editor("Schema (JSON Schema draft 4)", NEW_SCHEMA, { id: "model-schema", rows: 12 });
  const heading = el("h3", { id: "model-form-title" }, "New model");
  const submit = el("button", { type: "submit" }, "Create model");
  const cancel = el("button", { type: "button", class: "secondary", hidden: true }, "New model instead");
  let editing = null;

  function edit(m) {
    editing = m;
    heading.textContent = m ? `Edit model ${m.name}` : "New model";
    name.value = m ? m.name : "";
    name.disabled = Boolean(m);
    contentType.value = m ? m.contentType || "" : "application/json";
    contentType.disabled = Boolean(m);
    description.value = m ? m.description || "" : "";
    schema.input.value = m ? m.schema || "" : NEW_SCHEMA;
    submit.textContent = m ? "Save model" : "Create model";
    cancel.hidden = !m;
    inlineError(schema, null);
    if (m) schema.input.focus();
  }
  cancel.addEventListener("click", () => edit(null));

  const rows = items.map((m) => el("tr", { dataset: { model: m.name } },
    el("td", null, el("code", null, m.name)), el("td", null, m.contentType || ""), el("td", null, m.description || ""),
    el("td", { class: "actions" },
      button("Edit", () => edit(m), { class: "secondary small", "aria-label": `Edit model ${m.name}` }),
      button("Delete", async () => {
        if (!(await confirmAction("Delete this model?", `Model ${m.name} is deleted.`, "Delete model")))
          return;
        await del(`${base}/${enc(m.name)}`);
        await refresh();
        notify(`Deleted model ${m.name}.`);
      }, { class: "danger small", "aria-label": `Delete model ${m.name}` }))));

  const f = form({ id: "model-form" }, [
    heading,
    el("div", { class: "row" }, field("Name", name), field("Content type", contentType),
      field("Description", description)),
    schema.node,
    el("div", { class: "toolbar" }, submit, cancel),
  ], async () => {
    const saved = await withInlineErrors(schema, async () => {
      if (editing) {
        const ops = [{ op: "replace", path: "/schema", value: schema.input.value }];
        if (description.value !== (editing.description || ""))
          ops.push({ op: "replace", path: "/description", value: description.value });
        return patch(`${base}/${enc(editing.name)}`, ops);
      }
      const body = { name: name.value.trim(), contentType: contentType.value.trim(), schema: schema.input.value };
      if (description.value.trim()) body.description = description.value.trim();
      return post(base, body);
    });
    if (!saved) return;
    await refresh();
    notify(`${editing ? "Saved" : "Created"} model ${saved.name}.`);
  });
  return section("Models",
    table(["Name", "Content type", "Description", ""], rows, { id: "models-table" }), f);
}

export function validatorsSection(api, validators, refresh) {
  const base = `/restapis/${enc(api.id)}/requestvalidators`;
  const rows = validators.map((v) => {
    const body = el("input", { type: "checkbox", checked: v.validateRequestBody,
      "aria-label": `${v.name}: validate the body` });
    const params = el("input", { type: "checkbox", checked: v.validateRequestParameters,
      "aria-label": `${v.name}: validate the parameters` });
    return el("tr", { dataset: { validatorId: v.id } },
      el("td", null, v.name), el("td", null, el("code", null, v.id)),
      el("td", null, body), el("td", null, params),
      el("td", { class: "actions" },
        button("Save", async () => {
          await patch(`${base}/${enc(v.id)}`, [
            { op: "replace", path: "/validateRequestBody", value: String(body.checked) },
            { op: "replace", path: "/validateRequestParameters", value: String(params.checked) }]);
          await refresh();
          notify(`Saved validator ${v.name}.`);
        }, { class: "secondary small", "aria-label": `Save validator ${v.name}` }),
        button("Delete", async () => {
          if (!(await confirmAction("Delete this validator?",
            `Validator ${v.name} is deleted; methods using it stop validating.`, "Delete validator")))
            return;
          await del(`${base}/${enc(v.id)}`);
          await refresh();
          notify(`Deleted validator ${v.name}.`);
        }, { class: "danger small", "aria-label": `Delete validator ${v.name}` })));
  });
  const name = el("input", { id: "validator-name", required: true, maxlength: 1024 });
  const body = el("input", { type: "checkbox", id: "validator-body", checked: true });
  const params = el("input", { type: "checkbox", id: "validator-params", checked: true });
  const error = el("p", { class: "error inline-error", id: "validator-error", role: "alert", hidden: true });
  const f = form({ class: "inline", id: "validator-form" }, [
    field("Name", name), el("label", { class: "check" }, body, " body"),
    el("label", { class: "check" }, params, " parameters"),
    el("button", { type: "submit" }, "Add validator"),
  ], async () => {
    const ed = { error, input: null };
    const v = await withInlineErrors(ed, () => post(base, { name: name.value.trim(),
      validateRequestBody: body.checked, validateRequestParameters: params.checked }));
    if (!v) return;
    await refresh();
    notify(`Added validator ${v.name}.`);
  });
  return section("Request validators",
    table(["Name", "ID", "Body", "Parameters", ""], rows, { id: "validators-table" }), f, error,
    el("p", { class: "muted" }, "A method uses a validator when it is chosen on the method's page (Edit in the "
      + "resource tree)."));
}
