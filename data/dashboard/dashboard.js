// rondod dashboard: lists the stores (GET /metrics/info) and draws each series of the
// selected store (GET /metrics/query, tier=auto) with uPlot. No framework, no build step.
// When charts hold points, <body data-points="N"> and the title say so (the chromium test
// reads them).
"use strict";

const state = { store: null, timer: null, charts: new Map() };

function $(id) { return document.getElementById(id); }

function setStatus(text, isError) {
  const el = $("status");
  el.textContent = text;
  el.className = isError ? "error" : "";
}

async function api(path) {
  const headers = {};
  const token = $("token").value.trim();
  if (token) headers["Authorization"] = "Bearer " + token;
  const resp = await fetch(path, { headers });
  const body = await resp.json();
  if (body.status !== "success") throw new Error(body.error || resp.statusText);
  return body.data;
}

function renderStores(stores) {
  const ul = $("stores");
  ul.replaceChildren();
  for (const s of stores) {
    const li = document.createElement("li");
    li.textContent = s.name;
    const info = document.createElement("small");
    info.textContent = s.series.length + " series" + (s.adopted ? ", adopted" : "");
    li.appendChild(info);
    li.classList.toggle("selected", s.name === state.store);
    li.onclick = () => { state.store = s.name; refresh(true); };
    ul.appendChild(li);
  }
}

// uPlot wants columns: [[t...], [v...]]; values arrive as strings, NaN never appears.
function toColumns(points) {
  const ts = [], vs = [];
  for (const [t, v] of points) { ts.push(t); vs.push(Number(v)); }
  return [ts, vs];
}

function chartFor(key, data) {
  let entry = state.charts.get(key);
  if (entry) { entry.plot.setData(data); return; }
  const box = document.createElement("div");
  box.className = "chart";
  const h = document.createElement("h3");
  h.textContent = key;
  box.appendChild(h);
  $("charts").appendChild(box);
  const opts = {
    width: 520, height: 200,
    series: [{}, { label: "value", stroke: "#2a7ab0", width: 1.5, points: { show: false } }],
    axes: [{}, { size: 70 }],
    legend: { show: true },
  };
  entry = { plot: new uPlot(opts, data, box) };
  state.charts.set(key, entry);
}

function clearCharts() {
  for (const { plot } of state.charts.values()) plot.destroy();
  state.charts.clear();
  $("charts").replaceChildren();
}

async function drawStore(store) {
  const end = Date.now() / 1000;
  const start = end - Number($("range").value);
  let total = 0;
  for (const s of store.series) {
    const q = new URLSearchParams({ store: store.name, series: s.key, start, end, tier: "auto" });
    const data = await api("/metrics/query?" + q);
    total += data.points.length;
    chartFor(s.key, toColumns(data.points));
  }
  document.body.dataset.points = String(total);
  document.body.dataset.charts = String(state.charts.size);
  document.title = "rondo dashboard: " + store.name + ", " + total + " points";
  setStatus(store.name + ": " + total + " points, " + new Date().toLocaleTimeString());
}

async function refresh(reset) {
  try {
    const info = await api("/metrics/info");
    if (!state.store || !info.stores.some((s) => s.name === state.store))
      state.store = info.stores.length ? info.stores[0].name : null;
    renderStores(info.stores);
    if (reset) clearCharts();
    const store = info.stores.find((s) => s.name === state.store);
    if (store) await drawStore(store);
    else setStatus("no stores under " + info.state_dir);
  } catch (e) {
    setStatus(e.message, true);
  }
}

function schedule() {
  clearInterval(state.timer);
  if ($("live").checked) state.timer = setInterval(() => refresh(false), 5000);
}

$("range").onchange = () => refresh(true);
$("live").onchange = schedule;
$("token").onchange = () => refresh(true);
refresh(true);
schedule();
