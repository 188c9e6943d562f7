import { createMiddleware } from "hono/factory";
import { looksLikeApiKey, resolveApiKey } from "../../auth/api-keys.ts";
import { ANONYMOUS } from "../../auth/auth-context.ts";
import { secretsEqual } from "../../auth/credential-hash.ts";
import type { AuthContext } from "../../platform/caller.ts";
import type { AppEnv, Bindings } from "../../platform/env.ts";
import { problems } from "../../problems/index.ts";
import { SCOPES } from "../../vocabulary/index.ts";
import { configuredAdminToken, isOpenMode, publicPredict } from "./auth-mode.ts";
import { limitRequests, rateLimitKey } from "./rate-limit.ts";

/** The WWW-Authenticate challenge the error handler sends with every 401. */
export const AUTH_CHALLENGE = 'Bearer realm="edge-inference"';

let warnedOpen = false;

// Shared by every request without credentials (nothing mutates an AuthContext): no object per request.
const OPEN_ANONYMOUS: AuthContext = Object.freeze({
  ...ANONYMOUS,
  scopes: SCOPES,
  open: true,
});
const PUBLIC_ANONYMOUS: AuthContext = Object.freeze({
  ...ANONYMOUS,
  scopes: Object.freeze(["predict"] as const),
});

function presentedCredential(authorization: string | undefined, apiKey: string | undefined): string | null {
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) throw problems.unauthorized("Use `Authorization: Bearer <admin token or API key>`.");
    return match[1];
  }
  if (apiKey !== undefined) {
    if (!apiKey.trim()) throw problems.unauthorized("The X-API-Key header is empty.");
    return apiKey.trim();
  }
  return null;
}

async function resolve(
  env: Bindings,
  authorization: string | undefined,
  apiKey: string | undefined,
): Promise<AuthContext> {
  const open = isOpenMode(env);
  const credential = presentedCredential(authorization, apiKey);
  if (credential === null) {
    if (open) return OPEN_ANONYMOUS;
    return publicPredict(env) ? PUBLIC_ANONYMOUS : ANONYMOUS;
  }
  if (looksLikeApiKey(credential)) {
    const record = await resolveApiKey(env.REGISTRY, credential);
    if (!record) throw problems.unauthorized("Unknown or revoked API key.");
    return { keyId: record.id, scopes: record.scopes, anonymous: false, method: "api-key", open };
  }
  const adminToken = configuredAdminToken(env);
  if (adminToken && (await secretsEqual(credential, adminToken))) {
    return { keyId: "admin", scopes: [...SCOPES], anonymous: false, method: "admin-token", open };
  }
  throw problems.unauthorized("Invalid credentials.");
}

/**
 * Resolves `Authorization: Bearer <token>` (admin token or API key) or `X-API-Key: <key>` into the request's
 * AuthContext. Wrong credentials are refused everywhere, even in open mode; missing ones make the caller
 * anonymous, and the access policy decides what an anonymous caller may do.
 */
export async function authenticateCaller(
  env: Bindings,
  header: (name: string) => string | undefined,
): Promise<AuthContext> {
  let auth: AuthContext;
  try {
    auth = await resolve(env, header("authorization"), header("x-api-key"));
  } catch (error) {
    // Failed attempts count against the client address, so guessing credentials hits the limit too.
    await limitRequests(env, rateLimitKey(null, header("cf-connecting-ip")));
    throw error;
  }
  if (auth.open && !warnedOpen) {
    warnedOpen = true;
    console.warn(
      "⚠️  OPEN MODE: ENVIRONMENT=development and no ADMIN_TOKEN — every caller has admin rights. " +
        "Set ADMIN_TOKEN in .dev.vars to require credentials locally; deployed environments never run open.",
    );
  }
  return auth;
}

/** `authenticateCaller` as middleware: the caller goes to `c.get("auth")`; open mode is stated on the response. */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const auth = await authenticateCaller(c.env, (name) => c.req.header(name));
  c.set("auth", auth);
  await next();
  if (auth.open) c.res.headers.set("x-auth-mode", "open");
});
