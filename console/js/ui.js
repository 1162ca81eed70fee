// DOM helpers. Every value from the API becomes a text node or an attribute
// set with setAttribute: nothing here parses markup, so a name such as
// <img src=x onerror=alert(1)> is shown as those characters.

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "value") node.value = value;
    else if (name === "checked") node.checked = Boolean(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replaces node's children (null, undefined and false are skipped, never
// written as text as Node.append would).
export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// A link inside the console (hash routes only; parts are URI-encoded).
export function link(text, ...parts) {
  return el("a", { href: "#/" + parts.map((p) => encodeURIComponent(p)).join("/") }, text);
}

export function section(title, ...children) {
  return el("section", { class: "card" }, el("h2", null, title), ...children);
}

export function table(headers, rows, attrs) {
  return el("div", { class: "table-wrap" },
    el("table", attrs, el("thead", null, el("tr", null, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, rows.length ? rows : el("tr", null, el("td", { colspan: headers.length, class: "muted" }, "None")))));
}

export function badge(text, kind) {
  return el("span", { class: `badge ${kind || ""}` }, text);
}

export function field(label, input, hint) {
  return el("label", { class: "field" }, el("span", null, label), input, hint ? el("small", null, hint) : null);
}

// A form whose submit runs action(form) with the button disabled; errors are
// shown in the flash area with the API's message.
export function form(attrs, children, action) {
  const f = el("form", { ...attrs, novalidate: false }, ...children);
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    const buttons = f.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await action(f);
    } catch (e) {
      showError(e);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
  return f;
}

export function button(text, onclick, attrs) {
  return el("button", { type: "button", ...attrs, onclick: async (event) => {
    const b = event.currentTarget;
    b.disabled = true;
    try {
      await onclick(event);
    } catch (e) {
      showError(e);
    } finally {
      if (b.isConnected) b.disabled = false;
    }
  } }, text);
}

// ---- messages ----------------------------------------------------------------

export function showError(error) {
  const flash = document.getElementById("flash");
  const message = error && error.message ? error.message : String(error);
  const type = error && error.type ? `${error.type}: ` : "";
  clear(flash, el("div", { class: "error", role: "alert" }, type + message,
    el("button", { type: "button", class: "link", "aria-label": "Dismiss", onclick: () => clear(flash) }, "×")));
}

export function notify(message) {
  const flash = document.getElementById("flash");
  clear(flash, el("div", { class: "note" }, message,
    el("button", { type: "button", class: "link", "aria-label": "Dismiss", onclick: () => clear(flash) }, "×")));
}

export function clearFlash() {
  clear(document.getElementById("flash"));
}

// Asks before a destructive action; resolves true when confirmed. A modal
// <dialog>: focus stays inside, Escape cancels, Cancel has the focus first.
export function confirmAction(title, detail, actionLabel) {
  return new Promise((resolve) => {
    const ok = el("button", { type: "button", class: "danger", id: "confirm-ok" }, actionLabel);
    const cancel = el("button", { type: "button", class: "secondary", id: "confirm-cancel" }, "Cancel");
    const dialog = el("dialog", { class: "confirm", "aria-labelledby": "confirm-title" },
      el("h2", { id: "confirm-title" }, title), el("p", null, detail), el("div", { class: "actions" }, cancel, ok));
    let answer = false;
    ok.addEventListener("click", () => { answer = true; dialog.close(); });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => { dialog.remove(); resolve(answer); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

// ---- formatting --------------------------------------------------------------

export function date(epoch) {
  if (epoch === undefined || epoch === null || epoch === "") return "";
  const d = new Date(Number(epoch) * 1000);
  return Number.isNaN(d.getTime()) ? String(epoch) : d.toLocaleString();
}

export function number(v, digits = 0) {
  if (v === undefined || v === null || Number.isNaN(Number(v))) return "";
  return Number(v).toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function bytes(v) {
  const n = Number(v) || 0;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return `${x.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function age(ms) {
  const s = Number(ms) / 1000;
  if (!Number.isFinite(s)) return "";
  if (s < 60) return `${s.toFixed(1)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${(s / 3600).toFixed(1)} h ago`;
}

export function select(attrs, options, selected) {
  return el("select", attrs, options.map(([value, label]) =>
    el("option", { value, selected: value === selected ? true : null }, label)));
}

// ---- editors with inline errors ------------------------------------------------

let editorCount = 0;

// A labelled monospace textarea with its own error line below it (role
// alert, referenced by aria-describedby). Returns { node, input, error }.
export function editor(label, value, attrs) {
  const n = ++editorCount;
  const id = (attrs && attrs.id) || `editor-${n}`;
  const error = el("p", { class: "error inline-error", id: `${id}-error`, role: "alert", hidden: true });
  const input = el("textarea", { rows: 8, spellcheck: "false", autocapitalize: "off", ...attrs, id,
    "aria-describedby": `${id}-error` });
  input.value = value || "";
  return { node: el("div", { class: "editor" }, el("label", { for: id }, label), input, error), input, error };
}

// Shows error (an ApiError, or null to clear) in the error line of an
// editor; where the message names "line L, column C" the caret goes there.
export function inlineError(ed, error) {
  const message = error ? `${error.type ? `${error.type}: ` : ""}${error.message || error}` : "";
  ed.error.textContent = message;
  ed.error.hidden = !error;
  if (!ed.input) return;
  if (error) ed.input.setAttribute("aria-invalid", "true");
  else ed.input.removeAttribute("aria-invalid");
  const at = error && /line (\d+), column (\d+)/.exec(message);
  if (!at) return;
  const lines = ed.input.value.split("\n");
  const line = Math.min(Number(at[1]), lines.length);
  let offset = 0;
  for (let i = 0; i < line - 1; i++) offset += lines[i].length + 1;
  offset += Math.max(0, Math.min(Number(at[2]) - 1, lines[line - 1].length));
  ed.input.focus();
  ed.input.setSelectionRange(offset, Math.min(offset + 1, ed.input.value.length));
}

// Runs action with the editor's error cleared first; a 400 from the API is
// shown in the editor, any other error in the flash area.
export async function withInlineErrors(ed, action) {
  inlineError(ed, null);
  try {
    return await action();
  } catch (e) {
    if (e && e.status >= 400 && e.status < 500 && e.status !== 401) {
      inlineError(ed, e);
      return undefined;
    }
    throw e;
  }
}
