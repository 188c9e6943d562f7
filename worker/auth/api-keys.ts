import { sha256Bytes, toHex } from "../platform/digest.ts";
import { listAllKeys } from "../repository/kv-list-all.ts";
import { apiKeyKey } from "../repository/registry-keys.ts";
import type { ApiKeyRecord } from "../repository/registry-types.ts";
import type { Scope } from "../vocabulary/index.ts";

/**
 * API keys: `ek_<43 base64url chars>` (256 random bits), shown once at creation. Only the SHA-256 of a key is
 * stored (KV `apikey:<sha256hex>`); a key's public id is the first 16 hex digits of that hash, so revocation
 * by id finds the entry with a prefix list and no secret is ever needed again.
 */
const API_KEY_PREFIX = "ek_";
const KEY_ID_LENGTH = 16;
const CACHE_TTL_MS = 10_000;

interface CreatedApiKey {
  key: string;
  record: ApiKeyRecord;
}

const cache = new Map<string, { record: ApiKeyRecord | null; expires: number }>();

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const base64 = btoa(String.fromCharCode(...bytes));
  return `${API_KEY_PREFIX}${base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}

export const looksLikeApiKey = (value: string): boolean => /^ek_[A-Za-z0-9_-]{20,100}$/.test(value);

export async function createApiKey(
  kv: KVNamespace,
  options: { name?: string | undefined; scopes: Scope[] },
): Promise<CreatedApiKey> {
  const key = randomKey();
  const hash = toHex(await sha256Bytes(key));
  const record: ApiKeyRecord = {
    id: hash.slice(0, KEY_ID_LENGTH),
    ...(options.name ? { name: options.name } : {}),
    scopes: [...new Set(options.scopes)].sort(),
    created_at: new Date().toISOString(),
  };
  await kv.put(apiKeyKey(hash), JSON.stringify(record), { metadata: record });
  return { key, record };
}

/**
 * Removes a key that was just created and never handed out (its creation could not be audited), so no
 * un-audited key is left behind. Nobody holds it: the secret was only in the failed response.
 */
export async function discardApiKey(kv: KVNamespace, key: string): Promise<void> {
  const hash = toHex(await sha256Bytes(key));
  await kv.delete(apiKeyKey(hash));
  cache.delete(hash);
}

/** The record of a presented key, or null when unknown or revoked. Cached briefly per isolate. */
export async function resolveApiKey(
  kv: KVNamespace,
  key: string,
  now = Date.now(),
): Promise<ApiKeyRecord | null> {
  const hash = toHex(await sha256Bytes(key));
  const cached = cache.get(hash);
  if (cached && cached.expires > now) return cached.record;
  const record = await kv.get<ApiKeyRecord>(apiKeyKey(hash), "json");
  const live = record && !record.revoked_at ? record : null;
  if (cache.size > 1_000) cache.clear();
  cache.set(hash, { record: live, expires: now + CACHE_TTL_MS });
  return live;
}

export async function listApiKeys(kv: KVNamespace): Promise<ApiKeyRecord[]> {
  const keys = await listAllKeys<ApiKeyRecord>(kv, apiKeyKey(""));
  const records = keys.flatMap((key) => (key.metadata ? [key.metadata] : []));
  return records.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/**
 * Marks a key revoked (the entry is kept, so the audit trail can still name it). Returns null for an
 * unknown id. Other isolates stop accepting it within the KV propagation time plus the 10 s cache.
 */
export async function revokeApiKey(kv: KVNamespace, id: string): Promise<ApiKeyRecord | null> {
  if (!/^[a-f0-9]{16}$/.test(id)) return null;
  const page = await kv.list({ prefix: apiKeyKey(id) });
  const entry = page.keys[0];
  if (!entry) return null;
  const record = await kv.get<ApiKeyRecord>(entry.name, "json");
  if (!record) return null;
  if (record.revoked_at) return record;
  const revoked: ApiKeyRecord = { ...record, revoked_at: new Date().toISOString() };
  await kv.put(entry.name, JSON.stringify(revoked), { metadata: revoked });
  cache.delete(entry.name.slice(apiKeyKey("").length));
  return revoked;
}
