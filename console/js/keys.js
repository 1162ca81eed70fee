// Keys and plans: API keys (a new key's value is shown once, with a copy
// button), usage plans with their stages, throttle and quota, the keys in
// each plan, and a chart of each key's daily usage over the plan's period.
import { del, enc, get, listAll, patch, post } from "./api.js";
import {
  badge, button, clear, confirmAction, date, el, field, form, notify, section, select, table,
} from "./ui.js";
import { lineChart } from "./charts.js";

export async function render(main) {
  const charts = [];
  const fresh = el("div", { id: "new-key" });
  const keysBox = el("div", { id: "keys" });
  const plansBox = el("div", { id: "plans" });
  main.append(el("h1", null, "Keys and plans"), fresh, keysBox, plansBox);
  const refresh = async () => {
    charts.splice(0).forEach((c) => c.destroy());
    const [keys, plans, apis] = await Promise.all([listAll("/apikeys"), listAll("/usageplans"), listAll("/restapis")]);
    const stages = (await Promise.all(apis.map(async (a) =>
      ((await get(`/restapis/${enc(a.id)}/stages`)).item || []).map((s) => ({ api: a, stage: s.stageName }))))).flat();
    clear(keysBox, keysSection(keys, fresh, refresh));
    clear(plansBox, planForm(stages, refresh),
      ...plans.map((p) => planCard(p, keys, apis, charts, refresh)));
  };
  await refresh();
  return () => charts.forEach((c) => c.destroy());
}

function showNewKey(box, key) {
  const value = el("input", { readonly: true, value: key.value, id: "new-key-value", size: 44,
    "aria-label": "The new key's value" });
  const copy = button("Copy", async () => {
    try {
      await navigator.clipboard.writeText(key.value);
      copy.textContent = "Copied";
    } catch {
      value.select();
      copy.textContent = "Press Ctrl+C";
    }
  }, { class: "small" });
  clear(box, el("section", { class: "card new-key", role: "region", "aria-label": "New key" },
    el("h2", null, `Key ${key.name} created`),
    el("p", null, "This is the only time its value is shown: Portico keeps only a hash. Copy it now."),
    el("div", { class: "inline" }, value, copy,
      button("Done", () => clear(box), { class: "secondary small" }))));
  value.focus();
  value.select();
}

function keysSection(keys, fresh, refresh) {
  const name = el("input", { id: "new-key-name", required: true });
  const description = el("input", { id: "new-key-description" });
  const enabled = el("input", { type: "checkbox", id: "new-key-enabled", checked: true });
  const value = el("input", { id: "new-key-custom", minlength: 20, maxlength: 128, autocomplete: "off",
    placeholder: "generated when empty" });
  const rows = keys.map((k) => el("tr", { dataset: { keyId: k.id } },
    el("td", null, k.name), el("td", null, el("code", null, k.id)),
    el("td", null, k.valuePrefix ? el("code", null, `${k.valuePrefix}…`) : ""),
    el("td", null, k.enabled ? badge("enabled", "ok") : badge("disabled", "muted")),
    el("td", null, date(k.createdDate)),
    el("td", { class: "actions" },
      button(k.enabled ? "Disable" : "Enable", async () => {
        if (k.enabled && !(await confirmAction("Disable this key?",
          `Requests with key ${k.name} are refused on every node within seconds.`, "Disable")))
          return;
        await patch(`/apikeys/${enc(k.id)}`, [{ op: "replace", path: "/enabled", value: String(!k.enabled) }]);
        await refresh();
      }, { class: "secondary small" }),
      button("Delete", async () => {
        if (!(await confirmAction("Delete this key?", `Key ${k.name} (${k.id}) is deleted.`, "Delete key")))
          return;
        await del(`/apikeys/${enc(k.id)}`);
        await refresh();
      }, { class: "danger small" }))));
  return section("API keys",
    form({ class: "inline spaced", id: "create-key" }, [
      field("Name", name), field("Description", description), field("Value", value),
      el("label", { class: "check" }, enabled, " enabled"), el("button", { type: "submit" }, "Create key"),
    ], async () => {
      const body = { name: name.value.trim(), enabled: enabled.checked };
      if (description.value.trim()) body.description = description.value.trim();
      if (value.value) body.value = value.value;
      const key = await post("/apikeys", body);
      await refresh();
      showNewKey(fresh, key);
    }),
    table(["Name", "ID", "Value", "State", "Created", ""], keys.length ? rows : [], { id: "keys-table" }));
}

function planForm(stages, refresh) {
  const name = el("input", { id: "new-plan-name", required: true });
  const stage = select({ id: "new-plan-stage" }, [["", "none"],
    ...stages.map((s) => [`${s.api.id}:${s.stage}`, `${s.api.name} / ${s.stage}`])]);
  const rate = el("input", { type: "number", id: "new-plan-rate", min: 0, step: "any", size: 6 });
  const burst = el("input", { type: "number", id: "new-plan-burst", min: 0, step: 1, size: 6 });
  const limit = el("input", { type: "number", id: "new-plan-quota", min: 0, step: 1, size: 8 });
  const period = select({ id: "new-plan-period" }, [["DAY", "per day"], ["WEEK", "per week"], ["MONTH", "per month"]]);
  return section("Create a usage plan", form({ class: "inline", id: "create-plan" }, [
    field("Name", name), field("API stage", stage), field("Rate (req/s)", rate), field("Burst", burst),
    field("Quota", limit), field("Period", period), el("button", { type: "submit" }, "Create plan"),
  ], async () => {
    const body = { name: name.value.trim() };
    if (stage.value) {
      const i = stage.value.indexOf(":");
      body.apiStages = [{ apiId: stage.value.slice(0, i), stage: stage.value.slice(i + 1) }];
    }
    if (rate.value !== "" || burst.value !== "")
      body.throttle = { rateLimit: Number(rate.value || 0), burstLimit: Number(burst.value || 0) };
    if (limit.value !== "") body.quota = { limit: Number(limit.value), period: period.value };
    const plan = await post("/usageplans", body);
    notify(`Created plan ${plan.name}.`);
    await refresh();
  }));
}

// Days shown in a plan's chart: its current period, and at least a week.
function usageRange(plan) {
  const today = new Date();
  const utc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  let start = utc - 6 * 86400000;
  const period = plan.quota && plan.quota.period;
  if (period === "MONTH") start = Math.min(start, Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  if (period === "WEEK") start = Math.min(start, utc - ((today.getUTCDay() + 6) % 7) * 86400000);
  const days = [];
  for (let t = start; t <= utc; t += 86400000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

function planCard(plan, keys, apis, charts, refresh) {
  const path = `/usageplans/${enc(plan.id)}`;
  const apiName = (id) => (apis.find((a) => a.id === id) || { name: id }).name;
  const members = el("div", null, el("p", { class: "muted" }, "Loading…"));
  const chart = lineChart(`Requests per key and day (${plan.quota ? plan.quota.period : "no quota"})`,
    { type: "bar", stacked: true, unit: "requests" });
  charts.push(chart);
  const card = el("section", { class: "card plan", dataset: { planId: plan.id } },
    el("h2", null, "Plan ", plan.name),
    el("p", { class: "muted" }, el("code", null, plan.id), plan.description ? ` — ${plan.description}` : ""),
    el("dl", { class: "facts" },
      el("dt", null, "Stages"), el("dd", null, (plan.apiStages || []).map((s) => `${apiName(s.apiId)} / ${s.stage}`).join(", ") || "none"),
      el("dt", null, "Throttle"), el("dd", null, plan.throttle
        ? `${plan.throttle.rateLimit} req/s, burst ${plan.throttle.burstLimit}` : "none"),
      el("dt", null, "Quota"), el("dd", null, plan.quota
        ? `${plan.quota.limit} per ${plan.quota.period.toLowerCase()}${plan.quota.offset ? ` (offset ${plan.quota.offset})` : ""}` : "none")),
    el("div", { class: "toolbar" }, button("Delete plan", async () => {
      if (!(await confirmAction("Delete this plan?", `Plan ${plan.name} and its key memberships are deleted.`, "Delete plan")))
        return;
      await del(path);
      await refresh();
    }, { class: "danger small" })),
    el("h3", null, "Keys in this plan"), members, chart.node);
  fillMembers(plan, path, keys, members, chart, refresh).catch((e) => {
    clear(members, el("p", { class: "error" }, e.message));
  });
  return card;
}

async function fillMembers(plan, path, keys, members, chart, refresh) {
  const inPlan = await listAll(`${path}/keys`);
  const ids = new Set(inPlan.map((k) => k.id));
  const candidates = keys.filter((k) => !ids.has(k.id));
  const add = select({ "aria-label": "Key to add" }, candidates.map((k) => [k.id, `${k.name} (${k.id})`]));
  clear(members,
    table(["Name", "ID", ""], inPlan.map((k) => el("tr", null, el("td", null, k.name), el("td", null, el("code", null, k.id)),
      el("td", { class: "actions" }, button("Remove", async () => {
        if (!(await confirmAction("Remove this key from the plan?", `Key ${k.name} loses plan ${plan.name}.`, "Remove")))
          return;
        await del(`${path}/keys/${enc(k.id)}`);
        await refresh();
      }, { class: "danger small" }))))),
    candidates.length ? form({ class: "inline" }, [field("Add key", add), el("button", { type: "submit" }, "Add")], async () => {
      await post(`${path}/keys`, { keyId: add.value, keyType: "API_KEY" });
      await refresh();
    }) : null);
  const days = usageRange(plan);
  const usage = await get(`${path}/usage?startDate=${days[0]}&endDate=${days[days.length - 1]}&limit=500`);
  const names = new Map(keys.map((k) => [k.id, k.name]));
  const series = Object.entries(usage.values || {}).map(([id, values]) =>
    ({ label: names.get(id) || id, data: values.map((v) => v[0]) }));
  chart.update(days.map((d) => d.slice(5)), series.length ? series : [{ label: "no requests", data: days.map(() => 0) }]);
}
