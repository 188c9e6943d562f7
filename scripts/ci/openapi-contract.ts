import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalWorker } from "../lib/local-worker.ts";

/**
 * The OpenAPI contract, against a real `wrangler dev` with an ADMIN_TOKEN (so the security the document
 * declares is enforced): Redocly lints the served /openapi.json (0 errors), then schemathesis runs
 * `--checks all` over every operation with the admin token and reports 0 failures.
 * Usage: tsx scripts/ci/openapi-contract.ts <venv dir> [--max-examples N]
 */
const ROOT = new URL("../../", import.meta.url).pathname;
const [venv = join(ROOT, ".venv-openapi")] = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const maxExamplesIndex = process.argv.indexOf("--max-examples");
const maxExamples = maxExamplesIndex > 0 ? process.argv[maxExamplesIndex + 1] : "12";
const ADMIN_TOKEN = `contract-${crypto.randomUUID()}`;

function run(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  console.log(
    `== ${label}: ${[command, ...args].map((a) => (a.includes(ADMIN_TOKEN) ? "<redacted>" : a)).join(" ")}`,
  );
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit", env });
  return result.status ?? 1;
}

const worker = await startLocalWorker({ vars: { ADMIN_TOKEN } });
const scratch = mkdtempSync(join(tmpdir(), "openapi-contract-"));
let failed = 0;
try {
  const response = await fetch(`${worker.url}/openapi.json`);
  if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
  const documentPath = join(scratch, "openapi.json");
  writeFileSync(documentPath, await response.text());

  failed +=
    run("redocly lint", join(ROOT, "node_modules/.bin/redocly"), [
      "lint",
      documentPath,
      "--config",
      join(ROOT, "redocly.yaml"),
      "--format",
      "stylish",
    ]) === 0
      ? 0
      : 1;

  failed +=
    run(
      "schemathesis",
      join(venv, "bin/schemathesis"),
      [
        "--config-file",
        join(ROOT, "scripts/ci/openapi-schemathesis.toml"),
        "run",
        `${worker.url}/openapi.json`,
        "--checks",
        "all",
        "--max-examples",
        String(maxExamples),
        "--seed",
        "20261123",
        "--workers",
        "1",
        "--request-timeout",
        "60",
        // A loaded CI machine (or workerd's first compile of a model) is slow; correctness is what is checked.
        "--max-response-time",
        "60",
        // The Worker's rate limiter allows 600 requests a minute per credential.
        "--rate-limit",
        "500/m",
        "-H",
        `Authorization: Bearer ${ADMIN_TOKEN}`,
      ],
      { ...process.env, NO_COLOR: "1", SCHEMATHESIS_TELEMETRY: "false" },
    ) === 0
      ? 0
      : 1;
} finally {
  await worker.stop();
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
