import { requestId as honoRequestId } from "hono/request-id";

/**
 * Every response carries `x-request-id`: the caller's when it is sane (word characters, `-` and `=`, at most
 * MAX_REQUEST_ID_LENGTH), else a fresh UUID. Hono's middleware sets it before the handler runs, so responses built with the
 * context (c.json, c.body, problem+json) carry it.
 */
/** The longest caller-supplied request id kept (the fast path in worker/http/fast-path.ts applies the same limit). */
export const MAX_REQUEST_ID_LENGTH = 128;

export const requestId = honoRequestId({ limitLength: MAX_REQUEST_ID_LENGTH });
