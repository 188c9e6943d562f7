import { withModelSession } from "../inference/model-sessions.ts";
import type { Bindings } from "../platform/env.ts";
import { predictionIdKeyWarning } from "../platform/prediction-id-key.ts";
import type { RequestScope } from "../platform/request-scope.ts";
import {
  classifyStoreFailure,
  describeStoreFailure,
  redactStoreMessage,
  type StoreFailure,
} from "../platform/store-failure.ts";
import { DomainError } from "../problems/index.ts";
import { readManifest, readModelRecord } from "../repository/registry-reader.ts";

interface ModelHealthCheck {
  /** healthy: serves and every store answers; degraded: serves, a store it does not need to serve is down. */
  status: "healthy" | "degraded" | "unhealthy";
  model: string;
  model_loaded: boolean;
  version: string | null;
  detail?: string;
  /** Why it is degraded or unhealthy because of a store: the store and its state, never its own message. */
  reasons?: string[];
  /** Internal (routes drop it): the KV or R2 outage that made the model unhealthy, for Retry-After. */
  outage?: StoreFailure;
  /** Internal (routes drop it): D1 failed its probe, so nothing is read from it for this answer. */
  d1Down?: boolean;
}

/** A health probe answers fast: a D1 that queues for longer than this counts as down. */
const D1_PROBE_TIMEOUT_MS = 2_000;

/** What a D1 outage costs while serving still works. */
const D1_DEGRADED_EFFECT =
  "predictions are served and logged through the queue; monitoring reads, feedback and registry changes answer 503";

/**
 * One indexed read of one row from a table every deployment has: it needs the database's read lock, so a
 * locked, overloaded or unreachable D1 fails it. Cost: one D1 row read per health call, whatever the traffic.
 */
async function probeD1(
  env: Pick<Bindings, "DB">,
  timeoutMs = D1_PROBE_TIMEOUT_MS,
): Promise<StoreFailure | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const read = env.DB.prepare("SELECT revision FROM registry_models LIMIT 1").first();
    const late = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    if ((await Promise.race([read, late])) === "timeout") {
      // Nobody awaits the read any more: its eventual rejection is dropped here, not left unhandled.
      read.catch(() => undefined);
      return { store: "D1", reason: `not answering within ${timeoutMs / 1000} s`, code: "TIMEOUT" };
    }
    return null;
  } catch (error) {
    const failure = classifyStoreFailure(error);
    if (failure) return failure;
    console.error(JSON.stringify({ event: "d1_probe_failed", error: redactStoreMessage(String(error)) }));
    return { store: "D1", reason: "failing", code: "UNKNOWN" };
  } finally {
    clearTimeout(timer);
  }
}

/** The reason a degraded or unhealthy check gives for a store outage. */
export const storeReason = (failure: StoreFailure, effect?: string): string =>
  `${describeStoreFailure(failure)}${effect ? `: ${effect}` : ""}`;

/** Why the default version cannot load, in words safe for a public probe (no binding text, no stack). */
function loadFailure(error: unknown): Pick<ModelHealthCheck, "detail" | "outage"> {
  const outage = classifyStoreFailure(error);
  if (outage) return { detail: storeReason(outage), outage };
  if (error instanceof DomainError) return { detail: error.detail };
  console.error(
    JSON.stringify({ event: "model_health_check_failed", error: redactStoreMessage(String(error)) }),
  );
  return { detail: "the default version does not load (logged)" };
}

/**
 * Liveness of one model: it is registered, its manifest parses and its artifact loads into its engine
 * (KV and R2, the stores serving needs), and D1 answers (the store monitoring and admin changes need).
 * A model that serves while D1 is down (or without a prediction-id key) is `degraded`, with the reasons.
 */
export async function checkModelHealth(
  { env }: Pick<RequestScope, "env">,
  model: string,
): Promise<ModelHealthCheck> {
  const [serving, around] = await Promise.all([checkServing(env, model), degradations(env)]);
  const checked = { ...serving, ...(around.d1 ? { d1Down: true } : {}) };
  if (around.reasons.length === 0) return checked;
  if (serving.status === "unhealthy") {
    return { ...checked, reasons: [...(serving.reasons ?? []), ...around.reasons] };
  }
  return { ...checked, status: "degraded", reasons: around.reasons };
}

/** Why serving works but not everything around it does (D1 down, no prediction-id key), or none. */
export async function degradations(env: Bindings): Promise<{ reasons: string[]; d1: StoreFailure | null }> {
  const d1 = await probeD1(env);
  const keyWarning = predictionIdKeyWarning(env);
  return {
    reasons: [...(d1 ? [storeReason(d1, D1_DEGRADED_EFFECT)] : []), ...(keyWarning ? [keyWarning] : [])],
    d1,
  };
}

async function checkServing(env: Bindings, model: string): Promise<ModelHealthCheck> {
  try {
    const record = await readModelRecord(env.REGISTRY, model);
    if (!record)
      return {
        status: "unhealthy",
        model,
        model_loaded: false,
        version: null,
        detail: "model not published",
      };
    const manifest = await readManifest(env.REGISTRY, model, record.default);
    await withModelSession(env.ARTIFACTS, manifest, async () => undefined);
    return { status: "healthy", model, model_loaded: true, version: record.default };
  } catch (error) {
    const failure = loadFailure(error);
    return {
      status: "unhealthy",
      model,
      model_loaded: false,
      version: null,
      ...failure,
      ...(failure.outage ? { reasons: [failure.detail as string] } : {}),
    };
  }
}
