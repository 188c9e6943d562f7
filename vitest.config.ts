import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { stageStaticFiles } from "./scripts/assets/stage-static-files.ts";

export default defineConfig(async () => {
  // The Worker imports the browser files it serves from .generated/static (wrangler's [build] stages them too).
  stageStaticFiles();
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            // sealed prediction ids (worker/platform/prediction-id-key.ts): a test value, not a secret;
            // key id 1 seals, key id 0 still opens (rotation)
            PREDICTION_ID_KEY:
              "1:test-only-prediction-id-key-not-a-secret-1111,0:test-only-previous-prediction-id-key-0000",
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  };
});
