/** Every key under `prefix`, following KV's list cursor (1,000 keys a page). */
export async function listAllKeys<Metadata = unknown>(
  kv: KVNamespace,
  prefix: string,
): Promise<KVNamespaceListKey<Metadata>[]> {
  const keys: KVNamespaceListKey<Metadata>[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list<Metadata>({ prefix, ...(cursor ? { cursor } : {}) });
    keys.push(...page.keys);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return keys;
}
