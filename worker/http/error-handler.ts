import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../platform/env.ts";
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

/** Built with the context, so headers set earlier (x-request-id, x-auth-mode) are kept. */
export function problemResponse(c: Context, view: ProblemView): Response {
  const body = {
    type: problemTypeUri(view.slug),
    title: view.title,
    status: view.status,
    detail: view.detail,
    instance: c.req.path,
    ...(view.errors?.length ? { errors: view.errors } : {}),
    ...view.extra,
    // Open Inference Protocol clients read `error`.
    error: view.detail,
  };
  return c.body(JSON.stringify(body), view.status, {
    ...view.headers,
    "content-type": "application/problem+json",
  });
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

/** The root `onError`: every failure leaves as application/problem+json, never a bare 500. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  let view: ProblemView;
  if (error instanceof DomainError) {
    view = domainErrorView(error);
  } else if (error instanceof HTTPException) {
    view = frameworkErrorView(error);
  } else {
    console.error(
      JSON.stringify({
        event: "unhandled_error",
        request_id: c.get("requestId"),
        error: String(error),
        stack: error.stack,
      }),
    );
    // Only a defect lands here: every known failure is a DomainError or HTTPException with its own status.
    view = domainErrorView(problems.internalError());
  }
  const response = problemResponse(c, view);
  const id = c.get("requestId");
  if (id) response.headers.set("x-request-id", id);
  return response;
}
