import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { MAX_ONNX_ARTIFACT_BYTES } from "../../inference/edge-limits.ts";
import type { AppEnv } from "../../platform/env.ts";
import { problems } from "../../problems/index.ts";

/**
 * Publish uploads carry the artifact (at most MAX_ONNX_ARTIFACT_BYTES for any engine, schemas/edge-limits.json),
 * its manifest (reference distributions, examples, catalog) and multipart framing; the limit refuses anything
 * larger before it is buffered.
 */
const MAX_PUBLISH_BODY_BYTES = MAX_ONNX_ARTIFACT_BYTES + 4 * 1024 * 1024;
/** Every other request, including a 1,000-row batch, stays well below this. */
export const MAX_BODY_BYTES = 1024 * 1024;

const PUBLISH_PATH = /^\/v1\/admin\/models\/[^/]+\/versions\/?$/;

const limiters = {
  publish: bodyLimit({
    maxSize: MAX_PUBLISH_BODY_BYTES,
    onError: () => {
      throw problems.payloadTooLarge(MAX_PUBLISH_BODY_BYTES);
    },
  }),
  default: bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw problems.payloadTooLarge(MAX_BODY_BYTES);
    },
  }),
};

export const bodySize = createMiddleware<AppEnv>(async (c, next) => {
  const limiter =
    c.req.method === "POST" && PUBLISH_PATH.test(c.req.path) ? limiters.publish : limiters.default;
  return limiter(c, next);
});
