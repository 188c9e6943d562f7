import type { PredictionRecord } from "../monitoring/prediction-record.ts";
import { isPredictionRecord } from "../monitoring/prediction-record-check.ts";
import { insertPredictionRecords } from "../monitoring/store/prediction-log-writer.ts";
import type { Bindings } from "../platform/env.ts";

/**
 * The dead-letter queues of wrangler.toml, consumed by this same handler: `…-dlq` (default, production) and
 * `…-dlq-staging`, so any name with a `-dlq` segment.
 */
export const isDeadLetterQueue = (queue: string): boolean => /-dlq(-|$)/.test(queue);
/** wrangler.toml `max_retries` of the two consumers. */
export const MAX_RETRIES = { main: 10, dlq: 100 } as const;

/**
 * `attempts` starts at 1 and a message is delivered `max_retries` + 1 times, so the final delivery is the one
 * with attempts = max_retries + 1 (later values cannot occur, but count as final too).
 */
export const isFinalAttempt = (attempts: number, maxRetries: number): boolean => attempts > maxRetries;

/**
 * Retry delay: exponential on the main queue (2 s … 5 min, ~20 min over its 10 retries) so a short D1
 * outage heals quickly, then a flat 15 min on the dead-letter queue (~25 h over its 100 retries).
 */
export function retryDelaySeconds(attempts: number, deadLetter: boolean): number {
  if (deadLetter) return 900;
  return Math.min(300, 2 ** Math.max(1, attempts));
}

/**
 * Queue consumer of the prediction log, for the main queue and its dead-letter queue alike: one D1 batch
 * per message batch (conflicts on the id are ignored, so redelivery is harmless). When D1 fails, every message
 * is retried with a delay; nothing is acknowledged before its row is committed.
 */
export async function consumePredictionLogs(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const deadLetter = isDeadLetterQueue(batch.queue);
  const valid: Message<unknown>[] = [];
  const records: PredictionRecord[] = [];
  for (const message of batch.messages) {
    // A body is an array of records (packed by the producer); a single record is accepted too.
    const items: unknown[] = Array.isArray(message.body) ? message.body : [message.body];
    const good = items.filter(isPredictionRecord);
    if (good.length < items.length) {
      const bad = items.filter((item) => !isPredictionRecord(item));
      console.error(JSON.stringify({ event: "prediction_log_malformed", id: message.id, records: bad }));
    }
    if (good.length === 0) {
      message.ack();
      continue;
    }
    valid.push(message);
    records.push(...good);
  }
  try {
    await insertPredictionRecords(env.DB, records);
    for (const message of valid) message.ack();
  } catch (error) {
    console.error(
      JSON.stringify({
        event: "prediction_log_insert_failed",
        queue: batch.queue,
        rows: records.length,
        error: String(error),
      }),
    );
    for (const message of valid) {
      if (deadLetter && isFinalAttempt(message.attempts, MAX_RETRIES.dlq)) {
        // Last chance: the full record goes to Workers Logs, from where it can be replayed.
        console.error(JSON.stringify({ event: "prediction_log_lost", record: message.body }));
      }
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, deadLetter) });
    }
  }
}
