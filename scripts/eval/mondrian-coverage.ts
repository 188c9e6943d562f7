// Issue 12 "Done when" check for intervals, through a running Worker: posts fresh generator rows to POST /predict
// (batches, ?version_name=…&interval_level=…) and prints marginal and per-group coverage of confidence_interval
// and of prediction_set. Groups are the manifest's Mondrian groups, assigned from the answered predicted_rating.
//   PYTHONPATH=scripts/training .venv/bin/python -m edge_training.fresh_rows --n 6000 --seed 2026 --out /tmp/rows.jsonl
//   npx tsx scripts/eval/mondrian-coverage.ts /tmp/rows.jsonl [version]
// Starts its own `wrangler dev` on a free loopback port (scripts/lib/local-worker.ts), or uses WORKER_URL if set.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { manifestSchema } from "../../worker/contracts/manifest.ts";
import { intervalGroup } from "../../worker/tasks/regression.ts";
import { startLocalWorker } from "../lib/local-worker.ts";

interface Row extends Record<string, unknown> {
  rating: number;
}
interface Answer {
  predicted_rating: number;
  confidence_interval: { level: number; lower: number; upper: number };
  prediction_set?: number[];
}

const ROOT = new URL("../../", import.meta.url).pathname;
const BATCH = 500;

function tally(
  hits: boolean[],
  groups: number[],
  k: number,
): { all: number; perGroup: number[]; n: number[] } {
  const n = Array.from({ length: k }, (_, g) => groups.filter((value) => value === g).length);
  const covered = Array.from({ length: k }, (_, g) => hits.filter((hit, i) => hit && groups[i] === g).length);
  return {
    all: hits.filter(Boolean).length / hits.length,
    perGroup: covered.map((c, g) => c / (n[g] ?? 1)),
    n,
  };
}

async function main(): Promise<void> {
  const [rowsPath, version = "v4_xgboost"] = process.argv.slice(2);
  if (!rowsPath) throw new Error("usage: mondrian-coverage.ts <rows.jsonl> [version]");
  const rows = readFileSync(rowsPath, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Row);
  const manifest = manifestSchema.parse(
    JSON.parse(readFileSync(join(ROOT, "models/recommender", version, "manifest.json"), "utf8")),
  );
  const groups = manifest.intervals?.groups;
  if (!groups) throw new Error(`${version} has no Mondrian block`);
  const k = groups.edges.length + 1;
  const worker = process.env.WORKER_URL ? null : await startLocalWorker({ readyTimeoutMs: 300_000 });
  const url = process.env.WORKER_URL ?? worker?.url ?? "";
  try {
    for (const level of groups.levels.map((entry) => entry.coverage)) {
      const answers: Answer[] = [];
      for (let start = 0; start < rows.length; start += BATCH) {
        const batch = rows.slice(start, start + BATCH).map(({ rating: _rating, ...features }) => features);
        const response = await fetch(`${url}/predict?version_name=${version}&interval_level=${level}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(batch),
        });
        if (!response.ok) throw new Error(`POST /predict ${response.status}: ${await response.text()}`);
        answers.push(...((await response.json()) as { predictions: Answer[] }).predictions);
      }
      const group = answers.map((answer) => intervalGroup(groups, answer.predicted_rating));
      const inInterval = answers.map((answer, i) => {
        const y = rows[i]?.rating ?? Number.NaN;
        return answer.confidence_interval.lower - 1e-9 <= y && y <= answer.confidence_interval.upper + 1e-9;
      });
      const inSet = answers.map(
        (answer, i) => answer.prediction_set?.includes(rows[i]?.rating ?? -1) ?? false,
      );
      const interval = tally(inInterval, group, k);
      const set = tally(inSet, group, k);
      const meanSize =
        answers.reduce((sum, answer) => sum + (answer.prediction_set?.length ?? 0), 0) / answers.length;
      const fmt = (values: number[]) => values.map((value) => value.toFixed(3)).join(" ");
      const worst = (values: number[]) =>
        (Math.max(...values.map((value) => Math.abs(value - level))) * 100).toFixed(1);
      const spread = (values: number[]) => (Math.max(...values) - Math.min(...values)) * 100;
      console.log(
        `${version} level ${level}: ${answers.length} rows through ${url}/predict; group sizes ${interval.n.join(" ")}`,
      );
      console.log(
        `  interval: marginal ${interval.all.toFixed(3)} | groups ${fmt(interval.perGroup)} | max |group − nominal| ${worst(interval.perGroup)} pts | spread ${spread(interval.perGroup).toFixed(1)} pts`,
      );
      console.log(
        `  set     : marginal ${set.all.toFixed(3)} | groups ${fmt(set.perGroup)} | max |group − nominal| ${worst(set.perGroup)} pts | mean size ${meanSize.toFixed(2)}`,
      );
    }
  } finally {
    await worker?.stop();
  }
}

await main();
