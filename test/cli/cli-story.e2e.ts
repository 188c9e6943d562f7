/**
 * The ops CLI against a real local Worker (`wrangler dev` on a free loopback port, temp state, an admin
 * token): the five-command release story, each step visible to the next prediction and in the audit log.
 * Run: node --import tsx --test test/cli/cli-story.e2e.ts   (not part of vitest: it needs Node, not workerd)
 */
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { main } from "../../scripts/cli/edge-models.ts";
import { type LocalWorker, startLocalWorker } from "../../scripts/lib/local-worker.ts";
import { CREDIT_SEED_REQUEST } from "../support/seed-requests.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TOKEN = `cli-test-${crypto.randomUUID()}`;
const MODEL = "kredipusula";
const CHAMPION_DIR = join(ROOT, "models/kredipusula/v1_logreg_calibrated");
const CANDIDATE = "v9_cli_candidate";

let worker: LocalWorker | undefined;
let state: string;
let url: string;
let champion: string;

/** Runs one CLI command in-process; returns its exit code and output. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const originalError = console.error;
  console.error = (...args: unknown[]) => errors.push(args.map(String).join(" "));
  try {
    const code = await main([...argv, "--url", url, "--token", TOKEN], (line) => lines.push(line));
    return { code, out: lines.join("\n"), err: errors.join("\n") };
  } finally {
    console.error = originalError;
  }
}

async function ok(...argv: string[]): Promise<string> {
  const result = await cli(...argv);
  assert.equal(result.code, 0, `${argv.join(" ")} failed: ${result.err}`);
  return result.out;
}

async function predict(
  subject?: string,
): Promise<{ version: string | null; route: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/v1/models/${MODEL}/predict`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${TOKEN}`,
      ...(subject ? { "x-subject-id": subject } : {}),
    },
    body: JSON.stringify({ inputs: CREDIT_SEED_REQUEST }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return {
    version: response.headers.get("x-model-version"),
    route: response.headers.get("x-model-route"),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const served = ({ version, route }: { version: string | null; route: string | null }) => ({ version, route });

before(async () => {
  // No seeding: the test publishes the champion itself, through the CLI.
  worker = await startLocalWorker({ vars: { ADMIN_TOKEN: TOKEN }, seed: false });
  url = worker.url;
  state = worker.persistDir;
});

after(async () => {
  await worker?.stop();
});

test("refuses admin calls without the token, with a clear error", async () => {
  const lines: string[] = [];
  const originalError = console.error;
  console.error = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    const code = await main(["status", "--url", url, "--token", ""], () => undefined);
    assert.equal(code, 1);
  } finally {
    console.error = originalError;
  }
  assert.match(lines.join("\n"), /Unauthorized \(HTTP 401\)/);
  assert.match(lines.join("\n"), /EDGE_ADMIN_TOKEN/);
  const unreachable = await main(
    ["status", "--url", "http://127.0.0.1:9", "--token", TOKEN],
    () => undefined,
  );
  assert.equal(unreachable, 2);
});

test("publish the champion, then publish, shadow, A/B at 10 %, promote and roll back a candidate", async () => {
  assert.match(await ok("publish", CHAMPION_DIR), /published kredipusula\/v1_logreg_calibrated \(verified/);
  champion = "v1_logreg_calibrated";
  assert.equal((await predict()).version, champion);

  const candidateDir = join(state, CANDIDATE);
  cpSync(CHAMPION_DIR, candidateDir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(candidateDir, "manifest.json"), "utf8"));
  writeFileSync(
    join(candidateDir, "manifest.json"),
    JSON.stringify({ ...manifest, version: CANDIDATE }, null, 2),
  );

  // 1. publish: live but no traffic
  assert.match(await ok("publish", candidateDir), new RegExp(`published ${MODEL}/${CANDIDATE}`));
  assert.deepEqual(served(await predict()), { version: champion, route: "default" });

  // 2. shadow: scored after the response, never returned
  assert.match(await ok("shadow", MODEL, CANDIDATE), /shadows: v9_cli_candidate/);
  const shadowed = await predict("shadow-subject");
  assert.equal(shadowed.version, champion);
  assert.equal(shadowed.body.version, champion);

  // 3. A/B at 10 %: some subjects now get the candidate, sticky
  assert.match(
    await ok("weights", MODEL, `${champion}=90%`, `${CANDIDATE}=0.1`),
    /A\/B: v1_logreg_calibrated=0.9 v9_cli_candidate=0.1/,
  );
  let candidateSubject: string | undefined;
  let candidates = 0;
  for (let i = 0; i < 200; i += 1) {
    const served = await predict(`subject-${i}`);
    assert.equal(served.route, "ab");
    if (served.version === CANDIDATE) {
      candidates += 1;
      candidateSubject ??= `subject-${i}`;
    }
  }
  assert.ok(candidates > 5 && candidates < 40, `candidate share ${candidates}/200`);
  assert.equal((await predict(candidateSubject)).version, CANDIDATE);

  // 4. promote: the candidate answers everyone, the split has ended
  assert.match(await ok("promote", MODEL, CANDIDATE), /default=v9_cli_candidate/);
  assert.deepEqual(
    { ...(await predict("subject-0")), body: null },
    { version: CANDIDATE, route: "default", body: null },
  );

  // 5. roll back: the champion again
  assert.match(await ok("rollback", MODEL), /default=v1_logreg_calibrated/);
  assert.deepEqual(
    { ...(await predict(candidateSubject)), body: null },
    { version: champion, route: "default", body: null },
  );

  const audit = JSON.parse(await ok("audit", MODEL, "--json")) as {
    entries: { action: string; version: string | null; actor: string }[];
  };
  const actions = audit.entries
    .map((entry) => `${entry.action}${entry.version ? ` ${entry.version}` : ""}`)
    .reverse();
  assert.deepEqual(actions, [
    "publish v1_logreg_calibrated",
    `publish ${CANDIDATE}`,
    `add_shadow ${CANDIDATE}`,
    "set_weights",
    `promote ${CANDIDATE}`,
    "rollback",
  ]);
  assert.ok(audit.entries.every((entry) => entry.actor === "admin-token"));
  assert.doesNotMatch(JSON.stringify(audit), new RegExp(TOKEN));
});

test("clear errors for refused changes, keys and status", async () => {
  const missing = await cli("promote", MODEL, "v0_missing");
  assert.equal(missing.code, 1);
  assert.match(missing.err, /Version not found \(HTTP 404\)/);
  const weights = await cli("weights", MODEL, `${champion}=0.5`, `${CANDIDATE}=0.3`);
  assert.equal(weights.code, 1);
  assert.match(weights.err, /weights: must sum to 1/);
  const usage = await cli("weights", MODEL);
  assert.equal(usage.code, 64);

  const created = JSON.parse(
    await ok("keys", "create", "--name", "cli-test", "--scopes", "predict", "--json"),
  ) as { id: string; key: string };
  assert.match(await ok("keys", "list"), new RegExp(`${created.id}\\s+cli-test`));
  const viaKey = await fetch(`${url}/v1/models/${MODEL}`, { headers: { "x-api-key": created.key } });
  assert.equal(viaKey.status, 200);
  assert.match(await ok("keys", "revoke", created.id), /revoked/);
  assert.equal(
    (await fetch(`${url}/v1/models/${MODEL}`, { headers: { "x-api-key": created.key } })).status,
    401,
  );

  assert.match(await ok("status", MODEL), /default=v1_logreg_calibrated/);
});
