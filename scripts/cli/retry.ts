/**
 * Retry policy of the admin client:
 * - a 409 whose problem type is `registry-conflict` means "the record changed under this write, retry it"
 *   (the Worker already retried internally). Other 409s (version exists, archived version) are real
 *   refusals and are never retried;
 * - a 503 `store-unavailable` (a store is down; the Worker sends Retry-After) is retried only for a request
 *   its caller declares idempotent (by default GET, PUT, DELETE; not a PUT that reshuffles the A/B salt,
 *   whose repeat would draw a new one). A POST is not retried: its problem says what was committed and
 *   how to complete it (e.g. `committed_revision`). Other 503s (a missing secret) are not transient.
 */
import { PROBLEMS, problemTypeUri } from "../../worker/problems/catalogue.ts";

const STORE_UNAVAILABLE = problemTypeUri(PROBLEMS.storeUnavailable.slug);
const REGISTRY_CONFLICT = problemTypeUri(PROBLEMS.registryConflict.slug);

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
}

/** EDGE_CLI_RETRIES overrides the number of attempts (1 = no retry). */
export function retryPolicy(env: Readonly<Record<string, string | undefined>> = process.env): RetryPolicy {
  const attempts = Number(env.EDGE_CLI_RETRIES ?? 6);
  return {
    attempts: Number.isInteger(attempts) && attempts >= 1 ? attempts : 6,
    baseMs: 200,
    capMs: 5000,
  };
}

/**
 * Exponential backoff with "equal jitter": half fixed, half random. A Retry-After raises the delay to
 * between half and all of it (capped like the backoff), so concurrent clients do not return in step.
 */
export function backoffMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfter: string | null,
  random = Math.random,
): number {
  const exponential = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
  const floor = Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, policy.capMs) : 0;
  return Math.round(Math.max(jittered, floor * (0.5 + random() * 0.5)));
}

function problemType(text: string): string | undefined {
  try {
    const type = (JSON.parse(text) as { type?: unknown }).type;
    return typeof type === "string" ? type : undefined;
  } catch {
    return undefined;
  }
}

export const isRetryableConflict = (status: number, text: string): boolean =>
  status === 409 && problemType(text) === REGISTRY_CONFLICT;

/** HTTP's idempotent methods: sending one twice has the effect of sending it once. */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

export const isIdempotentMethod = (method: string): boolean => IDEMPOTENT_METHODS.has(method.toUpperCase());

export const isRetryableUnavailable = (idempotent: boolean, status: number, text: string): boolean =>
  idempotent && status === 503 && problemType(text) === STORE_UNAVAILABLE;
