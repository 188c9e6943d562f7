/**
 * Sealed prediction ids (worker/platform/prediction-id.ts), in workerd: every task's facts round-trip
 * exactly, any altered byte or spelling is refused, ids of another key id are refused, the previous key
 * still opens (rotation), and the ids served through the Worker carry the served facts.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { recordFeedback } from "../worker/data-plane/feedback-service.ts";
import { feedbackKey } from "../worker/monitoring/store/feedback-store.ts";
import {
  isSealedId,
  openPredictionId,
  type PredictionFacts,
  predictionIds,
  sealPredictionId,
} from "../worker/platform/prediction-id.ts";
import { fromBase64Url, toBase64Url } from "../worker/platform/prediction-id-codec.ts";
import { predictionIdKeys, predictionIdKeyWarning } from "../worker/platform/prediction-id-key.ts";
import { DomainError } from "../worker/problems/index.ts";
import { expectProblemJson, workerClient } from "./support/http.ts";
import { testScope } from "./support/request-scope.ts";
import { CREDIT_SEED_REQUEST, RATING_SEED_REQUEST } from "./support/seed-requests.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

const { post } = workerClient();

const keysOf = (value: string) => {
  const keys = predictionIdKeys({ PREDICTION_ID_KEY: value });
  if (!keys) throw new Error("no keys");
  return keys;
};
const envKeys = () => keysOf(String((env as { PREDICTION_ID_KEY?: string }).PREDICTION_ID_KEY));

const TS = Date.UTC(2026, 10, 24, 1, 23, 45, 678);
const FACTS: Record<string, PredictionFacts> = {
  regression: {
    ts: TS,
    model: "recommender",
    version: "v3_rf_tuned",
    route: "default",
    output: 3.7182818284590455,
    label: null,
    probabilities: null,
    interval: { level: 0.9, lower: 2.9000000000000004, upper: 4.5 },
  },
  binary: {
    ts: TS,
    model: "kredipusula",
    version: "v2_gbm",
    route: "ab",
    output: 0.8125,
    label: "1",
    probabilities: null,
    interval: null,
  },
  multiclass: {
    ts: TS,
    model: "kredipusula_risk",
    version: "v1_gbm",
    route: "shadow",
    output: 0.9076915979385376,
    label: "low",
    probabilities: [0.9076915979385376, 0.08671402931213379, 0.005385651718825102, 0.1 + 0.2],
    interval: null,
  },
  error: {
    ts: TS,
    model: "m",
    version: "v-ü",
    route: "recommend",
    output: null,
    label: null,
    probabilities: null,
    interval: null,
  },
};

describe("sealed prediction ids", () => {
  it("round-trips every task's facts exactly, URL-safe, with a stated length", () => {
    const keys = envKeys();
    for (const [task, facts] of Object.entries(FACTS)) {
      const id = sealPredictionId(keys, facts);
      expect(id, task).toMatch(/^p1_[A-Za-z0-9_-]+$/);
      expect(isSealedId(id)).toBe(true);
      expect(encodeURIComponent(id)).toBe(id);
      const opened = openPredictionId(keys, id);
      expect(opened, task).toEqual({ ok: true, facts });
      // the length docs/monitoring.md states: 3 + ⌈4·bytes/3⌉ characters, bytes = 33 + model + version +
      // output (4 | 8) + label (1 + length) + interval (12 | 24) + probabilities (2 + 4 or 8 per class)
      const bytes =
        33 +
        facts.model.length +
        new TextEncoder().encode(facts.version).length +
        (facts.output === null ? 0 : facts.output === Math.fround(facts.output) ? 4 : 8) +
        (facts.label === null ? 0 : 1 + facts.label.length) +
        (facts.interval ? (task === "regression" ? 24 : 12) : 0) +
        (facts.probabilities ? 2 + 8 * facts.probabilities.length : 0);
      expect(id.length, task).toBe(3 + Math.ceil((4 * bytes) / 3));
    }
    // two predictions with the same facts in the same millisecond still get distinct ids
    const twins = [1, 2, 3].map(() => sealPredictionId(keys, FACTS.binary as PredictionFacts));
    expect(new Set(twins).size).toBe(3);
  });

  it("carries the crypto.subtle HMAC-SHA-256 tag", async () => {
    const secret = "3:a-secret-for-the-tag-compatibility-check-0123456789";
    const keys = keysOf(secret);
    const id = sealPredictionId(keys, FACTS.multiclass as PredictionFacts);
    const bytes = fromBase64Url(id.slice(3)) as Uint8Array;
    const payload = bytes.subarray(0, bytes.length - 16);
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret.slice(2)),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const input = new Uint8Array([...new TextEncoder().encode("p1"), ...payload]);
    const tag = new Uint8Array(await crypto.subtle.sign("HMAC", key, input)).subarray(0, 16);
    expect(bytes.subarray(bytes.length - 16)).toEqual(tag);
  });

  it("opens an id sealed through crypto.subtle by c59ff50, the last version before the synchronous MAC", () => {
    const keys = keysOf("5:test-only-secret-of-the-webcrypto-era-0123456789");
    const earlier =
      "p1_BQGiDW1aABYQ0g5u-EkBC3JlY29tbWVuZGVyCnY0X3hnYm9vc3RAha1AP-zMzMzMzM1ADAAAAAAAAEATAAAAAAAANCZJKqBxPGmyIXlvUNYeYA";
    expect(openPredictionId(keys, earlier)).toEqual({
      ok: true,
      facts: {
        ts: Date.UTC(2026, 10, 24, 12, 0, 0, 0),
        model: "recommender",
        version: "v4_xgboost",
        route: "default",
        output: 4.177398681640625,
        label: null,
        probabilities: null,
        interval: { level: 0.9, lower: 3.5, upper: 4.75 },
      },
    });
  });

  it("refuses any altered character, truncation, a non-canonical spelling and a foreign key id", () => {
    const keys = envKeys();
    const id = sealPredictionId(keys, FACTS.regression as PredictionFacts);
    const body = id.slice(3);
    for (let at = 0; at < body.length; at += 1) {
      const swapped = body[at] === "A" ? "B" : "A";
      const tampered = `p1_${body.slice(0, at)}${swapped}${body.slice(at + 1)}`;
      const opened = openPredictionId(keys, tampered);
      expect(opened.ok, `position ${at}`).toBe(false);
    }
    expect(openPredictionId(keys, id.slice(0, -4))).toEqual({ ok: false, reason: "bad-mac" });
    expect(openPredictionId(keys, "p1_")).toEqual({ ok: false, reason: "malformed" });
    expect(openPredictionId(keys, "p1_***")).toEqual({ ok: false, reason: "malformed" });
    expect(openPredictionId(keys, `${id}=`)).toEqual({ ok: false, reason: "malformed" });

    const foreign = keysOf("7:a-key-this-deployment-never-had-0123456789");
    const stranger = sealPredictionId(foreign, FACTS.binary as PredictionFacts);
    expect(openPredictionId(keys, stranger)).toEqual({ ok: false, reason: "unknown-key" });
    // same key id, other secret
    const impostor = keysOf("1:not-the-deployment-secret-but-key-id-1-xxxxxxxx");
    const forged = sealPredictionId(impostor, FACTS.binary as PredictionFacts);
    expect(openPredictionId(keys, forged)).toEqual({ ok: false, reason: "bad-mac" });
  });

  it("base64url: the table encoder equals btoa's alphabet-swapped output and decodes back", () => {
    for (let length = 0; length < 200; length += 1) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const reference = btoa(String.fromCharCode(...bytes))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
      expect(toBase64Url(bytes)).toBe(reference);
      expect(fromBase64Url(reference)).toEqual(bytes);
    }
  });

  it("rotation: the first key seals, a previous key still opens", () => {
    const keys = envKeys();
    expect(keys.current).toBe(1);
    const previous = keysOf("0:test-only-previous-prediction-id-key-0000");
    const old = sealPredictionId(previous, FACTS.multiclass as PredictionFacts);
    expect(openPredictionId(keys, old)).toEqual({ ok: true, facts: FACTS.multiclass });
  });

  it("without a usable key: a warning, unsealed UUID ids, and feedback on sealed ids fails closed", async () => {
    expect(predictionIdKeyWarning(env)).toBeNull();
    expect(predictionIdKeyWarning({})).toMatch(/PREDICTION_ID_KEY is not set/);
    expect(predictionIdKeyWarning({ PREDICTION_ID_KEY: "1:short" })).toMatch(/shorter than 32/);
    expect(predictionIdKeyWarning({ PREDICTION_ID_KEY: `300:${"x".repeat(40)}` })).toMatch(/above 255/);
    const ids = predictionIds({}, [FACTS.binary as PredictionFacts]);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);

    const sealed = sealPredictionId(envKeys(), FACTS.binary as PredictionFacts);
    const { scope } = testScope({ env: { ...env, PREDICTION_ID_KEY: undefined } as typeof env });
    const refused = await recordFeedback(
      scope,
      [{ prediction_id: sealed, actual: 1 }],
      (_i, name) => name,
    ).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).problem.slug).toBe("prediction-id-key-missing");
    expect((refused as DomainError).problem.status).toBe(503);
  });
});

describe("ids served through the Worker", () => {
  beforeAll(async () => {
    await seedShippedModels(env);
  });

  it("carry what was served: binary (credit seed), regression with its interval, multiclass probabilities", async () => {
    const keys = envKeys();
    const credit = await post("/api/v1/predict", CREDIT_SEED_REQUEST);
    const creditId = credit.headers.get("x-prediction-id") ?? "";
    const creditFacts = openPredictionId(keys, creditId);
    expect(creditFacts.ok && creditFacts.facts.model).toBe("kredipusula");
    expect(creditFacts.ok && creditFacts.facts.version).toBe(credit.headers.get("x-model-version"));
    expect(creditFacts.ok && creditFacts.facts.output).toBeCloseTo(
      ((await credit.json()) as { credit_score: number }).credit_score,
      3,
    );

    const rating = await post("/predict", RATING_SEED_REQUEST);
    const ratingBody = (await rating.json()) as {
      predicted_rating: number;
      confidence_interval: { level: number; lower: number; upper: number };
      prediction_id: string;
    };
    const ratingFacts = openPredictionId(keys, ratingBody.prediction_id);
    // the seed response rounds the bounds; the id keeps them as served to the log
    const interval = ratingFacts.ok ? ratingFacts.facts.interval : null;
    expect(interval?.level).toBe(ratingBody.confidence_interval.level);
    expect(interval?.lower).toBeCloseTo(ratingBody.confidence_interval.lower, 3);
    expect(interval?.upper).toBeCloseTo(ratingBody.confidence_interval.upper, 3);
    expect(ratingFacts.ok && ratingFacts.facts.route).toBe("default");

    const risk = await post("/v1/models/kredipusula_risk/predict", {
      instances: [
        { age: 35, credit_history: "good", employment_years: 5, income: 50000, loan_amount: 10000 },
      ],
    });
    expect(risk.status).toBe(200);
    const riskBody = (await risk.json()) as {
      predictions: { id: string; label: string; probabilities: Record<string, number> }[];
    };
    const served = riskBody.predictions[0];
    const riskFacts = openPredictionId(keys, served?.id ?? "");
    expect(riskFacts.ok).toBe(true);
    if (riskFacts.ok && served) {
      expect(riskFacts.facts.label).toBe(served.label);
      expect(riskFacts.facts.probabilities).toHaveLength(4);
      expect(riskFacts.facts.probabilities).toEqual(Object.values(served.probabilities));
    }
  });

  it("feedback refuses a tampered or foreign id with 422 naming prediction_id", async () => {
    const keys = envKeys();
    const id = sealPredictionId(keys, { ...(FACTS.binary as PredictionFacts), ts: Date.now() });
    const tampered = `${id.slice(0, 20)}${id[20] === "A" ? "B" : "A"}${id.slice(21)}`;
    const single = await post(`/v1/predictions/${tampered}/feedback`, { actual: 1 });
    const problem = await expectProblemJson<{ errors: { field: string; message: string }[] }>(single, 422);
    expect(problem.errors[0]?.field).toBe("id");
    const foreign = sealPredictionId(
      keysOf("9:a-key-this-deployment-never-had-0123456789"),
      FACTS.binary as PredictionFacts,
    );
    const batch = await post("/v1/predictions/feedback", {
      feedback: [
        { prediction_id: id, actual: 1 },
        { prediction_id: foreign, actual: 1 },
        { prediction_id: "p1_notbase64!", actual: 1 },
      ],
    });
    const refused = await expectProblemJson<{ errors: { field: string; message: string }[] }>(batch, 422);
    expect(refused.errors.map((error) => error.field)).toEqual([
      "feedback[1].prediction_id",
      "feedback[2].prediction_id",
    ]);
    expect(refused.errors[0]?.message).toMatch(/key this deployment no longer has/);
    const row = await env.DB.prepare("SELECT count(*) AS n FROM feedback WHERE prediction_id = ?")
      .bind(feedbackKey(id))
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
  });
});
