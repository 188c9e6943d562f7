import type { PredictionRecord } from "../prediction-record.ts";

/**
 * Largest JSON a raw prediction row may take in D1. D1 caps a string, BLOB or row at 1,000,000 bytes and
 * the rows of one insert travel as one JSON parameter (store/prediction-log-writer.ts), so a single huge
 * record would fail the whole transaction — and with it every other record of its batch. 64 KB is far above
 * a normal record (~1 KB) and far below the cap.
 */
export const MAX_D1_RECORD_BYTES = 64 * 1024;
const MAX_ERROR_CHARS = 1024;
/** The key that replaces the inputs of a record cut for D1; its value is the inputs' JSON size in bytes. */
export const OMITTED_INPUTS_KEY = "__omitted_bytes__";

const encoder = new TextEncoder();
const jsonBytes = (value: unknown) => encoder.encode(JSON.stringify(value)).byteLength;

/**
 * The record as D1 may store it: unchanged when its JSON fits MAX_D1_RECORD_BYTES; otherwise the inputs are
 * replaced by `{"__omitted_bytes__": n}`, then (if still too large) the probabilities dropped and the error
 * text cut. Summaries are folded from the full record and the lake keeps it whole; only the D1 row is cut.
 */
export function fitRecordForD1(record: PredictionRecord): PredictionRecord {
  if (jsonBytes(record) <= MAX_D1_RECORD_BYTES) return record;
  const fitted: PredictionRecord = { ...record, inputs: { [OMITTED_INPUTS_KEY]: jsonBytes(record.inputs) } };
  if (jsonBytes(fitted) <= MAX_D1_RECORD_BYTES) return fitted;
  fitted.probabilities = null;
  if (fitted.error !== null && fitted.error.length > MAX_ERROR_CHARS)
    fitted.error = fitted.error.slice(0, MAX_ERROR_CHARS);
  return fitted;
}
