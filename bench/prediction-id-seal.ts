/**
 * Cost of sealing a prediction id (worker/platform/prediction-id.ts) vs crypto.randomUUID, in one run:
 * `npx tsx bench/prediction-id-seal.ts`. The seal's HMAC-SHA-256 is plain JavaScript (worker/platform/
 * hmac-sha256.ts), so Node runs the same code as workerd; only `crypto.getRandomValues` differs. Prints
 * ns/op per id, one at a time and in batches of 100 (one request).
 */
import {
  openPredictionId,
  type PredictionFacts,
  sealPredictionId,
} from "../worker/platform/prediction-id.ts";
import { predictionIdKeys } from "../worker/platform/prediction-id-key.ts";

const keys = predictionIdKeys({ PREDICTION_ID_KEY: "1:bench-only-key-0123456789abcdefghijklmnop" });
if (!keys) throw new Error("no key");

const binary: PredictionFacts = {
  ts: Date.now(),
  model: "kredipusula",
  version: "v2_gbm",
  route: "default",
  output: 0.8125,
  label: "1",
  probabilities: null,
  interval: null,
};
const regression: PredictionFacts = {
  ...binary,
  model: "recommender",
  version: "v3_rf_tuned",
  output: 3.7182818284590455,
  label: null,
  interval: { level: 0.9, lower: 2.9000000000000004, upper: 4.5 },
};
const multiclass: PredictionFacts = {
  ...binary,
  model: "kredipusula_risk",
  version: "v1_gbm",
  output: 0.9076915979385376,
  label: "low",
  probabilities: [0.9076915979385376, 0.08671402931213379, 0.005385651718825102, 0.00020867856801487505],
};

async function time(label: string, ops: number, run: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < 2_000; i += 1) await run(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i += 1) await run();
  const ns = Number(process.hrtime.bigint() - start) / ops;
  console.log(`${label.padEnd(44)} ${ns.toFixed(0).padStart(8)} ns/op`);
  return ns;
}

const N = 50_000;
const batch = Array.from({ length: 100 }, () => binary);
console.log(`node ${process.version}, ${N} ops each`);
await time("crypto.randomUUID()", N, () => crypto.randomUUID());
await time("seal binary", N, () => sealPredictionId(keys, binary));
await time("seal regression + interval", N, () => sealPredictionId(keys, regression));
await time("seal multiclass (4 classes)", N, () => sealPredictionId(keys, multiclass));
const perBatch = await time("seal 100 ids (per batch)", N / 100, () =>
  batch.map((facts) => sealPredictionId(keys, facts)),
);
console.log(`${"  = per id in a 100-row batch".padEnd(44)} ${(perBatch / 100).toFixed(0).padStart(8)} ns/op`);
const sealed = sealPredictionId(keys, binary);
await time("open (verify MAC + decode) binary", N, () => openPredictionId(keys, sealed));
for (const [name, facts] of Object.entries({ binary, regression, multiclass })) {
  console.log(`id length ${name}: ${sealPredictionId(keys, facts).length} characters`);
}
