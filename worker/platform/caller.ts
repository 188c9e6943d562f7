import type { Scope } from "../vocabulary/index.ts";

/** Who is calling: resolved by the auth middleware, read by routing (subject), logging and audit (key id). */
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
