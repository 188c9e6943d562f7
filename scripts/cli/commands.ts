import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { AuditRow } from "../../worker/repository/audit-log.ts";
import { CliError, type ClientOptions, callApi } from "./admin-client.ts";
import { prepareCandidate } from "./candidate.ts";
import type { ParsedArgs } from "./cli-args.ts";
import { type MlflowClient, parseModelUri } from "./mlflow-client.ts";
import { syncChampion } from "./mlflow-sync.ts";

interface RegistryView {
  model: string;
  default_version: string;
  previous_defaults: string[];
  versions: Record<string, { status: string; sha256: string; bytes: number; published_at: string }>;
  traffic: { weights: Record<string, number>; shadow: string[]; salt: string };
  revision: number;
  kv_revision?: number | null;
  changed?: boolean;
  propagation?: string;
}

export interface CommandContext {
  client: ClientOptions;
  args: ParsedArgs;
  json: boolean;
  out: (line: string) => void;
  /** stderr: retries, warnings, MLflow sync failures. */
  warn: (line: string) => void;
  /** The MLflow tracking server to keep in step (MLFLOW_TRACKING_URI / --mlflow), or null. */
  mlflow: MlflowClient | null;
}

const need = (value: string | undefined, usage: string): string => {
  if (!value) throw new CliError(`missing argument\n  usage: ${usage}`, 64);
  return value;
};
const relativeToCwd = (file: string) => relative(process.cwd(), file) || ".";
const path = (...parts: string[]) => parts.map(encodeURIComponent).join("/");

function printRegistry(ctx: CommandContext, view: RegistryView, retriedAfterOutage = false): void {
  const weights = Object.entries(view.traffic?.weights ?? {});
  ctx.out(
    `${view.model}  default=${view.default_version}  revision=${view.revision}${view.kv_revision !== undefined ? ` (kv ${view.kv_revision ?? "-"})` : ""}`,
  );
  for (const [version, entry] of Object.entries(view.versions).sort(([a], [b]) => a.localeCompare(b))) {
    const marks = [
      version === view.default_version ? "default" : "",
      view.traffic.weights[version] !== undefined ? `weight ${view.traffic.weights[version]}` : "",
      view.traffic.shadow.includes(version) ? "shadow" : "",
    ].filter(Boolean);
    ctx.out(
      `  ${version.padEnd(28)} ${entry.status.padEnd(8)} ${entry.sha256.slice(0, 12)}  ${marks.join(", ")}`,
    );
  }
  ctx.out(
    `  A/B: ${weights.length ? weights.map(([version, weight]) => `${version}=${weight}`).join(" ") : "off"}   shadows: ${view.traffic.shadow.join(", ") || "none"}   rollback to: ${view.previous_defaults.at(-1) ?? "-"}`,
  );
  // After a 503 the first attempt may have committed the change and the retry only projected it.
  const unchanged = retriedAfterOutage ? "(in place after a retry) " : "(no change) ";
  if (view.propagation) ctx.out(`  ${view.changed === false ? unchanged : ""}${view.propagation}`);
}

async function registryChange(
  ctx: CommandContext,
  method: string,
  route: string,
  body?: unknown,
  idempotent?: boolean,
): Promise<RegistryView> {
  const { body: view, retriedAfterOutage } = await callApi<RegistryView>(
    ctx.client,
    method,
    route,
    body,
    idempotent,
  );
  if (ctx.json) ctx.out(JSON.stringify(view, null, 2));
  else printRegistry(ctx, view, retriedAfterOutage);
  return view;
}

/** After the Worker accepted a change of default: move MLflow's champion to it (reported, never fatal). */
async function followInMlflow(ctx: CommandContext, view: RegistryView): Promise<void> {
  if (!ctx.mlflow) return;
  const sha256 = view.versions[view.default_version]?.sha256;
  const outcome = await syncChampion(ctx.mlflow, view.model, view.default_version, sha256);
  (outcome.ok ? ctx.warn : (line: string) => ctx.warn(`warning: ${line}`))(outcome.message);
}

async function uploadVersion(
  ctx: CommandContext,
  manifestText: string,
  bytes: Uint8Array,
  modelOverride?: string,
): Promise<void> {
  let manifest: { model?: string; version?: string };
  try {
    manifest = JSON.parse(manifestText);
  } catch (error) {
    throw new CliError(`the manifest is not JSON: ${(error as Error).message}`);
  }
  const model = modelOverride ?? manifest.model;
  if (!model) throw new CliError("the manifest names no model (or pass --model)");
  const form = new FormData();
  form.append("manifest", new Blob([manifestText], { type: "application/json" }), "manifest.json");
  form.append("model", new Blob([bytes], { type: "application/octet-stream" }), "model.onnx");
  const { body } = await callApi<{
    status: string;
    version: string;
    verification: { examples: number; max_abs_error: number } | null;
    registry: RegistryView;
  }>(ctx.client, "POST", `v1/admin/models/${path(model)}/versions`, form);
  if (ctx.json) return ctx.out(JSON.stringify(body, null, 2));
  ctx.out(
    body.status === "created"
      ? `published ${model}/${body.version}${body.verification ? ` (verified: ${body.verification.examples} examples, max error ${body.verification.max_abs_error.toExponential(2)})` : ""}`
      : `${model}/${body.version} is already published with identical bytes (no change)`,
  );
  printRegistry(ctx, body.registry);
}

/** `name=value` pairs to numbers; `10%` is 0.1. */
function parseNumberPairs(pairs: string[], what: string, example: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const pair of pairs) {
    const match = /^([^=]+)=(.+)$/.exec(pair);
    if (!match) throw new CliError(`bad ${what} "${pair}": use <name>=<value>, e.g. ${example}`, 64);
    const raw = match[2] as string;
    const value = raw.endsWith("%") ? Number(raw.slice(0, -1)) / 100 : Number(raw);
    if (!Number.isFinite(value)) throw new CliError(`bad ${what} "${pair}": ${raw} is not a number`, 64);
    values[match[1] as string] = value;
  }
  return values;
}

export const commands: Record<string, (ctx: CommandContext) => Promise<void>> = {
  async status(ctx) {
    const model = ctx.args.positionals[1];
    if (model) {
      await registryChange(ctx, "GET", `v1/admin/models/${path(model)}`);
      return;
    }
    const { body } = await callApi<{ models: RegistryView[] }>(ctx.client, "GET", "v1/admin/models");
    if (ctx.json) return ctx.out(JSON.stringify(body, null, 2));
    if (body.models.length === 0) ctx.out("no models published");
    for (const view of body.models) printRegistry(ctx, view);
  },

  async publish(ctx) {
    const dir = need(
      ctx.args.positionals[1],
      "publish <version-dir> (containing manifest.json and the ONNX file)",
    );
    let manifestText: string;
    try {
      manifestText = readFileSync(join(dir, "manifest.json"), "utf8");
    } catch (error) {
      throw new CliError(`cannot read ${join(dir, "manifest.json")}: ${(error as Error).message}`);
    }
    let manifest: { artifact?: { file?: string } };
    try {
      manifest = JSON.parse(manifestText);
    } catch (error) {
      throw new CliError(`${join(dir, "manifest.json")} is not JSON: ${(error as Error).message}`);
    }
    const file = join(dir, manifest.artifact?.file ?? "model.onnx");
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
    }
    await uploadVersion(ctx, manifestText, bytes, ctx.args.values.model);
  },

  async candidate(ctx) {
    const usage = "candidate <version-dir> <model>/<version> [--out <dir>] [--force]";
    const source = need(ctx.args.positionals[1], usage);
    const target = need(ctx.args.positionals[2], usage);
    const result = prepareCandidate(source, target, {
      out: ctx.args.values.out,
      force: ctx.args.values.force,
    });
    if (ctx.json) return ctx.out(JSON.stringify(result, null, 2));
    ctx.out(`wrote ${result.directory} (${result.model}/${result.version})`);
    ctx.out(`  ${result.note}`);
    ctx.out(`  next: npm run models -- publish ${relativeToCwd(result.directory)}`);
  },

  async "publish-mlflow"(ctx) {
    const uri = need(
      ctx.args.positionals[1],
      "publish-mlflow models:/<name>/<version> | models:/<name>@<alias>",
    );
    if (!ctx.mlflow)
      throw new CliError(
        "publish-mlflow needs an MLflow tracking server: set MLFLOW_TRACKING_URI or pass --mlflow <url>",
        64,
      );
    const { name, version, alias } = parseModelUri(uri);
    const mv = version
      ? await ctx.mlflow.modelVersion(name, version)
      : await ctx.mlflow.versionByAlias(name, alias as string);
    if (!mv.run_id) throw new CliError(`${uri} has no run: cannot find the manifest.json logged with it`);
    const manifestText = new TextDecoder().decode(await ctx.mlflow.runArtifact(mv.run_id, "manifest.json"));
    let manifest: { model?: string; version?: string; artifact?: { file?: string; sha256?: string } };
    try {
      manifest = JSON.parse(manifestText);
    } catch {
      throw new CliError(`the run of ${uri} (${mv.run_id}) has no valid manifest.json artifact`);
    }
    const bytes = await ctx.mlflow.modelVersionArtifact(
      name,
      mv.version,
      manifest.artifact?.file ?? "model.onnx",
    );
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (manifest.artifact?.sha256 && manifest.artifact.sha256 !== sha256)
      throw new CliError(
        `${uri}: the registered ONNX file (sha256 ${sha256.slice(0, 12)}) is not the one its run's manifest names (${manifest.artifact.sha256.slice(0, 12)})`,
      );
    if (!ctx.json)
      ctx.out(
        `${uri} = MLflow ${name} version ${mv.version} (run ${mv.run_id}) -> ${manifest.model}/${manifest.version}`,
      );
    await uploadVersion(ctx, manifestText, bytes, ctx.args.values.model);
  },

  async "sync-mlflow"(ctx) {
    if (!ctx.mlflow)
      throw new CliError(
        "sync-mlflow needs an MLflow tracking server: set MLFLOW_TRACKING_URI or pass --mlflow <url>",
        64,
      );
    const model = ctx.args.positionals[1];
    const views = model
      ? [(await callApi<RegistryView>(ctx.client, "GET", `v1/admin/models/${path(model)}`)).body]
      : (await callApi<{ models: RegistryView[] }>(ctx.client, "GET", "v1/admin/models")).body.models;
    let failed = 0;
    for (const view of views) {
      const outcome = await syncChampion(
        ctx.mlflow,
        view.model,
        view.default_version,
        view.versions[view.default_version]?.sha256,
      );
      ctx.out(outcome.message);
      if (!outcome.ok) failed += 1;
    }
    if (failed) throw new CliError(`${failed} model(s) not in step with MLflow (see above)`);
  },

  async "load-version"(ctx) {
    const version = need(
      ctx.args.positionals[1],
      "load-version <version>   (the recommender seed's POST /load_version)",
    );
    await callApi(ctx.client, "POST", `load_version/${path(version)}`);
    const view = await registryChange(ctx, "GET", "v1/admin/models/recommender");
    await followInMlflow(ctx, view);
  },

  async promote(ctx) {
    const usage = "promote <model> <version>";
    const model = need(ctx.args.positionals[1], usage);
    const version = need(ctx.args.positionals[2], usage);
    await followInMlflow(
      ctx,
      await registryChange(ctx, "POST", `v1/admin/models/${path(model)}/promote`, { version }),
    );
  },

  async rollback(ctx) {
    const model = need(ctx.args.positionals[1], "rollback <model>");
    await followInMlflow(ctx, await registryChange(ctx, "POST", `v1/admin/models/${path(model)}/rollback`));
  },

  async weights(ctx) {
    const usage = "weights <model> <version>=<weight>... | weights <model> --clear";
    const model = need(ctx.args.positionals[1], usage);
    const pairs = ctx.args.positionals.slice(2);
    if (pairs.length === 0 && !ctx.args.values.clear)
      throw new CliError(`give weights or --clear\n  usage: ${usage}`, 64);
    const reshuffle = ctx.args.values.reshuffle === true;
    await registryChange(
      ctx,
      "PUT",
      `v1/admin/models/${path(model)}/weights`,
      { weights: parseNumberPairs(pairs, "weight", "v2=0.1"), ...(reshuffle ? { reshuffle } : {}) },
      // Each reshuffle draws a new salt: sent twice, it would reshuffle twice.
      !reshuffle,
    );
  },

  async thresholds(ctx) {
    const usage = "thresholds <model> <name>=<value>...   e.g. rmse_max=0.9 r2_min=0.65 psi_drift=0.3";
    const model = need(ctx.args.positionals[1], usage);
    const pairs = ctx.args.positionals.slice(2);
    if (pairs.length === 0) throw new CliError(`give at least one threshold\n  usage: ${usage}`, 64);
    await registryChange(
      ctx,
      "PUT",
      `v1/admin/models/${path(model)}/thresholds`,
      parseNumberPairs(pairs, "threshold", "rmse_max=0.9"),
    );
  },

  async shadow(ctx) {
    const usage = "shadow <model> <version> [--remove]";
    const model = need(ctx.args.positionals[1], usage);
    const version = need(ctx.args.positionals[2], usage);
    const method = ctx.args.values.remove ? "DELETE" : "PUT";
    await registryChange(
      ctx,
      method,
      `v1/admin/models/${path(model, "shadows", version)}`.replace(/%2F/g, "/"),
    );
  },

  async archive(ctx) {
    const usage = "archive <model> <version>";
    const model = need(ctx.args.positionals[1], usage);
    const version = need(ctx.args.positionals[2], usage);
    await registryChange(ctx, "POST", `v1/admin/models/${path(model)}/versions/${path(version)}/archive`);
  },

  async restore(ctx) {
    const usage = "restore <model> <version>";
    const model = need(ctx.args.positionals[1], usage);
    const version = need(ctx.args.positionals[2], usage);
    await registryChange(ctx, "POST", `v1/admin/models/${path(model)}/versions/${path(version)}/restore`);
  },

  async keys(ctx) {
    const action = ctx.args.positionals[1];
    if (action === "create") {
      const scopes = (ctx.args.values.scopes ?? "predict").split(",").map((scope) => scope.trim());
      const name = ctx.args.values.name;
      const { body } = await callApi<{ id: string; key: string; scopes: string[] }>(
        ctx.client,
        "POST",
        "v1/admin/keys",
        {
          scopes,
          ...(name ? { name } : {}),
        },
      );
      if (ctx.json) return ctx.out(JSON.stringify(body, null, 2));
      ctx.out(`created key ${body.id} (scopes: ${body.scopes.join(", ")})`);
      ctx.out(`key: ${body.key}`);
      ctx.out("store it now: only its hash is kept and it cannot be shown again");
      return;
    }
    if (action === "list") {
      const { body } = await callApi<{
        keys: { id: string; name?: string; scopes: string[]; created_at: string; revoked_at?: string }[];
      }>(ctx.client, "GET", "v1/admin/keys");
      if (ctx.json) return ctx.out(JSON.stringify(body, null, 2));
      if (body.keys.length === 0) ctx.out("no API keys");
      for (const key of body.keys) {
        ctx.out(
          `${key.id}  ${(key.name ?? "").padEnd(20)} ${key.scopes.join(",").padEnd(14)} ${key.created_at}${key.revoked_at ? `  REVOKED ${key.revoked_at}` : ""}`,
        );
      }
      return;
    }
    if (action === "revoke") {
      const id = need(ctx.args.positionals[2], "keys revoke <id>");
      const { body } = await callApi<{ id: string; revoked_at: string }>(
        ctx.client,
        "DELETE",
        `v1/admin/keys/${path(id)}`,
      );
      if (ctx.json) return ctx.out(JSON.stringify(body, null, 2));
      ctx.out(`revoked ${body.id} at ${body.revoked_at}`);
      return;
    }
    throw new CliError(
      "usage: keys create [--name <name>] [--scopes predict,admin] | keys list | keys revoke <id>",
      64,
    );
  },

  async audit(ctx) {
    const query = new URLSearchParams();
    const model = ctx.args.positionals[1] ?? ctx.args.values.model;
    if (model) query.set("model", model);
    for (const name of ["action", "limit", "before"] as const) {
      const value = ctx.args.values[name];
      if (value) query.set(name, value);
    }
    const { body } = await callApi<{ entries: AuditRow[] }>(
      ctx.client,
      "GET",
      `v1/admin/audit${query.size ? `?${query}` : ""}`,
    );
    if (ctx.json) return ctx.out(JSON.stringify(body, null, 2));
    if (body.entries.length === 0) ctx.out("no audit entries");
    for (const entry of body.entries) {
      const { revision, ...details } = entry.details;
      ctx.out(
        `${entry.ts}  #${entry.id}  ${entry.actor.padEnd(14)} ${entry.action.padEnd(14)} ${[entry.model, entry.version].filter(Boolean).join("/")}${revision !== undefined ? ` rev ${revision}` : ""}  ${JSON.stringify(details)}`,
      );
    }
  },
};
