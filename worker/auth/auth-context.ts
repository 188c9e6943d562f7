import type { AuthContext } from "../platform/caller.ts";

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
