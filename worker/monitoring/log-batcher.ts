/**
 * Coalesces the prediction records of concurrent requests in one isolate into one queue send. A request's
 * records join the isolate's open batch for its queue; the batch is sent when it holds FLUSH_AT_RECORDS or
 * FLUSH_DELAY_MS after it opened, whichever comes first. Every request that joined holds the batch's
 * `done` promise in its `waitUntil`, so the isolate is kept alive until the send (or its fallback) has
 * finished. `done` never rejects: the sender owns failures.
 */

/** Records per send: a credit record is ~1 KB, so a full batch is a few messages in one sendBatch call. */
export const FLUSH_AT_RECORDS = 64;
/** How long an open batch waits for more requests' records (after their responses: no latency added). */
export const FLUSH_DELAY_MS = 4;

export type SendRecords<T> = (records: T[]) => Promise<void>;

interface OpenBatch<T> {
  records: T[];
  done: Promise<void>;
  release: () => void;
  flushed: boolean;
  send: SendRecords<T>;
}

const openBatches = new WeakMap<object, OpenBatch<unknown>>();

function flush<T>(key: object, batch: OpenBatch<T>): void {
  if (batch.flushed) return;
  batch.flushed = true;
  if (openBatches.get(key) === batch) openBatches.delete(key);
  batch.send(batch.records).then(batch.release, batch.release);
}

/**
 * Adds `records` to the open batch of `key` (the queue binding), opening one (sent through `send`) if there
 * is none, and hands its completion to `waitUntil`. At most FLUSH_AT_RECORDS - 1 records wait per key
 * beyond what a single request adds.
 */
export function enqueueRecords<T>(
  key: object,
  records: readonly T[],
  send: SendRecords<T>,
  waitUntil: (promise: Promise<unknown>) => void,
): void {
  let batch = openBatches.get(key) as OpenBatch<T> | undefined;
  if (!batch) {
    let release = () => {};
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const opened: OpenBatch<T> = { records: [], done, release, flushed: false, send };
    openBatches.set(key, opened as OpenBatch<unknown>);
    setTimeout(() => flush(key, opened), FLUSH_DELAY_MS);
    batch = opened;
  }
  for (const record of records) batch.records.push(record);
  waitUntil(batch.done);
  if (batch.records.length >= FLUSH_AT_RECORDS) flush(key, batch);
}
