import type { AuthContext } from "./middleware/auth-context.ts";

/** Secrets are set with `wrangler secret put` (or `.dev.vars` locally), so `wrangler types` cannot see them. */
export interface Secrets {
  ADMIN_TOKEN?: string;
}

export type Bindings = Env & Secrets;

export interface Variables {
  requestId: string;
  auth: AuthContext;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
