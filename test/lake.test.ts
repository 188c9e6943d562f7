import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  fitRecordForD1,
  MAX_D1_RECORD_BYTES,
  OMITTED_INPUTS_KEY,
} from "../worker/monitoring/lake/d1-record-fit.ts";
import {
  lakeBatchKey,
  lakeObjectKey,
  SPILL_PREFIX,
  spillBatchKey,
} from "../worker/monitoring/lake/lake-keys.ts";
import { pruneLake } from "../worker/monitoring/lake/lake-retention.ts";
import { writeLakeFeedback, writeLakeRecords } from "../worker/monitoring/lake/lake-writer.ts";
import { gunzipNdjson } from "../worker/monitoring/lake/ndjson-gzip.ts";
import { redriveSpill } from "../worker/monitoring/lake/spill-redrive.ts";
import { spillRecords } from "../worker/monitoring/lake/spill-store.ts";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { insertPredictionRecords } from "../worker/monitoring/store/prediction-log-writer.ts";
import { readManifest } from "../worker/repository/registry-reader.ts";
import { predictionRecord as record } from "./support/monitoring-helpers.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

/** The raw-record data lake in the LOGS bucket (worker/monitoring/lake/), against miniflare's real R2 and D1. */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2026-11-20T10:15:00Z: a fixed instant so partition names are known. */
const T0 = Date.UTC(2026, 10, 20, 10, 15);

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.LOGS.list({ prefix, cursor });
    keys.push(...page.objects.map((object) => object.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.sort();
}

async function readObject(key: string): Promise<unknown[]> {
  const object = await env.LOGS.get(key);
  if (!object) throw new Error(`no object ${key}`);
  return gunzipNdjson(object.body);
}

async function clearPrefix(prefix: string): Promise<void> {
  const keys = await keysUnder(prefix);
  for (let start = 0; start < keys.length; start += 1000)
    await env.LOGS.delete(keys.slice(start, start + 1000));
}

const summaryRecords = async (model: string) =>
  (
    await env.DB.prepare("SELECT coalesce(sum(records), 0) AS n FROM monitoring_summaries WHERE model = ?")
      .bind(model)
      .first<{ n: number }>()
  )?.n ?? 0;

/** D1 really failing (not a mock): the summaries table is renamed away while `run` runs. */
async function summariesOffline<T>(run: () => Promise<T>): Promise<T> {
  await env.DB.exec("ALTER TABLE monitoring_summaries RENAME TO monitoring_summaries_offline");
  try {
    return await run();
  } finally {
    await env.DB.exec("ALTER TABLE monitoring_summaries_offline RENAME TO monitoring_summaries");
  }
}

beforeAll(async () => {
  await seedShippedModels(env);
});

describe("lake writer", () => {
  it("partitions a batch by model, date and hour: one gzip NDJSON object per partition", async () => {
    const records = [
      record("p-1", { model: "lake-a", ts: T0 }),
      record("p-2", { model: "lake-a", ts: T0 + 10 * 60_000 }),
      record("p-3", { model: "lake-a", ts: T0 + HOUR }),
      record("p-4", { model: "lake-b", ts: T0 + 14 * HOUR }), // next day, 00:15
    ];
    const written = await writeLakeRecords(env.LOGS, records, "batch-1");
    expect(written.objects).toBe(3);
    expect(await keysUnder("predictions/model=lake-a/")).toEqual([
      "predictions/model=lake-a/date=2026-11-20/hour=10/batch-1.ndjson.gz",
      "predictions/model=lake-a/date=2026-11-20/hour=11/batch-1.ndjson.gz",
    ]);
    expect(await keysUnder("predictions/model=lake-b/")).toEqual([
      "predictions/model=lake-b/date=2026-11-21/hour=00/batch-1.ndjson.gz",
    ]);
    let bytes = 0;
    for (const key of [
      ...(await keysUnder("predictions/model=lake-a/")),
      ...(await keysUnder("predictions/model=lake-b/")),
    ]) {
      const head = await env.LOGS.head(key);
      bytes += head?.size ?? 0;
      expect(head?.httpMetadata?.contentType).toBe("application/gzip");
      expect(head?.httpMetadata?.contentEncoding).toBeUndefined();
    }
    expect(written.bytes).toBe(bytes);
    expect(await readObject("predictions/model=lake-a/date=2026-11-20/hour=10/batch-1.ndjson.gz")).toEqual(
      records.slice(0, 2),
    );
  });

  it("round-trips whole records as gzip NDJSON: gzip magic bytes, one JSON object per line, unicode intact", async () => {
    const records = [
      record("r-1", {
        model: "lake-rt",
        ts: T0,
        inputs: { city: "İzmir — ğüşöç ✓", note: 'quote " and \n newline' },
      }),
      record("r-2", {
        model: "lake-rt",
        ts: T0,
        probabilities: [0.1, 0.2, 0.7],
        interval: { level: 0.9, lower: 1, upper: 2 },
      }),
    ];
    await writeLakeRecords(env.LOGS, records, "rt");
    const object = await env.LOGS.get(lakeObjectKey("predictions", "lake-rt", T0, "rt"));
    const bytes = new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const text = await new Response(
      new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")),
    ).text();
    const lines = text.split("\n");
    expect(lines).toHaveLength(3); // two records and the final newline
    expect(lines[2]).toBe("");
    expect(lines.slice(0, 2).map((line) => JSON.parse(line))).toEqual(records);
    // Compression earns its place: 200 credit records are a fraction of their JSON.
    const many = Array.from({ length: 200 }, (_, i) => record(`z-${i}`, { model: "lake-rt", ts: T0 + HOUR }));
    const { bytes: gz } = await writeLakeRecords(env.LOGS, many, "ratio");
    const raw = many.map((item) => JSON.stringify(item)).join("\n").length;
    expect(gz).toBeLessThan(raw / 5);
  });

  it("is idempotent by batch key: rewriting a batch replaces its objects; another key adds its own", async () => {
    const records = [
      record("i-1", { model: "lake-idem", ts: T0 }),
      record("i-2", { model: "lake-idem", ts: T0 }),
    ];
    const key = await lakeBatchKey(["m-2", "m-1"]);
    expect(key).toBe(await lakeBatchKey(["m-1", "m-2"])); // delivery order does not matter
    expect(key).not.toBe(await lakeBatchKey(["m-1", "m-3"]));
    await writeLakeRecords(env.LOGS, records, key);
    await writeLakeRecords(env.LOGS, records, key);
    const keys = await keysUnder("predictions/model=lake-idem/");
    expect(keys).toEqual([lakeObjectKey("predictions", "lake-idem", T0, key)]);
    expect(await readObject(keys[0] as string)).toHaveLength(2);
    await writeLakeRecords(env.LOGS, records.slice(0, 1), "other");
    expect(await keysUnder("predictions/model=lake-idem/")).toHaveLength(2);
  });

  it("writes feedback under feedback/ by arrival time, and refuses an unsafe batch key or model path", async () => {
    const feedback = [
      { prediction_id: "f-1", model: "lake-fb", version: "v1", actual: 1, ts: T0 },
      { prediction_id: "f-2", model: "lake-fb", version: "v1", actual: 0, ts: T0 + 2 * HOUR },
    ];
    expect(await writeLakeFeedback(env.LOGS, feedback, "fb-1")).toMatchObject({ objects: 2 });
    expect(await keysUnder("feedback/model=lake-fb/")).toEqual([
      "feedback/model=lake-fb/date=2026-11-20/hour=10/fb-1.ndjson.gz",
      "feedback/model=lake-fb/date=2026-11-20/hour=12/fb-1.ndjson.gz",
    ]);
    await expect(writeLakeRecords(env.LOGS, [record("x")], "../escape")).rejects.toThrow(/batch key/);
    expect(lakeObjectKey("predictions", "a/b", T0, "k")).toBe(
      "predictions/model=a%2Fb/date=2026-11-20/hour=10/k.ndjson.gz",
    );
  });
});

describe("spill and redrive", () => {
  it("spills records whole with the reason in metadata, never in a log line", async () => {
    await clearPrefix(SPILL_PREFIX);
    const records = [record("s-1", { model: "kredipusula" }), record("s-2", { model: "kredipusula" })];
    const key = await spillRecords(env.LOGS, records, "queue_and_d1_refused: D1 down");
    expect(key).toMatch(/^spill\/\d{13}-[0-9a-f-]{36}\.ndjson\.gz$/);
    const head = await env.LOGS.head(key);
    expect(head?.customMetadata).toEqual({ records: "2", reason: "queue_and_d1_refused: D1 down" });
    expect(await readObject(key)).toEqual(records);
    await clearPrefix(SPILL_PREFIX);
  });

  it("re-drives spill objects into D1 summaries and the lake, then deletes them", async () => {
    await clearPrefix(SPILL_PREFIX);
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    const first = Array.from({ length: 3 }, (_, i) => record(`rd-a-${i}`, { ts: hour + i * 1000 }));
    const second = Array.from({ length: 2 }, (_, i) => record(`rd-b-${i}`, { ts: hour + i * 1000 }));
    const before = await summaryRecords("kredipusula");
    const keyA = await spillRecords(env.LOGS, first, "test");
    await spillRecords(env.LOGS, second, "test");
    expect(await redriveSpill(env, 10, readManifest)).toEqual({ objects: 2, records: 5 });
    expect(await keysUnder(SPILL_PREFIX)).toEqual([]);
    expect((await summaryRecords("kredipusula")) - before).toBe(5);
    // The lake object is named after the spill object, so a rerun would overwrite it, not add a copy.
    const lakeKey = lakeObjectKey("predictions", "kredipusula", hour, spillBatchKey(keyA));
    expect(await readObject(lakeKey)).toEqual(first);
    expect(await redriveSpill(env, 10, readManifest)).toEqual({ objects: 0, records: 0 });
  });

  it("leaves spill objects in place while D1 fails, and re-drives them once it answers", async () => {
    await clearPrefix(SPILL_PREFIX);
    const records = Array.from({ length: 4 }, (_, i) => record(`blocked-${i}`));
    const before = await summaryRecords("kredipusula");
    const key = await spillRecords(env.LOGS, records, "test");
    const blocked = await summariesOffline(() => redriveSpill(env, 10, readManifest));
    expect(blocked).toEqual({ objects: 0, records: 0 });
    expect(await keysUnder(SPILL_PREFIX)).toEqual([key]);
    expect(await summaryRecords("kredipusula")).toBe(before);
    expect(await redriveSpill(env, 10, readManifest)).toEqual({ objects: 1, records: 4 });
    expect(await keysUnder(SPILL_PREFIX)).toEqual([]);
    expect((await summaryRecords("kredipusula")) - before).toBe(4);
  });

  it("bounds a run by maxObjects, oldest first, and quarantines an object that is not gzip NDJSON", async () => {
    await clearPrefix(SPILL_PREFIX);
    await env.LOGS.put(`${SPILL_PREFIX}0000000000001-corrupt.ndjson.gz`, "not gzip");
    const keys = [];
    for (let i = 0; i < 3; i++) keys.push(await spillRecords(env.LOGS, [record(`bound-${i}`)], "test"));
    expect(await redriveSpill(env, 2, readManifest)).toEqual({ objects: 1, records: 1 });
    expect(await keysUnder("quarantine/")).toEqual([
      `quarantine/${SPILL_PREFIX}0000000000001-corrupt.ndjson.gz`,
    ]);
    expect(await keysUnder(SPILL_PREFIX)).toEqual(keys.slice(1));
    expect(await redriveSpill(env, 100, readManifest)).toEqual({ objects: 2, records: 2 });
    await clearPrefix("quarantine/");
  });
});

describe("lake retention", () => {
  it("prunes date partitions older than the retention, keeps newer ones and the spill, bounded per run", async () => {
    const now = Date.UTC(2026, 10, 24, 3, 0);
    const old = [
      record("old-1", { model: "lake-ret", ts: now - 95 * DAY }),
      record("old-2", { model: "lake-ret", ts: now - 95 * DAY + HOUR }),
      record("old-3", { model: "lake-ret", ts: now - 91 * DAY }),
    ];
    const kept = [
      record("new-1", { model: "lake-ret", ts: now - 89 * DAY }),
      record("new-2", { model: "lake-ret", ts: now }),
    ];
    await writeLakeRecords(env.LOGS, [...old, ...kept], "ret");
    await writeLakeFeedback(env.LOGS, [{ model: "lake-ret", ts: now - 100 * DAY, actual: 1 }], "ret");
    const spill = await spillRecords(env.LOGS, [record("ret-spill")], "test");
    expect(await keysUnder("predictions/model=lake-ret/")).toHaveLength(5);

    expect(await pruneLake(env.LOGS, now, 90, 2)).toEqual({ objects: 2, more: true });
    const second = await pruneLake(env.LOGS, now, 90);
    expect(second.more).toBe(false);
    expect(await keysUnder("predictions/model=lake-ret/")).toEqual([
      lakeObjectKey("predictions", "lake-ret", now - 89 * DAY, "ret"),
      lakeObjectKey("predictions", "lake-ret", now, "ret"),
    ]);
    expect(await keysUnder("feedback/model=lake-ret/")).toEqual([]);
    expect(await keysUnder(SPILL_PREFIX)).toContain(spill);
    expect(await pruneLake(env.LOGS, now, 90)).toEqual({ objects: 0, more: false });
    await clearPrefix(SPILL_PREFIX);
  });
});

describe("records too large for a D1 row", () => {
  /** Beyond the string/row size local D1 accepts (SQLITE_TOOBIG; Cloudflare documents 2 MB per row). */
  const huge = (id: string): PredictionRecord =>
    record(id, { inputs: { income: 1, blob: "x".repeat(5_500_000) }, error: "e".repeat(5000) });

  it("keeps a normal record as it is and cuts a huge one's inputs for D1 only", () => {
    const small = record("fit-small");
    expect(fitRecordForD1(small)).toBe(small);
    const fitted = fitRecordForD1(huge("fit-huge"));
    expect(fitted.inputs).toEqual({ [OMITTED_INPUTS_KEY]: JSON.stringify(huge("x").inputs).length });
    expect(JSON.stringify(fitted).length).toBeLessThanOrEqual(MAX_D1_RECORD_BYTES);
    expect(fitted.id).toBe("fit-huge");
  });

  it("a huge record fails its whole D1 batch unless fitted; fitted, it lands with its neighbours", async () => {
    const neighbours = [record("fit-n-1"), record("fit-n-2")];
    await expect(insertPredictionRecords(env.DB, [...neighbours, huge("fit-raw")])).rejects.toThrow(
      /TOOBIG|too big/,
    );
    await insertPredictionRecords(env.DB, [...neighbours, huge("fit-cut")].map(fitRecordForD1));
    const rows = await env.DB.prepare(
      "SELECT id, inputs FROM predictions WHERE id IN ('fit-n-1', 'fit-n-2', 'fit-cut', 'fit-raw') ORDER BY id",
    ).all<{ id: string; inputs: string }>();
    expect(rows.results.map((row) => row.id)).toEqual(["fit-cut", "fit-n-1", "fit-n-2"]);
  });
});
