import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import problemsDoc from "../docs/problems.md?raw";
import { renderProblemsDoc } from "../scripts/docs/problems-table.ts";
import { PROBLEM_URN_PREFIX, PROBLEMS } from "../worker/problems/catalogue.ts";
import * as factories from "../worker/problems/factories.ts";
import { expectProblemJson, workerClient } from "./support/http.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

const sources = import.meta.glob<string>("../worker/**/*.ts", {
  query: "?raw",
  import: "default",
  eager: true,
});
const outsideCatalogue = Object.entries(sources).filter(([path]) => !path.startsWith("../worker/problems/"));
const factoriesSource = sources["../worker/problems/factories.ts"] ?? "";

describe("problem catalogue", () => {
  it("is documented: docs/problems.md is generated from it and lists every type", () => {
    expect(problemsDoc).toBe(renderProblemsDoc());
    for (const entry of Object.values(PROBLEMS)) {
      expect(problemsDoc, entry.slug).toContain(`| \`${entry.slug}\` | ${entry.status} |`);
    }
  });

  it("has one slug per type, each a stable kebab-case name with a client or server status", () => {
    const statusBySlug = new Map<string, Set<number>>();
    for (const entry of Object.values(PROBLEMS)) {
      expect(entry.slug).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      statusBySlug.set(entry.slug, (statusBySlug.get(entry.slug) ?? new Set()).add(entry.status));
    }
    // A slug appears twice only with two statuses (engine-unavailable: 422 at publish, 503 at serving).
    for (const [slug, statuses] of statusBySlug) {
      const entries = Object.values(PROBLEMS).filter((entry) => entry.slug === slug);
      expect(entries.length, slug).toBe(statuses.size);
    }
  });

  it("has a factory for every entry", () => {
    expect(Object.keys(factories).length).toBeGreaterThan(0);
    for (const name of Object.keys(PROBLEMS)) {
      expect(factoriesSource, name).toContain(`PROBLEMS.${name}`);
    }
  });

  it("is the only source of problem types in the Worker (a scan of worker/**/*.ts)", () => {
    expect(outsideCatalogue.length).toBeGreaterThan(50);
    const offenders: string[] = [];
    for (const [path, source] of outsideCatalogue) {
      if (/new DomainError\(/.test(source))
        offenders.push(`${path}: constructs a DomainError outside the factories`);
      if (source.includes(PROBLEM_URN_PREFIX)) offenders.push(`${path}: spells a problem URN`);
      if (/\bslug:\s*"/.test(source)) offenders.push(`${path}: a slug literal`);
      if (/\btype:\s*"[a-z]+(-[a-z]+)+"/.test(source) && /problem/i.test(source)) {
        offenders.push(`${path}: a problem-like \`type: "…"\` literal`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("keeps HTTP out of the domain folders", () => {
    const domain = outsideCatalogue.filter(([path]) =>
      /^\.\.\/worker\/(repository|inference|monitoring|data-plane|tasks|engine|contracts|dashboard|jobs|auth)\//.test(
        path,
      ),
    );
    expect(domain.length).toBeGreaterThan(20);
    const offenders = domain
      .filter(([, source]) => /from "(\.\.\/)+http\/|from "hono/.test(source))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });

  it("answers with catalogue types over HTTP; an unknown version is version-not-found on predict and metadata", async () => {
    await seedShippedModels(env, ["kredipusula"]);
    const client = workerClient();
    const known = new Set(Object.values(PROBLEMS).map((entry) => `${PROBLEM_URN_PREFIX}${entry.slug}`));
    const cases: Array<[Promise<Response>, number, string]> = [
      [client.get("/no/such/route"), 404, "not-found"],
      [client.get("/v1/models/no_such_model"), 404, "model-not-found"],
      [client.get("/v1/models/kredipusula/versions/no_such_version"), 404, "version-not-found"],
      [client.get("/v2/models/kredipusula/versions/no_such_version"), 404, "version-not-found"],
      [
        client.post("/v1/models/kredipusula/predict", { inputs: {}, version: "no_such_version" }),
        404,
        "version-not-found",
      ],
    ];
    const bodies: Array<Record<string, unknown>> = [];
    for (const [request, status, slug] of cases) {
      const body = await expectProblemJson<Record<string, unknown>>(await request, status);
      expect(known.has(String(body.type))).toBe(true);
      expect(body.type).toBe(`${PROBLEM_URN_PREFIX}${slug}`);
      bodies.push(body);
    }
    // The same problem wherever the version is unknown: only `instance` differs.
    const [, , v1Metadata, v2Metadata, predict] = bodies.map(({ instance: _path, ...rest }) => rest);
    expect(v1Metadata).toEqual(predict);
    expect(v2Metadata).toEqual(predict);
  });
});
