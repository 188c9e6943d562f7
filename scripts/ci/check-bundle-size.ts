import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * Builds the Worker as `wrangler deploy` would (`--dry-run`), prints raw and gzip sizes, and fails when
 * the gzip total exceeds its plan's limit: 3 MB for the lean build (`--config wrangler.lean.toml`, no
 * onnxruntime-web: the free plan), 10 MB for every full build (the paid plan). `--env NAME` checks one
 * wrangler environment, `--config FILE` another wrangler configuration.
 */
const MIB = 1024 * 1024;
const LIMITS_GZIP_BYTES = { lean: 3 * MIB, full: 10 * MIB };
const option = (name: string) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? (process.argv[index + 1] ?? "") : "";
};
const envName = option("--env");
const configFile = option("--config");
const envArgs = [...(envName ? ["--env", envName] : []), ...(configFile ? ["--config", configFile] : [])];
const build = configFile.includes("lean") ? "lean" : "full";
const limit = LIMITS_GZIP_BYTES[build];
const outdir = mkdtempSync(join(tmpdir(), "edge-bundle-"));
const wrangler = new URL("../../node_modules/.bin/wrangler", import.meta.url).pathname;
const result = spawnSync(wrangler, ["deploy", "--dry-run", "--outdir", outdir, ...envArgs], {
  encoding: "utf8",
});
if (result.status !== 0) {
  console.error(result.stdout, result.stderr);
  process.exit(result.status ?? 1);
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

let raw = 0;
let gzip = 0;
let ortBundled = false;
for (const path of files(outdir).filter((file) => !file.endsWith(".map"))) {
  const bytes = readFileSync(path);
  raw += bytes.byteLength;
  gzip += gzipSync(bytes, { level: 9 }).byteLength;
  if (path.endsWith(".wasm")) ortBundled = true;
}
const mb = (bytes: number) => `${(bytes / MIB).toFixed(2)} MiB`;
const label = [configFile || "wrangler.toml", envName ? `env ${envName}` : "top level"].join(", ");
console.log(
  `worker bundle (${label}, ${build} build${ortBundled ? ", with onnxruntime-web" : ", compact engine only"}): ${mb(raw)} raw, ${mb(gzip)} gzip (limit ${mb(limit)} gzip)`,
);
if (build === "lean" && ortBundled) {
  console.error("the lean build bundles a WebAssembly module: the onnxruntime-web alias did not apply");
  process.exit(1);
}
if (gzip > limit) {
  console.error(
    `bundle exceeds the ${mb(limit)} gzip limit of the ${build === "lean" ? "free" : "paid"} plan`,
  );
  process.exit(1);
}
