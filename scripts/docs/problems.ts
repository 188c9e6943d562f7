// `npx tsx scripts/docs/problems.ts`: docs/problems.md from the problem catalogue. `--check` fails when it is stale (CI).
import { resolve } from "node:path";
import { renderProblemsDoc } from "./problems-table.ts";
import { writeOrCheck } from "./write-or-check.ts";

writeOrCheck(resolve("docs/problems.md"), renderProblemsDoc(), "npx tsx scripts/docs/problems.ts");
