/**
 * The ops CLI against a real local Worker (`wrangler dev` on a free loopback port, temp state, an admin
 * token): the README's release story run VERBATIM (its commands are read from README.md), each step visible
 * to the next prediction and in the audit log; concurrent registry writers that meet 409s retry; the Worker
 * URL flag and its deprecated alias.
 * Run: node --import tsx --test test/cli/cli-story.e2e.ts   (not part of vitest: it needs Node, not workerd)
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { main } from "../../scripts/cli/edge-models.ts";
import { type LocalWorker, startLocalWorker } from "../../scripts/lib/local-worker.ts";
import { RATING_SEED_REQUEST } from "../support/seed-requests.ts";
import { readmeReleaseCommands } from "./readme-story.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TOKEN = `cli-test-${crypto.randomUUID()}`;
const MODEL = "recommender";
const CHAMPION = "v4_xgboost";
const CANDIDATE = "v5_candidate";

let worker: LocalWorker | undefined;
let url: string;
let workdir: string;
const originalCwd = process.cwd();

/** Runs one CLI command in-process; returns its exit code and output. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const originalError = console.error;
  console.error = (...args: unknown[]) => errors.push(args.map(String).join(" "));
  try {
    const code = await main([...argv, "--url", url, "--token", TOKEN], (line) => lines.push(line), {
      ...process.env,
      MLFLOW_TRACKING_URI: "",
    });
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
    body: JSON.stringify({ inputs: RATING_SEED_REQUEST }),
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
  // The README's paths are relative to the repository root; run them from a scratch directory whose
  // `models` is the repository's, so `candidate` writes its copy there, not into the checkout.
  workdir = mkdtempSync(join(tmpdir(), "edge-cli-story-"));
  symlinkSync(join(ROOT, "models"), join(workdir, "models"));
  process.chdir(workdir);
});

after(async () => {
  process.chdir(originalCwd);
  if (workdir) rmSync(workdir, { recursive: true, force: true });
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

test("the README's release story, verbatim: candidate, publish, shadow, A/B at 10 %, promote, roll back", async () => {
  // not in the README: the Worker starts empty here, so the champion is published first
  assert.match(
    await ok("publish", join("models", MODEL, CHAMPION)),
    /published recommender\/v4_xgboost \(verified/,
  );
  assert.equal((await predict()).version, CHAMPION);

  const steps = readmeReleaseCommands();
  assert.deepEqual(
    steps.map((argv) => argv[0]),
    ["candidate", "publish", "shadow", "weights", "promote", "rollback"],
  );
  const [candidate, publish, shadow, weights, promote, rollback] = steps as [
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
  ];

  // 0. candidate: a re-labelled copy with a new version name and recomputed manifest fields
  assert.match(
    await ok(...candidate),
    /wrote .*candidates\/recommender\/v5_candidate[\s\S]*Re-labelled copy of recommender\/v4_xgboost/,
  );
  const source = JSON.parse(readFileSync(join(ROOT, "models", MODEL, CHAMPION, "manifest.json"), "utf8"));
  const copy = JSON.parse(
    readFileSync(join(workdir, "candidates", MODEL, CANDIDATE, "manifest.json"), "utf8"),
  );
  assert.equal(copy.version, CANDIDATE);
  assert.deepEqual(copy.artifact, source.artifact);
  assert.equal(copy.training.relabelled_from.version, CHAMPION);
  assert.equal(copy.training.mlflow, undefined);
  assert.match(copy.description, /Re-labelled copy of recommender\/v4_xgboost: same ONNX bytes/);
  const again = await cli(...candidate);
  assert.equal(again.code, 1);
  assert.match(again.err, /already holds a version \(pass --force/);

  // 1. publish: live but no traffic
  assert.match(await ok(...publish), new RegExp(`published ${MODEL}/${CANDIDATE}`));
  assert.deepEqual(served(await predict()), { version: CHAMPION, route: "default" });

  // 2. shadow: scored after the response, never returned
  assert.match(await ok(...shadow), /shadows: v5_candidate/);
  const shadowed = await predict("shadow-subject");
  assert.equal(shadowed.version, CHAMPION);

  // 3. A/B at 10 %: some subjects now get the candidate, sticky
  assert.match(await ok(...weights), /A\/B: v4_xgboost=0.9 v5_candidate=0.1/);
  let candidateSubject: string | undefined;
  let candidates = 0;
  for (let i = 0; i < 200; i += 1) {
    const answer = await predict(`subject-${i}`);
    assert.equal(answer.route, "ab");
    if (answer.version === CANDIDATE) {
      candidates += 1;
      candidateSubject ??= `subject-${i}`;
    }
  }
  assert.ok(candidates > 5 && candidates < 40, `candidate share ${candidates}/200`);
  assert.equal((await predict(candidateSubject)).version, CANDIDATE);

  // 4. promote: the candidate answers everyone, the split has ended
  assert.match(await ok(...promote), /default=v5_candidate/);
  assert.deepEqual(served(await predict("subject-0")), { version: CANDIDATE, route: "default" });

  // 5. roll back: the champion again
  assert.match(await ok(...rollback), /default=v4_xgboost/);
  assert.deepEqual(served(await predict(candidateSubject)), { version: CHAMPION, route: "default" });

  const audit = JSON.parse(await ok("audit", MODEL, "--json")) as {
    entries: { action: string; version: string | null; actor: string }[];
  };
  const actions = audit.entries
    .map((entry) => `${entry.action}${entry.version ? ` ${entry.version}` : ""}`)
    .reverse();
  assert.deepEqual(actions, [
    `publish ${CHAMPION}`,
    `publish ${CANDIDATE}`,
    `add_shadow ${CANDIDATE}`,
    "set_weights",
    `promote ${CANDIDATE}`,
    "rollback",
  ]);
  assert.ok(audit.entries.every((entry) => entry.actor === "admin-token"));
  assert.doesNotMatch(JSON.stringify(audit), new RegExp(TOKEN));
});

test("concurrent registry writers: 409 registry-conflict is retried with backoff and announced on stderr", async () => {
  const writers = 30;
  const results = await Promise.all(
    Array.from({ length: writers }, (_, i) =>
      cli("thresholds", MODEL, `rmse_max=${(0.9 + i / 1000).toFixed(3)}`),
    ),
  );
  const failed = results.filter((result) => result.code !== 0);
  assert.deepEqual(
    failed.map((result) => result.err),
    [],
    "every concurrent writer succeeds",
  );
  const retries = results
    .flatMap((result) => result.err.split("\n"))
    .filter((line) => line.includes("registry busy"));
  for (const line of retries)
    assert.match(
      line,
      /^registry busy \(HTTP 409 registry-conflict on PUT \/v1\/admin\/models\/recommender\/thresholds\): retrying in \d+\.\d\d s \(attempt \d of 6\)$/,
    );
  console.log(`# ${writers} concurrent writers: ${retries.length} retries after 409, all succeeded`);
  const audit = JSON.parse(
    await ok("audit", MODEL, "--action", "set_thresholds", "--limit", "100", "--json"),
  ) as {
    entries: unknown[];
  };
  assert.equal(audit.entries.length, writers, "every write landed exactly once");
});

test("one Worker URL option: --url / EDGE_URL; --base / BASE_URL still work and warn", async () => {
  const errors: string[] = [];
  const originalError = console.error;
  console.error = (...args: unknown[]) => errors.push(args.map(String).join(" "));
  try {
    const viaEnv = await main(["status", MODEL], () => undefined, { EDGE_URL: url, EDGE_ADMIN_TOKEN: TOKEN });
    assert.equal(viaEnv, 0);
    assert.deepEqual(errors, []);
    const viaBase = await main(["status", MODEL, "--base", url, "--token", TOKEN], () => undefined, {});
    assert.equal(viaBase, 0);
    const viaBaseEnv = await main(["status", MODEL], () => undefined, {
      BASE_URL: url,
      EDGE_ADMIN_TOKEN: TOKEN,
    });
    assert.equal(viaBaseEnv, 0);
    const unknown = await main(["status", "--bogus"], () => undefined, {});
    assert.equal(unknown, 64);
  } finally {
    console.error = originalError;
  }
  assert.match(errors.join("\n"), /--base is deprecated; use --url/);
  assert.match(errors.join("\n"), /BASE_URL is deprecated; use EDGE_URL/);
  assert.match(errors.join("\n"), /Unknown option '--bogus'/);
});

test("clear errors for refused changes, keys and status", async () => {
  const missing = await cli("promote", MODEL, "v0_missing");
  assert.equal(missing.code, 1);
  assert.match(missing.err, /Version not found \(HTTP 404\)/);
  const weights = await cli("weights", MODEL, `${CHAMPION}=0.5`, `${CANDIDATE}=0.3`);
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

  assert.match(await ok("status", MODEL), /default=v4_xgboost/);
});
