import type { Bindings } from "../../platform/env.ts";

/** Shorter admin tokens are treated as unset outside local dev (and reported once per isolate). */
const MIN_ADMIN_TOKEN_LENGTH = 24;

/** Local dev without an admin token runs open: every caller gets every scope. Nowhere else. */
export const isOpenMode = (env: Pick<Bindings, "ENVIRONMENT" | "ADMIN_TOKEN">): boolean =>
  env.ENVIRONMENT === "development" && !env.ADMIN_TOKEN;

let reportedWeakToken = false;

/** The admin token in force, or null when none (or, outside local dev, too short a one) is configured. */
export function configuredAdminToken(env: Pick<Bindings, "ENVIRONMENT" | "ADMIN_TOKEN">): string | null {
  const token = env.ADMIN_TOKEN;
  if (!token) return null;
  if (env.ENVIRONMENT !== "development" && token.length < MIN_ADMIN_TOKEN_LENGTH) {
    if (!reportedWeakToken) {
      reportedWeakToken = true;
      console.error(
        JSON.stringify({
          event: "admin_token_rejected",
          reason: `ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters; admin calls are refused`,
        }),
      );
    }
    return null;
  }
  return token;
}

/** Anonymous callers may predict only when the deployment opts in with PUBLIC_PREDICT="true". */
export const publicPredict = (env: { PUBLIC_PREDICT?: string }): boolean => env.PUBLIC_PREDICT === "true";
