// Metrics: for an API and stage (and a method where the stage has metrics
// enabled for it), charts of Count, 4XX, 5XX, Latency and IntegrationLatency
// p50/p99 and cache hits and misses over the last hour, per minute,
// refreshed every 10 seconds.
import { enc, get, listAll } from "./api.js";
import { el, field, select, showError } from "./ui.js";
import { lineChart } from "./charts.js";

const REFRESH_MS = 10000;

export async function render(main, apiId, stageName) {
  const apis = await listAll("/restapis");
  const apiSel = select({ id: "metrics-api" }, [["", "Choose an API…"], ...apis.map((a) => [a.id, `${a.name} (${a.id})`])],
    apiId || "");
  main.append(el("h1", null, "Metrics"));
  const bar = el("div", { class: "toolbar" }, field("API", apiSel));
  main.append(bar);
  apiSel.addEventListener("change", () => { location.hash = `#/metrics/${enc(apiSel.value)}`; });
  if (!apiId) return undefined;
  const base = `/restapis/${enc(apiId)}`;
  const [stages, resources] = await Promise.all([get(`${base}/stages`), listAll(`${base}/resources?embed=methods`)]);
  const items = stages.item || [];
  const stage = items.find((s) => s.stageName === stageName) || items[0];
  if (!stage) {
    main.append(el("p", { class: "muted" }, "This API has no stage yet."));
    return undefined;
  }
  const stageSel = select({ id: "metrics-stage" }, items.map((s) => [s.stageName, s.stageName]), stage.stageName);
  stageSel.addEventListener("change", () => { location.hash = `#/metrics/${enc(apiId)}/${enc(stageSel.value)}`; });
  const methodSel = select({ id: "metrics-method" }, [["", "All methods"], ...methodChoices(stage, resources)]);
  bar.append(field("Stage", stageSel), field("Method", methodSel));
  const note = el("p", { class: "muted", id: "metrics-note" });
  const charts = [
    lineChart("Requests per minute", { unit: "requests" }),
    lineChart("Latency (ms)", { unit: "ms" }),
    lineChart("Integration latency (ms)", { unit: "ms" }),
    lineChart("Cache hits and misses per minute", { unit: "requests" }),
  ];
  main.append(note, el("div", { class: "charts" }, charts.map((c) => c.node)));
  let timer = null;
  let stopped = false;
  const tick = async () => {
    try {
      const [resource, method] = methodSel.value ? JSON.parse(methodSel.value) : [null, null];
      let q = `/cluster/metrics?api=${enc(apiId)}&stage=${enc(stage.stageName)}&period=60`;
      if (resource) q += `&resource=${enc(resource)}&method=${enc(method)}`;
      draw(charts, note, await get(q));
    } catch (e) {
      if (!stopped) showError(e);
    }
    if (!stopped) timer = setTimeout(tick, REFRESH_MS);
  };
  methodSel.addEventListener("change", () => { clearTimeout(timer); tick(); });
  await tick();
  return () => { stopped = true; clearTimeout(timer); charts.forEach((c) => c.destroy()); };
}

// Methods with their own series: those whose methodSettings (or */*) enable metrics.
function methodChoices(stage, resources) {
  const settings = stage.methodSettings || {};
  const all = settings["*/*"] && settings["*/*"].metricsEnabled;
  const choices = [];
  for (const r of resources) {
    for (const verb of Object.keys(r.resourceMethods || {}).sort()) {
      const key = `${r.path.replace(/^\//, "")}/${verb}`;
      const own = settings[key] || settings[`${r.path}/${verb}`] || settings[`${r.path.replace(/\//g, "~1")}/${verb}`];
      if (all || (own && own.metricsEnabled))
        choices.push([JSON.stringify([r.path, verb]), `${verb} ${r.path}`]);
    }
  }
  return choices;
}

function draw(charts, note, m) {
  const labels = (m.timestamps || []).map((t) => new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  const s = m.metrics || {};
  const sum = (name) => (s[name] && s[name].sum) || [];
  charts[0].update(labels, [{ label: "Count", data: sum("Count") }, { label: "4XX", data: sum("4XXError") },
    { label: "5XX", data: sum("5XXError") }]);
  const lat = s.Latency || {};
  const integ = s.IntegrationLatency || {};
  charts[1].update(labels, [{ label: "p50", data: lat.p50 || [] }, { label: "p99", data: lat.p99 || [] }]);
  charts[2].update(labels, [{ label: "p50", data: integ.p50 || [] }, { label: "p99", data: integ.p99 || [] }]);
  charts[3].update(labels, [{ label: "hits", data: sum("CacheHitCount") }, { label: "misses", data: sum("CacheMissCount") }]);
  const total = sum("Count").reduce((a, b) => a + b, 0);
  note.textContent = `${total} requests in the last hour · updated ${new Date().toLocaleTimeString()}`;
}
