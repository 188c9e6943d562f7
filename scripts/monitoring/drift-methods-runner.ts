/**
 * Drift-method runner: the Worker's drift methods (worker/monitoring/drift) on cases read as JSON from stdin,
 * for scripts/training/tests/test_drift_methods_scipy.py to hold them to scipy.
 *
 *   echo '{"cases": [...]}' | npx tsx scripts/monitoring/drift-methods-runner.ts
 *
 * A case is one of
 *   {"id", "shape": "numeric", "values": number[], "reference": NumericReference, "reference_rows", "discrete"}
 *   {"id", "shape": "category", "counts": {value: count}, "reference": {value: proportion}, "reference_rows"}
 *   {"id", "shape": "vectors", "p": number[], "q": number[]}   (jensenShannonDistance on raw vectors)
 * and answers {"id", "methods": {name: {statistic, p_value}}} with every registered method that computes on the
 * shape, plus for numeric cases the raw (unnormalised) Wasserstein-1 to the reference quantiles.
 */
import type { NumericReference } from "../../worker/contracts/manifest.ts";
import type { DriftMeasure } from "../../worker/monitoring/drift/drift-method.ts";
import { DRIFT_METHOD_NAMES, driftMethod } from "../../worker/monitoring/drift/registry.ts";
import { jensenShannonDistance } from "../../worker/monitoring/stats/jensen-shannon.ts";
import { wassersteinToQuantiles } from "../../worker/monitoring/stats/wasserstein.ts";

type Case =
  | {
      id: string;
      shape: "numeric";
      values: number[];
      reference: NumericReference;
      reference_rows: number;
      discrete: boolean;
    }
  | {
      id: string;
      shape: "category";
      counts: Record<string, number>;
      reference: Record<string, number>;
      reference_rows: number;
    }
  | { id: string; shape: "vectors"; p: number[]; q: number[] };

function run(entry: Case) {
  const methods: Record<string, DriftMeasure> = {};
  if (entry.shape === "vectors") {
    return { id: entry.id, jensen_shannon: jensenShannonDistance(entry.p, entry.q) };
  }
  for (const name of DRIFT_METHOD_NAMES) {
    const method = driftMethod(name);
    if (entry.shape === "numeric" && method.numeric) {
      methods[name] = method.numeric({
        values: entry.values,
        reference: entry.reference,
        referenceRows: entry.reference_rows,
        discrete: entry.discrete,
      });
    }
    if (entry.shape === "category" && method.category) {
      const counts = new Map(Object.entries(entry.counts));
      const n = [...counts.values()].reduce((sum, count) => sum + count, 0);
      methods[name] = method.category({
        counts,
        n,
        reference: entry.reference,
        referenceRows: entry.reference_rows,
      });
    }
  }
  return {
    id: entry.id,
    methods,
    ...(entry.shape === "numeric"
      ? { wasserstein_raw: wassersteinToQuantiles(entry.values, entry.reference.quantiles, entry.discrete) }
      : {}),
  };
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { cases: Case[] };
process.stdout.write(JSON.stringify({ results: input.cases.map(run) }));
