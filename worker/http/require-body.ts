import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../platform/env.ts";
import { problems } from "../problems/index.ts";

/**
 * For operations whose body is required: a request with neither a Content-Type nor a body is a 422 naming
 * `(body)`. (zod-openapi's JSON validator skips a request without a JSON Content-Type and validates `{}`
 * instead, so an empty POST /v1/admin/keys used to create a key.) A body without a Content-Type is left to
 * the route (415 from zod-openapi's media-type gate, or a route that accepts it).
 */
export const requireBody = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("content-type") === undefined) {
    const raw = c.req.raw;
    const empty = raw.body === null || (await raw.clone().arrayBuffer()).byteLength === 0;
    if (empty) throw problems.validation([{ field: "(body)", message: "required: send a JSON body" }]);
  }
  await next();
});
