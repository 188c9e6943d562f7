/**
 * The dashboard's browser code. It reads the same JSON any client can: /v1/models, then per model
 * /v1/models/{m}/dashboard?range=… (drift, distributions, latency, performance, A/B from the monitoring summaries),
 * /health and /reports (the cron's verdicts). Models are shown busiest first. The page is public; when the
 * data calls answer 401/403 it asks for an API key (a small form). The key, typed there or given once as
 * `?key=` (then removed from the address bar and history entry), is kept in sessionStorage and sent as
 * X-API-Key. The chosen range is kept in the address (`?range=24h`).
 */
(() => {
  const KEY_ITEM = "edge-inference-key";
  const RANGES = ["1h", "6h", "24h", "7d"];
  const params = new URLSearchParams(location.search);
  if (params.has("key")) {
    if (params.get("key")) sessionStorage.setItem(KEY_ITEM, params.get("key"));
    params.delete("key");
    const query = params.toString();
    history.replaceState(history.state, "", location.pathname + (query ? `?${query}` : "") + location.hash);
  }
  let key = sessionStorage.getItem(KEY_ITEM);
  let askingForKey = false;
  let range = RANGES.includes(params.get("range")) ? params.get("range") : "24h";
  const C = window.DashboardCharts;

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };
  const num = (value, digits = 3) =>
    value === null || value === undefined ? "–" : Number(value).toFixed(digits);
  const pct = (value, digits = 1) =>
    value === null || value === undefined ? "–" : `${(value * 100).toFixed(digits)} %`;
  const pValue = (value) =>
    value === null || value === undefined
      ? "–"
      : value < 1e-3
        ? Number(value).toExponential(1)
        : value.toFixed(3);
  const ms = (value) =>
    value === null || value === undefined ? "–" : `${value.toFixed(value < 10 ? 2 : 1)} ms`;
  const LABELS = { insufficient_data: "too few rows", no_significant_difference: "no sig. difference" };
  const badge = (status) =>
    el("span", { class: `badge ${status}`, title: status }, LABELS[status] ?? status.replaceAll("_", " "));
  const empty = (text) => el("p", { class: "empty" }, text);
  const TEST_LABELS = { ks: "KS", chi_square: "χ²", psi: "PSI", wasserstein: "W1", jensen_shannon: "JS" };
  const testLabel = (test) => TEST_LABELS[test] ?? test ?? "KS";
  const span = (data) => ({ from: data.start, to: data.end });
  const card = (title, panel, ...children) =>
    el("div", { class: "card", "data-panel": panel }, el("h3", {}, title), ...children);

  class AuthError extends Error {}
  async function get(path) {
    const response = await fetch(path, { headers: key ? { "x-api-key": key } : {} });
    if (response.status === 401 || response.status === 403)
      throw new AuthError(
        response.status === 401
          ? key
            ? "The API key was not accepted."
            : "An API key is needed to read the monitoring data."
          : "This API key may not read the monitoring data (it needs the predict scope).",
      );
    if (!response.ok) throw new Error(`${path} → ${response.status}`);
    return response.json();
  }

  function keyForm(message) {
    const input = el("input", {
      type: "password",
      name: "key",
      autocomplete: "off",
      placeholder: "API key",
      required: "",
      "aria-label": "API key",
      size: "40",
    });
    const form = el(
      "form",
      { id: "key-form", class: "model" },
      el("h2", {}, "API key"),
      el("p", { class: "muted" }, message),
      input,
      " ",
      el("button", { type: "submit" }, "Show dashboard"),
      el("p", { class: "muted" }, "Kept in this tab's sessionStorage only and sent as X-API-Key."),
    );
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

  // ---- panels -------------------------------------------------------------------------------------------

  function tiles(data, health) {
    const ops = data.ops.total;
    const perf = data.performance?.metrics;
    const tile = (label, value, name) =>
      el("div", { class: "tile", "data-tile": name }, el("b", {}, value), el("span", {}, label));
    return el(
      "div",
      { class: "tiles" },
      tile("requests", ops.requests.toLocaleString("en"), "requests"),
      tile("error rate", pct(ops.error_rate, 2), "error_rate"),
      tile("p95 latency / request", ms(ops.p95_ms), "p95"),
      tile(
        "drifted features",
        data.drift ? `${data.drift.drifted_features.length} / ${data.drift.features.length}` : "–",
        "drift",
      ),
      perf && "rmse" in perf ? tile(`RMSE (${perf.n} labelled)`, num(perf.rmse, 3), "rmse") : null,
      perf && "auc" in perf ? tile(`AUC (${perf.n} labelled)`, num(perf.auc, 3), "auc") : null,
      tile("cron health", health.status.replaceAll("_", " "), "health"),
    );
  }

  function latencyPanel(data) {
    const s = data.ops.series;
    if (s.length === 0)
      return card("Latency percentiles per request", "latency", empty("no requests in this range"));
    return card(
      "Latency percentiles per request (ms)",
      "latency",
      C.timeLines(
        s.map((b) => b.t),
        [
          { name: "p50", values: s.map((b) => b.p50_ms) },
          { name: "p95", values: s.map((b) => b.p95_ms) },
          { name: "p99", values: s.map((b) => b.p99_ms), dashed: true },
        ],
        span(data),
      ),
    );
  }

  function trafficPanel(data) {
    const s = data.ops.series;
    if (s.length === 0) return card("Requests and error rate", "errors", empty("no requests in this range"));
    const minutes = data.bucket_ms / 60000;
    return card(
      `Requests and errors per ${minutes >= 60 ? `${minutes / 60} h` : `${minutes} min`}`,
      "errors",
      C.timeLines(
        s.map((b) => b.t),
        [
          { name: "requests", values: s.map((b) => b.requests) },
          { name: "errors", values: s.map((b) => b.errors) },
        ],
        span(data),
      ),
      el(
        "p",
        { class: "muted" },
        "error rate over the range " +
          pct(data.ops.total.error_rate, 2) +
          " (" +
          data.ops.total.errors +
          " of " +
          data.ops.total.requests +
          " requests)",
      ),
    );
  }

  function driftOverTime(data) {
    const features = data.drift?.features ?? [];
    const t = features[0]?.series.map((p) => p.t) ?? [];
    const evaluated = features.some((f) => f.series.some((p) => p.psi !== null));
    if (!evaluated)
      return card(
        "Drift over time (PSI per feature)",
        "drift-time",
        empty("fewer than 100 served rows per bucket: no drift computed yet"),
      );
    return card(
      "Drift over time (PSI per feature)",
      "drift-time",
      C.timeLines(
        t,
        features.map((f) => ({ name: f.name, values: f.series.map((p) => p.psi) })),
        span(data),
      ),
      el(
        "p",
        { class: "muted" },
        "PSI per " +
          data.bucket_ms / 60000 +
          "-min bucket against the manifest reference; buckets under 100 rows are skipped.",
      ),
    );
  }

  function driftTable(data) {
    const d = data.drift;
    if (!d) return card("Drift per feature", "drift-table", empty("no reference for the default version"));
    const rows = d.features.map((f) =>
      el(
        "tr",
        { "data-feature": f.name },
        el("td", { class: "name" }, f.name),
        el("td", { class: "num" }, num(f.psi)),
        el("td", { class: "num" }, `${f.test === "ks" ? "KS" : "χ²"} ${pValue(f.p_value)}`),
        el("td", {}, badge(f.status)),
      ),
    );
    if (data.prediction)
      rows.push(
        el(
          "tr",
          { "data-feature": "(prediction)" },
          el("td", { class: "name" }, "prediction"),
          el("td", { class: "num" }, num(data.prediction.psi)),
          el("td", { class: "num" }, `${testLabel(data.prediction.test)} ${pValue(data.prediction.p_value)}`),
          el("td", {}, badge(data.prediction.status)),
        ),
      );
    return card(
      `Drift per feature (${data.range})`,
      "drift-table",
      el(
        "div",
        { class: "scroll" },
        el(
          "table",
          { class: "drift-table" },
          el(
            "tr",
            {},
            el("th", {}, "feature"),
            el("th", { class: "num" }, "PSI"),
            el("th", { class: "num" }, "test p"),
            el("th", {}, "verdict"),
          ),
          ...rows,
        ),
      ),
      el(
        "p",
        { class: "muted" },
        d.rows +
          " served rows · drift share " +
          num(d.drift_share, 2) +
          " · dataset drift: " +
          (d.dataset_drift ? "yes" : "no") +
          " · α/k = " +
          num(d.bonferroni_alpha, 4),
      ),
    );
  }

  function distributions(data) {
    const d = data.drift;
    if (!d)
      return card("Reference vs current", "distributions", empty("no reference for the default version"));
    const entries = [...d.features];
    if (data.prediction)
      entries.push({ ...data.prediction, name: `prediction (${data.prediction.version})` });
    const items = entries.map((f) =>
      el(
        "div",
        { class: "feature", "data-distribution": f.name },
        el(
          "h4",
          {},
          f.name,
          badge(f.status),
          el("span", { class: "muted" }, `PSI ${num(f.psi, 3)} · n ${f.n}`),
        ),
        C.distributionBars(f.distribution.labels, f.distribution.reference, f.distribution.current),
      ),
    );
    const wide = card(
      "Reference vs current distribution per feature",
      "distributions",
      el("div", { class: "features" }, ...items),
      C.legend(["reference (manifest)", `current (${data.range})`], C.DISTRIBUTION_COLORS),
    );
    wide.classList.add("wide");
    return wide;
  }

  /** A multiclass model: each predicted class's share per bucket, its reference share dashed. */
  function classesOverTime(data) {
    const p = data.prediction;
    if (p?.type !== "category") return null;
    const labels = p.distribution.labels;
    const t = p.series.map((point) => point.t);
    const color = (i) => C.COLORS[i % C.COLORS.length];
    const lines = labels.flatMap((name, i) => [
      {
        name,
        values: p.series.map((point) => (point.n ? (point.proportions?.[name] ?? 0) : null)),
        color: color(i),
      },
      {
        name: `${name} ref.`,
        values: t.map(() => p.distribution.reference[i]),
        dashed: true,
        color: color(i),
      },
    ]);
    return card(
      `Predicted classes over time (${p.version})`,
      "classes-time",
      t.length
        ? C.timeLines(t, lines, { ...span(data), format: (v) => `${Math.round(v * 100)} %` })
        : empty("no predictions in this range"),
      el(
        "p",
        { class: "muted" },
        `Share of each predicted class per ${data.bucket_ms / 60000}-min bucket; dashed: its share on the training data. ` +
          `Whole range: ${testLabel(p.test)} p ${pValue(p.p_value)}, PSI ${num(p.psi, 3)}.`,
      ),
    );
  }

  function regressionPanels(p, data) {
    const points = [...p.points].sort((a, b) => a.predicted - b.predicted);
    const x = points.map((q) => q.predicted);
    const lo = Math.min(...x, ...points.map((q) => q.actual));
    const hi = Math.max(...x, ...points.map((q) => q.actual));
    const m = p.metrics;
    return [
      card(
        `Predicted vs actual (${p.points.length} of ${m.n} labelled)`,
        "predicted-actual",
        C.xy(
          [
            { name: "rows", x, y: points.map((q) => q.actual), points: true },
            { name: "perfect (y = x)", x: [lo, hi], y: [lo, hi], dashed: true },
          ],
          { xLabel: "predicted", yLabel: "actual" },
        ),
      ),
      card(
        "Residuals (actual − predicted)",
        "residuals",
        C.xy(
          [
            { name: "residual", x, y: points.map((q) => q.actual - q.predicted), points: true },
            { name: "zero", x: [lo, hi], y: [0, 0], dashed: true },
          ],
          { xLabel: "predicted", yLabel: "residual" },
        ),
      ),
      card(
        "Regression metrics from feedback",
        "metrics",
        el(
          "div",
          { class: "scroll" },
          el(
            "table",
            {},
            el("tr", {}, ...["n", "MAE", "RMSE", "R²"].map((h) => el("th", { class: "num" }, h))),
            el(
              "tr",
              {},
              el("td", { class: "num", "data-metric": "n" }, m.n),
              el("td", { class: "num", "data-metric": "mae" }, num(m.mae, 4)),
              el("td", { class: "num", "data-metric": "rmse" }, num(m.rmse, 4)),
              el("td", { class: "num", "data-metric": "r2" }, num(m.r2, 4)),
            ),
          ),
        ),
        p.series.length
          ? C.timeLines(
              p.series.map((s) => s.t),
              [{ name: "RMSE per bucket", values: p.series.map((s) => s.value) }],
              { height: 120, ...span(data) },
            )
          : null,
      ),
    ];
  }

  function classificationPanels(p) {
    const m = p.metrics;
    const cm = p.confusion;
    const cell = (cls, value, name) => el("div", { class: cls, "data-cell": name }, String(value));
    return [
      card(
        `ROC (AUC ${num(m.auc, 3)})`,
        "roc",
        p.roc.length
          ? C.xy(
              [
                { name: "ROC", x: p.roc.map((q) => q.fpr), y: p.roc.map((q) => q.tpr) },
                { name: "chance", x: [0, 1], y: [0, 1], dashed: true },
              ],
              { xLabel: "false positive rate", yLabel: "true positive rate", square: true },
            )
          : empty("one class only in the feedback: ROC undefined"),
      ),
      card(
        `Calibration (Brier ${num(m.brier, 4)})`,
        "calibration",
        C.xy(
          [
            {
              name: "observed rate per bin",
              x: p.calibration.map((b) => b.mean_predicted),
              y: p.calibration.map((b) => b.fraction_positive),
            },
            { name: "perfectly calibrated", x: [0, 1], y: [0, 1], dashed: true },
          ],
          { xLabel: "mean predicted probability", yLabel: "fraction positive", square: true },
        ),
      ),
      card(
        `Confusion at threshold ${cm.threshold}`,
        "confusion",
        el(
          "div",
          { class: "confusion" },
          el("div", { class: "head" }, ""),
          el("div", { class: "head" }, "predicted 1"),
          el("div", { class: "head" }, "predicted 0"),
          el("div", { class: "head" }, "actual 1"),
          cell("hit", cm.tp, "tp"),
          cell("miss", cm.fn, "fn"),
          el("div", { class: "head" }, "actual 0"),
          cell("miss", cm.fp, "fp"),
          cell("hit", cm.tn, "tn"),
        ),
        el(
          "div",
          { class: "scroll" },
          el(
            "table",
            {},
            el(
              "tr",
              {},
              ...["n", "positives", "accuracy", "AUC", "log loss"].map((h) => el("th", { class: "num" }, h)),
            ),
            el(
              "tr",
              {},
              el("td", { class: "num", "data-metric": "n" }, m.n),
              el("td", { class: "num" }, m.positives),
              el("td", { class: "num", "data-metric": "accuracy" }, num(m.accuracy, 3)),
              el("td", { class: "num", "data-metric": "auc" }, num(m.auc, 3)),
              el("td", { class: "num" }, num(m.log_loss, 3)),
            ),
          ),
        ),
      ),
    ];
  }

  function multiclassPanels(p, data) {
    const m = p.metrics;
    const classes = p.classes;
    const perClass = classes.map((name) => ({ name, ...(p.per_class[name] ?? {}) }));
    const calibrated = perClass.filter((c) => c.reliability?.length);
    return [
      card(
        `Multiclass metrics from feedback (${m.n} labelled)`,
        "metrics",
        el(
          "div",
          { class: "scroll" },
          el(
            "table",
            {},
            ...[
              [
                ["n", "n", m.n],
                ["accuracy", "accuracy", num(m.accuracy, 3)],
                ["macro-F1", "macro_f1", num(m.macro_f1, 3)],
              ],
              [
                ["log loss", "log_loss", num(m.log_loss, 3)],
                ["Brier", "brier", num(m.brier, 4)],
                ["ECE (macro)", "ece_macro", num(m.ece_macro, 4)],
              ],
            ].flatMap((cells) => [
              el("tr", {}, ...cells.map(([head]) => el("th", { class: "num" }, head))),
              el(
                "tr",
                {},
                ...cells.map(([, name, value]) => el("td", { class: "num", "data-metric": name }, value)),
              ),
            ]),
          ),
        ),
        p.series.length
          ? C.timeLines(
              p.series.map((s) => s.t),
              [{ name: "accuracy per bucket", values: p.series.map((s) => s.value) }],
              { height: 120, ...span(data) },
            )
          : null,
      ),
      card(
        "Per-class calibration (one-vs-rest reliability)",
        "calibration",
        calibrated.length
          ? C.xy(
              [
                ...calibrated.map((c) => ({
                  name: `${c.name} (ECE ${num(c.ece, 3)})`,
                  x: c.reliability.map((b) => b.mean_predicted),
                  y: c.reliability.map((b) => b.observed),
                })),
                { name: "perfectly calibrated", x: [0, 1], y: [0, 1], dashed: true },
              ],
              { xLabel: "mean predicted probability", yLabel: "observed share", square: true },
            )
          : empty("no labelled rows"),
      ),
      card(
        "Confusion matrix and per-class scores",
        "confusion",
        el(
          "div",
          { class: "scroll" },
          el(
            "table",
            { class: "confusion-matrix" },
            el(
              "tr",
              {},
              el("th", { title: "rows: true class, columns: predicted class" }, "true ↓"),
              ...classes.map((name) => el("th", { class: "num" }, name)),
            ),
            ...classes.map((actual, i) =>
              el(
                "tr",
                {},
                el("th", {}, actual),
                ...classes.map((predicted, j) =>
                  el(
                    "td",
                    {
                      class: `num ${i === j ? "hit" : p.confusion[i]?.[j] ? "miss" : ""}`,
                      "data-cell": `${actual}:${predicted}`,
                    },
                    p.confusion[i]?.[j] ?? 0,
                  ),
                ),
              ),
            ),
          ),
        ),
        el(
          "div",
          { class: "scroll" },
          el(
            "table",
            {},
            el(
              "tr",
              {},
              ...["class", "n", "prec.", "recall", "F1", "ECE"].map((h, i) =>
                el("th", i ? { class: "num" } : {}, h),
              ),
            ),
            ...perClass.map((c) =>
              el(
                "tr",
                { "data-class": c.name },
                el("td", { class: "name" }, c.name),
                el("td", { class: "num" }, c.support ?? 0),
                el("td", { class: "num" }, num(c.precision, 3)),
                el("td", { class: "num" }, num(c.recall, 3)),
                el("td", { class: "num", "data-metric": "f1" }, num(c.f1, 3)),
                el("td", { class: "num" }, num(c.ece, 3)),
              ),
            ),
          ),
        ),
      ),
    ];
  }

  function performancePanels(data) {
    const p = data.performance;
    if (!p?.metrics)
      return [
        card(
          "Performance from feedback",
          "performance",
          empty(`no feedback for ${data.default_version} in this range`),
        ),
      ];
    if (p.kind === "multiclass") return multiclassPanels(p, data);
    return p.kind === "regression" ? regressionPanels(p, data) : classificationPanels(p);
  }

  function abPanel(data) {
    const arms = data.ab.arms;
    if (arms.length === 0) {
      const split = Object.keys(data.ab.weights).length
        ? "A/B split set, no A/B traffic in this range"
        : "no A/B split configured";
      return card("A/B arms", "ab", empty(split));
    }
    const row = (label, value, name) => [
      el("dt", {}, label),
      el("dd", name ? { "data-arm-metric": name } : {}, value),
    ];
    const panel = card(
      `A/B arms side by side (control ${data.ab.control ?? "–"})`,
      "ab",
      el(
        "div",
        { class: "arms" },
        ...arms.map((a) =>
          el(
            "div",
            { class: "arm", "data-arm": a.version },
            el("h4", {}, a.version, badge(a.verdict)),
            el(
              "dl",
              {},
              ...row(
                "weight",
                data.ab.weights[a.version] === undefined ? "–" : pct(data.ab.weights[a.version], 0),
              ),
              ...row("requests", a.requests, "requests"),
              ...row("feedback", a.feedback, "feedback"),
              ...row(a.metric === "mse" ? "MSE" : "accuracy", num(a.value, 4), "value"),
              ...row("p-value vs control", a.test ? pValue(a.test.p_value) : "–"),
              ...row("p95 latency", ms(a.ops.p95_ms)),
              ...row("error rate", pct(a.ops.error_rate, 2)),
            ),
          ),
        ),
      ),
    );
    panel.classList.add("wide");
    return panel;
  }

  function versionsPanel(model) {
    const weights = model.traffic?.weights ?? {};
    const shadow = model.traffic?.shadow ?? [];
    return card(
      "Versions and traffic split",
      "versions",
      el(
        "div",
        { class: "scroll" },
        el(
          "table",
          {},
          el(
            "tr",
            {},
            el("th", {}, "version"),
            el("th", {}, "role"),
            el("th", { class: "num" }, "A/B weight"),
          ),
          ...model.versions.map((v) =>
            el(
              "tr",
              {},
              el("td", {}, v),
              el("td", {}, v === model.default_version ? "default" : shadow.includes(v) ? "shadow" : "–"),
              el("td", { class: "num" }, weights[v] === undefined ? "–" : pct(weights[v], 0)),
            ),
          ),
        ),
      ),
    );
  }

  function historyPanel(reports) {
    return card(
      `Cron health history (${reports.length} reports)`,
      "history",
      reports.length
        ? el(
            "div",
            { class: "history" },
            ...[...reports]
              .reverse()
              .map((r) => el("span", { class: r.status, title: `${r.window_end}: ${r.status}` })),
          )
        : empty("no report yet: the cron writes one every 15 minutes"),
    );
  }

  function modelSection({ model, data, health, reports }) {
    return el(
      "section",
      { class: "model", "data-model": model.name, "data-requests": String(data.ops.total.requests) },
      el("h2", {}, model.title || model.name, badge(health.status)),
      el(
        "div",
        { class: "muted" },
        model.name +
          " · " +
          (data.task ?? "unknown task").replaceAll("_", " ") +
          " · default " +
          data.default_version +
          " · " +
          data.rows.analyzed +
          " logged rows in " +
          data.range +
          (data.rows.sampled ? ` (newest ${data.rows.analyzed} of ${data.rows.total})` : ""),
      ),
      el(
        "ul",
        { class: "reasons" },
        ...(health.reasons ?? []).map((r) => el("li", {}, `${r.severity}: ${r.message}`)),
      ),
      tiles(data, health),
      el(
        "div",
        { class: "grid" },
        latencyPanel(data),
        trafficPanel(data),
        driftOverTime(data),
        distributions(data),
        classesOverTime(data),
        driftTable(data),
        ...performancePanels(data),
        abPanel(data),
        versionsPanel(model),
        historyPanel(reports.reports),
      ),
    );
  }

  async function loadModel(model) {
    const base = `/v1/models/${encodeURIComponent(model.name)}`;
    const [data, health, reports] = await Promise.all([
      get(`${base}/dashboard?range=${range}`),
      get(`${base}/health`),
      get(`${base}/reports?limit=96`),
    ]);
    return { model, data, health, reports };
  }

  function showRange() {
    for (const button of document.querySelectorAll("#range button"))
      button.setAttribute("aria-pressed", String(button.dataset.range === range));
  }

  let generation = 0;
  async function render() {
    if (askingForKey) return;
    const mine = ++generation;
    showRange();
    try {
      const { models } = await get("/v1/models");
      const loaded = await Promise.all(models.map(loadModel));
      if (mine !== generation) return;
      // busiest first (requests in the range), then by name
      loaded.sort(
        (a, b) =>
          b.data.ops.total.requests - a.data.ops.total.requests || a.model.name.localeCompare(b.model.name),
      );
      document.getElementById("models").replaceChildren(...loaded.map(modelSection));
      document.getElementById("updated").textContent = `updated ${new Date().toISOString().slice(0, 19)}Z`;
      document.getElementById("error").textContent = "";
      document.body.dataset.ready = "true";
      document.body.dataset.range = range;
    } catch (error) {
      if (error instanceof AuthError) return askForKey(error.message);
      document.getElementById("error").textContent = String(error.message || error);
      document.body.dataset.ready = "error";
    }
  }

  document.getElementById("range").addEventListener("click", (event) => {
    const chosen = event.target.closest("button")?.dataset.range;
    if (!chosen || chosen === range) return;
    range = chosen;
    const query = new URLSearchParams(location.search);
    query.set("range", range);
    history.replaceState(history.state, "", `${location.pathname}?${query.toString()}${location.hash}`);
    document.body.dataset.ready = "loading";
    render();
  });
  render();
  setInterval(render, 60000);
})();
