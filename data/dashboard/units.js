// units.js - how the dashboard reads a metric: its kind and its unit.
//
// The writer's description decides (type and unit registered with the series,
// listed by /metrics/info, see describe()); for a series registered without
// one, the name decides, as Prometheus' naming conventions write it: a name
// ending in "_total" is a counter (drawn as a per-second rate), anything else a
// gauge; "_bytes" is a size (IEC prefixes: KiB, MiB, GiB), "_seconds" a
// duration (µs, ms, s, min, h). No DOM: dashboard.js uses these functions for
// axes, legends and titles.
"use strict";

const Units = (() => {
  const IEC = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  const SI = ["", "k", "M", "G", "T", "P"];
  const described = new Map(); // metric name -> {type, unit} from its writer

  // Records what a writer said of metric `name` ({type, unit} as /metrics/info
  // lists them); "unknown" and "" say nothing.
  function describe(name, desc) {
    if (desc && ((desc.type && desc.type !== "unknown") || desc.unit))
      described.set(name, { type: desc.type || "unknown", unit: desc.unit || "" });
  }

  function isCounter(name) {
    const d = described.get(name);
    if (d && d.type !== "unknown") return d.type === "counter";
    return name.endsWith("_total");
  }

  // "bytes", "seconds" or "" from the description, else from the name (with
  // any "_total" taken off first).
  function baseUnit(name) {
    const d = described.get(name);
    if (d && d.unit) return d.unit === "bytes" || d.unit === "seconds" ? d.unit : "";
    const base = name.endsWith("_total") ? name.slice(0, -"_total".length) : name;
    if (base.endsWith("_bytes")) return "bytes";
    if (base.endsWith("_seconds")) return "seconds";
    return "";
  }

  // The number with at most 3 significant digits, trailing zeros dropped.
  function short(x) {
    if (x === 0) return "0";
    const a = Math.abs(x);
    const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
    return String(Number(x.toFixed(digits)));
  }

  // Scales x by `step` until it is below `step`, naming the prefix reached.
  function scaled(x, step, names) {
    let i = 0;
    while (Math.abs(x) >= step && i < names.length - 1) { x /= step; i++; }
    return short(x) + (names[i] ? " " + names[i] : "");
  }

  function duration(s) {
    const a = Math.abs(s);
    if (a === 0) return "0 s";
    if (a < 1e-3) return short(s * 1e6) + " µs";
    if (a < 1) return short(s * 1e3) + " ms";
    if (a < 120) return short(s) + " s";
    if (a < 7200) return short(s / 60) + " min";
    return short(s / 3600) + " h";
  }

  // The value of metric `name` as shown: rates get "/s".
  function format(name, v) {
    if (v == null || !Number.isFinite(v)) return v == null ? "" : String(v);
    const rate = isCounter(name) ? "/s" : "";
    switch (baseUnit(name)) {
    case "bytes": return scaled(v, 1024, IEC) + rate;
    case "seconds": return duration(v) + rate;
    default: return scaled(v, 1000, SI).replace(/ /, "") + (rate ? " /s" : "");
    }
  }

  // What the y axis measures, for its label and the chart's heading.
  function label(name) {
    const rate = isCounter(name);
    switch (baseUnit(name)) {
    case "bytes": return rate ? "bytes per second" : "bytes";
    case "seconds": return rate ? "seconds per second" : "duration";
    default: return rate ? "per second" : "value";
    }
  }

  return { describe, isCounter, baseUnit, format, label, duration };
})();
