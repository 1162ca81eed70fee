// The management API as the console sees it: every call carries the admin
// token from sessionStorage as a bearer header (never in a URL or a cookie)
// and every error comes back as an ApiError with the API's own message.

const TOKEN_KEY = "portico.adminToken";

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type || "";
  }
}

export const enc = encodeURIComponent;

// One call; resolves with the parsed JSON body (or null), rejects with ApiError.
// A 401 also raises "portico:unauthorized" so that the app signs out.
export async function call(method, path, body, bearer = token.get()) {
  return send(method, path, { body: body === undefined ? undefined : JSON.stringify(body),
    contentType: "application/json" }, bearer);
}

// A call with a body sent as given (an OpenAPI document in JSON or YAML) or
// an answer wanted in another type (accept): with raw the answer's text is
// returned unparsed.
export async function send(method, path, opts = {}, bearer = token.get()) {
  const headers = { Accept: opts.accept || "application/json", Authorization: `Bearer ${bearer || ""}` };
  const init = { method, headers, cache: "no-store", credentials: "omit", redirect: "error" };
  if (opts.body !== undefined) {
    headers["Content-Type"] = opts.contentType || "application/json";
    init.body = opts.body;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, "NetworkError", `The control plane did not answer (${e.message})`);
  }
  const text = await response.text();
  if (opts.raw && response.ok) return text;
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    const message = data && typeof data === "object" && data.message ? data.message
      : `${response.status} ${response.statusText}`;
    const err = new ApiError(response.status, response.headers.get("x-amzn-errortype"), message);
    if (response.status === 401 && bearer === token.get())
      window.dispatchEvent(new CustomEvent("portico:unauthorized"));
    throw err;
  }
  return data;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body ?? {});
export const put = (path, body) => call("PUT", path, body ?? {});
export const del = (path) => call("DELETE", path);
export const patch = (path, ops) => call("PATCH", path, { patchOperations: ops });

// Every item of a paged list ({item, position}), 500 at a time.
export async function listAll(path) {
  const items = [];
  let position = null;
  for (let pages = 0; pages < 100; pages++) {
    const sep = path.includes("?") ? "&" : "?";
    const page = await get(`${path}${sep}limit=500${position ? `&position=${enc(position)}` : ""}`);
    items.push(...(page.item || []));
    if (!page.position || page.position === position) break;
    position = page.position;
  }
  return items;
}

// GET that answers null when the endpoint does not exist on this control
// plane (404 UnknownOperationException), for optional sections.
export async function getOptional(path) {
  try {
    return await get(path);
  } catch (e) {
    if (e.status === 404 && e.type === "UnknownOperationException") return null;
    throw e;
  }
}

// A patch path segment: "/" is written "~1", "~" is "~0".
export const seg = (s) => String(s).replace(/~/g, "~0").replace(/\//g, "~1");
