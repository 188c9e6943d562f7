import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ENGINES, type EngineName } from "../../worker/vocabulary/index.ts";
import { readShippedModels } from "../dev/shipped-models.ts";
import { CREDIT_REQUEST, recommenderBatch } from "./bench-requests.ts";
import { bundleFixture } from "./bundle-fixture.ts";
import { ensureBenchVenv, ensureNodeOrt } from "./ensure-peers.ts";
import { type LoadRequest, type LoadResult, quantile, runLoad } from "./load.ts";
import { type CpuSnapshot, cpuBetween, cpuSnapshot } from "./proc-cpu.ts";
import { seededState } from "./seeded-state.ts";
import {
  ROOT,
  type RunningServer,
  startFastApi,
  startNodeOrt,
  startWorkerd,
  startWranglerDev,
} from "./servers.ts";

/**
 * `npm run bench:peers`: in one run, on loopback, the empty Hono Worker (the floor), the project's Worker on
 * workerd's own socket (with the local queue + consumer + D1, and with the log sent to a no-op binding) and through `wrangler dev`, a node:http +
 * onnxruntime-node server and a FastAPI + uvicorn + onnxruntime server answer the same two requests (the
 * credit seed's single row, a 1,000-row recommender batch) at concurrency 1 and 16 (autocannon), with CPU
 * per request read from /proc for each server's whole process tree. Then the cold first prediction of every
 * shipped version in a fresh workerd. Bounded: a fixed number of requests per measurement, each capped in
 * time. Flags: --quick (a tenth of the requests), --only=<target ids, comma-separated>, --no-cold,
 * --no-warm, --baseline=<checkout> (also measure the Worker built from another checkout of this repo, e.g.
 * a `git worktree` of an older commit with node_modules linked, on the same state: before/after in one run),
 * --ladder (also the rungs of bench/fixtures/ladder-worker.ts, each in its own workerd, on Miniflare's entry
 * socket and on a direct socket: the platform calls a logged prediction makes, without the project's code).
 * The project's Workers get a fresh PREDICTION_ID_KEY (workerd-server.ts), so ids are sealed as deployed.
 */
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args
  .find((arg) => arg.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
/** Slices per measurement, interleaved across targets (a run may set its own). */
const ROUNDS = 4;
const scale = (count: number) => (quick ? Math.max(5, Math.round(count / 10)) : count);

interface Scenario {
  id: "credit" | "batch";
  title: string;
  request: LoadRequest;
  /** What the empty Worker receives: the same body on its one route. */
  floorRequest: LoadRequest;
  runs: { connections: number; amount: number; warmup: number; maxSeconds: number; rounds?: number }[];
}

const creditBody = JSON.stringify(CREDIT_REQUEST);
const batchBody = JSON.stringify(recommenderBatch());
const SCENARIOS: Scenario[] = [
  {
    id: "credit",
    title: "credit seed request, single row: POST /api/v1/predict (kredipusula default)",
    request: { method: "POST", path: "/api/v1/predict", body: creditBody },
    floorRequest: { method: "POST", path: "/", body: creditBody },
    runs: [
      { connections: 1, amount: scale(500), warmup: scale(50), maxSeconds: 30 },
      // The ratio the CPU target is judged by: 8 slices of 1,000, as one slice of a few hundred ms of CPU
      // varies by ±15 % on this machine.
      { connections: 16, amount: scale(8000), warmup: scale(100), maxSeconds: 120, rounds: 8 },
    ],
  },
  {
    id: "batch",
    title: "1,000-row batch: POST /v1/models/recommender/predict (recommender default)",
    request: { method: "POST", path: "/v1/models/recommender/predict", body: batchBody },
    floorRequest: { method: "POST", path: "/", body: batchBody },
    runs: [
      { connections: 1, amount: scale(40), warmup: scale(10), maxSeconds: 40 },
      { connections: 16, amount: scale(120), warmup: scale(16), maxSeconds: 60 },
    ],
  },
];

interface Target {
  id: string;
  label: string;
  /** The empty Hono Worker on Miniflare's entry socket: every other target's CPU is divided by it by default. */
  floor?: boolean;
  /** The floor this target's CPU is divided by, when not the empty Hono Worker (the direct-socket ones). */
  floorTarget?: string;
  /** Sent the floor's request (the same body) on this path instead of the scenario's request: the floors, the ladder's rungs. */
  floorPath?: string;
  start: () => Promise<RunningServer>;
}

interface Measurement extends LoadResult {
  target: string;
  scenario: Scenario["id"];
  cpuMsPerRequest: number;
  /** Including what the server still did after the last response (the local queue consumer + D1). */
  cpuMsPerRequestWithDeferred: number;
}

/** The project's bundle as `wrangler deploy` builds it (from another checkout with `root`). */
async function bundleProject(root = ROOT): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), "edge-bench-dist-"));
  execFileSync(
    join(root, "node_modules/.bin/wrangler"),
    ["deploy", "--dry-run", "--env", "", "--outdir", outdir],
    { cwd: root, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CI: "true" } },
  );
  return join(outdir, "index.js");
}

/** Waits until the server's tree is idle (< 2 clock ticks in a second, at least `minMs`), at most 30 s. */
async function settle(pid: number, minMs: number): Promise<CpuSnapshot> {
  const deadline = Date.now() + 30_000;
  await new Promise((resolve) => setTimeout(resolve, minMs));
  let last = cpuSnapshot(pid);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const next = cpuSnapshot(pid);
    const busy = cpuBetween(last, next);
    last = next;
    if (busy < 20) break;
  }
  return last;
}

interface Accumulated {
  latencies: number[];
  failures: number;
  outcomes: Record<string, number>;
  seconds: number;
  windowCpuMs: number;
}

/**
 * One scenario at one concurrency on every (already running) target, interleaved: ROUNDS rounds (or the run's own), each
 * sending every target a slice of the requests, the targets' order rotating per round. The machine's
 * background load then falls on all targets alike instead of on whichever ran during a busy minute.
 * CPU: the sum of each slice's window, and (incl. deferred) everything the target's process tree did from
 * before its first slice until it was idle after the last (the local queue consumer and D1 run then).
 */
async function measureInterleaved(
  servers: Map<string, RunningServer>,
  targets: Target[],
  scenario: Scenario,
  run: Scenario["runs"][number],
): Promise<Measurement[]> {
  const requestOf = (target: Target) =>
    target.floorPath ? { ...scenario.floorRequest, path: target.floorPath } : scenario.request;
  const serverOf = (target: Target) => servers.get(target.id) as RunningServer;
  for (const target of targets) {
    await runLoad(serverOf(target).url, requestOf(target), {
      connections: run.connections,
      amount: run.warmup,
      maxSeconds: 30,
    });
  }
  await Promise.all(targets.map((target) => settle(serverOf(target).pid, 2500)));
  const starts = new Map(targets.map((target) => [target.id, cpuSnapshot(serverOf(target).pid)]));
  const acc = new Map<string, Accumulated>(
    targets.map((target) => [
      target.id,
      { latencies: [], failures: 0, outcomes: {}, seconds: 0, windowCpuMs: 0 },
    ]),
  );
  const rounds = run.rounds ?? ROUNDS;
  for (let round = 0; round < rounds; round += 1) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
    for (const target of order) {
      const server = serverOf(target);
      const before = cpuSnapshot(server.pid);
      const load = await runLoad(server.url, requestOf(target), {
        connections: run.connections,
        amount: Math.ceil(run.amount / rounds),
        maxSeconds: run.maxSeconds / rounds,
      });
      const after = cpuSnapshot(server.pid);
      const entry = acc.get(target.id) as Accumulated;
      entry.latencies.push(...load.latencies);
      entry.failures += load.failures;
      for (const [kind, count] of Object.entries(load.outcomes))
        entry.outcomes[kind] = (entry.outcomes[kind] ?? 0) + count;
      entry.seconds += load.seconds;
      entry.windowCpuMs += cpuBetween(before, after);
    }
  }
  const ends = await Promise.all(targets.map((target) => settle(serverOf(target).pid, 2500)));
  return targets.map((target, index) => {
    const entry = acc.get(target.id) as Accumulated;
    const latencies = entry.latencies.sort((a, b) => a - b);
    const served = Math.max(1, latencies.length);
    const m: Measurement = {
      target: target.id,
      scenario: scenario.id,
      connections: run.connections,
      requests: latencies.length,
      failures: entry.failures,
      outcomes: entry.outcomes,
      seconds: entry.seconds,
      requestsPerSecond: latencies.length / entry.seconds,
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      p99: quantile(latencies, 0.99),
      latencies: [],
      cpuMsPerRequest: entry.windowCpuMs / served,
      cpuMsPerRequestWithDeferred:
        cpuBetween(starts.get(target.id) as CpuSnapshot, ends[index] as CpuSnapshot) / served,
    };
    process.stderr.write(
      `  ${target.id} ${scenario.id} c=${run.connections}: ${m.requests} req, ${m.failures} failed ${JSON.stringify(m.outcomes)}, ` +
        `${m.requestsPerSecond.toFixed(1)} req/s, p50 ${m.p50.toFixed(2)} ms, CPU ${m.cpuMsPerRequest.toFixed(3)} ms/req\n`,
    );
    return m;
  });
}

/** Failed count, and which statuses/errors they were. */
const failed = (m: LoadResult) => {
  if (m.failures === 0) return "0";
  const kinds = Object.entries(m.outcomes).filter(([status]) => !status.startsWith("2"));
  return `${m.failures}: ${kinds.map(([status, count]) => `${count}× ${status}`).join(", ")}`;
};

const f = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

function printWarm(measurements: Measurement[], targets: Target[]): void {
  const floorId = targets.find((target) => target.floor)?.id;
  for (const scenario of SCENARIOS) {
    console.log(`\n### ${scenario.title}\n`);
    console.log(
      "| target | conc. | requests (failed) | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req | CPU ms/req incl. deferred | CPU / empty Hono |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|");
    for (const target of targets) {
      for (const m of measurements.filter((x) => x.target === target.id && x.scenario === scenario.id)) {
        const floor = measurements.find(
          (x) =>
            x.target === (target.floorTarget ?? floorId) &&
            x.scenario === scenario.id &&
            x.connections === m.connections,
        );
        console.log(
          `| ${target.label} | ${m.connections} | ${m.requests} (${failed(m)}) | ${f(m.requestsPerSecond, 1)} | ${f(m.p50)} | ${f(m.p95)} | ${f(m.p99)} | ${f(m.cpuMsPerRequest, 3)} | ${f(m.cpuMsPerRequestWithDeferred, 3)} | ${floor ? f(m.cpuMsPerRequest / floor.cpuMsPerRequest) : "n/a"} |`,
        );
      }
    }
  }
  const peers = targets.filter((target) => target.id === "node-ort" || target.id === "fastapi");
  console.log("\n### Ratios at concurrency 16 (same run)\n");
  console.log(
    `| target | scenario | req/s / empty Hono | CPU/req / empty Hono | ${peers.map((p) => `req/s / ${p.label} | CPU/req / ${p.label}`).join(" | ")} |`,
  );
  console.log(`|---|---|---|---|${peers.map(() => "---|---").join("|")}|`);
  for (const scenario of SCENARIOS) {
    const at = (id: string | undefined) =>
      measurements.find((x) => x.target === id && x.scenario === scenario.id && x.connections === 16);
    for (const target of targets) {
      const m = at(target.id);
      if (!m) continue;
      const floor = at(target.floorTarget ?? floorId);
      const cells = peers.map((peer) => {
        const p = at(peer.id);
        return p
          ? `${f(m.requestsPerSecond / p.requestsPerSecond)} | ${f(m.cpuMsPerRequest / p.cpuMsPerRequest)}`
          : "n/a | n/a";
      });
      console.log(
        `| ${target.label} | ${scenario.id} | ${floor ? f(m.requestsPerSecond / floor.requestsPerSecond) : "n/a"} | ${floor ? f(m.cpuMsPerRequest / floor.cpuMsPerRequest) : "n/a"} | ${cells.join(" | ")} |`,
      );
    }
  }
}

async function timed(
  request: () => Promise<Response>,
): Promise<{ ms: number; status: number; body: string }> {
  const start = performance.now();
  const response = await request();
  const body = await response.text();
  return { ms: performance.now() - start, status: response.status, body };
}

interface ColdResult {
  version: string;
  engine: string;
  /** Why the forced engine could not serve this version (then nothing was measured). */
  refused?: string;
  firstRequestMs: number;
  floorMs: number;
  firstPredictionMs: number;
  secondPredictionMs: number;
  status: number;
}

/**
 * Per engine and shipped version: a fresh workerd on a state where every version was published for that
 * engine, its HTTP floor (median of 15 GETs after the first), then the first prediction of the isolate.
 */
async function coldStarts(script: string, engines: readonly EngineName[]): Promise<ColdResult[]> {
  const { versions } = readShippedModels();
  const results: ColdResult[] = [];
  for (const engine of engines) {
    const { persistDir, refused } = await seededState(engine);
    try {
      for (const { manifest } of versions) {
        const version = `${manifest.model}/${manifest.version}`;
        if (refused[version]) {
          results.push({
            version,
            engine,
            refused: refused[version],
            firstRequestMs: Number.NaN,
            floorMs: Number.NaN,
            firstPredictionMs: Number.NaN,
            secondPredictionMs: Number.NaN,
            status: 0,
          });
          continue;
        }
        const server = await startWorkerd(
          `cold ${version}`,
          { script, project: true, persistDir },
          "/v2/health/live",
        );
        try {
          // The readiness probe was the isolate's first request; this one is its first after start-up.
          const first = await timed(() => fetch(`${server.url}/v2/health/live`));
          const floors: number[] = [];
          for (let i = 0; i < 15; i += 1)
            floors.push((await timed(() => fetch(`${server.url}/v2/health/live`))).ms);
          floors.sort((a, b) => a - b);
          const predict = () =>
            fetch(`${server.url}/v1/models/${manifest.model}/predict`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ version: manifest.version, inputs: manifest.examples[0]?.inputs }),
            });
          const cold = await timed(predict);
          const warm = await timed(predict);
          const metadata = await timed(() =>
            fetch(`${server.url}/v2/models/${manifest.model}/versions/${manifest.version}`),
          );
          const platform = /"platform"\s*:\s*"([^"]+)"/.exec(metadata.body)?.[1] ?? engine;
          results.push({
            version,
            engine: platform,
            firstRequestMs: first.ms,
            floorMs: floors[7] ?? Number.NaN,
            firstPredictionMs: cold.ms,
            secondPredictionMs: warm.ms,
            status: cold.status,
          });
          process.stderr.write(
            `  cold ${version} (${platform}): ${cold.ms.toFixed(1)} ms (HTTP ${cold.status})\n`,
          );
        } finally {
          await server.stop();
        }
      }
    } finally {
      rmSync(persistDir, { recursive: true, force: true });
    }
  }
  return results;
}

function printCold(results: ColdResult[]): void {
  console.log("\n### Cold first prediction in a fresh workerd, per shipped version and engine\n");
  console.log(
    "| version | engine (OIP platform) | HTTP | HTTP floor p50 ms | first prediction ms | minus floor ms | second prediction ms |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const r of results) {
    if (r.refused) {
      const why = r.refused.replaceAll("|", "/").replaceAll("\n", " ");
      console.log(`| ${r.version} | ${r.engine}: refused at publish | | | | | ${why} |`);
      continue;
    }
    console.log(
      `| ${r.version} | ${r.engine} | ${r.status} | ${f(r.floorMs)} | ${f(r.firstPredictionMs)} | ${f(r.firstPredictionMs - r.floorMs)} | ${f(r.secondPredictionMs)} |`,
    );
  }
}

const loadBefore = loadavg();
console.log(
  `bench:peers ${new Date().toISOString()}, node ${process.version}, ${cpus().length} CPUs, load average before ${loadBefore.map((x) => x.toFixed(2)).join(" ")}${quick ? ", --quick" : ""}`,
);
const nodeOrtRoot = ensureNodeOrt();
const python = ensureBenchVenv();
const projectScript = await bundleProject();
const emptyScript = await bundleFixture("empty-hono-worker.ts");
const ladder = args.includes("--ladder");
const ladderScript = ladder ? await bundleFixture("ladder-worker.ts") : undefined;
/** The ladder's rungs (bench/fixtures/ladder-worker.ts), cumulative. */
const LADDER_RUNGS = [
  ["bare", "plain fetch handler, no Hono"],
  ["parse", "+ headers, request id, JSON body and answer"],
  ["limit", "+ rate-limit binding"],
  ["seal", "+ HMAC-sealed id"],
  ["log", "+ log record to a no-op binding (batched)"],
] as const;
const baselineRoot = args.find((arg) => arg.startsWith("--baseline="))?.slice("--baseline=".length);
const baselineScript = baselineRoot ? await bundleProject(baselineRoot) : undefined;
// the baseline runs with its own wrangler.toml (bindings, flags, assets), as it was deployed
const baselineConfig = baselineRoot ? join(baselineRoot, "wrangler.toml") : undefined;
const { persistDir } = await seededState();
const allTargets: Target[] = [
  {
    id: "empty-hono",
    label: "empty Hono Worker (workerd)",
    floor: true,
    floorPath: "/",
    start: () => startWorkerd("empty Hono", { script: emptyScript, project: false }, "/"),
  },
  ...(ladderScript
    ? LADDER_RUNGS.map(([rung, what]) => ({
        id: `ladder-${rung}`,
        label: `ladder: ${what}`,
        floorPath: `/${rung}`,
        start: () =>
          startWorkerd(`ladder ${rung}`, { script: ladderScript, project: false, ladder: true }, "/bare"),
      }))
    : []),
  {
    id: "workerd",
    label: "project Worker, workerd socket",
    start: () =>
      startWorkerd(
        "project (workerd)",
        { script: projectScript, project: true, persistDir },
        "/v2/health/live",
      ),
  },
  ...(baselineScript
    ? [
        {
          id: "workerd-baseline",
          label: `baseline Worker (${baselineRoot}), workerd socket`,
          start: () =>
            startWorkerd(
              "baseline (workerd)",
              { script: baselineScript, project: true, config: baselineConfig, persistDir },
              "/v2/health/live",
            ),
        },
        {
          id: "workerd-baseline-log-sink",
          label: `baseline Worker (${baselineRoot}), workerd socket, log sent to a no-op binding`,
          start: () =>
            startWorkerd(
              "baseline (workerd, log sink)",
              { script: baselineScript, project: true, config: baselineConfig, persistDir, logSink: true },
              "/v2/health/live",
            ),
        },
      ]
    : []),
  {
    id: "workerd-log-sink",
    label: "project Worker, workerd socket, log sent to a no-op binding",
    start: () =>
      startWorkerd(
        "project (workerd, log sink)",
        { script: projectScript, project: true, persistDir, logSink: true },
        "/v2/health/live",
      ),
  },
  {
    id: "empty-hono-direct",
    label: "empty Hono Worker, direct socket (no Miniflare entry Worker)",
    floorTarget: "empty-hono-direct",
    floorPath: "/",
    start: () =>
      startWorkerd("empty Hono (direct)", { script: emptyScript, project: false, direct: true }, "/"),
  },
  ...(ladderScript
    ? LADDER_RUNGS.map(([rung, what]) => ({
        id: `ladder-direct-${rung}`,
        label: `ladder, direct socket: ${what}`,
        floorTarget: "empty-hono-direct",
        floorPath: `/${rung}`,
        start: () =>
          startWorkerd(
            `ladder ${rung} (direct)`,
            { script: ladderScript, project: false, ladder: true, direct: true },
            "/bare",
          ),
      }))
    : []),
  {
    id: "workerd-direct",
    label: "project Worker, direct socket (no Miniflare entry Worker), log sent to a no-op binding",
    floorTarget: "empty-hono-direct",
    start: () =>
      startWorkerd(
        "project (direct)",
        // the log sink keeps the local queue consumer (production: its own invocations) off this thread
        { script: projectScript, project: true, persistDir, direct: true, logSink: true },
        "/v2/health/live",
      ),
  },
  ...(baselineScript
    ? [
        {
          id: "workerd-baseline-direct",
          label: `baseline Worker (${baselineRoot}), direct socket (no Miniflare entry Worker), log sent to a no-op binding`,
          floorTarget: "empty-hono-direct",
          start: () =>
            startWorkerd(
              "baseline (direct)",
              {
                script: baselineScript,
                project: true,
                config: baselineConfig,
                persistDir,
                direct: true,
                logSink: true,
              },
              "/v2/health/live",
            ),
        },
      ]
    : []),
  {
    id: "workerd-like-peers",
    label: "project Worker, workerd socket, like the peers: no rate-limit binding, log to a no-op binding",
    start: () =>
      startWorkerd(
        "project (workerd, like the peers)",
        { script: projectScript, project: true, persistDir, logSink: true, rateLimit: false },
        "/v2/health/live",
      ),
  },
  {
    id: "wrangler-dev",
    label: "project Worker, wrangler dev",
    start: () => startWranglerDev("project (wrangler dev)", persistDir),
  },
  { id: "node-ort", label: "node:http + onnxruntime-node", start: () => startNodeOrt(nodeOrtRoot) },
  { id: "fastapi", label: "FastAPI + onnxruntime", start: () => startFastApi(python) },
];
// A socket's floor and ladder come with any target measured on that socket.
const onDirectSocket = (id: string) => id.endsWith("-direct") || id.startsWith("ladder-direct-");
const comesWithItsSocket = (id: string) => id.startsWith("ladder-") || id === "empty-hono-direct";
const socketWanted = (direct: boolean) => !only || only.some((id) => onDirectSocket(id) === direct);
const targets = allTargets.filter(
  (target) =>
    !only ||
    only.includes(target.id) ||
    target.floor ||
    (comesWithItsSocket(target.id) && socketWanted(onDirectSocket(target.id))),
);

const measurements: Measurement[] = [];
let cold: ColdResult[] = [];
try {
  if (!args.includes("--no-warm")) {
    const servers = new Map<string, RunningServer>();
    try {
      for (const target of targets) {
        process.stderr.write(`starting ${target.label} ...\n`);
        servers.set(target.id, await target.start());
      }
      for (const scenario of SCENARIOS) {
        for (const run of scenario.runs) {
          process.stderr.write(`${scenario.id} at concurrency ${run.connections} ...\n`);
          measurements.push(...(await measureInterleaved(servers, targets, scenario, run)));
        }
      }
    } finally {
      for (const server of servers.values()) await server.stop();
    }
    printWarm(measurements, targets);
  }
  if (!args.includes("--no-cold")) {
    cold = await coldStarts(projectScript, ENGINES);
    printCold(cold);
  }
} finally {
  rmSync(persistDir, { recursive: true, force: true });
  rmSync(join(projectScript, ".."), { recursive: true, force: true });
  rmSync(join(emptyScript, ".."), { recursive: true, force: true });
  if (ladderScript) rmSync(join(ladderScript, ".."), { recursive: true, force: true });
  if (baselineScript) rmSync(join(baselineScript, ".."), { recursive: true, force: true });
}
console.log(
  `\nload average after: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
mkdirSync(join(ROOT, "docs/bench"), { recursive: true });
writeFileSync(
  join(ROOT, "docs/bench/peers.raw.json"),
  JSON.stringify(
    { at: new Date().toISOString(), loadBefore, loadAfter: loadavg(), measurements, cold },
    null,
    2,
  ),
);
