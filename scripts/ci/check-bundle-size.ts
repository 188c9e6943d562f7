import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * Builds the Worker as `wrangler deploy` would (`--dry-run`), prints raw and gzip sizes, and fails when
 * the gzip total exceeds the paid plan's 10 MB limit. `--env NAME` checks one wrangler environment.
 */
const LIMIT_GZIP_BYTES = 10 * 1024 * 1024;
const envIndex = process.argv.indexOf("--env");
const envArgs = envIndex > 0 ? ["--env", process.argv[envIndex + 1] ?? ""] : [];
const outdir = mkdtempSync(join(tmpdir(), "edge-bundle-"));
const wrangler = new URL("../../node_modules/.bin/wrangler", import.meta.url).pathname;
const build = spawnSync(wrangler, ["deploy", "--dry-run", "--outdir", outdir, ...envArgs], {
  encoding: "utf8",
});
if (build.status !== 0) {
  console.error(build.stdout, build.stderr);
  process.exit(build.status ?? 1);
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

let raw = 0;
let gzip = 0;
for (const path of files(outdir).filter((file) => !file.endsWith(".map"))) {
  const bytes = readFileSync(path);
  raw += bytes.byteLength;
  gzip += gzipSync(bytes, { level: 9 }).byteLength;
}
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
const label = envArgs.length ? ` (env ${envArgs[1]})` : "";
console.log(`worker bundle${label}: ${mb(raw)} raw, ${mb(gzip)} gzip (limit ${mb(LIMIT_GZIP_BYTES)} gzip)`);
if (gzip > LIMIT_GZIP_BYTES) {
  console.error("bundle exceeds the 10 MB gzip limit of the Workers paid plan");
  process.exit(1);
}
