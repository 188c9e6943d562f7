/**
 * Copies the third-party browser files the Worker serves as static assets (wrangler.toml [assets]) from
 * node_modules into public/: Swagger UI for /docs, uPlot for /dashboard. The copies are not committed
 * (.gitignore); the versions are the ones pinned in package.json. Run by wrangler's [build] command (dev,
 * deploy, deploy --dry-run), by vitest.config.ts and by the browser tests; idempotent and quick.
 *
 *   npx tsx scripts/assets/copy-vendor-assets.ts
 */
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Destination under public/ ← source under node_modules/. */
export const VENDOR_ASSETS: Readonly<Record<string, string>> = {
  "docs/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
  "docs/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
  "dashboard/vendor/uPlot.iife.min.js": "uplot/dist/uPlot.iife.min.js",
  "dashboard/vendor/uPlot.min.css": "uplot/dist/uPlot.min.css",
};

const unchanged = (from: string, to: string) => {
  try {
    const [a, b] = [statSync(from), statSync(to)];
    return a.size === b.size && readFileSync(from).equals(readFileSync(to));
  } catch {
    return false;
  }
};

export function copyVendorAssets(root = ROOT): string[] {
  const copied: string[] = [];
  for (const [target, source] of Object.entries(VENDOR_ASSETS)) {
    const from = join(root, "node_modules", source);
    const to = join(root, "public", target);
    if (unchanged(from, to)) continue;
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    copied.push(target);
  }
  return copied;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const copied = copyVendorAssets();
  if (copied.length) console.error(`copy-vendor-assets: public/${copied.join(", public/")}`);
}
