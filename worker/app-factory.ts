import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./env.ts";
import { validationProblem } from "./http/problem.ts";
import { zodFieldErrors } from "./http/zod-errors.ts";

/** Every (sub-)app is built here, so zod failures anywhere become one 422 problem naming every bad field. */
export function createApiApp(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(zodFieldErrors(result.error));
    },
  });
}
