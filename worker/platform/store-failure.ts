/**
 * Recognises an outage of a storage binding (D1, KV, R2) in an error one of them threw, so the Worker can
 * answer 503 + Retry-After instead of a 500, and describes it without the binding's own text (which may
 * quote SQL, table names or object keys). Pure: no binding is called here.
 *
 * The bindings throw plain `Error`s whose messages follow stable formats:
 * - D1: `D1_ERROR: <sqlite message>: SQLITE_<CODE>` (workerd and D1 alike), or a D1 platform message
 *   (`D1 DB is overloaded…`, `Network connection lost.`, `…reset because…`, `…exceeded timeout…`).
 * - KV: `KV <OP> failed: <HTTP status> <text>`.
 * - R2: `<op>: <message> (<R2 error code>)`.
 * Failures of the store (busy, locked, I/O, full, overloaded, unreachable, 5xx/429, a table the schema
 * lacks) are outages; failures of the request (syntax, constraint, bind type, key too long, 4xx) are
 * defects and stay 500.
 */

type StoreName = "D1" | "KV" | "R2";

export interface StoreFailure {
  store: StoreName;
  /** Short, fixed wording safe to show a client: never the binding's own message. */
  reason: string;
  /** The store's own error code (`SQLITE_BUSY`, `503`, `10001`), for logs and tests. */
  code: string;
}

/** SQLite result codes that mean the database could not serve, not that the statement was wrong. */
const SQLITE_OUTAGES: Record<string, string> = {
  SQLITE_BUSY: "busy (locked by another connection)",
  SQLITE_LOCKED: "busy (a table is locked)",
  SQLITE_IOERR: "failing storage I/O",
  SQLITE_FULL: "full",
  SQLITE_READONLY: "read-only",
  SQLITE_CANTOPEN: "not openable",
  SQLITE_NOTADB: "not openable",
  SQLITE_CORRUPT: "reporting corruption",
  SQLITE_NOMEM: "out of memory",
  SQLITE_PROTOCOL: "busy (locking protocol)",
  SQLITE_INTERRUPT: "interrupted",
};

/** D1 platform failures (Cloudflare's D1 error list): the database or the path to it, never the query. */
const D1_PLATFORM_OUTAGES: ReadonlyArray<[RegExp, string]> = [
  [/overloaded|too many requests queued|queued for too long/i, "overloaded"],
  [/network connection lost|transient issue|cannot resolve d1/i, "unreachable"],
  [/exceeded timeout|timed out|time limit/i, "timing out"],
  [/reset because|caused object to be reset|exceeded its (memory|cpu)/i, "restarting"],
  [/maximum db size|database (or disk )?is full/i, "full"],
  [/internal error/i, "failing (internal error)"],
];

/** A table the statement needs does not exist: the schema is behind the code (migrations not applied). */
const MISSING_TABLE = /no such table/i;

const SQLITE_CODE = /\b(SQLITE_[A-Z]+)\b/;
const KV_FAILURE = /^KV [A-Z_]+ failed: (\d{3})\b/;
const R2_FAILURE = /^[a-zA-Z]+: .*\((\d{1,6})\)\s*$/;
/**
 * R2: internal error, service unavailable, too many requests on one object; 0 is "Unspecified error", what
 * the binding reports when the service failed without an R2 error code (e.g. its storage could not write).
 */
const R2_OUTAGE_CODES: Record<string, string> = {
  "0": "failing (unspecified error)",
  "10001": "failing (internal error)",
  "10043": "temporarily unavailable",
  "10058": "rate-limiting this object",
};

function messagesOf(error: unknown): string[] {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth += 1) {
    if (current instanceof Error) messages.push(current.message);
    else if (typeof current === "string") messages.push(current);
    else break;
    current = current instanceof Error ? current.cause : undefined;
  }
  return messages;
}

function classifyD1(message: string): StoreFailure | null {
  const isD1 = /^D1_/.test(message) || /\bD1\b/.test(message);
  if (!isD1) return null;
  const code = SQLITE_CODE.exec(message)?.[1];
  if (code && code in SQLITE_OUTAGES) {
    return { store: "D1", reason: SQLITE_OUTAGES[code] as string, code };
  }
  if (MISSING_TABLE.test(message)) {
    return { store: "D1", reason: "missing a table (migrations not applied)", code: code ?? "SQLITE_ERROR" };
  }
  if (code) return null;
  for (const [pattern, reason] of D1_PLATFORM_OUTAGES) {
    if (pattern.test(message)) return { store: "D1", reason, code: "D1_PLATFORM" };
  }
  return null;
}

function classifyKv(message: string): StoreFailure | null {
  const status = KV_FAILURE.exec(message)?.[1];
  if (!status) return null;
  const value = Number(status);
  if (value === 429) return { store: "KV", reason: "rate-limiting writes", code: status };
  return value >= 500 ? { store: "KV", reason: "failing (server error)", code: status } : null;
}

function classifyR2(message: string): StoreFailure | null {
  const code = R2_FAILURE.exec(message)?.[1];
  const reason = code ? R2_OUTAGE_CODES[code] : undefined;
  return code && reason ? { store: "R2", reason, code } : null;
}

/** The outage `error` reports, or null when it is not a storage outage (a defect, or not from a binding). */
export function classifyStoreFailure(error: unknown): StoreFailure | null {
  for (const message of messagesOf(error)) {
    const failure = classifyD1(message) ?? classifyKv(message) ?? classifyR2(message);
    if (failure) return failure;
  }
  return null;
}

/** What a store does for this Worker, for the wording of a 503 or a health reason. */
export const STORE_ROLES: Record<StoreName, string> = {
  D1: "D1 (registry authority, monitoring summaries, audit log, feedback)",
  KV: "KV (model registry, API keys)",
  R2: "R2 (model artifacts and reports)",
};

/** One line for a client: the store and its state, e.g. `D1 (registry authority, …) is busy (…)`. */
export const describeStoreFailure = (failure: StoreFailure): string =>
  `${STORE_ROLES[failure.store]} is ${failure.reason}`;

/** drizzle wraps a D1 error as `Failed query: <statement>\nparams: <values>` (its cause is the D1 error). */
const WRAPPED_QUERY = /^Failed query:/;

/**
 * For logging an error that came from D1 (directly or wrapped by drizzle) but is a defect (syntax,
 * constraint): the D1 messages of its chain with quoted fragments removed, never the statement or its
 * values. Null when no storage binding is involved (log it as it is).
 */
export function redactedStoreError(error: unknown): string | null {
  const messages = messagesOf(error);
  if (!messages.some((message) => /\bD1_/.test(message) || WRAPPED_QUERY.test(message))) return null;
  return messages
    .map((message) =>
      WRAPPED_QUERY.test(message) ? "Failed query: [statement redacted]" : redactStoreMessage(message),
    )
    .join(" <- ");
}

/** A binding's error message with quoted fragments and anything after `SQL:` or `params:` removed. */
export function redactStoreMessage(message: string): string {
  return message
    .replace(/\b(SQL|params):.*$/is, "$1: [redacted]")
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, "[…]")
    .slice(0, 300);
}

/**
 * Any error as one log-safe line: a storage error (D1 direct or drizzle-wrapped) redacted as above, anything
 * else as `String(error)`; at most `max` characters. For log lines and spill metadata in jobs and services.
 */
export const loggableError = (error: unknown, max = 500): string =>
  (redactedStoreError(error) ?? String(error)).slice(0, max);
