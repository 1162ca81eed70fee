// Cluster: every data plane node with its applied version and status
// (IN_SYNC, BEHIND, silent, NACK), last report age, request and error rates
// and caches, and the control plane's version; refreshes every 3 seconds.
import { get } from "./api.js";
import { age, badge, bytes, clear, el, number, section, showError, table } from "./ui.js";

const REFRESH_MS = 3000;
const STATUS = {
  IN_SYNC: ["IN_SYNC", "ok"], BEHIND: ["BEHIND", "warn"], STALE: ["silent", "muted"], NACK: ["NACK", "bad"],
};

export async function render(main) {
  const head = el("p", { id: "cluster-head", class: "muted" }, "Loading…");
  const box = el("div", { id: "cluster-nodes" });
  main.append(el("h1", null, "Cluster"), head, box);
  let timer = null;
  let stopped = false;
  const tick = async () => {
    try {
      fill(head, box, await get("/cluster/nodes"));
    } catch (e) {
      if (!stopped) showError(e);
    }
    if (!stopped) timer = setTimeout(tick, REFRESH_MS);
  };
  await tick();
  return () => { stopped = true; clearTimeout(timer); };
}

function cachesCell(caches) {
  if (!caches || !caches.length) return "none";
  return el("ul", { class: "plain" }, caches.map((c) => el("li", null,
    `${c.restApiId}/${c.stageName}${c.canary ? " (canary)" : ""}: ${number(c.entries)} entries, `
    + `${bytes(c.usedBytes)} of ${bytes(c.capacityBytes)}, ${number(c.hits)} hits, ${number(c.misses)} misses`)));
}

function fill(head, box, data) {
  const nodes = (data.item || []).sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  const synced = nodes.filter((n) => n.status === "IN_SYNC").length;
  clear(head, "Control plane at version ", el("strong", { id: "current-version" }, String(data.currentVersion)),
    ` · ${synced} of ${nodes.length} nodes in sync · updated ${new Date().toLocaleTimeString()}`);
  const rows = nodes.map((n) => {
    const [label, kind] = STATUS[n.status] || [n.status, "muted"];
    return el("tr", { dataset: { nodeId: n.nodeId, status: n.status } },
      el("td", null, el("strong", null, n.nodeId)), el("td", null, n.address || ""),
      el("td", { class: "status" }, badge(label, kind),
        n.lastRejection ? el("div", { class: "small error" },
          `refused ${n.lastRejection.version}: ${n.lastRejection.reason}`) : null),
      el("td", { class: "num" }, String(n.appliedVersion)),
      el("td", null, age(n.lastReportAgeMillis)),
      el("td", { class: "num" }, number(n.requestRate, 2)),
      el("td", { class: "num" }, n.lastMinute && n.lastMinute.requests ? `${number(100 * n.errorRate, 1)} %` : "—"),
      el("td", { class: "num" }, String(n.threads ?? "")),
      el("td", null, cachesCell(n.caches)));
  });
  clear(box, section("Data plane nodes", table(
    ["Node", "Address", "Status", "Version", "Last report", "Requests/s", "Errors", "Threads", "Caches"],
    rows, { id: "nodes-table" })));
}
