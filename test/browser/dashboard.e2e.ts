/**
 * The dashboard in a real headless browser against `wrangler dev` (fresh temp state, free loopback port,
 * the page and its files served by the Worker): real predictions, feedback and a cron run (the scripted demo session), then
 * an A/B split with labelled traffic on both arms, then Chromium renders /dashboard at 390 px and 1440 px.
 * Every panel must show that data, the page must not overflow horizontally, no badge may be clipped, and
 * the console must stay clean. Saves docs/dashboard-390.png and docs/dashboard-1440.png.
 *
 *   npm run test:browser     (Chromium: scripts/ensure-chromium.sh finds or installs it; CHROMIUM_PATH overrides)
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { stageStaticFiles } from "../../scripts/assets/stage-static-files.ts";
import { runMonitoringSession, type SessionResult } from "../../scripts/demo/monitoring-session.ts";
import { type LocalWorker, startLocalWorker } from "../../scripts/lib/local-worker.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const FIXTURE = join(ROOT, "test/fixtures/monitoring/replay-traffic.json");
const MODEL = "recommender";
const ARMS = { v4_xgboost: 0.5, v3_rf_tuned: 0.5 };
const AB_REQUESTS = 40;
const AB_BATCH = 8;
let dev: LocalWorker | undefined;
let base = "";
let session: SessionResult;
let browser: Browser;
/** The shipped multiclass model: labelled traffic, the true tier being the predicted one for 3 rows in 4. */
const RISK_MODEL = "kredipusula_risk";
const RISK_ROWS = 120;
/** The A/B phase's labelled predictions served by the default version (v4_xgboost). */
const labelledDefault: { predicted: number; actual: number }[] = [];

type Row = Record<string, number | string>;

function fixtureRows(model: string, seed: string): { rows: Row[]; actuals: number[] } {
  const fixture = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<
    string,
    Record<string, Record<string, unknown[]>>
  >;
  const columns = fixture[model]?.[seed] ?? {};
  const actuals = columns.__actual__ as number[];
  const names = Object.keys(columns).filter((name) => name !== "__actual__");
  const rows = actuals.map((_, i) =>
    Object.fromEntries(names.map((name) => [name, columns[name]?.[i] as number | string])),
  );
  return { rows, actuals };
}

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${base}${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...(init.headers as Record<string, string>) },
  });
  if (!response.ok)
    throw new Error(`${init.method ?? "GET"} ${path} → ${response.status} ${await response.text()}`);
  return response;
}

interface DashboardJson {
  rows: { analyzed: number };
  ops: { total: { requests: number } };
  drift: { features: { name: string; status: string }[] };
  performance: { kind: string; metrics: { n: number; rmse?: number; auc?: number } };
  ab: { arms: { version: string; rows: number; feedback: number; verdict: string }[] };
}
/** Multiclass traffic (KrediPusula applicants scored into risk tiers) and feedback by class name. */
async function multiclassPhase() {
  const { rows } = fixtureRows("kredipusula", "201");
  const response = await call(`/v1/models/${RISK_MODEL}/predict`, {
    method: "POST",
    body: JSON.stringify({ instances: rows.slice(0, RISK_ROWS) }),
  });
  const { predictions } = (await response.json()) as { predictions: { id: string; label: string }[] };
  const tiers = ["low", "medium", "high", "decline"];
  const feedback = predictions.map((prediction, i) => ({
    prediction_id: prediction.id,
    actual:
      i % 4 === 3
        ? (tiers[(tiers.indexOf(prediction.label) + 1) % tiers.length] as string)
        : prediction.label,
  }));
  for (let tries = 0; (await dashboardJson(RISK_MODEL)).rows.analyzed < RISK_ROWS; tries++) {
    if (tries > 240) throw new Error(`${RISK_MODEL}: rows not logged`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await call("/v1/predictions/feedback", { method: "POST", body: JSON.stringify({ feedback }) });
}

const dashboardJson = async (model: string) =>
  (await (await call(`/v1/models/${model}/dashboard?range=1h`)).json()) as DashboardJson;

/** An A/B split, then labelled traffic on both arms (item_price shifted as in the session). */
async function abPhase() {
  await call(`/v1/admin/models/${MODEL}/weights`, { method: "PUT", body: JSON.stringify({ weights: ARMS }) });
  const { rows, actuals } = fixtureRows(MODEL, "103");
  const feedback: { prediction_id: string; actual: number }[] = [];
  for (let request = 0; request < AB_REQUESTS; request++) {
    const slice = rows.slice(request * AB_BATCH, (request + 1) * AB_BATCH);
    const response = await call(`/v1/models/${MODEL}/predict`, {
      method: "POST",
      headers: { "x-subject-id": `ab-subject-${request}` },
      body: JSON.stringify({
        instances: slice.map((row) => ({ ...row, item_price: (row.item_price as number) + 25 })),
      }),
    });
    const version = response.headers.get("x-model-version");
    const { predictions } = (await response.json()) as { predictions: { id: string; value: number }[] };
    predictions.forEach((prediction, i) => {
      const actual = actuals[request * AB_BATCH + i] as number;
      feedback.push({ prediction_id: prediction.id, actual });
      if (version === "v4_xgboost") labelledDefault.push({ predicted: prediction.value, actual });
    });
  }
  // feedback is accepted for logged rows only: wait until the queue has delivered all of them
  for (let tries = 0; ; tries++) {
    const logged = (await dashboardJson(MODEL)).ab.arms.reduce((sum, arm) => sum + arm.rows, 0);
    if (logged >= feedback.length) break;
    if (tries > 240) throw new Error(`only ${logged}/${feedback.length} A/B rows logged`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await call("/v1/predictions/feedback", { method: "POST", body: JSON.stringify({ feedback }) });
}

before(async () => {
  stageStaticFiles();
  dev = await startLocalWorker();
  base = dev.url;
  session = await runMonitoringSession(base, () => undefined);
  await abPhase();
  await multiclassPhase();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
});

after(async () => {
  await browser?.close();
  await dev?.stop();
});

test("the dashboard endpoint agrees with the session's report and an independent computation", async () => {
  assert.deepEqual(session.mismatches, []);
  const data = await dashboardJson(MODEL);
  const itemPrice = data.drift.features.find((feature) => feature.name === "item_price");
  assert.equal(itemPrice?.status, "drift");
  assert.equal(data.performance.kind, "regression");
  // n: the session's labelled rows plus the A/B phase's rows served by the default version
  assert.equal(data.performance.metrics.n, session.independent.n + labelledDefault.length);
  // RMSE over both groups, recombined from the session's independent MSE and the A/B phase's errors
  const abSquared = labelledDefault.reduce((sum, row) => sum + (row.predicted - row.actual) ** 2, 0);
  const expectedRmse = Math.sqrt(
    (session.independent.mse * session.independent.n + abSquared) /
      (session.independent.n + labelledDefault.length),
  );
  assert.ok(
    Math.abs((data.performance.metrics.rmse ?? Number.NaN) - expectedRmse) < 1e-9,
    `${data.performance.metrics.rmse} vs ${expectedRmse}`,
  );
  assert.deepEqual(data.ab.arms.map((arm) => arm.version).sort(), Object.keys(ARMS).sort());
  for (const arm of data.ab.arms) assert.ok(arm.feedback >= 20, `${arm.version}: ${arm.feedback} labelled`);
  const credit = await dashboardJson("kredipusula");
  assert.equal(credit.performance.kind, "classification");
  assert.equal(credit.performance.metrics.n, 60);
  // bounded parameters: an unknown range is a 422 naming the field
  const bad = await fetch(`${base}/v1/models/${MODEL}/dashboard?range=30d`);
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /"field":"range"/);
});

test("the Worker serves Swagger UI's and the dashboard's files with their types and headers", async () => {
  const expectations: [string, RegExp][] = [
    ["/docs/swagger-ui-bundle.js", /javascript/],
    ["/docs/swagger-ui.css", /text\/css/],
    ["/docs/init.js", /javascript/],
    ["/dashboard", /text\/html/],
    ["/dashboard/app.js", /javascript/],
    ["/dashboard/charts.js", /javascript/],
    ["/dashboard/dashboard.css", /text\/css/],
    ["/dashboard/vendor/uPlot.iife.min.js", /javascript/],
    ["/dashboard/vendor/uPlot.min.css", /text\/css/],
  ];
  for (const [path, type] of expectations) {
    const response = await fetch(`${base}${path}`);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get("content-type") ?? "", type, path);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff", path);
    await response.arrayBuffer();
  }
  const page = await fetch(`${base}/dashboard`);
  assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'; script-src 'self'/);
  assert.doesNotMatch(await page.text(), /https?:\/\//, "no external script, style or font");
  // the /docs page loads the bundle; nothing else of public/ is served
  assert.match(await (await fetch(`${base}/docs`)).text(), /\/docs\/swagger-ui-bundle\.js/);
  assert.equal((await fetch(`${base}/public/dashboard.html`)).status, 404);
  assert.equal((await fetch(`${base}/_headers`)).status, 404);
});

interface Layout {
  scrollWidth: number;
  innerWidth: number;
  clippedBadges: string[];
  overflowing: string[];
}

/** Horizontal overflow of the page, badges wider than their box or outside their card, boxes past the edge. */
// Runs in the page (a string: this project's TypeScript has no DOM library).
const LAYOUT_PROBE = `(() => {
  const clippedBadges = [];
  for (const badge of document.querySelectorAll(".badge")) {
    const rect = badge.getBoundingClientRect();
    const box = badge.closest(".card, section, .arm")?.getBoundingClientRect();
    if (badge.scrollWidth > badge.clientWidth + 1 || (box && (rect.right > box.right + 0.5 || rect.left < box.left - 0.5)))
      clippedBadges.push(badge.textContent + " in " + (badge.closest("[data-panel]")?.getAttribute("data-panel") ?? "header"));
  }
  const overflowing = [];
  for (const node of document.querySelectorAll(".card, .tile, .scroll, .chart, table, canvas")) {
    const rect = node.getBoundingClientRect();
    if (rect.right > innerWidth + 0.5 || node.scrollWidth > node.clientWidth + 1)
      overflowing.push(node.tagName.toLowerCase() + "." + node.className + " in " + node.closest("[data-panel]")?.getAttribute("data-panel"));
  }
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth, clippedBadges, overflowing };
})()`;
const layout = (page: Page) => page.evaluate(LAYOUT_PROBE) as Promise<Layout>;

/** Data points drawn by each chart of a panel (0 when the panel has no chart or an empty one). */
const chartPoints = (page: Page, model: string, panel: string) =>
  page
    .locator(`section[data-model="${model}"] [data-panel="${panel}"] .chart`)
    .evaluateAll((charts) =>
      charts.map((chart) => (chart.querySelector("canvas") ? Number(chart.getAttribute("data-points")) : 0)),
    );

for (const width of [390, 1440]) {
  test(`at ${width} px every panel shows the session's data, without overflow or console errors`, async () => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning")
        problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("requestfailed", (request) => problems.push(`requestfailed: ${request.url()}`));
    const external: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith("data:")) external.push(request.url());
    });
    try {
      await page.goto(`${base}/dashboard?range=1h`);
      await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
      assert.equal(
        await page.getAttribute("body", "data-ready"),
        "true",
        (await page.textContent("#error")) ?? "",
      );
      await page.waitForFunction(
        'document.querySelectorAll(".chart canvas").length === document.querySelectorAll(".chart").length',
      );

      // busiest first: requests in the range, descending
      const order = await page
        .locator("section.model")
        .evaluateAll((sections) =>
          sections.map(
            (section) =>
              [section.getAttribute("data-model"), Number(section.getAttribute("data-requests"))] as const,
          ),
        );
      assert.deepEqual(
        order.map(([, requests]) => requests),
        [...order.map(([, requests]) => requests)].sort((a, b) => b - a),
      );
      assert.equal(order.at(-1)?.[0], "german_credit", "the model without traffic comes last");
      assert.equal(await page.locator('#range button[aria-pressed="true"]').textContent(), "1 h");

      for (const model of [MODEL, "kredipusula"]) {
        for (const panel of ["latency", "errors", "distributions"]) {
          const points = await chartPoints(page, model, panel);
          assert.ok(points.length > 0 && points.every((n) => n > 0), `${model} ${panel}: ${points}`);
        }
      }
      const rec = page.locator(`section[data-model="${MODEL}"]`);
      assert.ok((await chartPoints(page, MODEL, "drift-time")).every((n) => n > 0));
      assert.equal(await rec.locator('tr[data-feature="item_price"] .badge').textContent(), "drift");
      assert.equal(await rec.locator('tr[data-feature="user_id"] .badge').textContent(), "ok");
      assert.equal(await rec.locator('[data-distribution="item_price"] .badge').textContent(), "drift");
      assert.equal(
        await rec.locator('td[data-metric="n"]').textContent(),
        String(session.independent.n + labelledDefault.length),
      );
      for (const panel of ["predicted-actual", "residuals"]) {
        const points = await chartPoints(page, MODEL, panel);
        assert.ok(points.length === 1 && (points[0] ?? 0) > 100, `${panel}: ${points}`);
      }
      assert.equal(await rec.locator("[data-arm]").count(), 2, "both A/B arms side by side");
      assert.equal(await rec.locator('[data-arm="v4_xgboost"] .badge').textContent(), "control");
      assert.match(
        (await rec.locator('[data-arm="v3_rf_tuned"] .badge').textContent()) ?? "",
        /better|worse|no sig/,
      );
      assert.ok((await rec.locator('[data-panel="history"] .history span').count()) >= 1);

      const credit = page.locator('section[data-model="kredipusula"]');
      for (const panel of ["roc", "calibration"]) {
        const points = await chartPoints(page, "kredipusula", panel);
        assert.ok(points.length === 1 && (points[0] ?? 0) > 2, `${panel}: ${points}`);
      }
      const cells = await credit.locator("[data-cell]").allTextContents();
      assert.equal(
        cells.map(Number).reduce((a, b) => a + b, 0),
        60,
        "the confusion matrix counts every labelled row",
      );
      assert.equal(await credit.locator('td[data-metric="n"]').textContent(), "60");

      const risk = page.locator(`section[data-model="${RISK_MODEL}"]`);
      for (const panel of ["classes-time", "calibration", "distributions"]) {
        const points = await chartPoints(page, RISK_MODEL, panel);
        assert.ok(points.length > 0 && points.every((n) => n > 0), `${RISK_MODEL} ${panel}: ${points}`);
      }
      const riskCells = await risk.locator("[data-cell]").allTextContents();
      assert.equal(riskCells.length, 16, "a 4 × 4 confusion matrix");
      assert.equal(
        riskCells.map(Number).reduce((a, b) => a + b, 0),
        RISK_ROWS,
      );
      assert.equal(await risk.locator('td[data-metric="n"]').textContent(), String(RISK_ROWS));
      assert.equal(await risk.locator('td[data-metric="accuracy"]').textContent(), "0.750");
      assert.equal(await risk.locator("tr[data-class]").count(), 4, "a row of scores per class");
      assert.match((await risk.locator('tr[data-feature="(prediction)"]').textContent()) ?? "", /χ²/);

      const seen = await layout(page);
      assert.ok(
        seen.scrollWidth <= seen.innerWidth,
        `page is ${seen.scrollWidth} px wide at ${seen.innerWidth} px`,
      );
      assert.deepEqual(seen.clippedBadges, []);
      assert.deepEqual(seen.overflowing, []);

      await page.screenshot({ path: join(ROOT, `docs/dashboard-${width}.png`), fullPage: true });

      // the range control reloads every panel for the new range
      await page.click('#range button[data-range="24h"]');
      await page.waitForSelector('body[data-ready="true"][data-range="24h"]', { timeout: 30_000 });
      assert.match(page.url(), /range=24h/);
      assert.ok((await chartPoints(page, MODEL, "latency")).every((n) => n > 0));
      assert.deepEqual(problems, []);
      assert.deepEqual(external, []);
    } finally {
      await page.close();
    }
  });
}

test("the dashboard asks for an API key on 401 and drops ?key= from the address bar", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    // The local Worker runs open: stand in for a keyed deployment by answering 401 unless the key is right.
    const sentKeys: (string | undefined)[] = [];
    await page.route(`${base}/v1/**`, async (route) => {
      const headers = { ...route.request().headers() };
      const key = headers["x-api-key"];
      sentKeys.push(key);
      if (key !== "good-key") {
        await route.fulfill({
          status: 401,
          contentType: "application/problem+json",
          body: JSON.stringify({ status: 401, title: "Unauthorized" }),
        });
        return;
      }
      delete headers["x-api-key"];
      await route.continue({ headers });
    });

    await page.goto(`${base}/dashboard?key=bad-key&view=1#top`);
    await page.waitForSelector('body[data-ready="key"]', { timeout: 30_000 });
    assert.equal(page.url(), `${base}/dashboard?view=1#top`, "the key left the address bar");
    assert.equal(sentKeys[0], "bad-key");
    assert.equal(await page.locator("#key-form input[type=password]").count(), 1);
    assert.equal(await page.evaluate('sessionStorage.getItem("edge-inference-key")'), null);

    await page.fill("#key-form input", "good-key");
    await page.click("#key-form button");
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    assert.equal(await page.locator(`section[data-model="${MODEL}"]`).count(), 1);
    assert.equal(await page.evaluate('sessionStorage.getItem("edge-inference-key")'), "good-key");
    assert.equal(sentKeys.at(-1), "good-key");
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.close();
  }
});
