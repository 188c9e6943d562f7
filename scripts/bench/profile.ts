import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "undici";
import { freePort } from "../lib/local-worker.ts";
import { CREDIT_REQUEST, recommenderBatch } from "./bench-requests.ts";
import { runLoad } from "./load.ts";
import { seededState } from "./seeded-state.ts";
import { ROOT, startWorkerd } from "./servers.ts";

/**
 * CPU profile of the warm prediction path inside workerd, through V8's inspector (Chrome DevTools
 * protocol): the project's bundle on workerd's own socket with the log consumer off (so the profile is the
 * request path, not the local queue/D1 work), warmed up, then sampled under autocannon load. Prints self
 * time by source module (from the `// path` markers esbuild leaves in wrangler's unminified bundle) and
 * the top functions; writes the raw .cpuprofile (open it in Chrome DevTools).
 * `cold` profiles only the first prediction of a fresh isolate (after one GET), sampled every 50 µs.
 * Run: npx tsx scripts/bench/profile.ts [credit|batch|cold] [requests] [--consumer] [--direct]
 * (--direct: on a socket of the Worker's own, without Miniflare's entry Worker in front; see workerd-server.ts)
 */
const mode = process.argv[2] ?? "credit";
const cold = mode === "cold";
const scenario = mode === "batch" ? "batch" : "credit";
const amount = Number(process.argv[3] ?? (scenario === "batch" ? 60 : 3000));
const withConsumer = process.argv.includes("--consumer");
const direct = process.argv.includes("--direct");

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function inspector(url: string) {
  const socket = new WebSocket(url);
  let next = 1;
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.error ?? message.result);
  });
  const opened = new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", reject, { once: true });
  });
  return {
    opened,
    send: <T>(method: string, params: object = {}) =>
      new Promise<T>((resolve) => {
        const id = next++;
        pending.set(id, resolve as (result: unknown) => void);
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

const outdir = mkdtempSync(join(tmpdir(), "edge-profile-dist-"));
execFileSync(
  join(ROOT, "node_modules/.bin/wrangler"),
  ["deploy", "--dry-run", "--env", "", "--outdir", outdir],
  {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, CI: "true" },
  },
);
const script = join(outdir, "index.js");
const { persistDir } = await seededState();
const inspectorPort = await freePort();
const server = await startWorkerd(
  "profile",
  { script, project: true, persistDir, logConsumers: withConsumer, inspectorPort, direct, logSink: direct },
  "/v2/health/live",
);
try {
  const request =
    scenario === "credit"
      ? { method: "POST" as const, path: "/api/v1/predict", body: JSON.stringify(CREDIT_REQUEST) }
      : {
          method: "POST" as const,
          path: "/v1/models/recommender/predict",
          body: JSON.stringify(recommenderBatch()),
        };
  if (cold) await fetch(`${server.url}/v2/health/live`);
  else await runLoad(server.url, request, { connections: 4, amount: Math.ceil(amount / 10), maxSeconds: 60 });
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
    id: string;
    title?: string;
    webSocketDebuggerUrl: string;
  }[];
  const target =
    targets.find((entry) => /bench/.test(entry.id) || /bench/.test(entry.title ?? "")) ?? targets[0];
  if (!target) throw new Error("no inspector target");
  const session = inspector(target.webSocketDebuggerUrl);
  await session.opened;
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: cold ? 50 : 100 });
  await session.send("Profiler.start");
  const load = cold
    ? await runLoad(server.url, request, { connections: 1, amount: 1, maxSeconds: 60 })
    : await runLoad(server.url, request, { connections: 16, amount, maxSeconds: 120 });
  const { profile } = await session.send<{ profile: Profile }>("Profiler.stop");
  session.close();
  const file = join(tmpdir(), `edge-${mode}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));

  // Which source module each bundle line belongs to.
  const markers: { line: number; module: string }[] = [];
  readFileSync(script, "utf8")
    .split("\n")
    .forEach((text, line) => {
      const match = /^\/\/ (\S+\.(?:[cm]?js|ts))$/.exec(text);
      if (match?.[1]) markers.push({ line, module: match[1] });
    });
  const moduleOf = (node: ProfileNode) => {
    const { url, lineNumber, functionName } = node.callFrame;
    if (!url) return `(${functionName || "native"})`;
    if (!url.endsWith("index.js")) return url;
    let low = 0;
    let high = markers.length - 1;
    let found = "(bundle prelude)";
    while (low <= high) {
      const mid = (low + high) >> 1;
      const marker = markers[mid] as { line: number; module: string };
      if (marker.line <= lineNumber) {
        found = marker.module;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found.replace(/^.*node_modules\//, "");
  };
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const ms = selfMs.get(node.id) ?? 0;
    total += ms;
    if (node.callFrame.functionName === "(idle)") {
      idle += ms;
      continue;
    }
    const module = moduleOf(node);
    byModule.set(module, (byModule.get(module) ?? 0) + ms);
    const fn = `${node.callFrame.functionName || "(anonymous)"} ${module}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const busy = total - idle;
  console.log(
    `${mode}: ${load.requests} requests (p50 ${load.p50.toFixed(1)} ms) at c=${cold ? 1 : 16}, ${load.requestsPerSecond.toFixed(1)} req/s; profiled ${total.toFixed(0)} ms, busy ${busy.toFixed(0)} ms (${(busy / load.requests).toFixed(3)} ms/request in the isolate's JS thread)`,
  );
  const top = (map: Map<string, number>, count: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(
        ([name, ms]) =>
          `${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(6)} ms  ${name}`,
      )
      .join("\n");
  console.log(`\nself time by module (% of busy):\n${top(byModule, 30)}`);
  console.log(`\ntop functions:\n${top(byFunction, 40)}`);
  console.log(`\nprofile: ${file}`);
} finally {
  await server.stop();
  rmSync(persistDir, { recursive: true, force: true });
  rmSync(outdir, { recursive: true, force: true });
}
