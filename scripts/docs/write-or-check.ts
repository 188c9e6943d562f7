import { readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";

/**
 * Writes `content` to `path`, or with `--check` on the command line exits 1 when the file differs (CI), so a
 * generated document cannot drift from its source.
 */
export function writeOrCheck(path: string, content: string, regenerate: string): void {
  const name = relative(process.cwd(), path);
  if (!process.argv.includes("--check")) {
    writeFileSync(path, content);
    console.log(`wrote ${name}`);
    return;
  }
  let current = "";
  try {
    current = readFileSync(path, "utf8");
  } catch {
    // a missing file is stale
  }
  if (current !== content) {
    console.error(`${name} is stale: run \`${regenerate}\` and commit it`);
    process.exit(1);
  }
  console.log(`${name} is current`);
}

/** Replaces the text between `<!-- <marker>:start -->` and `<!-- <marker>:end -->` in `document`. */
export function replaceSection(document: string, marker: string, body: string): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from < 0 || to < from) throw new Error(`markers ${start} … ${end} not found`);
  return `${document.slice(0, from + start.length)}\n${body}${document.slice(to)}`;
}
