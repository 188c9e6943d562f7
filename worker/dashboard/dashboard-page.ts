/** The dashboard shell: no external fonts, scripts or styles (everything is served by the Worker). */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge-inference · monitoring</title>
<link rel="icon" href="data:,">
<style>
  :root { --ok:#1a7f37; --warn:#bf8700; --bad:#cf222e; --none:#8c959f; --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f6f8fa; }
  header { padding: 14px 24px; background: #fff; border-bottom: 1px solid var(--line); display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header .muted { color: var(--muted); }
  main { padding: 16px 24px; display: grid; gap: 18px; }
  section.model { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; }
  section.model h2 { margin: 0 0 4px; font-size: 17px; display: flex; gap: 10px; align-items: center; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 16px; margin-top: 12px; }
  .card { min-width: 0; overflow-x: auto; }
  .card h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 6px; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; }
  .healthy, .ok, .control, .better { background: var(--ok); }
  .warning, .warn, .no_significant_difference { background: var(--warn); }
  .unhealthy, .drift, .worse { background: var(--bad); }
  .no_data, .insufficient_data { background: var(--none); }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eef1f4; white-space: nowrap; }
  th { color: var(--muted); font-weight: 600; font-size: 12px; }
  .bar { height: 8px; background: #0969da; border-radius: 2px; display: inline-block; vertical-align: middle; }
  .history { display: flex; gap: 2px; flex-wrap: wrap; }
  .history span { width: 10px; height: 18px; border-radius: 2px; display: inline-block; }
  .reasons { margin: 4px 0 0; padding-left: 18px; color: var(--muted); }
  svg text { font-size: 10px; fill: var(--muted); }
  .legend span { margin-right: 10px; font-size: 12px; }
  .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
  #error { color: var(--bad); }
  #key-form { max-width: 560px; }
  #key-form p { margin: 4px 0 10px; color: var(--muted); }
  #key-form input { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; }
  #key-form button { font: inherit; padding: 4px 12px; border: 1px solid #1f883d; border-radius: 6px; background: #1f883d; color: #fff; cursor: pointer; }
</style>
</head>
<body>
<header><h1>edge-inference · monitoring</h1><span class="muted" id="updated">loading…</span><span id="error"></span></header>
<main id="models" aria-live="polite"></main>
<script src="/dashboard/app.js" defer></script>
</body>
</html>
`;
