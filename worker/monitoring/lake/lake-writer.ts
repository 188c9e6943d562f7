import type { PredictionRecord } from "../prediction-record.ts";
import { type LakeKind, lakeObjectKey } from "./lake-keys.ts";
import { gzipNdjson } from "./ndjson-gzip.ts";

interface LakeWriteResult {
  /** Objects written (one per model × hour partition of the batch). */
  objects: number;
  /** Compressed bytes written. */
  bytes: number;
}

/** What a feedback record needs for its partition; the rest of it is stored as it is. */
interface LakeFeedbackRecord {
  model: string;
  /** When the feedback arrived (epoch ms): the partition it lands in. */
  ts: number;
}

/** Records grouped by the object they belong to, in their original order. */
function groupByObject<T extends { model: string; ts: number }>(
  kind: LakeKind,
  records: readonly T[],
  batchKey: string,
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const record of records) {
    const key = lakeObjectKey(kind, record.model, record.ts, batchKey);
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return groups;
}

async function writeGroups<T extends { model: string; ts: number }>(
  bucket: R2Bucket,
  kind: LakeKind,
  records: readonly T[],
  batchKey: string,
): Promise<LakeWriteResult> {
  const groups = groupByObject(kind, records, batchKey);
  const sizes = await Promise.all(
    [...groups].map(async ([key, group]) => {
      const body = await gzipNdjson(group);
      // No Content-Encoding: HTTP clients (S3 API, DuckDB httpfs) must hand the .gz bytes over untouched.
      await bucket.put(key, body, {
        httpMetadata: { contentType: "application/gzip" },
        customMetadata: { records: String(group.length), batch: batchKey, format: "ndjson" },
      });
      return body.byteLength;
    }),
  );
  return { objects: groups.size, bytes: sizes.reduce((sum, size) => sum + size, 0) };
}

/**
 * Writes prediction records to `predictions/model=<m>/date=YYYY-MM-DD/hour=HH/<batchKey>.ndjson.gz`, one
 * object per model and hour of the batch (by the record's `ts`). Idempotent: the same batch key writes the
 * same keys again, so a redelivered batch replaces its objects instead of adding copies.
 */
export function writeLakeRecords(
  bucket: R2Bucket,
  records: readonly PredictionRecord[],
  batchKey: string,
): Promise<LakeWriteResult> {
  return writeGroups(bucket, "predictions", records, batchKey);
}

/** The same for feedback records, under `feedback/` (partitioned by the feedback's arrival time). */
export function writeLakeFeedback<T extends LakeFeedbackRecord>(
  bucket: R2Bucket,
  records: readonly T[],
  batchKey: string,
): Promise<LakeWriteResult> {
  return writeGroups(bucket, "feedback", records, batchKey);
}
