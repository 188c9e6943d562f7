import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { creditDecision, decisionConfidence } from "../worker/data-plane/credit-decision.ts";
import { workerClient } from "./support/http.ts";
import { CREDIT_SEED_REQUEST } from "./support/seed-requests.ts";
import { seedShippedModels, shippedVersion } from "./support/shipped-models.ts";

const { post } = workerClient();

beforeAll(async () => {
  await seedShippedModels(env, ["kredipusula"]);
});

describe("credit decision confidence", () => {
  it("is 0.5 at the threshold and above 0.5 for every decision taken, whatever the threshold", () => {
    for (const threshold of [0.3, 0.46, 0.5, 0.55, 0.83]) {
      expect(decisionConfidence(threshold, threshold, true)).toBeCloseTo(0.5, 12);
      for (let i = 0; i <= 1000; i += 1) {
        const p = i / 1000;
        const approved = p >= threshold;
        const confidence = decisionConfidence(p, threshold, approved);
        expect(confidence).toBeGreaterThanOrEqual(0.5);
        expect(confidence).toBeLessThanOrEqual(1);
      }
    }
  });

  it("is the calibrated probability of the decision taken when the threshold is 0.5", () => {
    expect(decisionConfidence(0.8, 0.5, true)).toBeCloseTo(0.8, 12);
    expect(decisionConfidence(0.2, 0.5, false)).toBeCloseTo(0.8, 12);
  });

  it("repairs the cases where p or 1 - p fell below 0.5 (decision against the more likely class)", () => {
    // threshold 0.55: p = 0.52 is declined although approval is more likely; 1 - p was 0.48.
    expect(decisionConfidence(0.52, 0.55, false)).toBeGreaterThan(0.5);
    // threshold 0.46: p = 0.48 is approved although decline is more likely; p was 0.48.
    expect(decisionConfidence(0.48, 0.46, true)).toBeGreaterThan(0.5);
    // the share of expected cost avoided: approve costs (1 - p)t, decline p(1 - t)
    const [p, t] = [0.7, 0.6];
    expect(decisionConfidence(p, t, true)).toBeCloseTo((p * (1 - t)) / (p * (1 - t) + (1 - p) * t), 12);
  });

  it("is monotone in the score on each side of the threshold", () => {
    const t = 0.55;
    expect(decisionConfidence(0.9, t, true)).toBeGreaterThan(decisionConfidence(0.7, t, true));
    expect(decisionConfidence(0.1, t, false)).toBeGreaterThan(decisionConfidence(0.4, t, false));
  });

  it("keeps the seed's fields; confidence follows the manifest threshold", () => {
    const manifest = shippedVersion("kredipusula").manifest;
    const threshold = manifest.output.threshold ?? 0.5;
    const below = creditDecision(manifest, threshold - 0.01, "en");
    expect(below.approved).toBe(false);
    expect(below.confidence).toBeGreaterThanOrEqual(0.5);
    expect(Object.keys(below).sort()).toEqual(["approved", "confidence", "credit_score", "recommendation"]);
  });

  it("answers through the Worker with confidence >= 0.5 for approvals and declines", async () => {
    const weak = { income: 9000, age: 19, credit_history: "poor", loan_amount: 90000, employment_years: 0 };
    const rows = [CREDIT_SEED_REQUEST, weak];
    for (const row of rows) {
      const body = (await (await post("/api/v1/predict", row)).json()) as {
        approved: boolean;
        confidence: number;
        credit_score: number;
      };
      expect(body.confidence).toBeGreaterThanOrEqual(0.5);
      const threshold = shippedVersion("kredipusula").manifest.output.threshold ?? 0.5;
      expect(body.confidence).toBeCloseTo(decisionConfidence(body.credit_score, threshold, body.approved), 3);
    }
  });
});
