export type Scope = "predict" | "admin";

/** Who is calling: resolved by the auth middleware, read by routing (subject) and logging (key id). */
export interface AuthContext {
  keyId: string | null;
  scopes: readonly Scope[];
  /** True when the request came in without credentials and local dev runs open. */
  anonymous: boolean;
}

export const ANONYMOUS: AuthContext = { keyId: null, scopes: ["predict"], anonymous: true };
