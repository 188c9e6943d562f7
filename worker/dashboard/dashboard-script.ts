/**
 * The dashboard's browser code (vanilla JS, inline SVG charts). It reads the same JSON endpoints any client
 * can: /v1/models, /v1/models/{m}/health, /reports, /reports/{id} and /traffic. The page itself is public;
 * when the data calls answer 401/403 it asks for an API key (a small form). The key, typed there or given
 * once as `?key=` (then removed from the address bar and history entry), is kept in sessionStorage and
 * sent as X-API-Key.
 */
export const DASHBOARD_JS = `"use strict";
(() => {
  const KEY_ITEM = "edge-inference-key";
  const params = new URLSearchParams(location.search);
  if (params.has("key")) {
    if (params.get("key")) sessionStorage.setItem(KEY_ITEM, params.get("key"));
    params.delete("key");
    const query = params.toString();
    history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }
  let key = sessionStorage.getItem(KEY_ITEM);
  let askingForKey = false;
  const COLORS = ["#0969da", "#8250df", "#bf3989", "#1a7f37", "#bc4c00", "#57606a"];
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  };
  const svgEl = (tag, attrs = {}) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
    return node;
  };
  const num = (value, digits = 3) => (value === null || value === undefined ? "–" : Number(value).toFixed(digits));
  const badge = (status) => el("span", { class: "badge " + status }, status.replaceAll("_", " "));
  class AuthError extends Error {}
  async function get(path) {
    const response = await fetch(path, { headers: key ? { "x-api-key": key } : {} });
    if (response.status === 401 || response.status === 403)
      throw new AuthError(response.status === 401 ? (key ? "The API key was not accepted." : "An API key is needed to read the monitoring data.") : "This API key may not read the monitoring data (it needs the predict scope).");
    if (!response.ok) throw new Error(path + " → " + response.status);
    return response.json();
  }

  function keyForm(message) {
    const input = el("input", { type: "password", name: "key", autocomplete: "off", placeholder: "API key", required: "", "aria-label": "API key", size: "40" });
    const form = el("form", { id: "key-form", class: "model" }, el("h2", {}, "API key"), el("p", { class: "muted" }, message),
      input, " ", el("button", { type: "submit" }, "Show dashboard"),
      el("p", { class: "muted" }, "Kept in this tab's sessionStorage only and sent as X-API-Key."));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      key = value;
      sessionStorage.setItem(KEY_ITEM, value);
      askingForKey = false;
      document.getElementById("models").replaceChildren(el("p", { class: "muted" }, "loading…"));
      render();
    });
    return form;
  }

  function askForKey(message) {
    askingForKey = true;
    sessionStorage.removeItem(KEY_ITEM);
    key = null;
    const form = keyForm(message);
    document.getElementById("models").replaceChildren(form);
    document.getElementById("updated").textContent = "";
    document.getElementById("error").textContent = "";
    document.body.dataset.ready = "key";
    form.querySelector("input").focus();
  }

  function lineChart(series, { height = 140, width = 420, label = "" } = {}) {
    const svg = svgEl("svg", { viewBox: "0 0 " + width + " " + height, width: "100%", role: "img", "aria-label": label });
    const points = series.flatMap((s) => s.points);
    if (points.length === 0) {
      const text = svgEl("text", { x: 8, y: 20 });
      text.textContent = "no data yet";
      svg.append(text);
      return svg;
    }
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs) || 1];
    const y1 = Math.max(...ys, 1);
    const pad = { l: 36, r: 6, t: 6, b: 18 };
    const sx = (x) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
    const sy = (y) => height - pad.b - (y / y1) * (height - pad.t - pad.b);
    for (const tick of [0, y1 / 2, y1]) {
      svg.append(svgEl("line", { x1: pad.l, x2: width - pad.r, y1: sy(tick), y2: sy(tick), stroke: "#eef1f4" }));
      const text = svgEl("text", { x: 2, y: sy(tick) + 3 });
      text.textContent = tick >= 100 ? Math.round(tick) : Number(tick.toPrecision(2));
      svg.append(text);
    }
    for (const [i, t] of [[0, x0], [1, x1]]) {
      const text = svgEl("text", { x: i ? width - pad.r - 30 : pad.l, y: height - 4 });
      text.textContent = new Date(t).toISOString().slice(11, 16);
      svg.append(text);
    }
    series.forEach((s, index) => {
      const color = COLORS[index % COLORS.length];
      const sorted = [...s.points].sort((a, b) => a[0] - b[0]);
      if (sorted.length === 1) svg.append(svgEl("circle", { cx: sx(sorted[0][0]), cy: sy(sorted[0][1]), r: 3, fill: color }));
      else svg.append(svgEl("polyline", { fill: "none", stroke: color, "stroke-width": 2, points: sorted.map((p) => sx(p[0]) + "," + sy(p[1])).join(" ") }));
    });
    return svg;
  }
  const legend = (names) => el("div", { class: "legend" }, ...names.map((name, i) => el("span", {}, el("i", { style: "background:" + COLORS[i % COLORS.length] }), name)));
  const card = (title, ...children) => el("div", { class: "card" }, el("h3", {}, title), ...children);

  function versionsTable(model) {
    const weights = model.traffic?.weights ?? {};
    const shadow = model.traffic?.shadow ?? [];
    return el("table", {}, el("tr", {}, el("th", {}, "version"), el("th", {}, "role"), el("th", {}, "A/B weight")),
      ...model.versions.map((v) => el("tr", {}, el("td", {}, v),
        el("td", {}, v === model.default_version ? "default" : shadow.includes(v) ? "shadow" : "–"),
        el("td", {}, weights[v] === undefined ? "–" : (weights[v] * 100).toFixed(0) + " %"))));
  }

  function trafficCharts(traffic) {
    const byVersion = new Map();
    for (const b of traffic.buckets) {
      const name = b.version + (b.route === "shadow" ? " (shadow)" : "");
      if (!byVersion.has(name)) byVersion.set(name, []);
      byVersion.get(name).push(b);
    }
    const names = [...byVersion.keys()];
    const requests = names.map((name) => ({ name, points: byVersion.get(name).map((b) => [b.t, b.requests]) }));
    const latency = names.map((name) => ({ name, points: byVersion.get(name).map((b) => [b.t, b.latency_avg_ms]) }));
    return [
      card("Logged rows per " + traffic.bucket_ms / 60000 + " min", lineChart(requests, { label: "logged rows over time" }), legend(names)),
      card("Mean latency per row (ms)", lineChart(latency, { label: "latency over time" }), legend(names)),
    ];
  }

  function driftTable(report) {
    if (!report?.drift) return el("p", {}, "no report yet");
    const rows = Object.entries(report.drift.features).map(([name, f]) => el("tr", { "data-feature": name },
      el("td", {}, name), el("td", {}, f.test), el("td", {}, num(f.psi)),
      el("td", {}, el("span", { class: "bar", style: "width:" + Math.min(120, (f.psi ?? 0) * 240) + "px" })),
      el("td", {}, f.p_value === null ? "–" : Number(f.p_value).toExponential(2)), el("td", {}, badge(f.status))));
    const pd = report.prediction_drift?.[report.default_version];
    if (pd) rows.push(el("tr", { "data-feature": "(prediction)" }, el("td", {}, "prediction"), el("td", {}, pd.test), el("td", {}, num(pd.psi)),
      el("td", {}, el("span", { class: "bar", style: "width:" + Math.min(120, (pd.psi ?? 0) * 240) + "px" })),
      el("td", {}, pd.p_value === null ? "–" : Number(pd.p_value).toExponential(2)), el("td", {}, badge(pd.status))));
    return el("div", {},
      el("table", { class: "drift-table" }, el("tr", {}, ...["feature", "test", "PSI", "", "p-value", "status"].map((h) => el("th", {}, h))), ...rows),
      el("p", { class: "muted" }, "drift share " + num(report.drift.drift_share, 2) + " · dataset drift: " + report.drift.dataset_drift + " · α/k = " + num(report.drift.bonferroni_alpha, 4) + " · rows " + report.drift.rows));
  }

  function performanceTable(report) {
    const p = report?.performance?.default;
    if (!p) return el("p", {}, "no feedback yet");
    const keys = "rmse" in p ? ["n", "mae", "mse", "rmse", "r2"] : ["n", "auc", "accuracy", "brier", "log_loss"];
    return el("table", {}, el("tr", {}, ...keys.map((k) => el("th", {}, k))), el("tr", {}, ...keys.map((k) => el("td", { "data-metric": k }, k === "n" ? p[k] : num(p[k], 4)))));
  }

  function abTable(report) {
    const arms = report?.ab?.arms ?? [];
    if (arms.length === 0) return el("p", {}, "no A/B traffic in the window");
    return el("table", {}, el("tr", {}, ...["arm", "requests", "feedback", "metric", "p-value", "verdict"].map((h) => el("th", {}, h))),
      ...arms.map((a) => el("tr", {}, el("td", {}, a.version), el("td", {}, a.requests), el("td", {}, a.feedback),
        el("td", {}, a.metric + " " + num(a.value, 4)), el("td", {}, a.test ? Number(a.test.p_value).toExponential(2) : "–"), el("td", {}, badge(a.verdict)))));
  }

  function historyStrip(reports) {
    return el("div", { class: "history" }, ...[...reports].reverse().map((r) => el("span", { class: r.status, title: r.window_end + ": " + r.status })));
  }

  async function renderModel(model) {
    const base = "/v1/models/" + encodeURIComponent(model.name);
    const [health, reports, traffic] = await Promise.all([get(base + "/health"), get(base + "/reports?limit=96"), get(base + "/traffic?hours=24&bucket_minutes=15")]);
    const latest = reports.reports[0] ? await get(base + "/reports/" + encodeURIComponent(reports.reports[0].id)) : null;
    const section = el("section", { class: "model", "data-model": model.name },
      el("h2", {}, model.title || model.name, badge(health.status)),
      el("div", { class: "muted" }, model.name + " · " + (latest ? "report " + latest.generated_at + " · window " + latest.window.hours + " h · " + latest.ops.total.requests + " requests" + (latest.ops.total.rows === undefined ? "" : " (" + latest.ops.total.rows + " rows)") + " · error rate " + num(latest.ops.total.error_rate, 3) + " · p95 " + num(latest.ops.total.latency_ms.p95, 1) + " ms per request" : "no report yet")),
      el("ul", { class: "reasons" }, ...(health.reasons ?? []).map((r) => el("li", {}, r.severity + ": " + r.message))),
      el("div", { class: "grid" },
        card("Versions and traffic split", versionsTable(model)),
        ...trafficCharts(traffic),
        card("Drift per feature (latest report)", driftTable(latest)),
        card("Performance from feedback (" + (latest?.performance?.version ?? "–") + ")", performanceTable(latest)),
        card("A/B arms", abTable(latest)),
        card("Health history (" + reports.reports.length + " reports)", historyStrip(reports.reports))));
    return section;
  }

  async function render() {
    if (askingForKey) return;
    try {
      const { models } = await get("/v1/models");
      const sections = await Promise.all(models.map(renderModel));
      document.getElementById("models").replaceChildren(...sections);
      document.getElementById("updated").textContent = "updated " + new Date().toISOString().slice(0, 19) + "Z";
      document.body.dataset.ready = "true";
    } catch (error) {
      if (error instanceof AuthError) return askForKey(error.message);
      document.getElementById("error").textContent = String(error.message || error);
      document.body.dataset.ready = "error";
    }
  }
  render();
  setInterval(render, 60000);
})();
`;
