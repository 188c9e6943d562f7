import type { Manifest } from "../../contracts/manifest.ts";
import type { PredictionRecord } from "../prediction-record.ts";
import { FINE_BUCKET_MS, type Summary, type SummaryKey } from "./summary.ts";

/** The manifest of a (model, version), or undefined when it could not be read (the record then folds without it). */
export type ManifestLookup = (model: string, version: string) => Manifest | undefined;

/** A summary with its key (the map key of `foldRecords` is `summaryKeyId(key)`). */
export interface KeyedSummary {
  key: SummaryKey;
  summary: Summary;
}

/**
 * Folds records into one summary per key (model, version, route, bucket of `bucketMs` containing `ts`).
 * Features and the prediction are counted for rows with status "ok", on the serving version's manifest
 * (`manifests(model, version)`); ids per its `training.id_reference`. Pure.
 */
export function foldRecords(
  records: readonly PredictionRecord[],
  manifests: ManifestLookup,
  bucketMs: number = FINE_BUCKET_MS,
): Map<string, KeyedSummary> {
  void records;
  void manifests;
  void bucketMs;
  throw new Error("foldRecords: not implemented yet (B3 step 2)");
}
