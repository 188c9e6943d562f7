import { env } from "cloudflare:test";
import type { RequestScope } from "../../worker/platform/request-scope.ts";

/**
 * A data-plane request scope without HTTP: the test's bindings, a fixed request id, an API-key caller and
 * a location; `settle()` waits for what the operation handed to `waitUntil` (log writes, shadows).
 */
export function testScope(overrides: Partial<RequestScope> = {}) {
  const pending: Promise<unknown>[] = [];
  const scope: RequestScope = {
    env,
    requestId: "req-data-plane",
    caller: {
      keyId: "key0123456789abc",
      scopes: ["predict", "admin"],
      anonymous: false,
      method: "api-key",
      open: false,
    },
    subjectHint: null,
    colo: "IST",
    country: "TR",
    waitUntil: (promise) => {
      pending.push(promise);
    },
    ...overrides,
  };
  return { scope, settle: () => Promise.all(pending), pending };
}
