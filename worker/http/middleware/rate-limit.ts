import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, Bindings } from "../../platform/env.ts";
import { problems } from "../../problems/index.ts";

/** The RATE_LIMITER binding's period (wrangler.toml `simple.period`), sent as Retry-After. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

/** The rate-limit bucket: the API key (or "admin" for the admin token), else the client IP. */
export function rateLimitKey(keyId: string | null, ip: string | undefined): string {
  return keyId ? `key:${keyId}` : `ip:${ip ?? "unknown"}`;
}

const clientIp = (c: Context<AppEnv>): string | undefined => c.req.header("cf-connecting-ip");

/**
 * Counts one request against `key` with Cloudflare's Rate Limiting binding and throws 429 when over the
 * limit. Its counters are per location and eventually consistent, so it protects capacity rather than
 * metering exactly. A binding failure lets the request through: availability over strictness.
 */
export async function limitRequests(env: Pick<Bindings, "RATE_LIMITER">, key: string): Promise<void> {
  const limiter = env.RATE_LIMITER;
  if (!limiter) return;
  let success = true;
  try {
    ({ success } = await limiter.limit({ key }));
  } catch (error) {
    console.error(JSON.stringify({ event: "rate_limiter_failed", error: String(error) }));
  }
  if (!success) {
    throw problems.rateLimited(
      `Rate limit exceeded for this ${key.startsWith("ip:") ? "client address" : "credential"}; retry after ${RATE_LIMIT_PERIOD_SECONDS} s.`,
      RATE_LIMIT_PERIOD_SECONDS,
    );
  }
}

/** Per key (or per IP when anonymous); runs after `authenticate`. */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  await limitRequests(c.env, rateLimitKey(c.get("auth")?.keyId ?? null, clientIp(c)));
  await next();
});
