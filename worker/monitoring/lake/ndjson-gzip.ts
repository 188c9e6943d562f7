/**
 * Newline-delimited JSON, gzip-compressed with the runtime's own CompressionStream (no library in the
 * bundle, compression in native code rather than in the isolate's JavaScript). One object per line, as
 * DuckDB's read_json_auto / read_ndjson, Spark, pandas and `zcat | jq` read it.
 */

const encoder = new TextEncoder();

function toNdjson(items: readonly unknown[]): string {
  let text = "";
  for (const item of items) text += `${JSON.stringify(item)}\n`;
  return text;
}

export async function gzipNdjson(items: readonly unknown[]): Promise<Uint8Array> {
  const stream = new Blob([encoder.encode(toNdjson(items))])
    .stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The items of a gzip NDJSON body; blank lines are skipped, a line that is not JSON throws. */
export async function gunzipNdjson(
  body: ReadableStream<Uint8Array> | ArrayBuffer | Uint8Array,
): Promise<unknown[]> {
  const source = body instanceof ReadableStream ? body : new Blob([body]).stream();
  const text = await new Response(source.pipeThrough(new DecompressionStream("gzip"))).text();
  const items: unknown[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() !== "") items.push(JSON.parse(line));
  }
  return items;
}
