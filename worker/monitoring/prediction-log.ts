import type { Bindings } from "../platform/env.ts";
import { loggableError } from "../platform/store-failure.ts";
import { lakeBatchKey } from "./lake/lake-keys.ts";
import { writeLakeRecords } from "./lake/lake-writer.ts";
import { spillRecords } from "./lake/spill-store.ts";
import { enqueueRecords, FLUSH_AT_RECORDS } from "./log-batcher.ts";
import { jsonBytes, MAX_MESSAGE_BYTES, packMessages } from "./pack-messages.ts";
import type { PredictionRecord } from "./prediction-record.ts";
import { ingestRecords, type ManifestReader } from "./summary/ingest.ts";

/**
 * Where the producer turns when the queue refuses records: D1 (through ingestRecords, which reads manifests
 * with `readManifest`, the registry's reader passed in by the data plane) and the LOGS bucket.
 */
export interface LogFallback {
  env: Pick<Bindings, "DB" | "REGISTRY" | "LOGS">;
  readManifest: ManifestReader;
}

/** A record this large cannot be a queue message (the body is an array: 2 bytes of brackets). */
const tooLargeForQueue = (bytes: number) => bytes + 2 > MAX_MESSAGE_BYTES;

const warn = (event: Record<string, unknown>) => console.error(JSON.stringify(event));

/**
 * Hands prediction records to the log queue off the critical path (`waitUntil`), packed several to a
 * message (a message body is an array of records); the queue consumer folds them into summaries and writes
 * them to the lake. If the queue refuses a chunk (outage), that chunk and the rest are ingested straight
 * into D1 (ingestRecords) and written to the lake; if D1 fails too, they are spilled whole to R2
 * (`spill/`, re-driven by the cron). A record too large for a queue message is spilled on its own, so it
 * never fails its neighbours' send. Logs carry counts and errors, never record payloads. A failure here
 * never fails the prediction.
 */
export function logPredictions(
  queue: Queue,
  waitUntil: (promise: Promise<unknown>) => void,
  records: PredictionRecord[],
  fallback?: LogFallback,
): void {
  if (records.length === 0) return;
  // A batch request's records are a send of their own; a few rows wait briefly for other requests' records
  // (log-batcher.ts), so concurrent single-row predictions share one sendBatch.
  if (records.length >= FLUSH_AT_RECORDS) {
    waitUntil(sendRecords(queue, records, fallback));
    return;
  }
  enqueueRecords(queue, records, (batched) => sendRecords(queue, batched, fallback), waitUntil);
}

/** Spills `records` to R2; only when that fails too are they lost (logged by count, never by payload). */
async function spill(fallback: LogFallback | undefined, records: PredictionRecord[], reason: string) {
  if (!fallback) {
    warn({ event: "prediction_log_lost", records: records.length, reason });
    return;
  }
  try {
    const key = await spillRecords(fallback.env.LOGS, records, reason);
    warn({ event: "prediction_log_spilled", key, records: records.length, reason });
  } catch (error) {
    warn({ event: "prediction_log_lost", records: records.length, reason, error: loggableError(error) });
  }
}

/** The queue refused `records`: D1 directly (summaries + sample, then the lake), else the spill. */
async function ingestDirectly(fallback: LogFallback | undefined, records: PredictionRecord[]) {
  if (records.length === 0) return;
  if (!fallback) return spill(fallback, records, "queue_refused");
  const batchKey = `producer-${await lakeBatchKey(records.map((record) => record.id))}`;
  try {
    await ingestRecords(fallback.env, records, [batchKey], fallback.readManifest);
  } catch (error) {
    warn({ event: "prediction_log_ingest_failed", records: records.length, error: loggableError(error) });
    return spill(fallback, records, `queue_and_d1_refused: ${loggableError(error)}`);
  }
  try {
    await writeLakeRecords(fallback.env.LOGS, records, batchKey);
  } catch (error) {
    // Already counted in D1; only the raw copy is missing (a spill would count the records twice).
    warn({ event: "lake_write_failed", records: records.length, error: loggableError(error) });
  }
}

/** One send of `records` with its fallbacks; never rejects. */
async function sendRecords(queue: Queue, records: PredictionRecord[], fallback?: LogFallback): Promise<void> {
  // each record is measured once: for the size check and for packing
  const fits: PredictionRecord[] = [];
  const fitSizes: number[] = [];
  const oversized: PredictionRecord[] = [];
  for (const record of records) {
    const bytes = jsonBytes(record);
    if (tooLargeForQueue(bytes)) oversized.push(record);
    else {
      fits.push(record);
      fitSizes.push(bytes);
    }
  }
  if (oversized.length > 0) await spill(fallback, oversized, "record_over_queue_message_limit");
  let sent = 0;
  try {
    for (const call of packMessages(fits, fitSizes)) {
      await queue.sendBatch(call.map((body) => ({ body })));
      sent += call.reduce((count, body) => count + body.length, 0);
    }
  } catch (error) {
    warn({
      event: "prediction_log_enqueue_failed",
      records: fits.length - sent,
      error: loggableError(error),
    });
    await ingestDirectly(fallback, fits.slice(sent)).catch((failure: unknown) =>
      warn({ event: "prediction_log_lost", records: fits.length - sent, error: String(failure) }),
    );
  }
}
