import { withModelSession } from "../../inference/model-sessions.ts";
import type { Bindings } from "../../platform/env.ts";
import { classifyStoreFailure, describeStoreFailure, loggableError } from "../../platform/store-failure.ts";
import { DomainError } from "../../problems/index.ts";
import { listModelRecords, readManifest } from "../../repository/registry-reader.ts";
import type { ModelRecord } from "../../repository/registry-types.ts";
import { versionEntry } from "../../repository/version-lookup.ts";

interface VersionReadiness {
  name: string;
  version: string;
  state: "READY" | "UNAVAILABLE";
  reason: string;
}

/**
 * Whether one version can serve now: it is active, its manifest parses and its artifact loads into its
 * engine (the same session load a prediction uses, so a ready version's first prediction finds it warm).
 */
export async function versionReadiness(
  env: Bindings,
  record: ModelRecord,
  version: string,
): Promise<VersionReadiness> {
  const base = { name: record.name, version };
  const entry = versionEntry(record, version);
  if (!entry) return { ...base, state: "UNAVAILABLE", reason: "no such version" };
  if (entry.status !== "active")
    return { ...base, state: "UNAVAILABLE", reason: `version is ${entry.status} and no longer served` };
  try {
    const manifest = await readManifest(env.REGISTRY, record.name, version);
    await withModelSession(env.ARTIFACTS, manifest, async () => undefined);
    return { ...base, state: "READY", reason: "" };
  } catch (error) {
    return { ...base, state: "UNAVAILABLE", reason: unreadyReason(error) };
  }
}

/** Why a version does not load, without a store's own error text (it can quote keys, SQL or values). */
function unreadyReason(error: unknown): string {
  const outage = classifyStoreFailure(error);
  if (outage) return describeStoreFailure(outage);
  if (error instanceof DomainError) return error.detail;
  console.error(JSON.stringify({ event: "version_readiness_failed", error: loggableError(error) }));
  return "the version does not load (logged)";
}

/** The model repository index: every version of every model, sorted, each with its readiness. */
export async function repositoryIndex(env: Bindings, readyOnly: boolean): Promise<VersionReadiness[]> {
  const records = await listModelRecords(env.REGISTRY);
  const rows: VersionReadiness[] = [];
  for (const record of [...records].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const version of Object.keys(record.versions).sort()) {
      // One at a time: each check may load a session, and the session cache has a byte budget.
      rows.push(await versionReadiness(env, record, version));
    }
  }
  return readyOnly ? rows.filter((row) => row.state === "READY") : rows;
}
