import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

/**
 * One workerd instance for `npm run bench:peers`, run as its own process so its CPU (this node process +
 * the workerd it spawns) can be read from /proc apart from the load generator's. Clients talk to workerd's
 * own socket (Miniflare's entry), no wrangler proxy in between. Prints {"url"} once ready; SIGTERM stops it.
 *
 * argv[2]: JSON {
 *   script: bundled entry (a `wrangler deploy --dry-run --outdir` index.js, or an esbuild bundle),
 *   project: true to apply the project's wrangler.toml bindings (persisted under `persistDir`) and a fresh
 *     PREDICTION_ID_KEY secret (so ids are sealed as in a deployment),
 *   config?: another wrangler.toml to take them from (a baseline checkout's own),
 *   persistDir?: state prepared like scripts/lib/local-worker.ts (D1 migrated, models seeded),
 *   logConsumers?: false drops the queue consumers (the prediction log is still sent, never consumed),
 *   logSink?: true binds PREDICTION_LOG to a Worker whose send/sendBatch do nothing (RPC in the same
 *     workerd): the producer's serialization stays, the local queue broker, consumer and D1 go,
 *   direct?: true serves the Worker on a socket of its own (Miniflare's `unsafeDirectSockets`): requests skip
 *     Miniflare's entry Worker (which adds the local `request.cf` and dev conveniences; production has no such
 *     Worker in front), so `request.cf` is absent,
 *   rateLimit?: false drops the RATE_LIMITER binding (the Worker then limits nothing, as the peers),
 *   inspectorPort?: expose V8's inspector (for the profiler),
 *   ladder?: true for bench/fixtures/ladder-worker.ts: a RATE_LIMITER binding (limit never reached) and
 *     PREDICTION_LOG bound to the no-op log sink, as the project has
 * }
 */
interface ServerSpec {
  script: string;
  project: boolean;
  config?: string;
  persistDir?: string;
  logConsumers?: boolean;
  logSink?: boolean;
  rateLimit?: boolean;
  direct?: boolean;
  inspectorPort?: number;
  ladder?: boolean;
}

const ROOT = new URL("../../", import.meta.url).pathname;
const spec = JSON.parse(process.argv[2] ?? "{}") as ServerSpec;

function projectOptions(): WorkerOptions {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(spec.config ?? join(ROOT, "wrangler.toml"));
  const ratelimits = Object.fromEntries(
    Object.entries(
      (workerOptions.ratelimits ?? {}) as Record<string, { simple: { limit: number; period: number } }>,
    ).map(([name, limiter]) => [
      name,
      // The binding still runs on every request; only its limit is raised so a benchmark never trips it.
      { ...limiter, simple: { ...limiter.simple, limit: 1_000_000_000 } },
    ]),
  );
  const options = {
    ...workerOptions,
    // A fresh prediction-id key, as every deployment has one (`wrangler secret put`): ids are sealed (an
    // HMAC per prediction) as in production, not the keyless fallback's random UUIDs.
    bindings: {
      ...workerOptions.bindings,
      PREDICTION_ID_KEY: randomBytes(32).toString("base64url"),
    },
    ratelimits: spec.rateLimit === false ? {} : ratelimits,
    ...(spec.logConsumers === false || spec.logSink ? { queueConsumers: {} } : {}),
  } as WorkerOptions;
  if (!spec.logSink) return options;
  const { PREDICTION_LOG: _producer, ...producers } = (options.queueProducers ?? {}) as Record<
    string,
    unknown
  >;
  return {
    ...options,
    queueProducers: producers,
    serviceBindings: {
      ...options.serviceBindings,
      PREDICTION_LOG: { name: "log-sink", entrypoint: "LogSink" },
    },
  } as WorkerOptions;
}

const LOG_SINK_SOURCE = `import { WorkerEntrypoint } from "cloudflare:workers";
export class LogSink extends WorkerEntrypoint {
  async send() {}
  async sendBatch() {}
}
export default { fetch: () => new Response("log sink") };`;

/**
 * The bundle's modules, listed (Miniflare cannot follow the dynamic import()s of ORT's glue): the entry,
 * then every file wrangler wrote beside it, typed by the project's module rules.
 */
function bundleModules(script: string) {
  const folder = dirname(script);
  const typeOf = (file: string) => {
    if (file.endsWith(".wasm")) return "CompiledWasm";
    if (file.endsWith(".onnx") || file.endsWith(".bin")) return "Data";
    if (file.endsWith(".txt")) return "Text";
    if (file.endsWith(".js") || file.endsWith(".mjs")) return "ESModule";
    return null;
  };
  const others = readdirSync(folder)
    .filter((file) => file !== basename(script))
    .map((file) => ({ type: typeOf(file), path: join(folder, file) }))
    .filter((module) => module.type !== null);
  return [{ type: "ESModule", path: script }, ...others];
}

const LADDER_OPTIONS = {
  compatibilityDate: "2026-04-20",
  ratelimits: { RATE_LIMITER: { simple: { limit: 1_000_000_000, period: 60 } } },
  serviceBindings: { PREDICTION_LOG: { name: "log-sink", entrypoint: "LogSink" } },
};
const base = spec.project
  ? projectOptions()
  : spec.ladder
    ? LADDER_OPTIONS
    : { compatibilityDate: "2026-04-20" };
const worker = {
  ...base,
  name: "bench",
  modules: bundleModules(spec.script),
  modulesRoot: dirname(spec.script),
  ...(spec.direct ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {}),
};
const sink = { name: "log-sink", modules: true, script: LOG_SINK_SOURCE, compatibilityDate: "2026-04-20" };
const mf = new Miniflare({
  workers: spec.logSink || spec.ladder ? [worker, sink] : [worker],
  host: "127.0.0.1",
  port: 0,
  ...(spec.persistDir
    ? {
        kvPersist: join(spec.persistDir, "v3", "kv"),
        r2Persist: join(spec.persistDir, "v3", "r2"),
        d1Persist: join(spec.persistDir, "v3", "d1"),
        cachePersist: join(spec.persistDir, "v3", "cache"),
      }
    : {}),
  ...(spec.inspectorPort ? { inspectorPort: spec.inspectorPort } : {}),
  // Worker console output is dropped: logging per request would be measured as server CPU.
  handleRuntimeStdio: (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => {
    stdout.resume();
    stderr.resume();
  },
} as never);

const entryUrl = await mf.ready;
const url = spec.direct ? await mf.unsafeGetDirectURL("bench") : entryUrl;
process.stdout.write(`${JSON.stringify({ url: url.origin })}\n`);
const stop = async () => {
  await mf.dispose();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
