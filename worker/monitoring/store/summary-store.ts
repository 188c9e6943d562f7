import type { KeyedSummary } from "../summary/fold.ts";
import type { LabelledSummary, SummaryKey } from "../summary/summary.ts";

/** A late label's delta for its prediction's key, idempotent on `dedupeKey` (e.g. "feedback:<id>:<revision>"). */
export interface LabelledDelta {
  key: SummaryKey;
  labelled: LabelledSummary;
  dedupeKey: string;
}

/**
 * Summaries of `model` whose bucket starts in [start, end), merged per key (its compact row plus its not
 * yet compacted partial rows). A window reads fine keys (5 min) where they exist and coarse keys (1 h) for
 * older buckets; a key appears once. Cost: the rows of the window's keys (≤ one compact + a few partials each).
 */
export async function readSummaries(
  db: D1Database,
  model: string,
  start: number,
  end: number,
): Promise<KeyedSummary[]> {
  void db;
  void model;
  void start;
  void end;
  throw new Error("readSummaries: not implemented yet (B3 step 2)");
}

/**
 * Appends labelled deltas as partial rows in ONE D1 batch; a delta whose dedupe key was already ingested is
 * skipped (race-free: the key and the row commit together).
 */
export async function appendLabelledDeltas(
  db: D1Database,
  deltas: readonly LabelledDelta[],
): Promise<{ appended: number; skipped: number }> {
  void db;
  void deltas;
  throw new Error("appendLabelledDeltas: not implemented yet (B3 step 2)");
}

/** The statements of `appendLabelledDeltas` (dedupe-conditional, no reads), to run in a caller's batch. */
export function labelledDeltaStatements(
  db: D1Database,
  deltas: readonly LabelledDelta[],
): D1PreparedStatement[] {
  void db;
  void deltas;
  throw new Error("labelledDeltaStatements: not implemented yet (B3 step 2)");
}

export type { KeyedSummary };
