import { createMiddleware } from "hono/factory";
import type { AuthContext } from "../../platform/caller.ts";
import type { AppEnv, Bindings } from "../../platform/env.ts";
import { problems } from "../../problems/index.ts";
import type { Scope } from "../../vocabulary/index.ts";
import { configuredAdminToken } from "./auth-mode.ts";

/**
 * Paths anyone may read: the service map, docs, the OpenAPI document, the liveness/readiness probes and the
 * dashboard's static page and scripts (the JSON they fetch needs the predict scope).
 */
const PUBLIC_PATHS = [
  /^\/$/,
  /^\/docs(\/.*)?$/,
  /^\/dashboard(\.html|\/.*)?$/,
  /^\/openapi\.json$/,
  /^\/v2\/health\/(live|ready)$/,
  /^\/api\/v1\/health$/,
];
/** Paths that change the registry or keys. Everything not listed here or above needs `predict`. */
const ADMIN_PATHS = [/^\/v1\/admin(\/.*)?$/, /^\/load_version(\/.*)?$/];

function scopeOf(path: string): Scope | null {
  if (ADMIN_PATHS.some((pattern) => pattern.test(path))) return "admin";
  if (PUBLIC_PATHS.some((pattern) => pattern.test(path))) return null;
  return "predict";
}

/** Recent answers per path (bounded; long paths are not remembered): 9 regex tests per request otherwise. */
const scopeCache = new Map<string, Scope | null>();
const MAX_CACHED_SCOPES = 512;

export function requiredScope(path: string): Scope | null {
  const cached = scopeCache.get(path);
  if (cached !== undefined) return cached;
  const scope = scopeOf(path);
  if (path.length <= 256) {
    if (scopeCache.size >= MAX_CACHED_SCOPES) scopeCache.clear();
    scopeCache.set(path, scope);
  }
  return scope;
}

/** Refuses the request unless the caller (set by `authenticate`) holds `scope`; open mode allows all. */
function requireScope(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    assertScope(c.env, c.get("auth"), scope);
    return next();
  });
}

/** Throws 401/403 unless `auth` holds `scope` (open mode allows all). */
export function assertScope(
  env: Pick<Bindings, "ENVIRONMENT" | "ADMIN_TOKEN">,
  auth: AuthContext | undefined,
  scope: Scope,
): void {
  if (auth?.open || auth?.scopes.includes(scope)) return;
  if (!auth || auth.anonymous) {
    if (scope === "admin" && !configuredAdminToken(env)) {
      throw problems.unauthorized(
        "Admin calls need an admin credential and this deployment has no ADMIN_TOKEN configured " +
          "(`wrangler secret put ADMIN_TOKEN`), so only admin-scoped API keys are accepted.",
      );
    }
    throw problems.unauthorized(
      `This endpoint needs credentials with the "${scope}" scope: \`Authorization: Bearer <token>\` or \`X-API-Key: <key>\`.`,
    );
  }
  throw problems.forbidden(
    `This credential lacks the "${scope}" scope (it has: ${auth.scopes.join(", ") || "none"}).`,
  );
}

const byScope = { admin: requireScope("admin"), predict: requireScope("predict") };

/** Secure by default: one table decides which scope every path needs. */
export const accessPolicy = createMiddleware<AppEnv>(async (c, next) => {
  const scope = requiredScope(c.req.path);
  if (scope === null) return next();
  return byScope[scope](c, next);
});
