import type { Scope } from "../vocabulary/index.ts";

export type { Scope };

/** Who is calling: resolved by the auth middleware, read by routing (subject) and logging (key id). */
export interface AuthContext {
  keyId: string | null;
  scopes: readonly Scope[];
  /** True when the request came in without credentials (what it may do is in `scopes`). */
  anonymous: boolean;
  /** How the caller proved who it is; "none" for anonymous callers. */
  method: "admin-token" | "api-key" | "none";
  /** Local dev without ADMIN_TOKEN: every scope is granted (and every response says so). */
  open: boolean;
}

/** A caller without credentials, before the deployment's policy grants any scope. */
export const ANONYMOUS: AuthContext = {
  keyId: null,
  scopes: [],
  anonymous: true,
  method: "none",
  open: false,
};

/** The audit log's `actor`: never a secret, only which credential acted. */
export function actorOf(auth: AuthContext | undefined): string {
  if (!auth || auth.method === "none") return auth?.open ? "anonymous (open dev mode)" : "anonymous";
  return auth.method === "admin-token" ? "admin-token" : `key:${auth.keyId}`;
}
