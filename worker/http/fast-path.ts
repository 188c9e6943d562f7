import type { z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { slugSchema } from "../contracts/manifest.ts";
import type { AuthContext } from "../platform/caller.ts";
import type { Bindings } from "../platform/env.ts";
import { problems, zodFieldErrors } from "../problems/index.ts";
import { errorView, problemDocument, problemHeaders } from "./error-handler.ts";
import { assertScope, requiredScope } from "./middleware/access-policy.ts";
import { authenticateCaller } from "./middleware/authenticate.ts";
import { MAX_BODY_BYTES } from "./middleware/body-size.ts";
import { limitRequests, rateLimitKey } from "./middleware/rate-limit.ts";
import { MAX_REQUEST_ID_LENGTH } from "./middleware/request-id.ts";
import { seedLanguageOf } from "./middleware/seed-language.ts";
import { rawRequestScope } from "./request-scope.ts";
import { creditRequestSchema } from "./routes/credit-seed-routes.ts";
import { creditAnswer, modelPredictAnswer } from "./routes/predict-answers.ts";
import { recommenderAnswer } from "./routes/recommender-answer.ts";
import { predictBodySchema as recommenderBodySchema } from "./routes/recommender-seed-routes.ts";
import { predictRequestSchema } from "./schemas/prediction-schemas.ts";

/**
 * The prediction routes (credit seed, rating seed without a query string, /v1 predict) without Hono's per-request machinery (Context, compose, the middleware chain, the
 * router): a plain string match on method and path, then the same steps the chain takes for these routes, in
 * the same order, through the same functions: request id, authenticate (failed attempts rate-limited),
 * rate limit, access policy, body size, Accept-Language (credit seed), JSON body and its zod schema, the
 * data-plane operation, problem+json through the same error mapping. A request whose framing is anything
 * but plain (no or non-JSON Content-Type, no Content-Length, chunked, an encoded or non-slug path) is left
 * to Hono, so the rarer refusals (415, 422 for a missing body, 411-like chunked bodies) come from one place.
 * test/fast-path.test.ts checks both paths answer alike, header for header.
 */

/** zod-openapi's media-type gate for `application/json` bodies (a Content-Type it refuses goes to Hono). */
const JSON_REQUEST = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;
/** hono/request-id's test (with the app's MAX_REQUEST_ID_LENGTH limit). */
const UNSAFE_REQUEST_ID = /[^\w\-=]/;
const CREDIT_PATH = "/api/v1/predict";
/** The rating seed's predict; taken only without a query string (its options in the query go to Hono). */
const RECOMMENDER_PATH = "/predict";
const MODELS_PREFIX = "/v1/models/";
const PREDICT_SUFFIX = "/predict";

type FastRoute = { kind: "credit" } | { kind: "recommender" } | { kind: "model"; model: string };

/** The path as Hono reads it (no query), or null when it needs decoding (then Hono decides). */
function plainPath(url: string): string | null {
  const start = url.indexOf("/", url.indexOf(":") + 4);
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const code = url.charCodeAt(i);
    if (code === 37) return null; // '%'
    if (code === 63 || code === 35) {
      end = i;
      break;
    }
  }
  return url.slice(start, end);
}

function matchRoute(path: string, url: string): FastRoute | null {
  if (path === CREDIT_PATH) return { kind: "credit" };
  if (path === RECOMMENDER_PATH) return url.includes("?") ? null : { kind: "recommender" };
  if (!path.startsWith(MODELS_PREFIX) || !path.endsWith(PREDICT_SUFFIX)) return null;
  const model = path.slice(MODELS_PREFIX.length, path.length - PREDICT_SUFFIX.length);
  // The route's own param check: a name it would refuse is left to Hono (which refuses it).
  return slugSchema.safeParse(model).success ? { kind: "model", model } : null;
}

/** Only bodies whose framing the chain would pass untouched: JSON Content-Type, a length, not chunked. */
function plainJsonBody(headers: Headers): boolean {
  const type = headers.get("content-type");
  return (
    type !== null &&
    JSON_REQUEST.test(type) &&
    headers.has("content-length") &&
    !headers.has("transfer-encoding")
  );
}

function validated<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw problems.validation(zodFieldErrors(result.error));
  return result.data;
}

async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new HTTPException(400, { message: "Malformed JSON in request body" });
  }
}

async function serve(
  request: Request,
  env: Bindings,
  ctx: ExecutionContext,
  path: string,
  route: FastRoute,
): Promise<Response> {
  const headers = request.headers;
  const header = (name: string): string | undefined => headers.get(name) ?? undefined;
  const incomingId = headers.get("x-request-id");
  const requestId =
    !incomingId || incomingId.length > MAX_REQUEST_ID_LENGTH || UNSAFE_REQUEST_ID.test(incomingId)
      ? crypto.randomUUID()
      : incomingId;
  let auth: AuthContext | undefined;
  let status = 200;
  let body: string;
  let responseHeaders: Record<string, string>;
  try {
    auth = await authenticateCaller(env, header);
    await limitRequests(env, rateLimitKey(auth.keyId ?? null, header("cf-connecting-ip")));
    const scope = requiredScope(path);
    if (scope !== null) assertScope(env, auth, scope);
    if (request.body && Number.parseInt(headers.get("content-length") || "0", 10) > MAX_BODY_BYTES) {
      throw problems.payloadTooLarge(MAX_BODY_BYTES);
    }
    const language = route.kind === "credit" ? seedLanguageOf(header("accept-language")) : undefined;
    const json = await readJson(request);
    const requestScope = rawRequestScope(env, request, requestId, auth, (promise) => ctx.waitUntil(promise));
    const answer =
      route.kind === "credit"
        ? await creditAnswer(requestScope, validated(creditRequestSchema, json), language ?? "tr")
        : route.kind === "recommender"
          ? await recommenderAnswer(requestScope, validated(recommenderBodySchema, json), {})
          : await modelPredictAnswer(requestScope, route.model, validated(predictRequestSchema, json));
    body = JSON.stringify(answer.body);
    responseHeaders = { "x-request-id": requestId, ...answer.headers, "content-type": "application/json" };
  } catch (error) {
    const view = errorView(error, requestId);
    status = view.status;
    body = problemDocument(view, path);
    responseHeaders = { "x-request-id": requestId, ...problemHeaders(view) };
  }
  if (auth?.open) responseHeaders["x-auth-mode"] = "open";
  return new Response(body, { status, headers: responseHeaders });
}

/** The response for a prediction request this path serves, or null: then the Hono app answers. */
export function fastPath(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> | null {
  if (request.method !== "POST") return null;
  const path = plainPath(request.url);
  if (path === null) return null;
  const route = matchRoute(path, request.url);
  if (route === null || !plainJsonBody(request.headers)) return null;
  return serve(request, env, ctx, path, route);
}
