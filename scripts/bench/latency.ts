import { performance } from "node:perf_hooks";
import { readShippedModels } from "../dev/shipped-models.ts";
import { startLocalWorker } from "../lib/local-worker.ts";

/**
 * Latency through a real `wrangler dev` over loopback, sequential requests: the HTTP floor (an empty GET),
 * the cold first prediction of a fresh isolate (engine load + session), warm single-row and 1,000-row
 * predictions, each as a ratio to the floor measured in the same run. Bounded: a few hundred requests,
 * loopback only. The comparison with peers, concurrency and CPU is `npm run bench:peers`.
 * Run: npm run bench:latency
 */
const WARM_SINGLE = 150;
const WARM_BATCH = 25;
const FLOOR = 150;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function timed(request: () => Promise<Response>): Promise<number> {
  const start = performance.now();
  const response = await request();
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return performance.now() - start;
}

async function sample(count: number, request: () => Promise<Response>) {
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) times.push(await timed(request));
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), p99: quantile(times, 0.99), n: count };
}

const worker = await startLocalWorker();
try {
  const json = (path: string, body: unknown) => () =>
    fetch(`${worker.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const credit = { income: 50000, age: 35, credit_history: "good", loan_amount: 10000, employment_years: 5 };
  const { versions, defaults } = readShippedModels();
  const recommender = versions.find(
    (v) => v.manifest.model === "recommender" && v.manifest.version === defaults.recommender,
  );
  if (!recommender) throw new Error("recommender default not shipped");
  const examples = recommender.manifest.examples.map((example) => example.inputs);
  const instances = Array.from({ length: 1000 }, (_, i) => examples[i % examples.length]);

  const isolateStart = await timed(() => fetch(`${worker.url}/v2/health/live`));
  const coldCredit = await timed(json("/api/v1/predict", credit));
  const coldBatch = await timed(json("/v1/models/recommender/predict", { instances }));
  const floor = await sample(FLOOR, () => fetch(`${worker.url}/v2/health/live`));
  const single = await sample(WARM_SINGLE, json("/api/v1/predict", credit));
  const batch = await sample(WARM_BATCH, json("/v1/models/recommender/predict", { instances }));

  const f = (ms: number) => ms.toFixed(2);
  const ratio = (ms: number) => (ms / floor.p50).toFixed(2);
  console.log(`wrangler dev over loopback, ${new Date().toISOString()}, node ${process.version}`);
  console.log("| measurement | n | p50 ms | p95 ms | p99 ms | p50 / HTTP floor |");
  console.log("|---|---|---|---|---|---|");
  console.log(
    `| HTTP floor: GET /v2/health/live | ${floor.n} | ${f(floor.p50)} | ${f(floor.p95)} | ${f(floor.p99)} | 1.00 |`,
  );
  console.log(
    `| warm single row: POST /api/v1/predict (credit, ${defaults.kredipusula}) | ${single.n} | ${f(single.p50)} | ${f(single.p95)} | ${f(single.p99)} | ${ratio(single.p50)} |`,
  );
  console.log(
    `| warm 1,000 rows: POST /v1/models/recommender/predict (${defaults.recommender}) | ${batch.n} | ${f(batch.p50)} | ${f(batch.p95)} | ${f(batch.p99)} | ${ratio(batch.p50)} |`,
  );
  console.log(
    `| first request of the isolate (GET, no model) | 1 | ${f(isolateStart)} | | | ${ratio(isolateStart)} |`,
  );
  console.log(
    `| cold first prediction (engine load + credit session + infer) | 1 | ${f(coldCredit)} | | | ${ratio(coldCredit)} |`,
  );
  console.log(
    `| cold first 1,000-row prediction (recommender session + infer) | 1 | ${f(coldBatch)} | | | ${ratio(coldBatch)} |`,
  );
} finally {
  await worker.stop();
}
