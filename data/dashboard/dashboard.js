// dashboard.js - the rondod dashboard: the metrics of one or more stores (VMs)
// over a chosen time range, drawn with the bundled uPlot. No framework, no build.
//
// Why it is shaped this way:
// - One chart per metric name, every selected VM overlaid in it, filled by ONE
//   /api/v1/query_range per chart and refresh ({store=~"vm1|vm2"}): counters
//   (names ending in _total, see units.js) as rate(...[4 steps]), gauges as
//   they are. At most QUERIES_PARALLEL requests run at once (rondod answers 429
//   beyond max_concurrent_queries).
// - The whole view (stores, range, refresh period, metric, grouping) lives in
//   the URL's hash. Controls write the hash; a hashchange redraws. A view can be
//   linked and reloaded, and the browser's Back undoes a zoom.
// - The x axis is always the chosen range, data or not: uPlot's x scale is
//   pinned to it. An empty chart says "no data in range".
// - Each refresh takes a generation number and an AbortController: a later one
//   aborts any older one still in flight, and an older one never draws.
// - The facts the chromium test checks are data-* attributes: on <body>
//   data-state, data-charts, data-points, data-errors, data-view; on each chart data-metric,
//   data-kind, data-range-start/end, data-step, data-tier, data-query, data-last,
//   data-state, data-ticks, data-series (shown/all).
"use strict";

const PRESETS = { "5m": 300, "15m": 900, "1h": 3600, "6h": 21600, "24h": 86400, "7d": 604800 };
const PERIODS = { off: 0, "5s": 5, "15s": 15, "1m": 60 };
const TOPS = ["3", "5", "10"];
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400];
const POINTS_TARGET = 300;
const QUERIES_PARALLEL = 3;
const RATE_STEPS = 4;
// Tick spacings for byte axes, so that ticks fall on round KiB, MiB, GiB.
const BINARY_INCRS = Array.from({ length: 51 }, (_, i) => 2 ** i);
const COLOURS = ["#2a7ab0", "#d9730d", "#2f9e44", "#c92a2a", "#7048e8", "#0c8599",
  "#a61e4d", "#5c940d", "#e8590c", "#495057"];

const state = {
  view: null,        // what the hash says, see parseView()
  gen: 0,            // generation of the newest refresh
  abort: null,       // its AbortController
  timer: null,       // the live-refresh interval
  charts: new Map(), // metric name -> { box, plot, signature, range, empty }
};

function $(id) { return document.getElementById(id); }

function countError(e) {
  console.error("dashboard:", e.message || e.reason);
  document.body.dataset.errors = String(Number(document.body.dataset.errors) + 1);
}
window.addEventListener("error", countError);
window.addEventListener("unhandledrejection", countError);

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

// --- the view, in the hash ----------------------------------------------------

function parseView(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const from = Number(p.get("from")), to = Number(p.get("to"));
  const custom = from > 0 && to > from;
  return {
    stores: (p.get("stores") || "").split(",").filter(Boolean),
    range: custom ? "custom" : Object.hasOwn(PRESETS, p.get("range")) ? p.get("range") : "15m",
    from: custom ? from : null,
    to: custom ? to : null,
    refresh: Object.hasOwn(PERIODS, p.get("refresh")) ? p.get("refresh") : "5s",
    metric: p.get("metric") || "",
    by: p.get("by") === "store" ? "store" : "series",
    top: TOPS.includes(p.get("top")) ? Number(p.get("top")) : 0,
  };
}

function viewHash(v) {
  const p = new URLSearchParams();
  if (v.stores.length) p.set("stores", v.stores.join(","));
  if (v.range === "custom") {
    p.set("from", v.from);
    p.set("to", v.to);
  } else {
    p.set("range", v.range);
  }
  p.set("refresh", v.refresh);
  if (v.metric) p.set("metric", v.metric);
  if (v.by !== "series") p.set("by", v.by);
  if (v.top) p.set("top", v.top);
  return "#" + p.toString().replace(/%2C/g, ",");
}

// Writes the changed view into the hash; the hashchange handler applies it.
function setView(changes) {
  const hash = viewHash(Object.assign({}, state.view, changes));
  if (hash !== location.hash) location.hash = hash;
}

// Completes the hash with what the page chose (defaults, the first store) without
// a new history entry, so that the address always holds the whole view.
function rememberView() {
  const hash = viewHash(state.view);
  if (hash !== location.hash) history.replaceState(null, "", hash);
  document.body.dataset.view = hash;
}

function applyView() {
  state.view = parseView(location.hash);
  rememberView();
  showControls(state.view);
  schedule();
  refresh();
}

// --- time ---------------------------------------------------------------------

function timeRange(v) {
  if (v.range === "custom") return { start: v.from, end: v.to };
  const end = Math.floor(Date.now() / 1000);
  return { start: end - PRESETS[v.range], end };
}

// The smallest round step that keeps a chart under about POINTS_TARGET points.
function stepFor(seconds) {
  const raw = seconds / POINTS_TARGET;
  return STEPS.find((s) => s >= raw) || STEPS[STEPS.length - 1];
}

function pad2(n) { return String(n).padStart(2, "0"); }

function localInput(t) {
  const d = new Date(t * 1000);
  return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + "T" +
    pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
}

function fmtTime(t) { return localInput(t).replace("T", " "); }

// --- controls -------------------------------------------------------------------

function showControls(v) {
  const r = timeRange(v);
  $("range").value = v.range;
  $("from").value = localInput(r.start);
  $("to").value = localInput(r.end);
  $("refresh").value = v.refresh;
  $("by").value = v.by;
  $("top").value = String(v.top);
}

// A sliding preset's From/To follow the clock, unless someone is typing there.
function showRange(range) {
  const typing = [$("from"), $("to")].includes(document.activeElement);
  if (state.view.range === "custom" || typing) return;
  $("from").value = localInput(range.start);
  $("to").value = localInput(range.end);
}

// Rebuilt only when something changed, so that keyboard focus stays put.
function renderStores(all, chosen) {
  const box = $("stores");
  const signature = JSON.stringify([all.map((s) => [s.name, s.series.length, s.adopted]), chosen]);
  if (box.dataset.signature === signature) return;
  box.dataset.signature = signature;
  box.querySelectorAll("label").forEach((el) => el.remove());
  for (const s of all) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.value = s.name;
    input.checked = chosen.includes(s.name);
    input.onchange = storesChanged;
    const info = document.createElement("small");
    info.textContent = s.series.length + " series" + (s.adopted ? ", adopted" : "");
    label.append(input, " " + s.name, info);
    box.appendChild(label);
  }
}

function storesChanged() {
  const names = [...$("stores").querySelectorAll("input:checked")].map((el) => el.value);
  setView({ stores: names });
}

function renderMetricSelect(metrics, chosen) {
  const sel = $("metric");
  const names = [...metrics.keys()];
  const now = [...sel.options].slice(1).map((o) => o.value);
  if (now.join("\n") !== names.join("\n")) {
    sel.replaceChildren(sel.options[0]);
    for (const n of names) sel.add(new Option(n, n));
  }
  sel.value = metrics.has(chosen) ? chosen : "";
}

function bindControls() {
  $("range").onchange = (e) => {
    if (e.target.value !== "custom") setView({ range: e.target.value, from: null, to: null });
    else $("from").focus();
  };
  $("custom").onsubmit = (e) => {
    e.preventDefault();
    const from = Math.floor(new Date($("from").value).getTime() / 1000);
    const to = Math.floor(new Date($("to").value).getTime() / 1000);
    if (to > from) setView({ range: "custom", from, to });
    else setStatus("the range must end after it starts", true);
  };
  $("refresh").onchange = (e) => setView({ refresh: e.target.value });
  $("metric").onchange = (e) => setView({ metric: e.target.value });
  $("by").onchange = (e) => setView({ by: e.target.value });
  $("top").onchange = (e) => setView({ top: Number(e.target.value) });
  $("zoomout").onclick = zoomOut;
  $("token").onchange = refresh;
  $("auth").onsubmit = (e) => {
    e.preventDefault();
    refresh();
  };
  window.addEventListener("hashchange", applyView);
  // Resizing in the observer's own callback can loop; the next frame cannot.
  new ResizeObserver(() => requestAnimationFrame(resizeCharts)).observe($("charts"));
}

// Twice the span: the next preset, or an absolute range widened on both sides.
function zoomOut() {
  const v = state.view;
  const r = timeRange(v);
  const span = r.end - r.start;
  const bigger = Object.keys(PRESETS).find((k) => PRESETS[k] > span);
  if (v.range !== "custom" && bigger) return setView({ range: bigger });
  const now = Math.floor(Date.now() / 1000);
  const to = Math.min(now, r.end + Math.ceil(span / 2));
  setView({ range: "custom", from: to - 2 * span, to });
}

function schedule() {
  clearInterval(state.timer);
  const period = PERIODS[state.view.refresh];
  if (period) state.timer = setInterval(refresh, period * 1000);
}

// --- requests -------------------------------------------------------------------

async function api(path, params, signal) {
  const headers = {};
  const token = $("token").value.trim();
  if (token) headers["Authorization"] = "Bearer " + token;
  const query = params ? "?" + new URLSearchParams(params) : "";
  for (let attempt = 0; ; attempt++) {
    const resp = await fetch(path + query, { headers, signal });
    if (resp.status === 429 && attempt < 3) {
      await new Promise((ok) => setTimeout(ok, 300 * (attempt + 1)));
      continue;
    }
    const body = await resp.json().catch(() => ({ error: path + ": HTTP " + resp.status }));
    if (body.status !== "success") throw new Error(body.error || resp.statusText);
    return body.data;
  }
}

// Runs fn over items, at most `width` at a time; answers in the items' order.
async function inPool(items, width, fn) {
  const out = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

function metricName(key) {
  const i = key.indexOf("{");
  return i < 0 ? key : key.slice(0, i);
}

// Metric name -> the tiers of the schema holding it (in the first store that has it).
function metricsOf(stores) {
  const metrics = new Map();
  for (const s of stores) {
    for (const series of s.series) {
      const name = metricName(series.key);
      if (!metrics.has(name)) metrics.set(name, s.schemas[series.schema].tiers);
      Units.describe(name, series);
    }
  }
  return new Map([...metrics].sort((a, b) => a[0].localeCompare(b[0])));
}

function chosenStores(all, view) {
  const names = all.map((s) => s.name);
  const chosen = view.stores.filter((n) => names.includes(n));
  return chosen.length || !names.length ? chosen : [names[0]];
}

// A PromQL string literal holding an anchored regex matching exactly these names.
function storeRegex(names) {
  const re = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  return '"' + re.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
}

function promql(metric, stores, step, by) {
  const sel = metric + "{store=~" + storeRegex(stores) + "}";
  const expr = Units.isCounter(metric) ? "rate(" + sel + "[" + RATE_STEPS * step + "s])" : sel;
  return by === "store" ? "sum by (store) (" + expr + ")" : expr;
}

// rondod reads the raw tier 0 wherever it reaches back to the start; beyond it the
// stitched read: the finest tier that reaches back serves the oldest part, finer tiers
// the rest (docs/http-api.md, "Tier choice"). The step does not choose the tier.
function tierFor(tiers, start) {
  const reaches = (t) => t.head > 0 && start >= t.head - (t.slots - 1) * t.interval_seconds;
  const pick = tiers.find(reaches) || tiers[tiers.length - 1];
  return { tier: pick.tier, interval: pick.interval_seconds, stitched: pick.tier > 0 };
}

function planChart(metric, tiers, stores, range, step, view) {
  const start = Math.ceil(range.start / step) * step;
  const query = promql(metric, stores, step, view.by);
  return {
    metric, range, step, query, stores, top: view.top,
    tier: tierFor(tiers, start),
    params: { query, start, end: range.end, step },
  };
}

// --- refresh --------------------------------------------------------------------

async function refresh() {
  const gen = ++state.gen;
  if (state.abort) state.abort.abort();
  const abort = state.abort = new AbortController();
  const view = state.view;
  document.body.dataset.state = "loading";
  try {
    const info = await api("/metrics/info", null, abort.signal);
    if (gen !== state.gen) return;
    const stores = chosenStores(info.stores, view);
    if (view.stores.join() !== stores.join()) {
      view.stores = stores;
      rememberView();
    }
    renderStores(info.stores, stores);
    const metrics = metricsOf(info.stores.filter((s) => stores.includes(s.name)));
    renderMetricSelect(metrics, view.metric);
    const shown = metrics.has(view.metric) ? [view.metric] : [...metrics.keys()];
    const range = timeRange(view);
    const step = stepFor(range.end - range.start);
    const plans = shown.map((m) => planChart(m, metrics.get(m), stores, range, step, view));
    const answers = await inPool(plans, QUERIES_PARALLEL,
      (p) => api("/api/v1/query_range", p.params, abort.signal));
    if (gen !== state.gen) return;
    drawAll(plans, answers, stores, shown.length === 1 && view.metric !== "");
    showRange(range);
  } catch (e) {
    if (gen !== state.gen || e.name === "AbortError") return;
    setStatus(e.message, true);
    document.body.dataset.state = "error";
  }
}

function drawAll(plans, answers, stores, focused) {
  const keep = new Set(plans.map((p) => p.metric));
  for (const [metric, entry] of state.charts) {
    if (!keep.has(metric)) {
      entry.plot.destroy();
      entry.box.remove();
      state.charts.delete(metric);
    }
  }
  let points = 0;
  plans.forEach((p, i) => { points += drawChart(p, answers[i].result, focused); });
  const b = document.body.dataset;
  b.charts = String(state.charts.size);
  b.points = String(points);
  b.state = points ? "ready" : "empty";
  const when = new Date().toLocaleTimeString();
  document.title = "rondo: " + stores.join(", ");
  setStatus(stores.join(", ") + ": " + plans.length + " charts, " + points + " points, " + when);
}

// --- charts ---------------------------------------------------------------------

function seriesLabel(metric) {
  const parts = [metric.store || "?"];
  for (const [k, v] of Object.entries(metric))
    if (k !== "store" && k !== "__name__") parts.push(k + "=" + v);
  return parts.join(" ");
}

// uPlot wants columns: [[t...], [v...], ...], one row of times shared by all.
function toColumns(result, plan) {
  const times = [];
  for (let t = plan.params.start; t <= plan.range.end; t += plan.step) times.push(t);
  const index = new Map(times.map((t, i) => [t, i]));
  const cols = [times];
  for (const s of result) {
    const col = new Array(times.length).fill(null);
    for (const [t, v] of s.values) {
      const i = index.get(Math.round(Number(t)));
      if (i !== undefined) col[i] = Number(v);
    }
    cols.push(col);
  }
  return cols;
}

function lastValue(col) {
  for (let i = col.length - 1; i >= 0; i--) if (col[i] != null) return col[i];
  return null;
}

function countPoints(cols) {
  let n = 0;
  for (const col of cols.slice(1)) for (const v of col) if (v != null) n++;
  return n;
}

// The `top` series with the highest mean over the range (all of them if top is 0).
function topSeries(result, top) {
  if (!top || result.length <= top) return result;
  const mean = (s) => {
    const vs = s.values.map(([, v]) => Number(v)).filter(Number.isFinite);
    return vs.length ? vs.reduce((a, v) => a + v, 0) / vs.length : -Infinity;
  };
  const ranked = result.map((s) => [mean(s), s]).sort((a, b) => b[0] - a[0]);
  return ranked.slice(0, top).map(([, s]) => s);
}

function drawChart(plan, all, focused) {
  const result = topSeries(all, plan.top);
  const labels = result.map((s) => seriesLabel(s.metric));
  const colours = seriesColours(result, plan.stores);
  let cols = toColumns(result, plan);
  const points = countPoints(cols);
  if (!points) cols = [[]];
  const signature = [focused, points > 0, ...labels, ...colours].join("\n");
  let entry = state.charts.get(plan.metric);
  if (entry && entry.signature !== signature) {
    entry.plot.destroy();
    entry.box.remove();
    entry = null;
  }
  if (!entry) entry = newChart(plan, points ? labels : [], colours, focused, signature);
  entry.range = plan.range;
  entry.empty = !points;
  entry.plot.setData(cols);
  entry.plot.setScale("x", { min: plan.range.start, max: plan.range.end });
  describeChart(entry, plan, cols, points);
  entry.box.dataset.series = result.length + "/" + all.length;
  entry.box.querySelector(".top").textContent =
    result.length < all.length ? "top " + result.length + " of " + all.length : "";
  return points;
}

function describeChart(entry, plan, cols, points) {
  const d = entry.box.dataset;
  d.step = String(plan.step);
  d.tier = String(plan.tier.tier);
  d.query = plan.query;
  d.points = String(points);
  d.state = points ? "data" : "empty";
  d.last = points ? String(lastValue(cols[1])) : "";
  const t = plan.tier;
  entry.box.querySelector(".tier").textContent = "step " + Units.duration(plan.step) +
    (t.stitched ? " · tiers " + t.tier + "→0 (" + Units.duration(t.interval) + " … raw)"
                : " · tier 0 (" + Units.duration(t.interval) + ")");
  entry.box.querySelector(".nodata").hidden = points > 0;
  const plot = entry.box.querySelector(".plot");
  plot.setAttribute("role", "img");
  plot.setAttribute("aria-label", plan.metric + ", " + Units.label(plan.metric) + ", " +
    fmtTime(plan.range.start) + " to " + fmtTime(plan.range.end) + ": " +
    (points ? (cols.length - 1) + " series, latest " + Units.format(plan.metric, lastValue(cols[1]))
      : "no data in range"));
}

function chartHeight(focused) { return focused ? 360 : 200; }

// With one series per VM, a VM has the same colour in every chart; else by position.
function seriesColours(result, stores) {
  const perStore = new Set(result.map((s) => s.metric.store)).size === result.length;
  return result.map((s, i) =>
    COLOURS[(perStore ? Math.max(0, stores.indexOf(s.metric.store)) : i) % COLOURS.length]);
}

function newChart(plan, labels, colours, focused, signature) {
  const metric = plan.metric;
  const box = document.createElement("figure");
  box.className = "chart" + (focused ? " focused" : "");
  box.dataset.metric = metric;
  box.dataset.kind = Units.isCounter(metric) ? "counter" : "gauge";
  box.innerHTML = '<figcaption><button type="button" class="title"></button>' +
    '<span class="unit"></span><span class="top"></span><span class="tier"></span></figcaption>' +
    '<div class="plot"><p class="nodata" hidden>no data in range</p></div>';
  const title = box.querySelector(".title");
  title.textContent = metric;
  title.title = focused ? "back to all metrics" : "show only this metric";
  title.onclick = () => setView({ metric: focused ? "" : metric });
  box.querySelector(".unit").textContent = Units.label(metric) +
    (Units.isCounter(metric) ? " (rate)" : "");
  insertSorted(box, metric);
  const entry = { box, signature, range: plan.range, empty: true };
  const width = Math.max(200, box.clientWidth - 16);
  const opts = chartOptions(entry, metric, labels, colours, width, chartHeight(focused));
  opts.legend = { show: labels.length > 0 };
  entry.plot = new uPlot(opts, [[], ...labels.map(() => [])], box.querySelector(".plot"));
  state.charts.set(metric, entry);
  return entry;
}

function insertSorted(box, metric) {
  const after = [...$("charts").children].find((el) => el.dataset.metric > metric);
  $("charts").insertBefore(box, after || null);
}

function chartOptions(entry, metric, labels, colours, width, height) {
  const fmt = (v) => Units.format(metric, v);
  return {
    width, height,
    cursor: { sync: { key: "rondo" }, drag: { x: true, y: false, setScale: false } },
    scales: {
      x: { time: true, auto: false, range: () => [entry.range.start, entry.range.end] },
      y: { range: (u, min, max) => yRange(entry, metric, min, max) },
    },
    series: [
      { label: "Time", value: (u, t) => t == null ? "latest" : fmtTime(t) },
      ...labels.map((label, i) => ({
        label, stroke: colours[i], width: 1.5, points: { show: false },
        value: (u, v, si, di) => fmt(di == null ? lastValue(u.data[si] || []) : v),
      })),
    ],
    axes: [
      { values: timeTicks, space: 60 },
      { label: Units.label(metric), labelSize: 18, size: yAxisSize,
        incrs: Units.baseUnit(metric) === "bytes" ? BINARY_INCRS : undefined,
        values: (u, ticks) => yTicks(entry, ticks.map(fmt)) },
    ],
    hooks: { setSelect: [zoomTo], setScale: [(u, key) => key === "x" && noteXRange(entry, u)] },
  };
}

// Rates start at zero; gauges get their own span, padded. Nothing to show: 0..1.
function yRange(entry, metric, min, max) {
  if (entry.empty || min == null || !Number.isFinite(min)) return [0, 1];
  if (Units.isCounter(metric)) min = Math.min(0, min);
  return uPlot.rangeNum(min, max, 0.1, true);
}

// What uPlot drew on the x axis, for the test to compare with the URL's range.
function noteXRange(entry, u) {
  entry.box.dataset.rangeStart = String(u.scales.x.min);
  entry.box.dataset.rangeEnd = String(u.scales.x.max);
}

// The y tick labels, also written to data-ticks for the test; none when empty.
function yTicks(entry, labels) {
  if (entry.empty) labels = labels.map(() => "");
  entry.box.dataset.ticks = labels.join("|");
  return labels;
}

function yAxisSize(u, values) {
  const longest = Math.max(4, ...(values || []).map((v) => v.length));
  return 24 + longest * 7;
}

function timeTicks(u, ticks) {
  const span = u.scales.x.max - u.scales.x.min;
  return ticks.map((t) => {
    const d = new Date(t * 1000);
    const hm = pad2(d.getHours()) + ":" + pad2(d.getMinutes());
    if (span <= 600) return hm + ":" + pad2(d.getSeconds());
    if (span <= 86400) return hm;
    return pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + "\n" + hm;
  });
}

// A drag across a chart selects a new absolute range (the charts do not zoom
// themselves: the view does, so the URL and every chart follow).
function zoomTo(u) {
  const sel = u.select;
  if (sel.width < 4) return;
  const from = Math.floor(u.posToVal(sel.left, "x"));
  const to = Math.ceil(u.posToVal(sel.left + sel.width, "x"));
  u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  if (to - from >= 10) setView({ range: "custom", from, to });
}

function resizeCharts() {
  for (const entry of state.charts.values()) {
    const width = Math.max(200, entry.box.clientWidth - 16);
    if (Math.abs(width - entry.plot.width) > 2)
      entry.plot.setSize({ width, height: entry.plot.height });
  }
}

bindControls();
applyView();
