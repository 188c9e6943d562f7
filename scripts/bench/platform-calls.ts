import { cpus, loadavg } from "node:os";
import { bundleFixture } from "./bundle-fixture.ts";
import { quantile, runLoad } from "./load.ts";
import { cpuBetween, cpuSnapshot } from "./proc-cpu.ts";
import { startWorkerd } from "./servers.ts";

/**
 * `npm run bench:platform-calls`: what each platform call of a logged, sealed prediction costs in workerd,
 * beside what one whole HTTP request costs, measured in the same workerd in one run (direct socket, no
 * Miniflare entry Worker). bench/fixtures/platform-calls-worker.ts repeats a call `n` times per request; a
 * call's cost is the server's CPU (from /proc) over those requests, less the same requests running the
 * empty loop, per call. The floor is the CPU per request of `/floor` (answers at once) under autocannon at
 * concurrency 16. Bounded: a fixed number of requests per call, three rounds, the median printed.
 * Flags: --quick (one round, fewer calls).
 */
const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 1 : 3;
const REQUESTS_PER_CALL = quick ? 8 : 25;
/** Calls per request: enough that a request takes milliseconds, so /proc's 10 ms ticks resolve it. */
const CALLS_PER_REQUEST: Record<string, number> = {
  loop: 20_000,
  "response-plain": 2_000,
  "response-prediction-headers": 1_000,
  "response-prediction-headers-set": 1_000,
  "headers-prediction": 2_000,
  "request-header-get": 20_000,
  "json-stringify-answer": 10_000,
  "json-stringify-log-record": 10_000,
  "random-uuid": 10_000,
  "random-nonce": 10_000,
  "hmac-sha256-sign": 1_000,
  "hmac-sha256-sign-x100-concurrent": 20,
};
/** Platform calls per loop iteration (the concurrent HMAC runs 100 signs per iteration). */
const CALLS_PER_ITERATION: Record<string, number> = { "hmac-sha256-sign-x100-concurrent": 100 };

const median = (values: readonly number[]): number =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

async function cpuPerIteration(url: string, pid: number, call: string): Promise<number> {
  const times = CALLS_PER_REQUEST[call] as number;
  const target = `${url}/${call}?n=${times}`;
  for (let warm = 0; warm < 3; warm++) await (await fetch(target, { method: "POST" })).text();
  const before = cpuSnapshot(pid);
  for (let request = 0; request < REQUESTS_PER_CALL; request++) {
    const response = await fetch(target, { method: "POST" });
    if (!response.ok) throw new Error(`${call}: ${response.status} ${await response.text()}`);
    await response.text();
  }
  const cpuMs = cpuBetween(before, cpuSnapshot(pid));
  return (cpuMs * 1000) / (REQUESTS_PER_CALL * times);
}

const loadBefore = loadavg();
const script = await bundleFixture("platform-calls-worker.ts");
const server = await startWorkerd("platform calls", { script, project: false, direct: true }, "/floor");
try {
  const floors: number[] = [];
  const perCall = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const floorRequest = { method: "POST" as const, path: "/floor", body: "{}" };
    await runLoad(server.url, floorRequest, { connections: 16, amount: 500, maxSeconds: 20 });
    const before = cpuSnapshot(server.pid);
    const load = await runLoad(server.url, floorRequest, {
      connections: 16,
      amount: quick ? 2_000 : 6_000,
      maxSeconds: 30,
    });
    floors.push((cpuBetween(before, cpuSnapshot(server.pid)) * 1000) / load.requests);
    const loop = await cpuPerIteration(server.url, server.pid, "loop");
    for (const call of Object.keys(CALLS_PER_REQUEST)) {
      if (call === "loop") continue;
      const iteration = (await cpuPerIteration(server.url, server.pid, call)) - loop;
      perCall.set(call, [...(perCall.get(call) ?? []), iteration / (CALLS_PER_ITERATION[call] ?? 1)]);
    }
  }
  const floor = median(floors);
  const rows = [...perCall].map(([call, values]) => {
    const microseconds = median(values);
    return `| ${call} | ${microseconds.toFixed(2)} | ${(microseconds / floor).toFixed(3)} |`;
  });
  console.log(
    [
      `bench:platform-calls ${new Date().toISOString()}, node ${process.version}, ${cpus().length} CPUs, load average before ${loadBefore.map((x) => x.toFixed(2)).join(" ")}${quick ? ", --quick" : ""}`,
      "",
      `One HTTP request to a Worker that answers at once (direct socket, concurrency 16): ${floor.toFixed(1)} µs CPU (median of ${ROUNDS}).`,
      "",
      "| call | µs CPU per call | per call / one HTTP request |",
      "|---|---|---|",
      ...rows,
    ].join("\n"),
  );
} finally {
  await server.stop();
}
