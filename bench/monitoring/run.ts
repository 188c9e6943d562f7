import { spawnSync } from "node:child_process";

/**
 * `npm run bench:monitoring [-- --records=N] [--baseline-records=N]`: runs bench/monitoring/*.workerd.ts in
 * workerd (vitest-pool-workers) with the simulated day's size passed as bindings. Defaults: 10M records, a
 * 200k-row raw baseline (the pre-issue-9 reads), both bounded so the run fits a few minutes on 2 cores.
 */
function option(name: string, fallback: number): number {
  const prefix = `--${name}=`;
  const raw = process.argv.find((argument) => argument.startsWith(prefix))?.slice(prefix.length);
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

const records = option("records", 10_000_000);
const baseline = option("baseline-records", 200_000);
const run = spawnSync("npx", ["vitest", "run", "--config", "bench/monitoring/vitest.config.ts"], {
  stdio: "inherit",
  env: { ...process.env, BENCH_RECORDS: String(records), BENCH_BASELINE_RECORDS: String(baseline) },
});
process.exit(run.status ?? 1);
