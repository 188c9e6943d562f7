import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../platform/env.ts";
import { ProblemError, problemResponse } from "./problem.ts";

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  413: "Payload too large",
  415: "Unsupported media type",
  429: "Too many requests",
};

/** The root `onError`: every failure leaves as application/problem+json, never a bare 500. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  let response: Response;
  if (error instanceof ProblemError) {
    response = problemResponse(c, error.init);
  } else if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    response = problemResponse(c, {
      status,
      title: TITLES[status] ?? "Request failed",
      detail: error.message || TITLES[status] || "Request failed",
      type: status === 400 ? "bad-request" : undefined,
    });
  } else {
    console.error(
      JSON.stringify({
        event: "unhandled_error",
        request_id: c.get("requestId"),
        error: String(error),
        stack: error.stack,
      }),
    );
    response = problemResponse(c, {
      // Only a defect lands here: every known failure is a ProblemError or HTTPException with its own status.
      status: 500,
      type: "internal",
      title: "Internal error",
      detail: "An unexpected error occurred; it has been logged with this request id.",
    });
  }
  const id = c.get("requestId");
  if (id) response.headers.set("x-request-id", id);
  return response;
}
