import { lakeBatchKey } from "../monitoring/lake/lake-keys.ts";
import { writeLakeRecords } from "../monitoring/lake/lake-writer.ts";
import { spillRecords } from "../monitoring/lake/spill-store.ts";
import type { PredictionRecord } from "../monitoring/prediction-record.ts";
import { isPredictionRecord } from "../monitoring/prediction-record-check.ts";
import { ingestUnits } from "../monitoring/summary/ingest.ts";
import type { Bindings } from "../platform/env.ts";
import { loggableError } from "../platform/store-failure.ts";
import { readManifest } from "../repository/registry-reader.ts";

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
 * Queue consumer of the prediction log, for the main queue and its dead-letter queue alike. Per message batch:
 * the records are folded into monitoring summaries and written with the sampled raw rows and every message id
 * (the dedupe key) in ONE D1 transaction (ingestUnits: a redelivered message is skipped, so at-least-once
 * delivery counts each record once), then written whole to the R2 lake (idempotent per batch of message ids).
 * When D1 fails, every message is retried with a delay; nothing is acknowledged before it is committed. On
 * the dead-letter queue's final attempt the message's records are spilled to R2 (the cron re-drives them
 * once D1 answers) instead of being dropped; only when that fails too is the loss logged (counts, no payload).
 */
export async function consumePredictionLogs(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const deadLetter = isDeadLetterQueue(batch.queue);
  const units: { message: Message<unknown>; records: PredictionRecord[] }[] = [];
  for (const message of batch.messages) {
    // A body is an array of records (packed by the producer); a single record is accepted too.
    const items: unknown[] = Array.isArray(message.body) ? message.body : [message.body];
    const good = items.filter(isPredictionRecord);
    if (good.length < items.length) {
      console.error(
        JSON.stringify({
          event: "prediction_log_malformed",
          id: message.id,
          dropped: items.length - good.length,
        }),
      );
    }
    if (good.length === 0) {
      message.ack();
      continue;
    }
    units.push({ message, records: good });
  }
  if (units.length === 0) return;
  const records = units.flatMap((unit) => unit.records);
  let ingested = false;
  try {
    await ingestUnits(
      env,
      units.map((unit) => ({ dedupeKey: unit.message.id, records: unit.records })),
      readManifest,
    );
    ingested = true;
    await writeLakeRecords(env.LOGS, records, await lakeBatchKey(units.map((unit) => unit.message.id)));
    for (const { message } of units) message.ack();
  } catch (error) {
    console.error(
      JSON.stringify({
        event: ingested ? "prediction_log_lake_failed" : "prediction_log_insert_failed",
        queue: batch.queue,
        rows: records.length,
        error: loggableError(error),
      }),
    );
    for (const { message, records: own } of units) {
      const final = deadLetter && isFinalAttempt(message.attempts, MAX_RETRIES.dlq);
      if (final && ingested) {
        // D1 has the records; only their lake copy is missing: logged above, not retried forever.
        message.ack();
      } else if (final) {
        await spillFinal(env, message, own);
      } else {
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, deadLetter) });
      }
    }
  }
}

/** Last chance for a message D1 never took: its records go to the R2 spill store, re-driven by the cron. */
async function spillFinal(env: Bindings, message: Message<unknown>, records: readonly PredictionRecord[]) {
  try {
    const key = await spillRecords(env.LOGS, records, "consumer_final_attempt");
    console.error(
      JSON.stringify({ event: "prediction_log_spilled", id: message.id, records: records.length, key }),
    );
    message.ack();
  } catch (error) {
    console.error(
      JSON.stringify({
        event: "prediction_log_lost",
        id: message.id,
        records: records.length,
        error: loggableError(error),
      }),
    );
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts, true) });
  }
}
