import type { PredictionRecord } from "./prediction-record.ts";

/** Queue limits: at most 100 messages per sendBatch. */
const QUEUE_BATCH = 100;

/**
 * Hands prediction records to the log queue off the critical path (`waitUntil`). The queue consumer
 * writes them to D1 in batches. A failure here never fails the prediction.
 */
export function logPredictions(
  queue: Queue,
  waitUntil: (promise: Promise<unknown>) => void,
  records: PredictionRecord[],
): void {
  if (records.length === 0) return;
  const send = async () => {
    for (let start = 0; start < records.length; start += QUEUE_BATCH) {
      const chunk = records.slice(start, start + QUEUE_BATCH).map((body) => ({ body }));
      await queue.sendBatch(chunk);
    }
  };
  waitUntil(
    send().catch((error: unknown) => {
      console.error(JSON.stringify({ event: "prediction_log_enqueue_failed", error: String(error) }));
    }),
  );
}
