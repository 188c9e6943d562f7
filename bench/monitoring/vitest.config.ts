import { readdirSync, readFileSync } from "node:fs";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * CPU time (user + system, ms) of the workerd processes this vitest process started, from /proc (Linux):
 * the benchmark reads it through the BENCH_CPU service binding before and after each phase.
 */
function workerdCpuMs(): number {
  const ticksPerSecond = 100;
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      if (comm !== "workerd" || Number(fields[1]) !== process.pid) continue;
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
    } catch {}
  }
  return total;
}

/** The monitoring benchmark's workerd config: the test config's bindings plus the sizes and a CPU probe. */
export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            // sealed prediction ids for the labelled share: a bench value, not a secret (as vitest.config.ts)
            PREDICTION_ID_KEY: "1:bench-only-prediction-id-key-not-a-secret-1111",
            BENCH_RECORDS: Number(process.env.BENCH_RECORDS ?? 0),
            BENCH_BASELINE_RECORDS: Number(process.env.BENCH_BASELINE_RECORDS ?? 0),
          },
          serviceBindings: {
            BENCH_CPU: () =>
              new Response(JSON.stringify({ workerd_cpu_ms: workerdCpuMs(), pid: process.pid })),
          },
        },
      }),
    ],
    test: {
      include: ["bench/monitoring/**/*.workerd.ts"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
      testTimeout: 1_800_000,
    },
  };
});
