import type { PredictionRecord } from "../prediction-record.ts";
import { spillObjectKey } from "./lake-keys.ts";
import { gzipNdjson } from "./ndjson-gzip.ts";

/** Longest reason kept in an object's metadata (an error message, never a payload). */
const MAX_REASON_CHARS = 200;

/**
 * The third durable store: records that neither the Queue nor D1 took are written whole to
 * `spill/<ms>-<uuid>.ndjson.gz` in the LOGS bucket, and the cron re-drives them (spill-redrive.ts) once D1
 * answers. Returns the object key, which is also the records' dedupe key when they are ingested.
 */
export async function spillRecords(
  bucket: R2Bucket,
  records: readonly PredictionRecord[],
  reason: string,
): Promise<string> {
  const key = spillObjectKey(Date.now(), crypto.randomUUID());
  await bucket.put(key, await gzipNdjson(records), {
    httpMetadata: { contentType: "application/gzip" },
    customMetadata: { records: String(records.length), reason: reason.slice(0, MAX_REASON_CHARS) },
  });
  return key;
}
