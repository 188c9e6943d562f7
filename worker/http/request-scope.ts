import type { Context } from "hono";
import { ANONYMOUS } from "../auth/auth-context.ts";
import type { AppEnv } from "../platform/env.ts";
import type { RequestScope } from "../platform/request-scope.ts";

/** The data plane's view of an HTTP request: the only place it is read from Hono's context. */
export function requestScope(c: Context<AppEnv>): RequestScope {
  const cf = c.req.raw.cf as { colo?: string; country?: string } | undefined;
  return {
    env: c.env,
    requestId: c.get("requestId"),
    caller: c.get("auth") ?? ANONYMOUS,
    subjectHint: c.req.header("x-subject-id") ?? null,
    colo: cf?.colo ?? null,
    country: cf?.country ?? null,
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
  };
}

/** Which version answered and how it was chosen, as response headers. */
export function reportServedVersion(c: Context, served: { version: string; route: string }): void {
  c.header("x-model-version", served.version);
  c.header("x-model-route", served.route);
}
