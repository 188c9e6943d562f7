/**
 * Keeps MLflow's `champion` alias on the registered model version behind the Worker's default. The Worker's
 * registry is the serving authority: the alias moves only after the Worker accepted a change, and a failure
 * to reach or update MLflow is reported (with the command that re-syncs), never fatal.
 */
import { CliError } from "./admin-client.ts";
import type { ParsedArgs } from "./cli-args.ts";
import { MlflowClient, type MlflowModelVersion, tag } from "./mlflow-client.ts";

export const CHAMPION_ALIAS = "champion";

/** The MLflow tracking server to keep in step, or null when MLflow is not configured. */
export function mlflowClient(
  args: ParsedArgs,
  env: Readonly<Record<string, string | undefined>>,
  warn: (line: string) => void,
): MlflowClient | null {
  if (args.values["no-mlflow"]) return null;
  const uri = args.values.mlflow ?? env.MLFLOW_TRACKING_URI;
  if (!uri) return null;
  if (!/^https?:\/\//.test(uri)) {
    const message = `MLflow tracking URI "${uri}" is not an http(s) tracking server; the CLI talks to MLflow's REST API (start one: .venv/bin/mlflow server --backend-store-uri sqlite:///$PWD/mlflow.db)`;
    if (args.values.mlflow !== undefined) throw new CliError(message, 64);
    warn(`warning: MLflow sync skipped: ${message}`);
    return null;
  }
  return new MlflowClient({ trackingUri: uri, env });
}

/** The registered version tagged with the Worker's version name (and, when tagged, the same ONNX sha256); newest wins. */
export function matchingVersion(
  versions: MlflowModelVersion[],
  workerVersion: string,
  sha256: string | undefined,
): MlflowModelVersion | undefined {
  return versions
    .filter((candidate) => tag(candidate, "version") === workerVersion)
    .filter((candidate) => {
      const logged = tag(candidate, "sha256");
      return logged === undefined || sha256 === undefined || logged === sha256;
    })
    .sort((a, b) => Number(b.version) - Number(a.version))[0];
}

export interface SyncOutcome {
  ok: boolean;
  message: string;
}

export async function syncChampion(
  client: MlflowClient,
  model: string,
  workerDefault: string,
  sha256: string | undefined,
): Promise<SyncOutcome> {
  const resync = `re-sync with: npm run models -- sync-mlflow ${model}`;
  try {
    const match = matchingVersion(await client.versions(model), workerDefault, sha256);
    if (!match)
      return {
        ok: false,
        message: `MLflow: no version of registered model "${model}" is tagged version=${workerDefault}${sha256 ? ` (sha256 ${sha256.slice(0, 12)})` : ""}; champion not moved. Register it (bash scripts/training/register-mlflow.sh <version-dir>), then ${resync}`,
      };
    let current: string | undefined;
    try {
      current = (await client.versionByAlias(model, CHAMPION_ALIAS)).version;
    } catch {
      current = undefined; // no champion yet
    }
    if (current === match.version)
      return {
        ok: true,
        message: `MLflow: ${model}@${CHAMPION_ALIAS} already is version ${match.version} (${workerDefault})`,
      };
    await client.setAlias(model, CHAMPION_ALIAS, match.version);
    return {
      ok: true,
      message: `MLflow: ${model}@${CHAMPION_ALIAS} -> version ${match.version} (${workerDefault})${current ? `, was ${current}` : ""} at ${client.base}`,
    };
  } catch (error) {
    return {
      ok: false,
      message: `MLflow: champion of "${model}" NOT updated (${(error as Error).message}); the Worker's change stands. ${resync}`,
    };
  }
}
