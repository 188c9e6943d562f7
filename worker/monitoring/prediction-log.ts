import { enqueueRecords, FLUSH_AT_RECORDS } from "./log-batcher.ts";
import { packMessages } from "./pack-messages.ts";
import type { PredictionRecord } from "./prediction-record.ts";
import { insertPredictionRecords } from "./store/prediction-log-writer.ts";

/**
 * Hands prediction records to the log queue off the critical path (`waitUntil`), packed several to a
 * message (a message body is an array of records). The queue consumer
 * writes them to D1 in batches. If the queue refuses a chunk (rare: outage, oversized message), that chunk
 * and the rest are written straight to D1 (conflicts on the id are ignored, so an overlap with the queue is harmless);
 * if that fails too, the records go to Workers Logs as the last durable place. A failure here never fails
 * the prediction.
 */
export function logPredictions(
  queue: Queue,
  waitUntil: (promise: Promise<unknown>) => void,
  records: PredictionRecord[],
  fallbackDb?: D1Database,
): void {
  if (records.length === 0) return;
  // A batch request's records are a send of their own; a few rows wait briefly for other requests' records
  // (log-batcher.ts), so concurrent single-row predictions share one sendBatch.
  if (records.length >= FLUSH_AT_RECORDS) {
    waitUntil(sendRecords(queue, records, fallbackDb));
    return;
  }
  enqueueRecords(queue, records, (batched) => sendRecords(queue, batched, fallbackDb), waitUntil);
}

/** One send of `records` with today's fallbacks; never rejects. */
function sendRecords(queue: Queue, records: PredictionRecord[], fallbackDb?: D1Database): Promise<void> {
  const send = async () => {
    let sent = 0;
    try {
      for (const call of packMessages(records)) {
        await queue.sendBatch(call.map((body) => ({ body })));
        sent += call.reduce((count, body) => count + body.length, 0);
      }
    } catch (error) {
      console.error(JSON.stringify({ event: "prediction_log_enqueue_failed", error: String(error) }));
      const rest = records.slice(sent);
      if (!fallbackDb) throw error;
      try {
        await insertPredictionRecords(fallbackDb, rest);
      } catch (dbError) {
        console.error(
          JSON.stringify({ event: "prediction_log_lost", error: String(dbError), records: rest }),
        );
      }
    }
  };
  return send().catch((error: unknown) => {
    console.error(JSON.stringify({ event: "prediction_log_lost", error: String(error), records }));
  });
}
