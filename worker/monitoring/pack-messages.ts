/** Queue limits: 128 KB per message, 100 messages and 256 KB per sendBatch; these leave headroom. */
export const MAX_MESSAGE_BYTES = 96 * 1024;
export const MAX_SEND_BYTES = 224 * 1024;
export const MAX_SEND_MESSAGES = 100;

const encoder = new TextEncoder();

/**
 * Packs items into message bodies (arrays) of at most MAX_MESSAGE_BYTES of JSON each, and those into
 * sendBatch calls within the per-call limits. A 1,000-row prediction becomes a few messages, not 1,000.
 */
export function packMessages<T>(items: readonly T[]): T[][][] {
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
  for (const item of items) {
    const bytes = encoder.encode(JSON.stringify(item)).byteLength + 1;
    if (body.length > 0 && bodyBytes + bytes > MAX_MESSAGE_BYTES) closeBody();
    body.push(item);
    bodyBytes += bytes;
  }
  closeBody();
  if (call.length > 0) calls.push(call);
  return calls;
}
