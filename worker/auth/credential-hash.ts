import { sha256Bytes } from "../platform/digest.ts";

/**
 * Compares two secrets in constant time: both are hashed first, so neither their lengths nor the position
 * of the first differing byte shows in the timing.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256Bytes(given), sha256Bytes(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}
