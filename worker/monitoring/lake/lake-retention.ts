import { type LakeKind, partitionOf } from "./lake-keys.ts";

const KINDS: readonly LakeKind[] = ["predictions", "feedback"];
/** R2 deletes up to 1,000 keys per call and lists up to 1,000 per page. */
const PAGE = 1000;
const DAY_MS = 86_400_000;

interface LakePruneResult {
  /** Objects deleted this run. */
  objects: number;
  /** True when the run stopped at `maxObjects` with more expired objects left for the next run. */
  more: boolean;
}

/** The delimited sub-prefixes directly under `prefix` (every page). */
async function childPrefixes(bucket: R2Bucket, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, delimiter: "/", cursor, limit: PAGE });
    found.push(...page.delimitedPrefixes);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return found;
}

/**
 * Deletes lake objects (predictions/ and feedback/) whose `date=` partition is older than `retentionDays`
 * before `now`, at most `maxObjects` per run. It walks models, then date partitions, so a run lists
 * O(models + expired dates) pages, never the retained objects. Spill objects are never pruned: they hold
 * records not yet ingested. The production path is an R2 lifecycle rule on the same prefixes
 * (docs/data-lake.md); this prune is the fallback that also works locally and keeps the two in agreement.
 */
export async function pruneLake(
  bucket: R2Bucket,
  now: number,
  retentionDays: number,
  maxObjects = 5000,
): Promise<LakePruneResult> {
  // A date partition is expired when its whole day ends before the cutoff.
  const cutoffDate = partitionOf(now - retentionDays * DAY_MS).date;
  let deleted = 0;
  for (const kind of KINDS) {
    for (const model of await childPrefixes(bucket, `${kind}/`)) {
      for (const datePrefix of await childPrefixes(bucket, model)) {
        const date = /date=(\d{4}-\d{2}-\d{2})\/$/.exec(datePrefix)?.[1];
        if (!date || date >= cutoffDate) continue;
        let cursor: string | undefined;
        do {
          if (deleted >= maxObjects) return { objects: deleted, more: true };
          const page = await bucket.list({
            prefix: datePrefix,
            cursor,
            limit: Math.min(PAGE, maxObjects - deleted),
          });
          const keys = page.objects.map((object) => object.key);
          if (keys.length > 0) await bucket.delete(keys);
          deleted += keys.length;
          cursor = page.truncated ? page.cursor : undefined;
        } while (cursor);
      }
    }
  }
  return { objects: deleted, more: false };
}
