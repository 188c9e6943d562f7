/**
 * A thin HTTP client for the Worker's admin API that turns problem+json bodies into readable errors and
 * retries, with exponential backoff and jitter, registry write conflicts (409 registry-conflict) and
 * idempotent requests a store outage refused (503 store-unavailable, waiting about its Retry-After).
 */
import {
  backoffMs,
  isIdempotentMethod,
  isRetryableConflict,
  isRetryableUnavailable,
  type RetryPolicy,
  retryPolicy,
} from "./retry.ts";

export interface ClientOptions {
  url: string;
  token?: string | undefined;
  /** Where retry notices go (stderr by default). */
  warn?: (line: string) => void;
  /** How often and how long to retry (by default from this process's EDGE_CLI_RETRIES). */
  retry?: RetryPolicy;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

function describeProblem(status: number, text: string): string {
  let problem: Problem | null = null;
  try {
    problem = JSON.parse(text) as Problem;
  } catch {
    problem = null;
  }
  if (!problem || typeof problem !== "object") return `HTTP ${status}: ${text.slice(0, 500)}`;
  const lines = [`${problem.title ?? "Request failed"} (HTTP ${status}): ${problem.detail ?? ""}`.trim()];
  for (const error of problem.errors ?? []) lines.push(`  - ${error.field}: ${error.message}`);
  if (status === 401)
    lines.push("  hint: pass --token or set EDGE_ADMIN_TOKEN (an admin token or admin-scoped API key)");
  if (status === 403) lines.push("  hint: this credential lacks the admin scope");
  return lines.join("\n");
}

export interface ApiResult<T> {
  status: number;
  body: T;
  headers: Headers;
  /** An earlier attempt met a store outage (503): a change may have been committed by that attempt. */
  retriedAfterOutage: boolean;
}

export async function callApi<T = Record<string, unknown>>(
  options: ClientOptions,
  method: string,
  path: string,
  body?: unknown,
  /** Whether sending the request twice has the effect of sending it once (by default: its method says). */
  idempotent = isIdempotentMethod(method),
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const url = new URL(path, options.url.endsWith("/") ? options.url : `${options.url}/`);
  const policy = options.retry ?? retryPolicy();
  const warn = options.warn ?? ((line: string) => console.error(line));
  let retriedAfterOutage = false;
  for (let attempt = 1; ; attempt += 1) {
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? String(error)}\n  hint: is the Worker running (npm start) and is --url / EDGE_URL right?`,
        2,
      );
    }
    const text = await response.text();
    const conflict = isRetryableConflict(response.status, text);
    const outage = isRetryableUnavailable(idempotent, response.status, text);
    if ((conflict || outage) && attempt < policy.attempts) {
      const delay = backoffMs(policy, attempt, response.headers.get("retry-after"));
      const reason = conflict
        ? "registry busy (HTTP 409 registry-conflict"
        : "storage unavailable (HTTP 503 store-unavailable";
      warn(
        `${reason} on ${method} ${url.pathname}): retrying in ${(delay / 1000).toFixed(2)} s (attempt ${attempt + 1} of ${policy.attempts})`,
      );
      retriedAfterOutage ||= outage;
      await new Promise((resolve) => setTimeout(resolve, delay));
      continue;
    }
    return finish<T>(response, text, url, retriedAfterOutage);
  }
}

function finish<T>(response: Response, text: string, url: URL, retriedAfterOutage: boolean): ApiResult<T> {
  if (!response.ok) throw new CliError(describeProblem(response.status, text));
  try {
    return {
      status: response.status,
      body: JSON.parse(text) as T,
      headers: response.headers,
      retriedAfterOutage,
    };
  } catch {
    throw new CliError(`unexpected non-JSON response from ${url.pathname} (HTTP ${response.status})`);
  }
}
