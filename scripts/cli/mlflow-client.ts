/**
 * MLflow's REST API over fetch (a tracking server: `mlflow server`, Databricks, ...). Only what the ops
 * CLI needs: model versions, the `champion` alias, and a version's artifacts (the ONNX file through the
 * model-version artifact route, the manifest from the run's artifacts).
 */
import { CliError } from "./admin-client.ts";

export interface MlflowModelVersion {
  name: string;
  version: string;
  run_id?: string;
  source?: string;
  tags?: { key: string; value: string }[];
  aliases?: string[];
}

export interface MlflowOptions {
  trackingUri: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export class MlflowClient {
  readonly base: string;
  private readonly auth: Record<string, string>;

  constructor(options: MlflowOptions) {
    const env = options.env ?? process.env;
    this.base = options.trackingUri.replace(/\/+$/, "");
    this.auth = {};
    if (env.MLFLOW_TRACKING_TOKEN) this.auth.authorization = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
    else if (env.MLFLOW_TRACKING_USERNAME)
      this.auth.authorization = `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD ?? ""}`).toString("base64")}`;
  }

  private async request(method: string, path: string, query?: Record<string, string>, body?: unknown) {
    const url = new URL(`${this.base}/${path}`);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    let response: Response | undefined;
    // A reads-only request is retried when the socket dies under it: MLflow's server closes idle keep-alive
    // connections, and a request racing that close fails with UND_ERR_SOCKET / ECONNRESET.
    const attempts = method === "GET" ? 3 : 1;
    for (let attempt = 1; !response; attempt++) {
      try {
        response = await fetch(url, {
          method,
          headers: { ...this.auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        if (attempt < attempts) {
          await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
          continue;
        }
        throw new CliError(`cannot reach MLflow at ${this.base}: ${cause?.code ?? String(error)}`, 2);
      }
    }
    if (!response.ok) {
      const text = await response.text();
      let message = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as { error_code?: string; message?: string };
        message = `${parsed.error_code ?? ""} ${parsed.message ?? ""}`.trim();
      } catch {
        // not JSON
      }
      throw new CliError(`MLflow ${method} ${url.pathname} failed (HTTP ${response.status}): ${message}`);
    }
    return response;
  }

  private async json<T>(method: string, path: string, query?: Record<string, string>, body?: unknown) {
    return (await (await this.request(method, path, query, body)).json()) as T;
  }

  async modelVersion(name: string, version: string): Promise<MlflowModelVersion> {
    const body = await this.json<{ model_version: MlflowModelVersion }>(
      "GET",
      "api/2.0/mlflow/model-versions/get",
      { name, version },
    );
    return body.model_version;
  }

  async versionByAlias(name: string, alias: string): Promise<MlflowModelVersion> {
    const body = await this.json<{ model_version: MlflowModelVersion }>(
      "GET",
      "api/2.0/mlflow/registered-models/alias",
      { name, alias },
    );
    return body.model_version;
  }

  /** Every version of a registered model (paged). */
  async versions(name: string): Promise<MlflowModelVersion[]> {
    const all: MlflowModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const body = await this.json<{ model_versions?: MlflowModelVersion[]; next_page_token?: string }>(
        "GET",
        "api/2.0/mlflow/model-versions/search",
        {
          filter: `name='${name.replaceAll("'", "''")}'`,
          max_results: "200",
          ...(pageToken ? { page_token: pageToken } : {}),
        },
      );
      all.push(...(body.model_versions ?? []));
      pageToken = body.next_page_token || undefined;
    } while (pageToken);
    return all;
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.request("POST", "api/2.0/mlflow/registered-models/alias", undefined, { name, alias, version });
  }

  /** A file of the registered model version (e.g. model.onnx), served from its source by the tracking server. */
  async modelVersionArtifact(name: string, version: string, path: string): Promise<Uint8Array> {
    const response = await this.request("GET", "model-versions/get-artifact", { name, version, path });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** A file of a run's artifacts (e.g. manifest.json). */
  async runArtifact(runId: string, path: string): Promise<Uint8Array> {
    const response = await this.request("GET", "get-artifact", { run_uuid: runId, path });
    return new Uint8Array(await response.arrayBuffer());
  }
}

export const tag = (version: MlflowModelVersion, key: string): string | undefined =>
  version.tags?.find((entry) => entry.key === key)?.value;

/** `models:/<name>/<version>` or `models:/<name>@<alias>`. */
export function parseModelUri(uri: string): { name: string; version?: string; alias?: string } {
  const match = /^models:\/([^/@]+)(?:\/(\d+)|@([A-Za-z0-9_-]+))$/.exec(uri);
  if (!match)
    throw new CliError(
      `not an MLflow model URI: "${uri}" (use models:/<name>/<version> or models:/<name>@<alias>)`,
      64,
    );
  return {
    name: decodeURIComponent(match[1] as string),
    ...(match[2] ? { version: match[2] } : {}),
    ...(match[3] ? { alias: match[3] } : {}),
  };
}
