import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { workerClient } from "./support/http.ts";
import { type Row, replayRows, runCron, waitForLogged } from "./support/monitoring-helpers.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

/**
 * Drift detection shown to work: traffic drawn from the training distribution (new events of the training
 * generator, scripts/monitoring/replay-fixtures.py) is replayed through the real Worker, queue, D1 and cron
 * handler; no feature may be reported as drifted. The same traffic with one feature shifted must be
 * reported for that feature and only it.
 */

interface DriftReport {
  drift: {
    drifted_features: string[];
    warned_features: string[];
    dataset_drift: boolean;
    features: Record<string, { psi: number; p_value: number; status: string }>;
  };
  status: string;
}

const { post: postJson } = workerClient("https://edge.test");
let cronTime = Date.now() + 60_000;

async function replay(rows: Row[]): Promise<DriftReport> {
  // each replay is its own window: the report reads the summaries, so they are cleared with the sampled rows
  await env.DB.exec("DELETE FROM predictions");
  await env.DB.exec("DELETE FROM monitoring_summaries");
  const response = await postJson("/v1/models/recommender/predict", { instances: rows });
  expect(response.status).toBe(200);
  const ids = ((await response.json()) as { predictions: { id: string }[] }).predictions.map((p) => p.id);
  expect(await waitForLogged(ids)).toBe(rows.length);
  cronTime += 900_000;
  await runCron(cronTime);
  const row = await env.DB.prepare("SELECT report FROM health_reports WHERE id = ?")
    .bind(`recommender:${cronTime}`)
    .first<{ report: string }>();
  return JSON.parse(row?.report ?? "{}") as DriftReport;
}

const summary = (report: DriftReport) =>
  Object.fromEntries(
    Object.entries(report.drift.features).map(([name, f]) => [
      name,
      `${f.status} psi=${f.psi.toFixed(3)} p=${f.p_value.toExponential(1)}`,
    ]),
  );

beforeAll(async () => {
  await seedShippedModels(env, ["recommender"]);
});

describe("drift replay through the real Worker and cron", () => {
  for (const seed of ["101", "102", "103"]) {
    it(`reports no drift for training-distribution traffic (seed ${seed})`, async () => {
      const report = await replay(replayRows("recommender", seed).rows);
      console.log(`seed ${seed}`, summary(report));
      expect(report.drift.drifted_features).toEqual([]);
      expect(report.drift.warned_features).toEqual([]);
      expect(report.drift.dataset_drift).toBe(false);
    });
  }

  it("reports the shifted feature, and only it", async () => {
    const rows = replayRows("recommender", "104").rows.map((row) => ({
      ...row,
      item_price: (row.item_price as number) + 25,
    }));
    const report = await replay(rows);
    console.log("shifted item_price +25", summary(report));
    expect(report.drift.drifted_features).toEqual(["item_price"]);
    expect(report.drift.features.item_price?.status).toBe("drift");
    expect(report.drift.dataset_drift).toBe(false);
    expect(["warning", "unhealthy"]).toContain(report.status);
  });

  it("reports a shifted category (chi-square) and only it", async () => {
    const rows = replayRows("recommender", "104").rows.map((row, i) =>
      i % 2 === 0 ? { ...row, item_category: "C" } : row,
    );
    const report = await replay(rows);
    console.log("shifted item_category → C", summary(report));
    expect(report.drift.drifted_features).toEqual(["item_category"]);
  });
});
