/**
 * A short, stable digest of the reference a summary part was counted on (bin edges, quantiles, categories),
 * so parts counted on different references are never added. Not a security digest: two 32-bit FNV-1a lanes
 * with different offsets over the JSON text (64 bits, 16 hex characters), synchronous for the fold's hot loop.
 */
export function edgesDigest(reference: unknown): string {
  const text = JSON.stringify(reference);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x01000193) >>> 0;
    b = (b ^ (b >>> 13)) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}
