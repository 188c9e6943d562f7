import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Every response carries `x-request-id`: the caller's, when it is sane, else a fresh UUID. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const id = incoming && ACCEPTABLE_ID.test(incoming) ? incoming : crypto.randomUUID();
  c.set("requestId", id);
  await next();
  c.res.headers.set("x-request-id", id);
});
