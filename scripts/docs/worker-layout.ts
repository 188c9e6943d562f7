// `npm run docs:layout`: the table of worker/ folders in README.md and docs/architecture.md, generated from
// scripts/ci/worker-layout.json (the list check:layers enforces). `--check` fails when either is stale (CI).
import { readFileSync } from "node:fs";
import { replaceSection, writeOrCheck } from "./write-or-check.ts";

type Entry = { folder: string; layer: number; what: string };

const root = new URL("../../", import.meta.url);
const { folders } = JSON.parse(readFileSync(new URL("scripts/ci/worker-layout.json", root), "utf8")) as {
  folders: Entry[];
};

const table = [
  "| folder | layer | what |",
  "|---|---|---|",
  "| `worker/index.ts` | entry | the Worker's `fetch`, `queue` and `scheduled` handlers |",
  ...[...folders]
    .sort((a, b) => b.layer - a.layer)
    .map(
      (entry) => `| \`worker/${entry.folder}/\` | ${entry.layer} | ${entry.what.replaceAll("|", "\\|")} |`,
    ),
  "",
].join("\n");

for (const file of ["README.md", "docs/architecture.md"]) {
  const path = new URL(file, root).pathname;
  writeOrCheck(
    path,
    replaceSection(readFileSync(path, "utf8"), "worker-layout", table),
    "npm run docs:layout",
  );
}
