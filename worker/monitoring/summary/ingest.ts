import type { Manifest } from "../../contracts/manifest.ts";
import type { Bindings } from "../../platform/env.ts";
import { DomainError } from "../../problems/index.ts";
import { fitRecordForD1 } from "../lake/d1-record-fit.ts";
import { logSampleRates, sampleForLog } from "../log-sample.ts";
import type { PredictionRecord } from "../prediction-record.ts";
import { predictionInsertStatements } from "../store/prediction-log-writer.ts";
import {
  ingestedKeys,
  ingestStatements,
  isDedupeConflict,
  type PartialRow,
  partialRowId,
} from "../store/summary-store.ts";
import { foldRecords } from "./fold.ts";

/**
 * Reads a version's manifest (repository/registry-reader.ts `readManifest` has this type). Passed in by the
 * caller: monitoring (layer 4) may not import the registry (repository, layer 5).
 */
export type ManifestReader = (kv: KVNamespace, model: string, version: string) => Promise<Manifest>;

/** One unit of ingestion: its dedupe key (queue message id, spill object key) and its records. */
interface IngestUnit {
  dedupeKey: string;
  records: readonly PredictionRecord[];
}

/** Attempts when a concurrent writer of the same unit wins the race (each re-reads the ingested keys). */
const MAX_ATTEMPTS = 3;

/**
 * The manifests of the records' versions. A version whose manifest is missing or invalid (a DomainError: a
 * deleted version) folds without it (its ok rows count as `unreferenced`); a KV failure throws, so the batch
 * is retried rather than folded without its references.
 */
export async function manifestsOf(
  kv: KVNamespace,
  records: readonly PredictionRecord[],
  readManifest: ManifestReader,
): Promise<Map<string, Manifest | undefined>> {
  const manifests = new Map<string, Manifest | undefined>();
  for (const record of records) {
    const id = `${record.model}\n${record.version}`;
    if (manifests.has(id)) continue;
    try {
      manifests.set(id, await readManifest(kv, record.model, record.version));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      manifests.set(id, undefined);
    }
  }
  return manifests;
}

/**
 * Folds `records` and writes their partial rows (one per key), the sampled raw rows (log-sample.ts, each
 * fitted to a D1 row) and the dedupe `keys` in ONE D1 batch (one transaction). The dedupe insert is strict:
 * a key already present fails the whole batch (isDedupeConflict), nothing is written.
 */
async function writeIngest(
  env: Pick<Bindings, "DB" | "REGISTRY">,
  records: readonly PredictionRecord[],
  keys: readonly string[],
  readManifest: ManifestReader,
  now: number,
): Promise<void> {
  const manifests = await manifestsOf(env.REGISTRY, records, readManifest);
  const folded = foldRecords(records, (model, version) => manifests.get(`${model}\n${version}`));
  const suffix = crypto.randomUUID();
  const rows: PartialRow[] = [...folded.values()].map(({ key, summary }) => ({
    id: partialRowId(key, suffix),
    key,
    records: summary.n,
    summary,
  }));
  const rates = await logSampleRates(env.DB, [...new Set(records.map((record) => record.model))], now);
  const sampled = sampleForLog(records, rates).map(fitRecordForD1);
  await env.DB.batch([
    ...ingestStatements(env.DB, rows, keys, now),
    ...predictionInsertStatements(env.DB, sampled),
  ]);
}

/**
 * Ingests the units of a queue batch together: units whose dedupe key was already ingested are left out, the
 * rest written in one transaction (writeIngest). When a concurrent writer of one of the units wins the race,
 * the batch fails as a whole; the ingested keys are re-read and the rest written again. Throws when D1 (or
 * KV) fails: nothing was written, the caller retries.
 */
export async function ingestUnits(
  env: Pick<Bindings, "DB" | "REGISTRY">,
  units: readonly IngestUnit[],
  readManifest: ManifestReader,
  now = Date.now(),
): Promise<{ ingested: number; skipped: number }> {
  for (let attempt = 1; ; attempt++) {
    const done = await ingestedKeys(
      env.DB,
      units.map((unit) => unit.dedupeKey),
    );
    const fresh = new Map<string, IngestUnit>();
    for (const unit of units) {
      if (!done.has(unit.dedupeKey) && !fresh.has(unit.dedupeKey)) fresh.set(unit.dedupeKey, unit);
    }
    if (fresh.size === 0) return { ingested: 0, skipped: units.length };
    const records = [...fresh.values()].flatMap((unit) => unit.records);
    try {
      await writeIngest(env, records, [...fresh.keys()], readManifest, now);
      return { ingested: fresh.size, skipped: units.length - fresh.size };
    } catch (error) {
      if (!isDedupeConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/**
 * `records` as ONE unit named by all of `dedupeKeys` (a spill object, the producer's direct write): skipped
 * when its keys were already ingested (a unit is written with all its keys at once, so one present key means
 * all are). Same transaction and race handling as `ingestUnits`.
 */
export async function ingestRecords(
  env: Pick<Bindings, "DB" | "REGISTRY">,
  records: readonly PredictionRecord[],
  dedupeKeys: readonly string[],
  readManifest: ManifestReader,
  now = Date.now(),
): Promise<{ skipped: boolean }> {
  const keys = [...new Set(dedupeKeys)];
  if (keys.length === 0) throw new RangeError("ingestRecords needs a dedupe key");
  for (let attempt = 1; ; attempt++) {
    if ((await ingestedKeys(env.DB, keys)).size > 0) return { skipped: true };
    try {
      await writeIngest(env, records, keys, readManifest, now);
      return { skipped: false };
    } catch (error) {
      if (!isDedupeConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
