import type { Manifest } from "../../contracts/manifest.ts";
import type { Bindings } from "../../platform/env.ts";
import type { PredictionRecord } from "../prediction-record.ts";

/**
 * Reads a version's manifest (repository/registry-reader.ts `readManifest` has this type). Passed in by the
 * caller: monitoring (layer 4) may not import the registry (repository, layer 5).
 */
export type ManifestReader = (kv: KVNamespace, model: string, version: string) => Promise<Manifest>;

/** One unit of ingestion: its dedupe key (queue message id, spill object key) and its records. */
export interface IngestUnit {
  dedupeKey: string;
  records: readonly PredictionRecord[];
}

/**
 * Folds the units' records into summaries (manifests read once per version per call) and writes their partial
 * rows, the sampled raw rows and every dedupe key in ONE D1 batch (one transaction). A unit whose dedupe key
 * was already ingested is left out; a concurrent writer of the same unit makes the batch fail on the dedupe
 * key, after which the ingested units are re-read and the rest written again.
 */
export async function ingestUnits(
  env: Pick<Bindings, "DB" | "REGISTRY">,
  units: readonly IngestUnit[],
  readManifest: ManifestReader,
): Promise<{ ingested: number; skipped: number }> {
  void env;
  void units;
  void readManifest;
  throw new Error("ingestUnits: not implemented yet (B3 step 2)");
}

/**
 * `records` as ONE unit named by all of `dedupeKeys` (a spill object, the producer's direct write): skipped
 * when its keys were already ingested (a unit is written with all its keys at once).
 */
export async function ingestRecords(
  env: Pick<Bindings, "DB" | "REGISTRY">,
  records: readonly PredictionRecord[],
  dedupeKeys: readonly string[],
  readManifest: ManifestReader,
): Promise<{ skipped: boolean }> {
  void env;
  void records;
  void dedupeKeys;
  void readManifest;
  throw new Error("ingestRecords: not implemented yet (B3 step 2)");
}
