import { type Manifest, manifestSchema } from "../contracts/manifest.ts";
import { problems } from "../problems/index.ts";
import { listAllKeys } from "./kv-list-all.ts";
import { openSealedManifest } from "./manifest-seal.ts";
import { MODEL_PREFIX, manifestKey, modelKey } from "./registry-keys.ts";
import type { ModelRecord } from "./registry-types.ts";

/**
 * Registry reads with a short in-isolate cache. KV itself propagates writes within ~60 s; the isolate
 * cache adds at most REGISTRY_TTL_MS on top, and the admin API invalidates it in the isolate that wrote.
 * Manifests are immutable once published, so they are cached for the isolate's life (bounded).
 */
const REGISTRY_TTL_MS = 5_000;
const MAX_CACHED_MANIFESTS = 64;
const MAX_CACHED_RECORDS = 256;

const recordCache = new Map<string, { value: ModelRecord | null; expires: number }>();
const manifestCache = new Map<string, Manifest>();

export function invalidateRegistryCache(model?: string): void {
  if (model === undefined) recordCache.clear();
  else recordCache.delete(model);
}

export async function readModelRecord(
  kv: KVNamespace,
  model: string,
  now = Date.now(),
): Promise<ModelRecord | null> {
  const cached = recordCache.get(model);
  if (cached && cached.expires > now) return cached.value;
  const value = await kv.get<ModelRecord>(modelKey(model), "json");
  // Model names come from clients: the cache is bounded, oldest entry out first.
  if (recordCache.size >= MAX_CACHED_RECORDS) {
    const oldest = recordCache.keys().next().value;
    if (oldest !== undefined) recordCache.delete(oldest);
  }
  recordCache.set(model, { value, expires: now + REGISTRY_TTL_MS });
  return value;
}

export async function requireModelRecord(kv: KVNamespace, model: string): Promise<ModelRecord> {
  return requireRecord(await readModelRecord(kv, model), model);
}

/** The one 404 for an unknown model, shared by reads (KV) and admin writes (D1). */
export function requireRecord(record: ModelRecord | null, model: string): ModelRecord {
  if (!record) {
    throw problems.modelNotFound(model);
  }
  return record;
}

export async function listModelRecords(kv: KVNamespace): Promise<ModelRecord[]> {
  const names = (await listAllKeys(kv, MODEL_PREFIX)).map((key) => key.name.slice(MODEL_PREFIX.length));
  const records = await Promise.all(names.map((name) => readModelRecord(kv, name)));
  return records.filter((record): record is ModelRecord => record !== null);
}

export async function readManifest(kv: KVNamespace, model: string, version: string): Promise<Manifest> {
  const key = manifestKey(model, version);
  const cached = manifestCache.get(key);
  if (cached) return cached;
  const { value: text, metadata } = await kv.getWithMetadata(key, "text");
  if (text === null) throw problems.manifestUnavailable(model, version, "missing");
  const manifest = (await openSealedManifest(text, metadata)) ?? validateManifest(text, model, version);
  if (manifestCache.size >= MAX_CACHED_MANIFESTS) {
    const oldest = manifestCache.keys().next().value;
    if (oldest !== undefined) manifestCache.delete(oldest);
  }
  manifestCache.set(key, manifest);
  return manifest;
}

/** A manifest stored without a seal this code trusts (older writer, other schema, edited by hand). */
function validateManifest(text: string, model: string, version: string): Manifest {
  const parsed = manifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw problems.manifestUnavailable(model, version, "invalid");
  return parsed.data;
}
