/**
 * Manifest-contract runner: the Worker's zod manifest contract (worker/contracts/manifest.ts) on manifests read as
 * JSON from stdin, for scripts/training/tests/test_manifest_intervals.py to hold the Python mirror
 * (edge_training/manifest.py) to the same verdicts.
 *
 *   echo '{"cases": [{"id": "...", "manifest": {...}}]}' | npx tsx scripts/schema/manifest-issues-runner.ts
 *
 * answers {"results": [{"id", "ok", "issues": [{"path": (string | number)[], "message"}]}]}.
 */
import { manifestSchema } from "../../worker/contracts/manifest.ts";

interface Case {
  id: string;
  manifest: unknown;
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const { cases } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { cases: Case[] };
const results = cases.map(({ id, manifest }) => {
  const parsed = manifestSchema.safeParse(manifest);
  return {
    id,
    ok: parsed.success,
    issues: parsed.success
      ? []
      : parsed.error.issues.map((issue) => ({
          path: issue.path.map((key) => (typeof key === "number" ? key : String(key))),
          message: issue.message,
        })),
  };
});
process.stdout.write(`${JSON.stringify({ results })}\n`);
