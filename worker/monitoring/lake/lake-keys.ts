import { sha256Hex } from "../../platform/digest.ts";

/** The three top prefixes of the LOGS bucket (docs/data-lake.md). */
export type LakeKind = "predictions" | "feedback";
export const SPILL_PREFIX = "spill/";
/** Spill objects that could not be decoded are moved here for a person to look at; never re-driven or pruned. */
export const QUARANTINE_PREFIX = "quarantine/";
const LAKE_SUFFIX = ".ndjson.gz";

/** A batch key becomes a file name: a digest, a spill id or another short token of safe characters. */
const BATCH_KEY = /^[A-Za-z0-9._-]{1,128}$/;

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

/** `date=YYYY-MM-DD/hour=HH` (UTC) of an epoch-ms timestamp; the Hive-style names DuckDB and Spark read. */
export function partitionOf(ts: number): { date: string; hour: string } {
  const at = new Date(ts);
  return {
    date: `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`,
    hour: pad(at.getUTCHours()),
  };
}

/** `<kind>/model=<m>/`: model names are URL-encoded so any registry name is one path segment. */
const modelPrefix = (kind: LakeKind, model: string): string => `${kind}/model=${encodeURIComponent(model)}/`;

/** `<kind>/model=<m>/date=YYYY-MM-DD/hour=HH/<batchKey>.ndjson.gz`. */
export function lakeObjectKey(kind: LakeKind, model: string, ts: number, batchKey: string): string {
  if (!BATCH_KEY.test(batchKey)) throw new Error(`lake batch key must match ${BATCH_KEY}: ${batchKey}`);
  const { date, hour } = partitionOf(ts);
  return `${modelPrefix(kind, model)}date=${date}/hour=${hour}/${batchKey}${LAKE_SUFFIX}`;
}

/**
 * The batch key of a queue batch: a digest of its message ids (sorted, so the order of delivery does not
 * matter). A redelivered batch with the same messages writes the same objects again instead of new ones.
 */
export async function lakeBatchKey(messageIds: readonly string[]): Promise<string> {
  const digest = await sha256Hex(new TextEncoder().encode([...messageIds].sort().join("\n")));
  return digest.slice(0, 32);
}

/** `spill/<epoch ms, 13 digits>-<uuid>.ndjson.gz`: listing order is write order. */
export const spillObjectKey = (now: number, id: string): string =>
  `${SPILL_PREFIX}${pad(now, 13)}-${id}${LAKE_SUFFIX}`;

/** The lake batch key a re-driven spill object's records are written under (its own name, so a rerun overwrites). */
export const spillBatchKey = (spillKey: string): string =>
  `spill-${spillKey.slice(SPILL_PREFIX.length, -LAKE_SUFFIX.length)}`;
