import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { SHIPPED_MODELS } from "../worker/http/schemas/shipped-models.ts";
import { expectProblemJson, workerClient } from "./support/http.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

const { call, get, post } = workerClient();

type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: unknown;
  anyOf?: Schema[];
  items?: Schema;
  not?: Schema;
  example?: unknown;
};
type Operation = {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<
    string,
    { headers?: Record<string, unknown>; content?: Record<string, { schema: Schema }> }
  >;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, { type: string }> };
  security: Record<string, string[]>[];
};

let doc: Document;
const resolve = (schema: Schema | undefined): Schema | undefined =>
  schema?.$ref ? doc.components.schemas[schema.$ref.split("/").at(-1) ?? ""] : schema;
const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );

beforeAll(async () => {
  await seedShippedModels(env);
  doc = (await (await get("/openapi.json")).json()) as Document;
});

describe("OpenAPI document", () => {
  it("gives every seed field its type, range and categories from the shipped manifests", () => {
    const credit = resolve(
      doc.paths["/api/v1/predict"]?.post?.requestBody?.content["application/json"]?.schema,
    );
    expect(credit?.additionalProperties).toBe(false);
    expect(credit?.required).toEqual(["income", "age", "credit_history", "loan_amount", "employment_years"]);
    expect(credit?.properties?.age).toMatchObject({ type: "integer", minimum: 18, maximum: 100 });
    expect(credit?.properties?.credit_history?.enum).toEqual(["good", "fair", "poor", "none"]);
    expect(credit?.example).toMatchObject({ income: 50000, credit_history: "good" });

    const rating = resolve(doc.paths["/predict"]?.post?.requestBody?.content["application/json"]?.schema);
    const [single, batch] = (rating?.anyOf ?? []).map(resolve);
    expect(single?.properties?.item_price).toMatchObject({ type: "number", minimum: 0, maximum: 1000 });
    expect(single?.properties?.user_gender?.enum).toEqual(["M", "F"]);
    expect(Object.keys(single?.properties ?? {})).toEqual(
      expect.arrayContaining(["version_name", "enable_ab_testing", "interval_level"]),
    );
    expect(batch?.type).toBe("array");
  });

  it("documents /v1/models/<model>/predict per shipped model, and the template for any other model", () => {
    for (const model of SHIPPED_MODELS) {
      const op = doc.paths[`/v1/models/${model.model}/predict`]?.post;
      const body = resolve(op?.requestBody?.content["application/json"]?.schema);
      const row = resolve(body?.properties?.inputs);
      expect(Object.keys(row?.properties ?? {}).sort()).toEqual(model.features.map((f) => f.name).sort());
      expect(body?.properties?.interval_level !== undefined).toBe(model.interval_levels.length > 0);
    }
    const generic = doc.paths["/v1/models/{model}/predict"]?.post;
    const param = generic?.parameters?.find((p) => p.name === "model");
    expect(param?.schema?.not?.enum).toEqual(SHIPPED_MODELS.map((m) => m.model));
  });

  it("declares bearer and X-API-Key security, unique operationIds and the shared error responses", () => {
    expect(doc.components.securitySchemes.bearerAuth?.type).toBe("http");
    expect(doc.components.securitySchemes.apiKeyAuth?.type).toBe("apiKey");
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const predict = doc.paths["/v1/models/{model}/predict"]?.post;
    expect(Object.keys(predict?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "400", "401", "403", "404", "413", "415", "422", "429", "503"]),
    );
    expect(predict?.responses["429"]?.headers).toHaveProperty("Retry-After");
    expect(predict?.responses["503"]?.headers).toHaveProperty("Retry-After");
    expect(doc.paths["/v2/health/live"]?.get?.security).toEqual([]);
    expect(doc.paths["/v1/admin/keys"]?.post?.security?.length).toBeGreaterThan(0);
  });

  it("builds the service map at / from the documented routes", async () => {
    const map = (await (await get("/")).json()) as { endpoints: Record<string, string[]> };
    const listed = Object.values(map.endpoints).flat();
    expect(listed).toEqual(
      expect.arrayContaining(["POST /api/v1/predict", "GET /v1/models/{model}/versions"]),
    );
    expect(listed.length).toBe(operations().length);
  });
});

describe("required bodies", () => {
  it.each([
    ["/v2", "get"],
    ["/v2/health/live", "get"],
    ["/v2/health/ready", "get"],
    ["/v2/models/{model}", "get"],
    ["/v2/models/{model}/versions/{version}", "get"],
    ["/v2/models/{model}/ready", "get"],
    ["/v2/models/{model}/versions/{version}/ready", "get"],
    ["/v2/models/{model}/infer", "post"],
    ["/v2/models/{model}/versions/{version}/infer", "post"],
    ["/v1/models/{model}/reports", "get"],
    ["/v1/models/{model}/traffic", "get"],
    ["/v1/admin/audit", "get"],
    ["/api/v1/model-info", "get"],
    ["/model_health", "get"],
    ["/v1/models/{model}/health", "get"],
    ["/v1/models/{model}/reports/{id}", "get"],
  ])("types the 200 response of %s %s with properties, not an open object", (path, method) => {
    const schema = resolve(
      doc.paths[path]?.[method]?.responses["200"]?.content?.["application/json"]?.schema,
    );
    expect(Object.keys(schema?.properties ?? {}).length).toBeGreaterThan(0);
  });

  it("refuses POST /v1/admin/keys without a body (it used to create a key)", async () => {
    const response = await call("POST", "/v1/admin/keys");
    const body = await expectProblemJson<{ errors: { field: string }[] }>(response, 422);
    expect(body.errors.map((error) => error.field)).toEqual(["(body)"]);
    const wrongType = await call("POST", "/v1/admin/keys", "name=x", { "content-type": "text/plain" });
    expect(wrongType.status).toBe(415);
    const invalid = await post("/v1/admin/keys", { scopes: ["root"] });
    const problem = await expectProblemJson<{ errors: { field: string }[] }>(invalid, 422);
    expect(problem.errors.map((error) => error.field)).toEqual(["scopes[0]"]);
  });
});
