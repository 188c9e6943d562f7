import type { Bindings } from "../../platform/env.ts";
import { loggableError } from "../../platform/store-failure.ts";
import type { PredictionRecord } from "../prediction-record.ts";
import { isPredictionRecord } from "../prediction-record-check.ts";
import { ingestRecords, type ManifestReader } from "../summary/ingest.ts";
import { QUARANTINE_PREFIX, SPILL_PREFIX, spillBatchKey } from "./lake-keys.ts";
import { writeLakeRecords } from "./lake-writer.ts";
import { gunzipNdjson } from "./ndjson-gzip.ts";

interface RedriveResult {
  /** Spill objects ingested and deleted this run. */
  objects: number;
  /** Records they held. */
  records: number;
}

const log = (event: Record<string, unknown>) => console.log(JSON.stringify(event));
const warn = (event: Record<string, unknown>) => console.error(JSON.stringify(event));

/** The records of a spill object, or null when it cannot be decoded (moved to quarantine/ by the caller). */
async function readSpill(object: R2ObjectBody): Promise<PredictionRecord[] | null> {
  try {
    const items = await gunzipNdjson(object.body);
    const records = items.filter(isPredictionRecord);
    if (records.length < items.length)
      warn({ event: "spill_malformed_records", key: object.key, dropped: items.length - records.length });
    return records;
  } catch {
    return null;
  }
}

/**
 * Re-drives up to `maxObjects` spill objects, oldest first: each one is folded into summaries with its key
 * as the dedupe key (ingestRecords: one D1 transaction, skipped when already ingested), written to the lake
 * and then deleted (`readManifest` is the registry's reader, passed in by the cron: monitoring sits below
 * the repository layer). The first D1 failure stops the run and leaves that object and the rest in place for the
 * next cron, so nothing is lost while D1 is down; a rerun after a crash between ingest and delete is a no-op
 * for D1 and rewrites the same lake objects. Never throws (the cron's other jobs still run).
 */
export async function redriveSpill(
  env: Pick<Bindings, "DB" | "REGISTRY" | "LOGS">,
  maxObjects: number,
  readManifest: ManifestReader,
): Promise<RedriveResult> {
  const done: RedriveResult = { objects: 0, records: 0 };
  try {
    const listed = await env.LOGS.list({
      prefix: SPILL_PREFIX,
      limit: Math.max(1, Math.min(1000, maxObjects)),
    });
    for (const { key } of listed.objects) {
      const object = await env.LOGS.get(key);
      if (!object) continue; // re-driven by an overlapping cron
      const records = await readSpill(object);
      if (records === null) {
        warn({ event: "spill_quarantined", key });
        const copy = await env.LOGS.get(key);
        if (copy) await env.LOGS.put(`${QUARANTINE_PREFIX}${key}`, copy.body);
        await env.LOGS.delete(key);
        continue;
      }
      try {
        await ingestRecords(env, records, [key], readManifest);
      } catch (error) {
        warn({ event: "spill_redrive_failed", key, records: records.length, error: loggableError(error) });
        break;
      }
      await writeLakeRecords(env.LOGS, records, spillBatchKey(key));
      await env.LOGS.delete(key);
      done.objects += 1;
      done.records += records.length;
    }
  } catch (error) {
    warn({ event: "spill_redrive_failed", error: loggableError(error) });
  }
  if (done.objects > 0) log({ event: "spill_redriven", ...done });
  return done;
}
