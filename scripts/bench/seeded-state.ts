import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import { seedVersions } from "../../worker/registry/seed-versions.ts";
import { readShippedModels } from "../dev/shipped-models.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Local state as scripts/lib/local-worker.ts prepares it for `wrangler dev`: D1 migrated and every shipped
 * model seeded into KV/R2, under `<dir>/v3`. Returns the directory (`--persist-to` for wrangler dev).
 */
export async function seededState(): Promise<string> {
  const persistDir = mkdtempSync(join(tmpdir(), "edge-bench-"));
  const migrate = spawnSync(
    join(ROOT, "node_modules/.bin/wrangler"),
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "true" } },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
  const proxy = await getPlatformProxy<Env>({
    configPath: join(ROOT, "wrangler.toml"),
    persist: { path: join(persistDir, "v3") },
  });
  try {
    const { versions, defaults } = readShippedModels();
    await seedVersions(proxy.env, versions, defaults);
  } finally {
    await proxy.dispose();
  }
  return persistDir;
}
