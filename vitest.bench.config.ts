import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/** Benchmarks that must run inside workerd (they print numbers; they are not part of `npm test`). */
export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
  test: { include: ["bench/**/*.workerd.ts"], testTimeout: 600_000 },
});
