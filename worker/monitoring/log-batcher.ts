/**
 * Coalesces the prediction records of concurrent requests in one isolate into one queue send. A request's
 * records join the isolate's open batch for its queue. The request that opens a batch starts a short timer
 * and holds it in its `waitUntil`; when the timer fires, that request sends the batch (unless a later request
 * already did) and its `waitUntil` ends only when the send (or its fallback) has finished. A request whose
 * records fill the batch (FLUSH_AT_RECORDS) sends it at once and holds that send in its own `waitUntil`.
 *
 * No request waits on another request's I/O: workerd cancels a request context that only awaits work
 * owned by another one ("Promise will never complete"). Records of a request that neither opened nor filled
 * the batch are carried by the request that did: its context stays alive until the send is done, so they
 * live as long as the isolate does, like that request's own records.
 */

/** Records per send: a credit record is ~1 KB, so a full batch is a few messages in one sendBatch call. */
export const FLUSH_AT_RECORDS = 64;
/** How long an open batch waits for more requests' records (after their responses: no latency added). */
const FLUSH_DELAY_MS = 4;

type SendRecords<T> = (records: T[]) => Promise<void>;

interface OpenBatch<T> {
  records: T[];
  flushed: boolean;
  send: SendRecords<T>;
}

const openBatches = new WeakMap<object, OpenBatch<unknown>>();

/** Sends `batch` in the caller's request context; a batch already sent resolves at once. */
function flush<T>(key: object, batch: OpenBatch<T>): Promise<void> {
  if (batch.flushed) return Promise.resolve();
  batch.flushed = true;
  if (openBatches.get(key) === batch) openBatches.delete(key);
  return batch.send(batch.records).catch(() => {});
}

/**
 * Adds `records` to the open batch of `key` (the queue binding), opening one (sent through `send`) if there
 * is none. At most FLUSH_AT_RECORDS - 1 records wait per key beyond what a single request adds.
 */
export function enqueueRecords<T>(
  key: object,
  records: readonly T[],
  send: SendRecords<T>,
  waitUntil: (promise: Promise<unknown>) => void,
): void {
  let batch = openBatches.get(key) as OpenBatch<T> | undefined;
  if (!batch) {
    const opened: OpenBatch<T> = { records: [], flushed: false, send };
    openBatches.set(key, opened as OpenBatch<unknown>);
    waitUntil(
      new Promise<void>((resolve) => {
        setTimeout(() => {
          flush(key, opened).then(resolve);
        }, FLUSH_DELAY_MS);
      }),
    );
    batch = opened;
  }
  for (const record of records) batch.records.push(record);
  if (batch.records.length >= FLUSH_AT_RECORDS) waitUntil(flush(key, batch));
}
