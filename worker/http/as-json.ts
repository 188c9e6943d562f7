import type { JSONValue } from "hono/utils/types";

/** For documents with open-ended members (params, metrics): typed as plain JSON for `c.json`. */
export const asJson = (value: object): { [key: string]: JSONValue } => value as { [key: string]: JSONValue };
