import type { ProblemEntry } from "./catalogue.ts";

export interface FieldError {
  /** JSON pointer-ish path of the bad field, e.g. `inputs.age` or `instances[3].item_price`. */
  field: string;
  message: string;
}

interface DomainErrorInit {
  detail: string;
  /** A title more specific than the catalogue's for this occurrence (same type, same status). */
  title?: string;
  errors?: FieldError[];
  /** Members added to the problem body, e.g. `versions` or `limit_bytes`. */
  extra?: Record<string, unknown>;
  /** Overrides the catalogue's Retry-After when the wait is known here (e.g. the rate limiter's period). */
  retryAfterSeconds?: number;
}

/**
 * A failure from the catalogue, raised anywhere (domain code included) and turned into a response only by
 * worker/http/error-handler.ts. It names its catalogue entry; it carries no headers or response.
 */
export class DomainError extends Error {
  readonly problem: ProblemEntry;
  readonly title: string;
  readonly detail: string;
  readonly errors: readonly FieldError[];
  readonly extra: Readonly<Record<string, unknown>>;
  readonly retryAfterSeconds: number | undefined;

  constructor(problem: ProblemEntry, init: DomainErrorInit) {
    super(init.detail);
    this.name = "DomainError";
    this.problem = problem;
    this.title = init.title ?? problem.title;
    this.detail = init.detail;
    this.errors = init.errors ?? [];
    this.extra = init.extra ?? {};
    this.retryAfterSeconds = init.retryAfterSeconds ?? problem.retryAfterSeconds;
  }

  /** Failures on the server's side (5xx): they count against the model; a client's bad input does not. */
  get serverSide(): boolean {
    return this.problem.status >= 500;
  }
}
