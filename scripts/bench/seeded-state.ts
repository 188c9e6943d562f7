import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import { seedVersions } from "../../worker/data-plane/seed-versions.ts";
import { planServing } from "../../worker/inference/engine-choice.ts";
import { storeVersion } from "../../worker/repository/registry-writer.ts";
import type { EngineName } from "../../worker/vocabulary/index.ts";
import { readShippedModels } from "../dev/shipped-models.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Local state as scripts/lib/local-worker.ts prepares it for `wrangler dev`: D1 migrated and every shipped
 * model seeded into KV/R2, under `<dir>/v3`. Returns the directory (`--persist-to` for wrangler dev).
 * `engine` forces every version onto one engine (as a publish with `engine=` would); by default each gets
 * the engine publish chooses.
 */
export interface SeededState {
  persistDir: string;
  /** Versions the forced engine refused ("model/version" -> why); they keep publish's own choice. */
  refused: Record<string, string>;
}

export async function seededState(engine?: EngineName): Promise<SeededState> {
  const refused: Record<string, string> = {};
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
    if (engine) {
      // Stored first with the forced engine; seedVersions then keeps a stored version's engine.
      for (const { manifest, bytes } of versions) {
        try {
          const plan = await planServing(bytes, { requested: engine, ortInBuild: true });
          await storeVersion(proxy.env, { ...manifest, serving: plan.serving }, bytes, plan.compiled);
        } catch (error) {
          refused[`${manifest.model}/${manifest.version}`] = String(error).slice(0, 300);
        }
      }
    }
    await seedVersions(proxy.env, versions, defaults);
  } finally {
    await proxy.dispose();
  }
  return { persistDir, refused };
}
