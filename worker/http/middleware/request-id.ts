import { requestId as honoRequestId } from "hono/request-id";

/**
 * Every response carries `x-request-id`: the caller's when it is sane (word characters, `-` and `=`, at most
 * 128), else a fresh UUID. Hono's middleware sets it before the handler runs, so responses built with the
 * context (c.json, c.body, problem+json) carry it.
 */
export const requestId = honoRequestId({ limitLength: 128 });
