import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface FieldError {
  /** JSON pointer-ish path of the bad field, e.g. `inputs.age` or `instances[3].item_price`. */
  field: string;
  message: string;
}

export interface ProblemInit {
  status: ContentfulStatusCode;
  title: string;
  detail?: string;
  /** Short slug; the problem `type` becomes `urn:edge-inference:problem:<slug>`. */
  type?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
}

/** An RFC 9457 problem thrown anywhere below the root app and rendered by its `onError`. */
export class ProblemError extends Error {
  readonly init: ProblemInit;
  constructor(init: ProblemInit) {
    super(init.detail ?? init.title);
    this.name = "ProblemError";
    this.init = init;
  }
}

export const problemType = (slug: string | undefined): string =>
  slug ? `urn:edge-inference:problem:${slug}` : "about:blank";

export function problemBody(init: ProblemInit, instance?: string): Record<string, unknown> {
  const detail = init.detail ?? init.title;
  return {
    type: problemType(init.type),
    title: init.title,
    status: init.status,
    detail,
    ...(instance ? { instance } : {}),
    ...(init.errors?.length ? { errors: init.errors } : {}),
    ...init.extra,
    // Open Inference Protocol clients read `error`.
    error: detail,
  };
}

/** Built with the context, so headers set earlier (x-request-id, x-auth-mode) are kept. */
export function problemResponse(c: Context, init: ProblemInit): Response {
  return c.body(JSON.stringify(problemBody(init, c.req.path)), init.status, {
    ...init.headers,
    "content-type": "application/problem+json",
  });
}

export const validationProblem = (errors: FieldError[], detail?: string): ProblemError =>
  new ProblemError({
    status: 422,
    type: "validation",
    title: "Invalid request",
    detail: detail ?? errors.map((error) => `${error.field}: ${error.message}`).join("; "),
    errors,
  });

export const notFoundProblem = (detail: string): ProblemError =>
  new ProblemError({ status: 404, type: "not-found", title: "Not found", detail });
