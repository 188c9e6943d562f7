/**
 * Multiclass metrics runner: holds worker/tasks/metrics/multiclass-metrics.ts to scikit-learn.
 *
 *   echo '{"cases":[{"probabilities":[[…]],"actuals":[…],"classes":[…]}]}' | npx tsx scripts/monitoring/multiclass-metrics-runner.ts
 *
 * Reads the cases as JSON on stdin and prints `{"results":[<MulticlassMetrics | null>, …]}` on stdout
 * (scripts/training/tests/test_multiclass_metrics.py compares them with sklearn). Exits 2 on unusable input.
 */
import { multiclassMetrics } from "../../worker/tasks/metrics/multiclass-metrics.ts";

interface RunnerCase {
  probabilities: number[][];
  actuals: number[];
  classes: string[];
  bins?: number;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const input = JSON.parse(await readStdin()) as { cases?: RunnerCase[] };
if (!Array.isArray(input.cases)) {
  console.error('expected {"cases": [...]} on stdin');
  process.exit(2);
}
const results = input.cases.map((entry) =>
  multiclassMetrics(entry.probabilities, entry.actuals, entry.classes, entry.bins),
);
process.stdout.write(JSON.stringify({ results }));
