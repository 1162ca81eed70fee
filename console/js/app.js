// The console's shell: sign-in with the admin token, the section links,
// hash routes (#/apis, #/apis/ID, #/apis/ID/methods/RESOURCE/VERB, #/stages/ID, #/keys, #/cluster,
// #/metrics/ID/STAGE, #/httpapis/ID, #/functions/NAME) and sign-out, which forgets the token and the page.
import { ApiError, call, getOptional, token } from "./api.js";
import { clear, clearFlash, el, showError } from "./ui.js";
import * as apis from "./apis.js";
import * as method from "./method.js";
import { revokeExport } from "./openapi.js";
import * as stages from "./stages.js";
import * as keys from "./keys.js";
import * as cluster from "./cluster.js";
import * as metrics from "./metrics.js";
import * as functions from "./functions.js";
import * as httpapis from "./httpapis.js";

const pages = {
  apis: (main, args) => (args[1] === "methods" && args.length === 4 ? method.render(main, args[0], args[2], args[3])
    : args.length ? apis.renderApi(main, args[0]) : apis.render(main)),
  stages: (main, args) => stages.render(main, args[0]),
  keys: (main) => keys.render(main),
  cluster: (main) => cluster.render(main),
  metrics: (main, args) => metrics.render(main, args[0], args[1]),
  httpapis: (main, args) => httpapis.render(main, args[0]),
  functions: (main, args) => functions.render(main, args[0]),
};

const main = document.getElementById("main");
const top = document.getElementById("top");
let cleanup = null;
let generation = 0;
let probed = false;

// Sections for objects this control plane may not have (HTTP and WebSocket
// APIs, functions): their links show once their list answers.
function probeSections() {
  if (probed) return;
  probed = true;
  for (const a of top.querySelectorAll("nav a[data-optional]")) {
    getOptional(a.dataset.optional).then((found) => { a.hidden = found === null; }, () => { a.hidden = true; });
  }
}

function stopPage() {
  revokeExport();
  if (cleanup) {
    try { cleanup(); } catch { /* a page's own teardown must not block the next */ }
  }
  cleanup = null;
  generation++;
}

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch { return ""; }
  });
  const name = pages[parts[0]] ? parts[0] : "apis";
  return { name, args: parts.slice(1) };
}

async function route() {
  if (!token.get()) {
    signIn();
    return;
  }
  stopPage();
  const mine = generation;
  const { name, args } = parseRoute();
  top.hidden = false;
  probeSections();
  for (const a of top.querySelectorAll("nav a")) {
    a.toggleAttribute("aria-current", a.dataset.section === name);
    if (a.dataset.section === name) document.title = `${a.textContent} · Portico console`;
  }
  clearFlash();
  // each render gets its own container: a slower, superseded render keeps
  // writing into a detached node and never into the current page
  const page = el("div", { class: "page" });
  clear(main, page);
  try {
    const result = await pages[name](page, args);
    if (mine === generation) cleanup = typeof result === "function" ? result : null;
    else if (typeof result === "function") result();
  } catch (e) {
    if (mine === generation) showError(e);
  }
}

function signIn(message) {
  stopPage();
  top.hidden = true;
  document.title = "Sign in · Portico console";
  clear(main);
  const input = el("input", { type: "password", id: "token", name: "token", required: true,
    autocomplete: "current-password", spellcheck: "false", "aria-describedby": "sign-in-help" });
  const status = el("p", { id: "sign-in-status", role: "alert", class: message ? "note" : "" }, message || "");
  const submit = el("button", { type: "submit", id: "sign-in-button" }, "Sign in");
  const f = el("form", { class: "card sign-in", id: "sign-in" },
    el("h1", null, "Portico console"),
    el("input", { type: "text", name: "username", autocomplete: "username", value: "admin", hidden: true,
      "aria-hidden": "true", tabindex: "-1" }),
    el("label", { for: "token" }, "Admin token"), input,
    el("p", { id: "sign-in-help", class: "muted" },
      "The control plane's admin token (PORTICO_ADMIN_TOKEN, or DATA_DIR/admin.token). "
      + "It is kept in this tab's session storage only and sent as a bearer header."),
    submit, status);
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    const candidate = input.value.trim();
    if (!candidate) return;
    submit.disabled = true;
    status.className = "";
    status.textContent = "Checking…";
    try {
      await call("GET", "/cluster/nodes", undefined, candidate);
      token.set(candidate);
      input.value = "";
      if (!location.hash || location.hash === "#/" || location.hash === "#") location.hash = "#/apis";
      else route();
    } catch (e) {
      status.className = "error";
      status.textContent = e instanceof ApiError && e.status === 401
        ? "Wrong token: the control plane refused it."
        : `Could not sign in: ${e.message}`;
      input.select();
    } finally {
      submit.disabled = false;
    }
  });
  main.append(f);
  input.focus();
}

function signOut(message) {
  token.clear();
  probed = false;
  clearFlash();
  signIn(message);
}

document.getElementById("sign-out").addEventListener("click", () => signOut("Signed out."));
window.addEventListener("portico:unauthorized", () =>
  signOut("The control plane refused the token (it may have changed): sign in again."));
window.addEventListener("hashchange", route);
route();
