import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { copyVendorAssets } from "./scripts/assets/copy-vendor-assets.ts";

export default defineConfig(async () => {
  // wrangler.toml's [assets] serves public/, whose third-party files are copied from node_modules.
  copyVendorAssets();
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations },
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
