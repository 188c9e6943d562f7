import { requiredScope } from "./middleware/access-policy.ts";
import { RATE_LIMIT_PERIOD_SECONDS } from "./middleware/rate-limit.ts";
import {
  featureRowJsonSchema,
  type JsonSchema,
  modelPredictRequestJsonSchema,
} from "./schemas/feature-schemas.ts";
import type { ShippedModel } from "./schemas/shipped-model-types.ts";
import { SHIPPED_MODELS } from "./schemas/shipped-models.ts";

type Operation = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  parameters?: { name: string; in: string; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, unknown>;
  security?: Record<string, string[]>[];
};
type PathItem = Record<string, Operation>;
export type OpenApiDocument = {
  paths?: Record<string, PathItem>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  security?: Record<string, string[]>[];
};

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);
const PROBLEM = { $ref: "#/components/schemas/Problem" };
const retryAfter = {
  "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer", minimum: 0 } },
};

const problem = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/problem+json": { schema: PROBLEM } },
});

const SECURITY_SCHEMES = {
  bearerAuth: {
    type: "http",
    scheme: "bearer",
    description:
      "The admin token (ADMIN_TOKEN) or an API key (`ei_…`) as `Authorization: Bearer <credential>`.",
  },
  apiKeyAuth: { type: "apiKey", in: "header", name: "X-API-Key", description: "An API key (`ei_…`)." },
} as const;
const CREDENTIALS: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKeyAuth: [] }];

function* operations(document: OpenApiDocument): Generator<[string, string, Operation]> {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (METHODS.has(method) && typeof operation === "object" && operation !== null)
        yield [path, method, operation];
    }
  }
}

/** `post /v1/models/{model}/predict` → `postV1ModelsModelPredict`, for operations without their own id. */
function derivedOperationId(method: string, path: string): string {
  const words = path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1));
  return method + (words.join("") || "Root");
}

/**
 * The responses every route shares because of middleware and validators, not its own handler: 401/403 where
 * the access policy asks for a scope (from the policy's own table, so the document cannot drift from what is
 * enforced), 429 from the rate limiter, 413/415/400 on bodies, 422 wherever zod validates an input.
 */
function addCommonResponses(path: string, method: string, op: Operation): void {
  const scope = requiredScope(path.replace(/\{[^}]+\}/g, "x"));
  op.responses ??= {};
  const responses = op.responses;
  // Wrong credentials are refused on every path, public ones included.
  responses["401"] ??= problem("Missing or invalid credentials (Authorization: Bearer or X-API-Key)", {
    "WWW-Authenticate": { description: "The Bearer challenge", schema: { type: "string" } },
  });
  if (scope) {
    responses["403"] ??= problem(`The credential lacks the "${scope}" scope`);
    op.security ??= CREDENTIALS;
  } else {
    op.security = [];
  }
  responses["429"] = problem(
    `Rate limit exceeded; retry after Retry-After seconds (${RATE_LIMIT_PERIOD_SECONDS})`,
    retryAfter,
  );
  const hasBody = op.requestBody !== undefined || method === "post" || method === "put" || method === "patch";
  if (hasBody) {
    responses["413"] ??= problem("Request body too large");
    responses["415"] ??= problem("Content-Type is not one the operation accepts");
  }
  if (op.requestBody) responses["400"] ??= problem("Malformed body (JSON or multipart framing)");
  if (op.requestBody || (op.parameters?.length ?? 0) > 0)
    responses["422"] ??= problem("Validation failed; `errors` names every bad field");
  const unavailable = responses["503"] as { headers?: unknown } | undefined;
  if (unavailable && typeof unavailable === "object") unavailable.headers ??= retryAfter;
}

const pascal = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join("");

type PerModel = {
  template: string;
  verb: string;
  /** Request body schema for one shipped model, or undefined when the model has no such operation. */
  body: (model: ShippedModel, name: string) => JsonSchema | undefined;
};

/**
 * Operations on `/v1/models/{model}/...` are documented once per shipped model with that model's request
 * schema (fields, types, ranges, categories, examples from its manifest); the templated path stays for every
 * other model, its `model` parameter excluding the shipped names (OpenAPI matches concrete paths first).
 */
function addShippedModelPaths(document: OpenApiDocument, spec: PerModel): void {
  const generic = document.paths?.[spec.template]?.post;
  if (!generic || !document.paths) return;
  const components = document.components ?? {};
  const schemas = components.schemas ?? {};
  components.schemas = schemas;
  document.components = components;
  const shipped = SHIPPED_MODELS.map((model) => model.model);
  const modelParam = generic.parameters?.find((parameter) => parameter.name === "model");
  if (modelParam?.schema) {
    const { example: _example, ...schema } = modelParam.schema;
    modelParam.schema = { ...schema, not: { enum: shipped }, example: "my-model" };
    delete (modelParam as { example?: unknown }).example;
    (modelParam as { description?: string }).description =
      `A published model other than the shipped ones (${shipped.join(", ")}), which have their own paths with typed bodies.`;
  }
  for (const model of SHIPPED_MODELS) {
    const name = pascal(model.model);
    const body = spec.body(model, name);
    if (!body) continue;
    schemas[`${name}${spec.verb}Request`] = body;
    const operation: Operation = structuredClone(generic);
    operation.operationId = `${spec.verb.toLowerCase()}${name}`;
    operation.summary = `${model.title}: ${generic.summary ?? spec.verb}`;
    operation.parameters = (operation.parameters ?? []).filter((parameter) => parameter.name !== "model");
    if (operation.parameters.length === 0) delete operation.parameters;
    operation.requestBody = {
      ...operation.requestBody,
      content: {
        "application/json": { schema: { $ref: `#/components/schemas/${name}${spec.verb}Request` } },
      },
    };
    document.paths[spec.template.replace("{model}", model.model)] = { post: operation };
  }
}

function addPerModelPaths(document: OpenApiDocument, maxRows: number): void {
  const schemas: Record<string, unknown> = {};
  addShippedModelPaths(document, {
    template: "/v1/models/{model}/predict",
    verb: "Predict",
    body: (model, name) => {
      schemas[`${name}Features`] = featureRowJsonSchema(model);
      return modelPredictRequestJsonSchema(model, { $ref: `#/components/schemas/${name}Features` }, maxRows);
    },
  });
  addShippedModelPaths(document, {
    template: "/v1/models/{model}/recommendations",
    verb: "Recommend",
    body: (model, name) => {
      const generic = document.components?.schemas?.RecommendRequest as JsonSchema | undefined;
      const catalog = model.catalog_features;
      if (!catalog || !generic) return undefined;
      const user = featureRowJsonSchema({
        ...model,
        features: model.features.filter((feature) => !catalog.includes(feature.name)),
        examples: model.examples.map((row) =>
          Object.fromEntries(Object.entries(row).filter(([key]) => !catalog.includes(key))),
        ),
      });
      schemas[`${name}User`] = user;
      const properties = (generic.properties ?? {}) as Record<string, JsonSchema>;
      const [example] = model.examples;
      return {
        ...generic,
        properties: { ...properties, user: { $ref: `#/components/schemas/${name}User` } },
        ...(example ? { example: { user: user.example, k: 5 } } : {}),
      };
    },
  });
  Object.assign(document.components?.schemas ?? {}, schemas);
}

/** Everything the zod routes cannot say by themselves: security, shared responses, ids, per-model paths. */
export function finishDocument<T extends object>(input: T, options: { maxRows: number }): T {
  const document = input as OpenApiDocument;
  addPerModelPaths(document, options.maxRows);
  document.components = { ...document.components, securitySchemes: { ...SECURITY_SCHEMES } };
  document.security = CREDENTIALS;
  const seen = new Set<string>();
  for (const [path, method, op] of operations(document)) {
    addCommonResponses(path, method, op);
    let id = op.operationId ?? derivedOperationId(method, path);
    while (seen.has(id)) id = `${id}_`;
    op.operationId = id;
    seen.add(id);
  }
  return input;
}
