import { getPlatformProxy } from "wrangler";
import { seedVersions } from "../../worker/data-plane/seed-versions.ts";
import { readShippedModels } from "./shipped-models.ts";

/** Loads every version under models/ into the local (miniflare) KV/R2 that `wrangler dev` uses. Idempotent. */
export async function seedLocal(): Promise<void> {
  const { versions, defaults } = readShippedModels();
  const proxy = await getPlatformProxy<Env>({ configPath: "wrangler.toml", persist: true });
  try {
    const summary = await seedVersions(proxy.env, versions, defaults);
    console.log(
      `seeded ${versions.length} model versions: ${summary.created.length} new, ${summary.unchanged.length} already present`,
    );
    for (const name of summary.created) console.log(`  + ${name}`);
    for (const [name, serving] of Object.entries(summary.serving)) {
      const compiled = serving.compiled;
      const detail = compiled
        ? `, ${(compiled.retained_bytes / 1024 / 1024).toFixed(2)} MiB retained, ${compiled.tree_nodes} tree nodes`
        : "";
      console.log(`  ${name}: ${serving.engine}${detail}`);
    }
  } finally {
    await proxy.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await seedLocal();
