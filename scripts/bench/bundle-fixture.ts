import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { ROOT } from "./servers.ts";

/** A Worker of bench/fixtures bundled (minified ESM) into a temporary directory; returns the script path. */
export async function bundleFixture(file: string): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), "edge-bench-fixture-"));
  await build({
    entryPoints: [join(ROOT, "bench/fixtures", file)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    minify: true,
    outfile: join(outdir, "index.js"),
  });
  return join(outdir, "index.js");
}
