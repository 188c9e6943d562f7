/**
 * The dashboard in a real headless browser against `wrangler dev` (fresh temp state, free loopback port):
 * real predictions, feedback and a cron run (the scripted demo session), then Chromium renders /dashboard,
 * which must show that data and log no console errors. Saves docs/dashboard.png.
 *
 *   npx tsx --test test/browser/dashboard.e2e.ts     (Chromium: scripts/ensure-chromium.sh finds or installs it; CHROMIUM_PATH overrides)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { runMonitoringSession, type SessionResult } from "../../scripts/demo/monitoring-session.ts";
import { type LocalWorker, startLocalWorker } from "../../scripts/lib/local-worker.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
let dev: LocalWorker | undefined;
let base = "";
let session: SessionResult;

before(async () => {
  // Every shipped model seeded; the session runs the cron through --test-scheduled.
  dev = await startLocalWorker();
  base = dev.url;
  session = await runMonitoringSession(base, () => undefined);
});

after(async () => {
  await dev?.stop();
});

test("the scripted session's report matches the independent computation and /model_health answers from it", () => {
  assert.deepEqual(session.mismatches, []);
  assert.equal(session.modelHealth.source, "report");
  assert.equal(session.modelHealth.report_id, session.reportId);
  assert.equal(session.modelHealth.rmse, session.independent.rmse);
  assert.deepEqual((session.report.drift as { drifted_features: string[] }).drifted_features, ["item_price"]);
});

test("the dashboard renders the session's data in Chromium without console errors", async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
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
    await page.goto(`${base}/dashboard`);
    await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
    assert.equal(
      await page.getAttribute("body", "data-ready"),
      "true",
      (await page.textContent("#error")) ?? "",
    );

    const recommender = page.locator('section[data-model="recommender"]');
    assert.equal(await recommender.count(), 1);
    assert.equal(await page.locator('section[data-model="kredipusula"]').count(), 1);
    const driftStatus = await recommender.locator('tr[data-feature="item_price"] .badge').textContent();
    assert.equal(driftStatus, "drift");
    assert.equal(await recommender.locator('tr[data-feature="user_id"] .badge').textContent(), "ok");
    const perf = session.report.performance as { default: { n: number } };
    assert.equal(await recommender.locator('td[data-metric="n"]').textContent(), String(perf.default.n));
    assert.ok(
      (await recommender.locator("svg polyline, svg circle").count()) > 0,
      "traffic chart has a series",
    );
    assert.ok((await recommender.locator(".history span").count()) >= 1, "health history shows the report");
    assert.match((await recommender.textContent()) ?? "", /v4_xgboost|v1_auto_select/);

    await page.screenshot({ path: join(ROOT, "docs/dashboard.png"), fullPage: true });
    assert.deepEqual(problems, []);
    assert.deepEqual(external, []);
  } finally {
    await browser.close();
  }
});

test("the dashboard asks for an API key on 401 and drops ?key= from the address bar", async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
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
    assert.equal(await page.locator('section[data-model="recommender"]').count(), 1);
    assert.equal(await page.evaluate('sessionStorage.getItem("edge-inference-key")'), "good-key");
    assert.equal(sentKeys.at(-1), "good-key");
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
  }
});
