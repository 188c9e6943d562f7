/** HTTP helpers shared by the workerd tests: requests through SELF and problem+json checks. */
import { SELF } from "cloudflare:test";
import { expect } from "vitest";

/** The origin the tests call the Worker on (any host reaches SELF). */
export const BASE = "http://edge.test";

export type HeaderMap = Record<string, string>;

/**
 * A request with an optional JSON body: content-type only when there is a body (a header passed in wins);
 * a string body is sent as-is, for malformed-JSON cases, anything else JSON-encoded.
 */
export function jsonRequestInit(method: string, body?: unknown, headers: HeaderMap = {}): RequestInit {
  if (body === undefined) return { method, headers };
  return {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** `call`, `get` and `post` through `SELF.fetch` on one origin. */
export function workerClient(base = BASE) {
  const call = (method: string, path: string, body?: unknown, headers: HeaderMap = {}) =>
    SELF.fetch(`${base}${path}`, jsonRequestInit(method, body, headers));
  return {
    call,
    get: (path: string, headers: HeaderMap = {}) => call("GET", path, undefined, headers),
    post: (path: string, body: unknown, headers: HeaderMap = {}) => call("POST", path, body, headers),
  };
}

/** Expects an application/problem+json response with this status; returns its parsed body. */
export async function expectProblemJson<T>(response: Response, status: number): Promise<T> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  return (await response.json()) as T;
}
