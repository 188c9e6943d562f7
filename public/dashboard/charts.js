/**
 * The dashboard's charts: thin wrappers over uPlot (public/dashboard/vendor, copied from node_modules by
 * scripts/assets/copy-vendor-assets.ts). Each returns a container that draws itself once it has a width
 * and follows later width changes, so charts fit a 390 px phone as well as a 1440 px screen.
 */
(() => {
  const COLORS = ["#0969da", "#bc4c00", "#8250df", "#1a7f37", "#bf3989", "#57606a", "#0a3069", "#953800"];
  const GRID = { stroke: "#eef1f4", width: 1 };
  const AXIS = {
    stroke: "#59636e",
    grid: GRID,
    ticks: { stroke: "#d1d9e0", width: 1, size: 4 },
    font: "11px system-ui, sans-serif",
  };

  function mount(points, build, height) {
    const box = document.createElement("div");
    box.className = "chart";
    box.dataset.points = String(points);
    box.style.minHeight = `${height}px`;
    let plot = null;
    const observer = new ResizeObserver(() => {
      const width = Math.floor(box.clientWidth);
      if (width <= 0) return;
      if (!plot) plot = build(width, box);
      else if (Math.abs(plot.width - width) > 1) plot.setSize({ width, height });
    });
    observer.observe(box);
    return box;
  }

  /** `names` in series order (palette colours), or `colors` given explicitly. */
  function legend(names, colors = COLORS) {
    const box = document.createElement("div");
    box.className = "legend";
    names.forEach((name, i) => {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = colors[i % colors.length];
      item.append(swatch, name);
      box.append(item);
    });
    return box;
  }

  function withLegend(chart, names, colors) {
    const box = document.createElement("div");
    box.append(chart, legend(names, colors));
    return box;
  }

  const number = (v) =>
    Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("en") : Number(v.toPrecision(3)).toString();
  const formatAxis = (format) => (_u, splits) =>
    splits.map((v) => (v === null || v === undefined ? "" : format(v)));

  /**
   * Lines over time. `t` in ms; `series` = [{ name, values, dashed?, color? (palette colour by default) }].
   * `format` labels the y axis; `from` and `to` (ms) fix the x axis to the chosen range.
   */
  function timeLines(t, series, { height = 170, format = number, yMin, from, to } = {}) {
    const points = t.length;
    const chart = mount(
      points,
      (width, box) =>
        new uPlot(
          {
            width,
            height,
            legend: { show: false },
            cursor: { drag: { x: false, y: false } },
            scales: {
              x: {
                time: true,
                ...(from !== undefined && to !== undefined ? { range: [from / 1000, to / 1000] } : {}),
              },
              y: { range: (_u, lo, hi) => [yMin ?? Math.min(0, lo), hi > (yMin ?? 0) ? hi * 1.08 : 1] },
            },
            axes: [{ ...AXIS }, { ...AXIS, size: 46, values: formatAxis(format) }],
            series: [
              {},
              ...series.map((s, i) => ({
                label: s.name,
                stroke: s.color ?? COLORS[i % COLORS.length],
                width: 2,
                dash: s.dashed ? [6, 4] : undefined,
                spanGaps: true,
                points: { show: points <= 2 ? true : undefined, size: 6 },
              })),
            ],
          },
          [t.map((ms) => ms / 1000), ...series.map((s) => s.values)],
          box,
        ),
      height,
    );
    return withLegend(
      chart,
      series.map((s) => s.name),
      series.map((s, i) => s.color ?? COLORS[i % COLORS.length]),
    );
  }

  /** Reference vs current proportions on the same bins (side-by-side bars). */
  function distributionBars(labels, reference, current, { height = 150 } = {}) {
    // room per shown label: its longest text at ~6.5 px a character, plus a gap
    const labelWidth = Math.max(...labels.map((label) => label.length)) * 6.5 + 14;
    const x = labels.map((_, i) => i);
    const bars = (align) => uPlot.paths.bars({ size: [0.4, 28], align });
    const chart = mount(
      labels.length,
      (width, box) =>
        new uPlot(
          {
            width,
            height,
            legend: { show: false },
            cursor: { drag: { x: false, y: false }, points: { show: false } },
            scales: {
              x: { time: false, range: [-0.6, labels.length - 0.4] },
              y: { range: (_u, _lo, hi) => [0, Math.max(hi, 0.01) * 1.1] },
            },
            axes: [
              {
                ...AXIS,
                grid: { show: false },
                size: 30,
                splits: (u) => {
                  const step = Math.max(
                    1,
                    Math.ceil((labels.length * labelWidth * devicePixelRatio) / Math.max(1, u.bbox.width)),
                  );
                  return x.filter((i) => i % step === 0);
                },
                values: (_u, splits) => splits.map((i) => labels[i] ?? ""),
              },
              { ...AXIS, size: 40, values: formatAxis((v) => `${Math.round(v * 100)}%`) },
            ],
            series: [
              {},
              {
                label: "reference",
                fill: `${COLORS[5]}aa`,
                stroke: COLORS[5],
                paths: bars(-1),
                points: { show: false },
              },
              {
                label: "current",
                fill: `${COLORS[0]}cc`,
                stroke: COLORS[0],
                paths: bars(1),
                points: { show: false },
              },
            ],
          },
          [x, reference, current],
          box,
        ),
      height,
    );
    return chart;
  }

  /**
   * An x/y plot on numeric axes: `series` = [{ name, x, y, points?: true (markers only), dashed? }]. Every
   * series is drawn on the union of x values (uPlot's aligned mode), missing values are gaps.
   */
  function xy(series, { height = 220, xLabel = "", yLabel = "", square = false, format = number } = {}) {
    const xs = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
    const index = new Map(xs.map((v, i) => [v, i]));
    const columns = series.map((s) => {
      const column = new Array(xs.length).fill(null);
      s.x.forEach((v, i) => {
        column[index.get(v)] = s.y[i];
      });
      return column;
    });
    const range = square ? [0, 1] : undefined;
    const chart = mount(
      xs.length,
      (width, box) =>
        new uPlot(
          {
            width,
            height,
            legend: { show: false },
            cursor: { drag: { x: false, y: false } },
            scales: { x: { time: false, ...(range ? { range } : {}) }, y: range ? { range } : {} },
            axes: [
              { ...AXIS, label: xLabel, labelSize: 16, labelFont: AXIS.font, values: formatAxis(format) },
              {
                ...AXIS,
                label: yLabel,
                labelSize: 16,
                labelFont: AXIS.font,
                size: 44,
                values: formatAxis(format),
              },
            ],
            series: [
              {},
              ...series.map((s, i) => ({
                label: s.name,
                stroke: COLORS[i % COLORS.length],
                width: s.points ? 0 : 2,
                dash: s.dashed ? [6, 4] : undefined,
                spanGaps: true,
                paths: s.points ? () => null : undefined,
                points: s.points
                  ? { show: true, size: 5, fill: `${COLORS[i % COLORS.length]}99`, width: 0 }
                  : { show: false },
              })),
            ],
          },
          [xs, ...columns],
          box,
        ),
      height,
    );
    return withLegend(
      chart,
      series.map((s) => s.name),
    );
  }

  /** The colours distributionBars draws reference and current in (for its legend). */
  const DISTRIBUTION_COLORS = [COLORS[5], COLORS[0]];

  window.DashboardCharts = { COLORS, DISTRIBUTION_COLORS, timeLines, distributionBars, xy, legend };
})();
