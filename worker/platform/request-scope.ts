import type { AuthContext } from "./caller.ts";
import type { Bindings } from "./env.ts";

/**
 * Everything a data-plane operation knows about the request it serves, without HTTP: protocol adapters
 * (worker/http) build it from their context, tests from `env` of cloudflare:test, a queue or cron job from
 * its own. Bindings are passed on the same way everywhere below: a storage function takes the binding it
 * uses (`scope.env.REGISTRY`), or a narrow structural env naming exactly the bindings when it uses several.
 */
export interface RequestScope {
  env: Bindings;
  requestId: string;
  caller: AuthContext;
  /** A stable identity the caller supplied for sticky A/B assignment (the X-Subject-Id header), if any. */
  subjectHint: string | null;
  /** Cloudflare location and client country, kept in the prediction log. */
  colo: string | null;
  country: string | null;
  /** Work that may finish after the response (log writes, shadow scoring). */
  waitUntil: (promise: Promise<unknown>) => void;
}
