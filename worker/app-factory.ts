import { OpenAPIHono } from "@hono/zod-openapi";
import type { Router } from "hono/router";
import type { H, RouterRoute } from "hono/types";
import type { AppEnv } from "./env.ts";
import { validationProblem } from "./http/problem.ts";
import { zodFieldErrors } from "./http/zod-errors.ts";

/** Every (sub-)app is built here, so zod failures anywhere become one 422 problem naming every bad field. */
export function createApiApp(options: { router?: Router<[H, RouterRoute]> } = {}): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    ...options,
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(zodFieldErrors(result.error));
    },
  });
}
