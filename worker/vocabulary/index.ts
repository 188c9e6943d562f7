export * from "./engines.ts";
export * from "./limits.ts";
export * from "./routes.ts";
export * from "./scopes.ts";
export * from "./statuses.ts";
export * from "./tasks.ts";
