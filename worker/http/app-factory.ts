import { OpenAPIHono } from "@hono/zod-openapi";
import type { Router } from "hono/router";
import type { H, RouterRoute } from "hono/types";
import type { AppEnv } from "../platform/env.ts";
import { problems, zodFieldErrors } from "../problems/index.ts";
import { requireBody } from "./require-body.ts";

type RouteConfig = Parameters<OpenAPIHono<AppEnv>["openapi"]>[0];

/**
 * Every (sub-)app is built here, so zod failures anywhere become one 422 problem naming every bad field, and
 * an operation whose body is required refuses a request without one.
 */
export function createApiApp(options: { router?: Router<[H, RouterRoute]> } = {}): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    ...options,
    defaultHook: (result) => {
      if (!result.success) throw problems.validation(zodFieldErrors(result.error));
    },
  });
  const register = app.openapi;
  app.openapi = ((route: RouteConfig, ...rest: unknown[]) => {
    if (!route.request?.body?.required) return (register as (...args: unknown[]) => unknown)(route, ...rest);
    const middleware = route.middleware ? [route.middleware].flat() : [];
    return (register as (...args: unknown[]) => unknown)(
      { ...route, middleware: [requireBody, ...middleware] },
      ...rest,
    );
  }) as typeof app.openapi;
  return app;
}
