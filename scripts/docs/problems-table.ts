import { PROBLEM_URN_PREFIX, PROBLEMS, type ProblemEntry } from "../../worker/problems/catalogue.ts";

const cell = (text: string): string => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** docs/problems.md, rendered from worker/problems/catalogue.ts (one row per catalogue entry). */
export function renderProblemsDoc(): string {
  const entries: Array<[string, ProblemEntry]> = Object.entries(PROBLEMS);
  const rows = entries.map(
    ([name, entry]) =>
      `| \`${entry.slug}\` | ${entry.status} | ${cell(entry.title)} | ${cell(entry.when)} | ${entry.retryAfterSeconds ?? ""} | \`PROBLEMS.${name}\` |`,
  );
  return [
    "# Problem types",
    "",
    "<!-- Generated from worker/problems/catalogue.ts by `npx tsx scripts/docs/problems.ts`; do not edit by hand. -->",
    "",
    "Every error leaves the Worker as `application/problem+json` (RFC 9457) with `type`, `title`, `status`,",
    "`detail`, `instance`, `errors` (one entry per bad field, when there are any) and `error` (the detail again,",
    `for Open Inference Protocol clients). \`type\` is \`${PROBLEM_URN_PREFIX}<slug>\` with a slug below;`,
    "`about:blank` means the HTTP status says it all (a 405 with `Allow`, or a 4xx raised by Hono itself).",
    "Domain code raises these through the factories of `worker/problems/factories.ts`; only",
    "`worker/http/error-handler.ts` turns them into responses (status, body, `Retry-After`, `WWW-Authenticate`).",
    "A title may be more specific than the one listed for one occurrence (e.g. `Manifest is not JSON`).",
    "",
    "| Slug | Status | Title | When | Retry-After (s) | Catalogue entry |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
