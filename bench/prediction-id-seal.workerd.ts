/**
 * Cost of sealing a prediction id inside workerd (a synchronous HMAC-SHA-256, worker/platform/hmac-sha256.ts)
 * vs crypto.randomUUID and one `crypto.subtle.sign` (WebCrypto, what sealing used before), in one run:
 * `npx vitest run --config vitest.bench.config.ts bench/prediction-id-seal.workerd.ts`. workerd's clock
 * advances only across I/O, so each phase is bracketed by a KV read. Node's figures: bench/prediction-id-seal.ts.
 */
import { env } from "cloudflare:test";
import { it } from "vitest";
import {
  openPredictionId,
  type PredictionFacts,
  sealPredictionId,
} from "../worker/platform/prediction-id.ts";
import { predictionIdKeys } from "../worker/platform/prediction-id-key.ts";

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
const multiclass: PredictionFacts = {
  ...binary,
  model: "kredipusula_risk",
  version: "v1_gbm",
  output: 0.9076915979385376,
  label: "low",
  probabilities: [0.9076915979385376, 0.08671402931213379, 0.005385651718825102, 0.00020867856801487505],
};

async function time(label: string, ops: number, run: () => Promise<unknown> | unknown): Promise<void> {
  for (let i = 0; i < 1_000; i += 1) await run();
  await env.REGISTRY.get("bench-clock");
  const start = Date.now();
  for (let i = 0; i < ops; i += 1) await run();
  await env.REGISTRY.get("bench-clock");
  console.log(
    `workerd ${label.padEnd(40)} ${(((Date.now() - start) * 1e6) / ops).toFixed(0).padStart(8)} ns/op`,
  );
}

it("prints ns/op of sealing vs crypto.randomUUID", async () => {
  const keys = predictionIdKeys({ PREDICTION_ID_KEY: "1:bench-only-key-0123456789abcdefghijklmnop" });
  if (!keys) throw new Error("no key");
  const N = 20_000;
  await time("crypto.randomUUID()", N * 10, () => crypto.randomUUID());
  await time("seal binary", N, () => sealPredictionId(keys, binary));
  await time("seal multiclass (4 classes)", N, () => sealPredictionId(keys, multiclass));
  const batch = Array.from({ length: 100 }, () => binary);
  await time("seal 100 ids (per batch)", N / 100, () => batch.map((facts) => sealPredictionId(keys, facts)));
  const sealed = sealPredictionId(keys, binary);
  await time("open binary (MAC check + decode)", N, () => openPredictionId(keys, sealed));
  const webCryptoKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode("bench-only-key-0123456789abcdefghijklmnop"),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const payload = new Uint8Array(40).fill(7);
  await time("crypto.subtle.sign HMAC (awaited)", N, () => crypto.subtle.sign("HMAC", webCryptoKey, payload));
});
