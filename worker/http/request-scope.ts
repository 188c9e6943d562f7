import type { Context } from "hono";
import { ANONYMOUS } from "../auth/auth-context.ts";
import type { AuthContext } from "../platform/caller.ts";
import type { AppEnv, Bindings } from "../platform/env.ts";
import type { RequestScope } from "../platform/request-scope.ts";

/** The data plane's view of an HTTP request: the only place it is read from Hono's context. */
export function requestScope(c: Context<AppEnv>): RequestScope {
  return rawRequestScope(c.env, c.req.raw, c.get("requestId"), c.get("auth"), (promise) =>
    c.executionCtx.waitUntil(promise),
  );
}

/** The same scope from the fetch handler's own arguments (the prediction fast path). */
export function rawRequestScope(
  env: Bindings,
  request: Request,
  requestId: string,
  caller: AuthContext | undefined,
  waitUntil: (promise: Promise<unknown>) => void,
): RequestScope {
  const cf = request.cf as { colo?: string; country?: string } | undefined;
  return {
    env,
    requestId,
    caller: caller ?? ANONYMOUS,
    subjectHint: request.headers.get("x-subject-id") ?? null,
    colo: cf?.colo ?? null,
    country: cf?.country ?? null,
    waitUntil,
  };
}

/** Which version answered and how it was chosen, as response headers. */
export function reportServedVersion(c: Context, served: { version: string; route: string }): void {
  c.header("x-model-version", served.version);
  c.header("x-model-route", served.route);
}
