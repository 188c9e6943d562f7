/**
 * MLflow as the data scientist's registry, against real servers: `mlflow server` (the project's venv, a temp
 * sqlite store and artifact root, a free port) and `wrangler dev`. Shipped versions are registered in MLflow
 * without touching their files; the CLI publishes them to the Worker straight from `models:/` URIs, and
 * promote / rollback / load-version move MLflow's `champion` alias after the Worker accepted the change;
 * with MLflow unreachable the Worker's change stands, the failure is reported, and sync-mlflow re-aligns.
 * Run: node --import tsx --test test/cli/mlflow-sync.e2e.ts
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { main } from "../../scripts/cli/edge-models.ts";
import { freePort, type LocalWorker, startLocalWorker } from "../../scripts/lib/local-worker.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const VENV = process.env.EDGE_TRAINING_VENV ?? join(ROOT, ".venv");
const TOKEN = `mlflow-test-${crypto.randomUUID()}`;
const READY_MS = 300_000; // a loaded 2-core machine needs ~100 s to start `mlflow server`

let worker: LocalWorker | undefined;
let server: ChildProcess | undefined;
let scratch: string;
let mlflowUrl: string;
const registered = new Map<string, string>(); // "<model>/<worker version>" -> MLflow version

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const originalError = console.error;
  console.error = (...args: unknown[]) => errors.push(args.map(String).join(" "));
  try {
    const code = await main(
      [...argv, "--url", (worker as LocalWorker).url, "--token", TOKEN],
      (line) => lines.push(line),
      {
        MLFLOW_TRACKING_URI: mlflowUrl,
      },
    );
    return { code, out: lines.join("\n"), err: errors.join("\n") };
  } finally {
    console.error = originalError;
  }
}

async function ok(...argv: string[]): Promise<{ out: string; err: string }> {
  const result = await cli(...argv);
  assert.equal(result.code, 0, `${argv.join(" ")} failed: ${result.err}`);
  return result;
}

async function champion(model: string): Promise<string | null> {
  const response = await fetch(
    `${mlflowUrl}/api/2.0/mlflow/registered-models/alias?name=${model}&alias=champion`,
  );
  if (response.status === 404) return null;
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { model_version: { version: string } }).model_version.version;
}

async function workerDefault(model: string): Promise<string> {
  const response = await fetch(`${(worker as LocalWorker).url}/v1/admin/models/${model}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return ((await response.json()) as { default_version: string }).default_version;
}

before(async () => {
  const venv = spawnSync("bash", [join(ROOT, "scripts/training/ensure-venv.sh")], { stdio: "inherit" });
  assert.equal(venv.status, 0, "ensure-venv failed");
  scratch = mkdtempSync(join(tmpdir(), "edge-mlflow-"));
  const port = await freePort();
  mlflowUrl = `http://127.0.0.1:${port}`;
  server = spawn(
    join(VENV, "bin/mlflow"),
    [
      "server",
      "--backend-store-uri",
      `sqlite:///${join(scratch, "mlflow.db")}`,
      "--artifacts-destination",
      join(scratch, "artifacts"),
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--workers",
      "1",
    ],
    {
      cwd: scratch,
      stdio: "ignore",
      detached: true,
      env: {
        ...process.env,
        PATH: `${join(VENV, "bin")}:${process.env.PATH}`,
        // MLflow 3's server otherwise starts 7 huey job consumers (GenAI jobs) this test never uses
        MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false",
      },
    },
  );
  const [started] = await Promise.all([
    startLocalWorker({ vars: { ADMIN_TOKEN: TOKEN }, seed: false, readyTimeoutMs: READY_MS }),
    waitFor(`${mlflowUrl}/health`, server, READY_MS),
  ]);
  worker = started;
  // Register four shipped versions in MLflow (files untouched), in this order: MLflow versions 1..2 per model.
  const dirs = [
    "models/kredipusula/v1_logreg_calibrated",
    "models/kredipusula/v2_gbm",
    "models/recommender/v2_random_forest",
    "models/recommender/v4_xgboost",
  ];
  const result = spawnSync(
    "bash",
    [join(ROOT, "scripts/training/register-mlflow.sh"), "--tracking-uri", mlflowUrl, "--json", ...dirs],
    { cwd: ROOT, encoding: "utf8", timeout: READY_MS },
  );
  assert.equal(result.status, 0, result.stderr);
  for (const line of result.stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const info = JSON.parse(line) as { directory: string; registered_version: string };
    registered.set(info.directory.replace(/^models\//, ""), info.registered_version);
  }
  assert.equal(registered.size, 4, result.stdout);
});

after(async () => {
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // gone
    }
  }
  await worker?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test("publish-mlflow: a version straight from its MLflow model URI (ONNX + the run's manifest)", async () => {
  const first = await ok(
    "publish-mlflow",
    `models:/kredipusula/${registered.get("kredipusula/v1_logreg_calibrated")}`,
  );
  assert.match(
    first.out,
    /= MLflow kredipusula version 1 \(run [0-9a-f]{32}\) -> kredipusula\/v1_logreg_calibrated/,
  );
  assert.match(first.out, /published kredipusula\/v1_logreg_calibrated \(verified/);
  assert.match((await ok("publish-mlflow", "models:/kredipusula/2")).out, /published kredipusula\/v2_gbm/);
  for (const version of ["v2_random_forest", "v4_xgboost"])
    await ok("publish-mlflow", `models:/recommender/${registered.get(`recommender/${version}`)}`);
  const missing = await cli("publish-mlflow", "models:/kredipusula/99");
  assert.equal(missing.code, 1);
  assert.match(missing.err, /RESOURCE_DOES_NOT_EXIST/);
  assert.equal((await cli("publish-mlflow", "recommender/3")).code, 64);
});

test("champion follows promote, rollback and load-version, after the Worker accepted them", async () => {
  const v1 = registered.get("kredipusula/v1_logreg_calibrated");
  const v2 = registered.get("kredipusula/v2_gbm");
  const promoted = await ok("promote", "kredipusula", "v2_gbm");
  assert.equal(await workerDefault("kredipusula"), "v2_gbm");
  assert.equal(await champion("kredipusula"), v2);
  assert.match(promoted.err, new RegExp(`MLflow: kredipusula@champion -> version ${v2} \\(v2_gbm\\)`));

  await ok("rollback", "kredipusula");
  assert.equal(await workerDefault("kredipusula"), "v1_logreg_calibrated");
  assert.equal(await champion("kredipusula"), v1);

  // a refused change moves nothing
  const refused = await cli("promote", "kredipusula", "v0_missing");
  assert.equal(refused.code, 1);
  assert.equal(await champion("kredipusula"), v1);

  await ok("load-version", "v2_random_forest");
  assert.equal(await workerDefault("recommender"), "v2_random_forest");
  assert.equal(await champion("recommender"), registered.get("recommender/v2_random_forest"));
});

test("MLflow unreachable: the Worker's change stands, the failure is reported, sync-mlflow re-aligns", async () => {
  const unreachable = "http://127.0.0.1:9";
  const result = await cli("promote", "kredipusula", "v2_gbm", "--mlflow", unreachable);
  assert.equal(result.code, 0, result.err);
  assert.equal(await workerDefault("kredipusula"), "v2_gbm");
  assert.match(result.err, /warning: MLflow: champion of "kredipusula" NOT updated \(cannot reach MLflow/);
  assert.match(result.err, /re-sync with: npm run models -- sync-mlflow kredipusula/);
  assert.equal(await champion("kredipusula"), registered.get("kredipusula/v1_logreg_calibrated"));

  const synced = await ok("sync-mlflow");
  assert.match(synced.out, /kredipusula@champion -> version 2 \(v2_gbm\)/);
  assert.match(synced.out, /recommender@champion already is version/);
  assert.equal(await champion("kredipusula"), registered.get("kredipusula/v2_gbm"));

  const notHttp = await cli("sync-mlflow", "--mlflow", "sqlite:///tmp/x.db");
  assert.equal(notHttp.code, 64);
  assert.match(notHttp.err, /not an http\(s\) tracking server/);
});
