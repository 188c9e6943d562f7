/**
 * Stages the browser files the Worker serves itself (worker/http/routes/static-routes.ts) as text modules:
 * every file is written to `.generated/static/<url path>.txt`, which wrangler bundles as a Text module
 * (its default `**\/*.txt` rule). Our own files come from public/, the third-party ones (Swagger UI for
 * /docs, uPlot for /dashboard) from node_modules at the versions pinned in package.json; nothing staged is
 * committed (.gitignore). Run by wrangler's [build] command (dev, deploy, deploy --dry-run), by
 * vitest.config.ts and by the browser test; idempotent and quick.
 *
 *   npx tsx scripts/assets/stage-static-files.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const STAGED_DIR = ".generated/static";

/** URL path (without the leading slash) ← source file, relative to the repository root. */
export const STATIC_SOURCES: Readonly<Record<string, string>> = {
  "dashboard.html": "public/dashboard.html",
  "dashboard/app.js": "public/dashboard/app.js",
  "dashboard/charts.js": "public/dashboard/charts.js",
  "dashboard/dashboard.css": "public/dashboard/dashboard.css",
  "dashboard/vendor/uPlot.iife.min.js": "node_modules/uplot/dist/uPlot.iife.min.js",
  "dashboard/vendor/uPlot.min.css": "node_modules/uplot/dist/uPlot.min.css",
  "docs/init.js": "public/docs/init.js",
  "docs/swagger-ui-bundle.js": "node_modules/swagger-ui-dist/swagger-ui-bundle.js",
  "docs/swagger-ui.css": "node_modules/swagger-ui-dist/swagger-ui.css",
};

const sameContent = (path: string, content: Buffer): boolean => {
  try {
    return readFileSync(path).equals(content);
  } catch {
    return false;
  }
};

/** Writes what changed; returns the URL paths written. */
export function stageStaticFiles(root = ROOT): string[] {
  const written: string[] = [];
  for (const [urlPath, source] of Object.entries(STATIC_SOURCES)) {
    const content = readFileSync(join(root, source));
    const target = join(root, STAGED_DIR, `${urlPath}.txt`);
    if (sameContent(target, content)) continue;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    written.push(urlPath);
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const written = stageStaticFiles();
  if (written.length) console.error(`stage-static-files: ${written.join(", ")}`);
}
