// verdict ui: each page asks the server's JSON endpoints and draws the
// answer; nothing is computed here but layout.
"use strict";

const main = document.getElementById("page");

// put replaces an element's children, flattening arrays and leaving out
// null, undefined and false (replaceChildren would print them).
function put(el, ...kids) {
  el.replaceChildren(...kids.flat(Infinity).filter(k => k !== null && k !== undefined && k !== false));
}

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v);
  }
  for (const kid of kids.flat()) if (kid) el.append(kid);
  return el;
}

async function api(path, options) {
  const res = await fetch(path, options);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function fmt(n) { return Number(n).toLocaleString("en"); }
function ref(r) { return (r.namespace ? r.namespace + "/" : "") + r.name; }
function errorBox(e) { return h("div", { class: "error", role: "alert" }, String(e.message || e)); }
function verdictCell(v) { return h("td", { class: "verdict-" + v }, v); }

function changesTable(changes) {
  if (!changes || changes.length === 0) return h("p", { class: "muted" }, "No flow changes its verdict.");
  return h("table", { class: "changes" },
    h("thead", {}, h("tr", {}, ["Change", "Source", "Destination", "Proto", "Port", "Flows", "Decided by"].map(t => h("th", {}, t)))),
    h("tbody", {}, changes.map(c => h("tr", {},
      h("td", { class: c.change === "newlyDenied" ? "verdict-deny" : "verdict-allow" }, c.change === "newlyDenied" ? "newly denied" : "newly allowed"),
      h("td", {}, c.source), h("td", {}, c.destination), h("td", {}, c.protocol), h("td", {}, c.port || "-"),
      h("td", { class: "num" }, fmt(c.connections)),
      h("td", {}, c.side.toLowerCase() + ": " + (c.hit ? c.hit.kind + " " + ref(c.hit) + (c.hit.index < 0 ? " (end of tier " + c.hit.tier + ")" : " rule " + c.hit.index) : "end of profiles"))))));
}

function impactSummary(rep, label) {
  const s = rep.summary;
  return h("p", { class: "impact-summary" }, label + ": ", h("b", { class: "newly-denied" }, fmt(s.newlyDenied)), " flows newly denied, ",
    h("b", { class: "newly-allowed" }, fmt(s.newlyAllowed)), " newly allowed, of ", fmt(s.flows), " flows in ", fmt(s.records), " records (",
    fmt(s.unresolved), " unresolved)");
}

function safeBanner(denied, what) {
  return denied === 0
    ? h("div", { class: "banner safe", "data-safe": "true" }, "Zero flows newly denied: safe to enforce " + what + ".")
    : h("div", { class: "banner unsafe", "data-safe": "false" }, fmt(denied) + " flows newly denied: enforcing " + what + " would block observed traffic.");
}

function diffView(d) {
  const rows = (cells, kind) => cells.map(c => h("tr", { class: kind },
    h("td", {}, kind === "removed" ? "access removed" : "access added"), h("td", {}, c.source), h("td", {}, c.destination),
    h("td", {}, c.port), h("td", {}, c.before), h("td", {}, c.after)));
  return h("div", { class: "diff" },
    h("p", {}, h("b", { class: "removed-count" }, fmt(d.removed.length)), " matrix cells lose access, ",
      h("b", { class: "added-count" }, fmt(d.added.length)), " gain access."),
    d.removed.length + d.added.length === 0 ? null : h("div", { style: "max-height: 360px; overflow: auto" }, h("table", {},
      h("thead", {}, h("tr", {}, ["", "Source", "Destination", "Port", "Before", "After"].map(t => h("th", {}, t)))),
      h("tbody", {}, rows(d.removed.slice(0, 500), "removed"), rows(d.added.slice(0, 500), "added")))),
    d.onlyBefore.length ? h("p", { class: "muted" }, "Groups only before: " + d.onlyBefore.join(", ")) : null,
    d.onlyAfter.length ? h("p", { class: "muted" }, "Groups only after: " + d.onlyAfter.join(", ")) : null);
}

function explainView(ex) {
  return h("div", { class: "explain" },
    h("h3", {}, "Explain the record at " + ex.row.file + ":" + ex.row.line),
    h("p", {}, ex.flow),
    h("div", { class: "walk" }, ex.lines.join("\n")));
}

// ---- Policies board ----
// A large input has thousands of policies, most in one tier, and tens of
// thousands of lint findings: the board loads a page of each tier and of
// the findings, and a "more" button asks the server for the next one.
const PAGE = 100;

// moreButton appends what fetch(offset) gives to a list until total are
// shown; fetch returns the items to append and how many there are.
function moreButton(cls, shown, total, next, append) {
  const btn = h("button", { class: "more " + cls });
  const label = () => { btn.textContent = "show more (" + fmt(total - shown) + " of " + fmt(total) + " not shown)"; btn.hidden = shown >= total; };
  btn.addEventListener("click", async () => {
    btn.disabled = true;
    try {
      const got = await next(shown);
      shown += got.items.length;
      total = got.total;
      append(got.items);
    } catch (e) { btn.replaceWith(errorBox(e)); return; }
    btn.disabled = false;
    label();
  });
  label();
  return btn;
}

async function board() {
  const q = h("input", { id: "board-q", placeholder: "policy name or namespace/name", size: "32" });
  const detail = h("div", { class: "panel side", id: "policy-detail" }, h("p", { class: "muted" }, "Choose a policy to see its YAML, the endpoints it selects and its lint findings."));
  const tiersArea = h("div", { class: "tiers grow" });
  const findingsArea = h("div", {});
  const card = p => {
    const c = h("div", { class: "card" + (p.staged ? " staged" : ""), "data-policy": p.kind + "/" + ref(p), tabindex: "0" },
      h("div", {}, p.staged ? h("span", { class: "badge staged" }, "staged") : null, h("span", { class: "badge" }, p.kind), h("b", {}, ref(p))),
      h("div", { class: "muted" }, "selector " + p.selector),
      h("div", { class: "muted" }, p.types.join(", ") + " · " + p.ingressRules + " ingress, " + p.egressRules + " egress rules" + (p.order != null ? " · order " + p.order : "")),
      p.warnings ? h("span", { class: "badge warn" }, p.warnings + " warnings") : null,
      p.infos ? h("span", { class: "badge" }, p.infos + " infos") : null);
    c.addEventListener("click", () => showPolicy(p, c, detail));
    return c;
  };
  const load = async () => {
    const b = await api("/api/board?" + new URLSearchParams({ q: q.value, limit: PAGE }));
    put(tiersArea, b.tiers.map(t => {
      const list = h("div", { class: "policies" }, t.policies.map(card));
      const more = moreButton("more-policies", t.policies.length, t.total,
        async offset => {
          const d = await api("/api/board?" + new URLSearchParams({ tier: t.tier, q: q.value, offset, limit: PAGE }));
          return { items: d.tiers[0].policies, total: d.tiers[0].total };
        },
        items => list.append(...items.map(card)));
      return h("section", { class: "tier", "data-tier": t.tier, "data-total": t.total },
        h("div", { class: "head" }, h("span", {}, "tier " + t.tier + " · " + fmt(t.total) + (t.total === 1 ? " policy" : " policies")), h("span", { class: "muted" }, "default action: " + t.defaultAction)),
        t.total === 0 ? h("div", { class: "empty muted" }, q.value ? "no policy matches" : "no policies") : [list, h("div", { class: "empty" }, more)]);
    }));
    return b;
  };
  q.addEventListener("change", () => load().catch(e => put(tiersArea, errorBox(e))));
  const [b, f] = await Promise.all([load(), api("/api/findings?limit=" + PAGE)]);
  const table = findingsTable(f.findings);
  put(findingsArea, h("h3", { id: "findings-head" }, "Lint findings (" + fmt(b.findingCounts.total) + ": " + fmt(b.findingCounts.warnings) + " warnings, " + fmt(b.findingCounts.infos) + " infos)"),
    table, moreButton("more-findings", f.findings.length, f.total,
      async offset => { const d = await api("/api/findings?" + new URLSearchParams({ offset, limit: PAGE })); return { items: d.findings, total: d.total }; },
      items => table.querySelector("tbody").append(...items.map(findingRow))));
  const deletes = b.stagedDeletes.length ? h("p", {}, "Staged deletes: " + b.stagedDeletes.join(", ")) : null;
  put(main, h("h2", {}, "Policies board"), h("div", { class: "controls" }, h("label", {}, "Find ", q)), deletes,
    h("div", { class: "row" }, tiersArea, detail), findingsArea);
}

function findingRow(f) {
  return h("tr", {}, h("td", {}, f.severity), h("td", {}, f.code), h("td", {}, f.kind ? f.kind + " " + ref(f) : "-"),
    h("td", {}, f.path || "-"), h("td", { style: "white-space: normal" }, f.message));
}

function findingsTable(fs) {
  if (fs.length === 0) return h("p", { class: "muted" }, "No findings.");
  return h("table", { class: "findings" }, h("thead", {}, h("tr", {}, ["Severity", "Code", "Resource", "Field", "Message"].map(t => h("th", {}, t)))),
    h("tbody", {}, fs.map(findingRow)));
}

async function showPolicy(p, card, detail) {
  document.querySelectorAll(".card.selected").forEach(c => c.classList.remove("selected"));
  card.classList.add("selected");
  try {
    const q = { kind: p.kind, namespace: p.namespace || "", name: p.name };
    const d = await api("/api/policy?" + new URLSearchParams(q));
    const eps = (label, key) => {
      const pg = d[key];
      if (!pg.governed) return null;
      const li = r => h("li", {}, r.kind + " " + ref(r));
      const list = h("ul", { class: "endpoints " + key }, pg.items.map(li));
      return h("div", {}, h("h3", {}, label + ": " + fmt(pg.total) + " endpoints"), list,
        moreButton("more-endpoints", pg.items.length, pg.total,
          async offset => { const n = await api("/api/policy?" + new URLSearchParams({ ...q, offset, limit: PAGE })); return n[key]; },
          items => list.append(...items.map(li))));
    };
    put(detail, h("h3", {}, p.kind + " " + ref(p)),
      h("p", { class: "muted" }, "tier " + d.tier + (d.staged ? " · staged" : "") + (d.origin.file ? " · " + d.origin.file + " document " + d.origin.document : "")),
      h("p", {}, "applies to " + d.selector),
      eps("Ingress", "ingress"), eps("Egress", "egress"),
      h("h3", {}, "Lint findings"), findingsTable(d.findings),
      h("h3", {}, "YAML"), h("pre", { class: "yaml" }, d.yaml));
  } catch (e) { put(detail, errorBox(e)); }
}

// ---- Service graph ----
async function graph() {
  const sum = await api("/api/summary");
  // Without flows the graph is the connectivity matrix, which a large
  // input can only have of one namespace at a time.
  const whole = sum.hasFlows || !sum.scopeRequired;
  const nsSel = h("select", { id: "graph-namespace" }, whole ? h("option", { value: "" }, "all namespaces") : null, sum.namespaces.map(n => h("option", { value: n }, n)));
  const area = h("div", { class: "grow", id: "graph-area" });
  const side = h("div", { class: "panel side", id: "edge-detail" }, h("p", { class: "muted" }, "Click an edge to see its flows and the explain of one."));
  const draw = async () => {
    try {
      const g = await api("/api/graph?" + new URLSearchParams({ namespace: nsSel.value }));
      put(area, drawGraph(g, side));
    } catch (e) { put(area, errorBox(e)); }
  };
  nsSel.addEventListener("change", draw);
  put(main, h("h2", {}, "Service graph"),
    h("div", { class: "controls" }, h("label", {}, "Namespace ", nsSel),
      h("span", { class: "legend" }, h("span", {}, h("i", { style: "background: var(--allow)" }), "allowed"),
        h("span", {}, h("i", { style: "background: var(--pending)" }), "denied by staged policy (pending)"),
        h("span", {}, h("i", { style: "background: var(--deny)" }), "denied"))),
    h("div", { class: "row" }, area, side));
  await draw();
}

function drawGraph(g, side) {
  const info = h("p", { class: "muted", id: "graph-info" }, (g.source === "flows" ? "Observed flows" : "No flow records: the connectivity matrix's allowed paths") +
    " · " + g.nodes.length + " groups, " + g.edges.length + " of " + g.totalEdges + " edges" + (g.edges.length < g.totalEdges ? " (the busiest; filter by namespace for the rest)" : ""));
  // Columns: outside peers, then each namespace; groups stacked in each.
  const cols = new Map();
  for (const n of g.nodes) {
    const key = n.outside ? "(outside)" : n.namespace || "(cluster)";
    if (!cols.has(key)) cols.set(key, []);
    cols.get(key).push(n);
  }
  const keys = [...cols.keys()].sort((a, b) => (a === "(outside)" ? -1 : b === "(outside)" ? 1 : a.localeCompare(b)));
  const colW = 215, nodeW = 165, nodeH = 26, gapY = 30, top = 40, pos = new Map();
  let maxRows = 0;
  keys.forEach((k, ci) => {
    const list = cols.get(k).sort((a, b) => a.name.localeCompare(b.name));
    maxRows = Math.max(maxRows, list.length);
    list.forEach((n, ri) => pos.set(n.id, { x: 30 + ci * colW, y: top + ri * (nodeH + gapY), n }));
  });
  const width = Math.max(600, 60 + keys.length * colW), height = top + maxRows * (nodeH + gapY) + 30;
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, id: "graph-svg", role: "img", "aria-label": "service graph" });
  svg.append(s("defs", {}, ["allowed", "pending", "denied"].map(v => s("marker", { id: "arrow-" + v, viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "9", markerHeight: "9", markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" },
    s("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: `var(--${v === "denied" ? "deny" : v === "allowed" ? "allow" : "pending"})` })))));
  keys.forEach((k, ci) => {
    const rows = cols.get(k).length;
    svg.append(s("g", { class: "ns", "data-namespace": k }, s("rect", { x: 30 + ci * colW - 10, y: 8, width: nodeW + 20, height: 30 + rows * (nodeH + gapY), rx: 8 }),
      s("text", { x: 30 + ci * colW, y: 26, "font-weight": "600", text: k })));
  });
  const edgeLayer = s("g", {}), nodeLayer = s("g", {});
  svg.append(edgeLayer, nodeLayer);
  for (const [id, p] of pos) {
    const label = p.n.namespace && p.n.name.startsWith(p.n.namespace + "/") ? p.n.name.slice(p.n.namespace.length + 1) : p.n.name;
    nodeLayer.append(s("g", { class: "node" + (p.n.outside ? " outside" : ""), "data-node": id },
      s("title", { text: p.n.name }),
      s("rect", { x: p.x, y: p.y, width: nodeW, height: nodeH, rx: 5 }),
      s("text", { x: p.x + 8, y: p.y + 17, text: label.length > 26 ? label.slice(0, 25) + "…" : label })));
  }
  g.edges.forEach((e, i) => {
    const a = pos.get(e.source), b = pos.get(e.target);
    let d, lx, ly;
    if (a === b) {
      d = `M ${a.x + nodeW} ${a.y + 8} C ${a.x + nodeW + 40} ${a.y - 10}, ${a.x + nodeW + 40} ${a.y + nodeH + 10}, ${a.x + nodeW} ${a.y + nodeH - 8}`;
      lx = a.x + nodeW + 26; ly = a.y + nodeH / 2 + 4;
    } else if (a.x === b.x) {
      // Within a namespace: downward edges bend out on the right, upward
      // ones on the left, so the two directions do not overlap.
      const down = b.y > a.y, x = down ? a.x + nodeW : a.x, bend = (down ? 1 : -1) * (30 + Math.abs(b.y - a.y) / 5);
      const y1 = a.y + nodeH / 2, y2 = b.y + nodeH / 2;
      d = `M ${x} ${y1} C ${x + bend} ${y1}, ${x + bend} ${y2}, ${x} ${y2}`;
      lx = x + bend * 0.8; ly = (y1 + y2) / 2 + 4;
    } else {
      const fwd = b.x > a.x, x1 = fwd ? a.x + nodeW : a.x, x2 = fwd ? b.x : b.x + nodeW;
      const y1 = a.y + nodeH / 2 + (i % 3 - 1) * 4, y2 = b.y + nodeH / 2;
      const bend = Math.max(40, Math.abs(x2 - x1) / 2) * (fwd ? 1 : -1);
      d = `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
      lx = (x1 + x2) / 2; ly = (y1 + y2) / 2 - 4;
    }
    const label = g.source === "flows" ? fmt(e.flows) : (e.ports.length > 2 ? e.ports.slice(0, 2).join(", ") + "…" : e.ports.join(", "));
    const el = s("g", { class: "edge " + e.verdict, "data-edge": e.id, "data-source": e.source, "data-target": e.target, "data-verdict": e.verdict, "data-flows": e.flows || 0 },
      s("title", { text: `${e.source} → ${e.target}: ` + (g.source === "flows" ? `${fmt(e.flows)} flows, ${fmt(e.enforcedDenied)} denied, ${fmt(e.pendingDenied)} denied pending` : e.ports.join(", ")) }),
      s("path", { d, "marker-end": `url(#arrow-${e.verdict})` }),
      s("text", { x: lx, y: ly, "text-anchor": "middle", text: label }));
    if (g.source === "flows") el.addEventListener("click", () => showEdge(e, el, side));
    edgeLayer.append(el);
  });
  return h("div", {}, info, h("div", { style: "overflow: auto; max-height: calc(100vh - 170px)" }, svg));
}

async function showEdge(e, el, side) {
  document.querySelectorAll("g.edge.selected").forEach(x => x.classList.remove("selected"));
  el.classList.add("selected");
  try {
    const d = await api("/api/edge?" + new URLSearchParams({ id: e.id }));
    const table = flowTable(d.rows, side, false);
    put(side, h("h3", {}, d.source + " → " + d.destination),
      h("p", {}, fmt(e.flows) + " flows (" + fmt(e.enforcedDenied) + " denied, " + fmt(e.pendingDenied) + " denied by the pending verdict) in " + fmt(d.total) + " records"),
      table, moreButton("more-rows", d.rows.length, d.total,
        async offset => { const n = await api("/api/edge?" + new URLSearchParams({ id: e.id, offset, limit: PAGE })); return { items: n.rows, total: n.total }; },
        items => table.querySelector("tbody").append(...flowTable(items, side, false).querySelector("tbody").children)),
      d.explain ? explainView(d.explain) : null);
  } catch (err) { put(side, errorBox(err)); }
}

// ---- Flows ----
function flowTable(rows, explainTarget, withButtons) {
  return h("table", { class: "flows" },
    h("thead", {}, h("tr", {}, ["#", "Source", "Destination", "Proto", "Port", "Count", "Logged", "Enforced", "Pending", ""].map(t => h("th", {}, t)))),
    h("tbody", {}, rows.map(r => h("tr", { "data-row": r.id },
      h("td", { class: "muted" }, r.line), h("td", { title: r.sourceGroup || "" }, r.source), h("td", { title: r.destinationGroup || "" }, r.destination),
      h("td", {}, r.protocol), h("td", {}, r.port || "-"), h("td", { class: "num" }, fmt(r.count) + (r.primary ? "" : "*")),
      h("td", {}, (r.action || "-") + (r.reporter ? " @" + r.reporter : "")),
      verdictCell(r.enforced), verdictCell(r.pending),
      h("td", {}, withButtons && r.enforced !== "unresolved" ? h("button", { class: "explain-btn", onclick: () => explainRow(r.id, explainTarget) }, "explain") : null)))));
}

async function explainRow(id, target) {
  try { put(target, explainView(await api("/api/explain?row=" + id))); }
  catch (e) { put(target, errorBox(e)); }
}

async function flows() {
  const state = { q: "", verdict: "all", sort: "line", offset: 0, limit: 50 };
  const q = h("input", { id: "flows-q", placeholder: "source, destination, group or port:N", size: "32" });
  const verdict = h("select", { id: "flows-verdict" }, ["all", "allowed", "denied", "pending-deny", "newly-denied", "newly-allowed", "unresolved"].map(v => h("option", { value: v }, v)));
  const sort = h("select", { id: "flows-sort" }, [["line", "file order"], ["count", "most flows"], ["source", "source"], ["destination", "destination"], ["port", "port"], ["time", "time"]].map(([v, t]) => h("option", { value: v }, t)));
  const info = h("span", { class: "muted", id: "flows-info" });
  const prev = h("button", { id: "flows-prev" }, "‹ previous"), next = h("button", { id: "flows-next" }, "next ›");
  const tableArea = h("div", { class: "grow" });
  const side = h("div", { class: "panel side", id: "flow-explain" }, h("p", { class: "muted" }, "Explain a row to see every tier, policy and rule looked at."));
  const load = async () => {
    try {
      const d = await api("/api/flows?" + new URLSearchParams(state));
      info.textContent = d.total === 0 ? "no records" : `records ${fmt(state.offset + 1)}–${fmt(state.offset + d.rows.length)} of ${fmt(d.total)} (${fmt(d.all)} in all; * counted at the source)`;
      prev.disabled = state.offset === 0;
      next.disabled = state.offset + d.rows.length >= d.total;
      put(tableArea, flowTable(d.rows, side, true));
    } catch (e) { put(tableArea, errorBox(e)); }
  };
  const reset = () => { state.offset = 0; load(); };
  q.addEventListener("change", () => { state.q = q.value; reset(); });
  verdict.addEventListener("change", () => { state.verdict = verdict.value; reset(); });
  sort.addEventListener("change", () => { state.sort = sort.value; reset(); });
  prev.addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.limit); load(); });
  next.addEventListener("click", () => { state.offset += state.limit; load(); });
  put(main, h("h2", {}, "Flows"), h("div", { class: "controls" }, q, verdict, sort, prev, next, info), h("div", { class: "row" }, tableArea, side));
  await load();
}

// ---- Recommend ----
async function recommend() {
  const g = await api("/api/groups");
  const ns = h("select", { id: "rec-namespace" }, g.namespaces.map(n => h("option", { value: n }, n)));
  const group = h("select", { id: "rec-group" });
  const tier = h("select", { id: "rec-tier" }, g.tiers.map(t => h("option", { value: t, selected: t === "default" }, t)));
  const go = h("button", { class: "primary", id: "rec-go" }, "Recommend");
  const out = h("div", { id: "rec-result" });
  const loadGroups = async () => {
    const d = await api("/api/groups?" + new URLSearchParams({ namespace: ns.value }));
    put(group, h("option", { value: "" }, "every workload group"), d.groups.map(x => h("option", { value: x.name }, x.name + " (" + x.members + ")")));
  };
  ns.addEventListener("change", loadGroups);
  go.addEventListener("click", async () => {
    const params = new URLSearchParams({ namespace: ns.value, group: group.value, tier: tier.value });
    put(out, h("p", { class: "muted" }, "Reading the flow records…"));
    try {
      const r = await api("/api/recommend?" + params);
      const enforceOut = h("div", { id: "rec-enforce-result" });
      const enforce = h("button", { class: "primary", id: "rec-enforce" }, "Enforce (what if)");
      enforce.addEventListener("click", async () => {
        put(enforceOut, h("p", { class: "muted" }, "Replaying…"));
        try {
          const w = await api("/api/recommend/enforce?" + params);
          put(enforceOut, h("h3", {}, "If enforced"),
            impactSummary(w.impact, "Enforced verdicts before and after"), changesTable(w.impact.changes),
            impactSummary(w.stagedAfter, "Staged policies afterwards"), safeBanner(w.stagedAfter.summary.newlyDenied, "the remaining staged policies"),
            h("h3", {}, "Connectivity matrix diff"), diffView(w.diff));
        } catch (e) { put(enforceOut, errorBox(e)); }
      });
      put(out, 
        h("p", {}, fmt(r.records) + " records read, " + fmt(r.used) + " used, " + fmt(r.unresolved) + " unresolved; " + r.policies.length + " policies"),
        h("ul", { class: "rec-policies" }, r.policies.map(p => h("li", {}, p.kind + " " + ref(p) + ": " + p.selector + " · " + p.ingressRules + " ingress, " + p.egressRules + " egress rules"))),
        h("div", { class: "row" },
          h("div", { class: "grow" }, h("h3", {}, "Recommended policy"), h("pre", { class: "yaml", id: "rec-yaml" }, r.yaml),
            h("a", { href: "/api/recommend/download?" + params, download: "", id: "rec-download" }, "Download YAML")),
          h("div", { class: "grow" }, h("h3", {}, "Impact, staged beside the input's staged policies"),
            impactSummary(r.impact, "Pending verdict"), safeBanner(r.impact.summary.newlyDenied, "this recommendation beside the staged policies"),
            changesTable(r.impact.changes), enforce, enforceOut)));
    } catch (e) { put(out, errorBox(e)); }
  });
  put(main, h("h2", {}, "Recommend a policy"),
    h("div", { class: "controls" }, h("label", {}, "Namespace ", ns), h("label", {}, "Workload ", group), h("label", {}, "Tier ", tier), go), out);
  await loadGroups();
}

// scopeSelect picks the namespace a matrix diff is of; own, when given,
// is the first choice (the changed policy's own namespace).
function scopeSelect(sum, id, own) {
  return h("select", { id },
    own ? h("option", { value: "@own" }, own) : null,
    sum.scopeRequired ? null : h("option", { value: "" }, "every namespace"),
    sum.namespaces.map(n => h("option", { value: n }, n)));
}

function scopeParam(sel) { return sel.value === "@own" ? {} : { scope: sel.value }; }

// ---- Staged impact ----
// changesList is a page of changes with a button for the next ones;
// params names whose (a staged policy's, or none for the other changes).
function changesList(pg, params) {
  const table = changesTable(pg.items);
  return h("div", {}, table, moreButton("more-changes", pg.items.length, pg.total,
    async offset => api("/api/impact/changes?" + new URLSearchParams({ ...params, offset, limit: PAGE })),
    items => table.querySelector("tbody").append(...changesTable(items).querySelector("tbody").children)));
}

async function impact() {
  const [d, sum] = await Promise.all([api("/api/impact"), api("/api/summary")]);
  const scope = scopeSelect(sum, "impact-scope", "the policy's namespace (every namespace for a global policy)");
  const s = d.summary;
  const section = p => {
    const out = h("div", { class: "enforce-result" });
    const btn = h("button", { class: "primary enforce-btn" }, "Enforce (what if)");
    const who = { kind: p.kind, namespace: p.namespace || "", name: p.name };
    btn.addEventListener("click", async () => {
      put(out, h("p", { class: "muted" }, "Replaying…"));
      try {
        const w = await api("/api/impact/enforce?" + new URLSearchParams({ ...who, ...scopeParam(scope) }));
        put(out, w.impact ? impactSummary(w.impact, "Enforced verdicts before and after") : null, h("h3", {}, "Connectivity matrix diff"), diffView(w.diff));
      } catch (e) { put(out, errorBox(e)); }
    });
    return h("section", { class: "panel staged-policy", "data-policy": p.kind + "/" + ref(p), style: "margin-bottom: 12px" },
      h("h3", {}, h("span", { class: "badge staged" }, "staged"), p.kind + " " + ref(p), h("span", { class: "muted" }, " · tier " + p.tier)),
      h("p", {}, h("b", { class: "newly-denied" }, fmt(p.newlyDenied)), " flows newly denied, ", h("b", { class: "newly-allowed" }, fmt(p.newlyAllowed)), " newly allowed"),
      safeBanner(p.newlyDenied, p.kind + " " + ref(p)),
      changesList(p.changes, who), btn, out);
  };
  const list = h("div", { id: "staged-list" }, d.staged.map(section));
  put(main, h("h2", {}, "Staged impact"),
    h("p", { id: "impact-summary" }, fmt(s.records) + " records, " + fmt(s.flows) + " flows: ", h("b", {}, fmt(s.newlyDenied)), " newly denied, ",
      h("b", {}, fmt(s.newlyAllowed)), " newly allowed by the pending verdict; " + fmt(s.unresolved) + " unresolved"),
    d.stagedTotal === 0 ? h("p", { class: "muted" }, "The input has no staged policies.") :
      h("p", { id: "staged-safe" }, fmt(d.stagedSafe) + " of " + fmt(d.stagedTotal) + " staged " + (d.stagedTotal === 1 ? "policy" : "policies") + " would newly deny no observed flow (safe to enforce)."),
    h("div", { class: "controls" }, h("label", {}, "Matrix diff of ", scope)),
    list, moreButton("more-staged", d.staged.length, d.stagedTotal,
      async offset => { const n = await api("/api/impact?" + new URLSearchParams({ offset, limit: 50 })); return { items: n.staged, total: n.stagedTotal }; },
      items => list.append(...items.map(section))),
    d.other.total ? h("section", { class: "panel" }, h("h3", {}, "Changes decided by enforced policies or profiles (" + fmt(d.other.total) + ")"), changesList(d.other, {})) : null,
    d.unresolved.length ? h("p", { class: "muted" }, "Unresolved peers" + (d.unresolvedTotal > d.unresolved.length ? " (the first " + fmt(d.unresolved.length) + " of " + fmt(d.unresolvedTotal) + ")" : "") + ": " +
      d.unresolved.map(u => u.peer + " (" + u.flows + ")").join(", ")) : null);
}

// ---- What if ----
async function whatif() {
  // The board's first page of each tier's policies; find narrows them
  // to the names containing it, on an input with many policies.
  const [b, sum] = await Promise.all([api("/api/board?limit=" + PAGE), api("/api/summary")]);
  const scope = scopeSelect(sum, "whatif-scope", null);
  let policies = [];
  const pol = h("select", { id: "whatif-policy" });
  const find = h("input", { id: "whatif-find", placeholder: "find a policy", size: "20" });
  const tier = h("select", { id: "whatif-tier" }, b.tiers.map(t => h("option", { value: t.tier }, t.tier)));
  const order = h("input", { id: "whatif-order", type: "number", step: "any", placeholder: "order (empty: none)", size: "12" });
  const sync = () => {
    const p = policies[pol.value];
    if (!p) return;
    tier.value = p.tier;
    order.value = p.order ?? "";
    if (p.namespace) scope.value = p.namespace;
  };
  const fill = bd => {
    policies = bd.tiers.flatMap(t => t.policies.map(p => ({ ...p, tier: t.tier })));
    const more = bd.tiers.reduce((n, t) => n + t.total - t.policies.length, 0);
    put(pol, policies.map((p, i) => h("option", { value: i }, p.kind + " " + ref(p) + " (tier " + p.tier + ")")),
      more > 0 ? h("option", { disabled: true }, fmt(more) + " more: find narrows the list") : null);
    sync();
  };
  pol.addEventListener("change", sync);
  find.addEventListener("change", async () => {
    try { fill(await api("/api/board?" + new URLSearchParams({ q: find.value, limit: PAGE }))); } catch (e) { put(pol, h("option", {}, String(e.message || e))); }
  });
  fill(b);
  const out = h("div", { id: "whatif-result" });
  const show = async body => {
    put(out, h("p", { class: "muted" }, "Computing the matrices…"));
    try {
      const w = await api("/api/whatif", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ...body, scope: scope.value }) });
      put(out, w.impact ? impactSummary(w.impact, "Observed flows, enforced verdicts before and after") : null, w.impact ? changesTable(w.impact.changes) : null,
        h("h3", {}, "Connectivity matrix diff" + (w.scope ? " of namespace " + w.scope : "")), diffView(w.diff));
    } catch (e) { put(out, errorBox(e)); }
  };
  const move = h("button", { class: "primary", id: "whatif-move" }, "Show diff");
  move.addEventListener("click", () => {
    const p = policies[pol.value];
    show({ kind: p.kind, namespace: p.namespace || "", name: p.name, tier: tier.value, order: order.value === "" ? null : Number(order.value) });
  });
  const text = h("textarea", { id: "whatif-candidate", rows: "8", placeholder: "Paste candidate resources (YAML or JSON), or choose a file" });
  const file = h("input", { type: "file", id: "whatif-file", accept: ".yaml,.yml,.json" });
  file.addEventListener("change", async () => { if (file.files[0]) text.value = await file.files[0].text(); });
  const cand = h("button", { class: "primary", id: "whatif-candidate-go" }, "Show diff");
  cand.addEventListener("click", () => show({ candidate: text.value }));
  put(main, h("h2", {}, "What if"),
    h("div", { class: "controls" }, h("label", {}, "Matrix diff of ", scope)),
    h("section", { class: "panel" }, h("h3", {}, "Move a policy"), h("div", { class: "controls" }, find, pol, h("label", {}, "to tier ", tier), h("label", {}, "order ", order), move)),
    h("section", { class: "panel", style: "margin-top: 10px" }, h("h3", {}, "Add a candidate file"), text, h("div", { class: "controls" }, file, cand)),
    out);
}

const pages = { board, graph, flows, recommend, impact, whatif };

async function route() {
  const name = (location.hash || "#board").slice(1);
  const page = pages[name] || board;
  document.querySelectorAll("nav a").forEach(a => a.classList.toggle("active", a.dataset.page === name));
  main.dataset.page = name;
  main.dataset.ready = "false";
  put(main, h("p", { class: "muted" }, "Loading…"));
  try { await page(); } catch (e) { put(main, errorBox(e)); }
  main.dataset.ready = "true";
}

window.addEventListener("hashchange", route);
api("/api/summary").then(s => {
  document.getElementById("summary").textContent = `${fmt(s.endpoints)} endpoints · ${fmt(s.policies)} policies (${s.staged} staged) · ${fmt(s.records)} flow records`;
}).catch(() => {});
route();
