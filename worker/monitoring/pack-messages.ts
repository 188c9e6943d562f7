/** Queue limits: 128 KB per message, 100 messages and 256 KB per sendBatch; these leave headroom. */
export const MAX_MESSAGE_BYTES = 96 * 1024;
export const MAX_SEND_BYTES = 224 * 1024;
export const MAX_SEND_MESSAGES = 100;

const encoder = new TextEncoder();
const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-8 length of a string; ASCII (most log records) is counted without encoding a copy. */
const utf8Length = (text: string): number =>
  NON_ASCII.test(text) ? encoder.encode(text).byteLength : text.length;

/** The UTF-8 bytes of an item's JSON (what it adds to a message body, without the comma). */
export const jsonBytes = (item: unknown): number => utf8Length(JSON.stringify(item));

/**
 * Packs items into message bodies (arrays) of at most MAX_MESSAGE_BYTES of JSON each, and those into
 * sendBatch calls within the per-call limits. A 1,000-row prediction becomes a few messages, not 1,000.
 * `sizes[i]`, when given, is `jsonBytes(items[i])` already measured by the caller.
 */
export function packMessages<T>(items: readonly T[], sizes?: readonly number[]): T[][][] {
  // One item is one message in one call whatever its size (the loop below never splits an item either).
  if (items.length === 1) return [[[items[0] as T]]];
  const calls: T[][][] = [];
  let call: T[][] = [];
  let callBytes = 0;
  let body: T[] = [];
  let bodyBytes = 2;
  const closeBody = () => {
    if (body.length === 0) return;
    if (call.length >= MAX_SEND_MESSAGES || callBytes + bodyBytes > MAX_SEND_BYTES) {
      calls.push(call);
      call = [];
      callBytes = 0;
    }
    call.push(body);
    callBytes += bodyBytes;
    body = [];
    bodyBytes = 2;
  };
  for (const [index, item] of items.entries()) {
    const bytes = (sizes?.[index] ?? jsonBytes(item)) + 1;
    if (body.length > 0 && bodyBytes + bytes > MAX_MESSAGE_BYTES) closeBody();
    body.push(item);
    bodyBytes += bytes;
  }
  closeBody();
  if (call.length > 0) calls.push(call);
  return calls;
}
