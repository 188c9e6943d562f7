import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../platform/env.ts";
import { classifyStoreFailure, describeStoreFailure, redactedStoreError } from "../platform/store-failure.ts";
import { DomainError, type FieldError, PROBLEMS, problems, problemTypeUri } from "../problems/index.ts";
import { AUTH_CHALLENGE } from "./middleware/authenticate.ts";

/** What one application/problem+json response says (RFC 9457), before it is rendered. */
interface ProblemView {
  status: ContentfulStatusCode;
  /** Catalogue slug; none for `about:blank` (the status says it all). */
  slug?: string | undefined;
  title: string;
  detail: string;
  errors?: readonly FieldError[];
  extra?: Readonly<Record<string, unknown>>;
  headers?: Record<string, string>;
}

const FRAMEWORK_TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  413: "Payload too large",
  415: "Unsupported media type",
  429: "Too many requests",
};

/** The application/problem+json document of `view` for a request to `instance` (its path). */
export function problemDocument(view: ProblemView, instance: string): string {
  const body = {
    type: problemTypeUri(view.slug),
    title: view.title,
    status: view.status,
    detail: view.detail,
    instance,
    ...(view.errors?.length ? { errors: view.errors } : {}),
    ...view.extra,
    // Open Inference Protocol clients read `error`.
    error: view.detail,
  };
  return JSON.stringify(body);
}

/** The response headers of `view` (its own, then the media type). */
export const problemHeaders = (view: ProblemView): Record<string, string> => ({
  ...view.headers,
  "content-type": "application/problem+json",
});

/** Built with the context, so headers set earlier (x-request-id, x-auth-mode) are kept. */
export function problemResponse(c: Context, view: ProblemView): Response {
  return c.body(problemDocument(view, c.req.path), view.status, problemHeaders(view));
}

/** The one mapping from a catalogue error to HTTP: status, body and the headers its type calls for. */
export function domainErrorView(error: DomainError): ProblemView {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
  if (error.problem === PROBLEMS.unauthorized) headers["www-authenticate"] = AUTH_CHALLENGE;
  return {
    status: error.problem.status as ContentfulStatusCode,
    slug: error.problem.slug,
    title: error.title,
    detail: error.detail,
    errors: error.errors,
    extra: error.extra,
    headers,
  };
}

function frameworkErrorView(error: HTTPException): ProblemView {
  const status = error.status as ContentfulStatusCode;
  return {
    status,
    title: FRAMEWORK_TITLES[status] ?? "Request failed",
    detail: error.message || FRAMEWORK_TITLES[status] || "Request failed",
    slug: status === 400 ? PROBLEMS.badRequest.slug : undefined,
  };
}

/**
 * A storage outage thrown by a binding anywhere below a route (D1, KV or R2 busy, overloaded, unreachable)
 * becomes 503 `store-unavailable` + Retry-After here, once for every endpoint and any statement: routes do
 * not wrap their store calls. The log line names the store and its code, never the binding's message.
 */
function storeOutageView(error: unknown, requestId: string | undefined): ProblemView | null {
  const failure = classifyStoreFailure(error);
  if (!failure) return null;
  console.error(
    JSON.stringify({
      event: "store_unavailable",
      request_id: requestId,
      store: failure.store,
      code: failure.code,
      reason: failure.reason,
    }),
  );
  return domainErrorView(problems.storeUnavailable(failure.store, describeStoreFailure(failure)));
}

/** What any failure becomes (shared by the root `onError` and the prediction fast path); defects are logged. */
export function errorView(error: unknown, requestId: string | undefined): ProblemView {
  if (error instanceof DomainError) return domainErrorView(error);
  if (error instanceof HTTPException) return frameworkErrorView(error);
  const outage = storeOutageView(error, requestId);
  if (outage) return outage;
  // A D1 defect (syntax, constraint) quotes its statement, its values or fragments of them: logged redacted,
  // with the stack's frames but not its first line (which repeats the message).
  const redacted = redactedStoreError(error);
  const stack = error instanceof Error ? error.stack : undefined;
  console.error(
    JSON.stringify({
      event: "unhandled_error",
      request_id: requestId,
      error: redacted ?? String(error),
      stack: redacted
        ? stack
            ?.split("\n")
            .filter((line) => /^\s+at /.test(line))
            .join("\n")
        : stack,
    }),
  );
  // Only a defect lands here: every known failure is a DomainError or HTTPException with its own status.
  return domainErrorView(problems.internalError());
}

/** The root `onError`: every failure leaves as application/problem+json, never a bare 500. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  const response = problemResponse(c, errorView(error, c.get("requestId")));
  const id = c.get("requestId");
  if (id) response.headers.set("x-request-id", id);
  return response;
}
