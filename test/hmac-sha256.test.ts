/**
 * The synchronous HMAC-SHA-256 that seals prediction ids (worker/platform/hmac-sha256.ts) against the
 * reference, workerd's `crypto.subtle.sign("HMAC", …)`: RFC 4231's seven test cases, then pseudo-random keys of eight lengths around the block size with messages of every
 * length 0-200 (across the padding boundaries), and a longer `out` refused.
 */
import { describe, expect, it } from "vitest";
import { hmacSha256 } from "../worker/platform/hmac-sha256.ts";

const hex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
const ascii = (text: string) => new TextEncoder().encode(text);

async function reference(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, message));
}

function ours(key: Uint8Array, message: Uint8Array, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  hmacSha256(key).macInto(message, out);
  return out;
}

/** A deterministic byte stream (xorshift32), so a failure names a reproducible case. */
function bytesFrom(seed: number, length: number): Uint8Array {
  let state = seed || 1;
  return Uint8Array.from({ length }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state & 0xff;
  });
}

describe("HMAC-SHA-256", () => {
  it("gives RFC 4231's tags", () => {
    const cases: [Uint8Array, Uint8Array, string][] = [
      [
        hex("0b".repeat(20)),
        ascii("Hi There"),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      ],
      [
        ascii("Jefe"),
        ascii("what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      ],
      [
        hex("aa".repeat(20)),
        hex("dd".repeat(50)),
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
      ],
      [
        Uint8Array.from({ length: 25 }, (_, index) => index + 1),
        hex("cd".repeat(50)),
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
      ],
      [
        hex("aa".repeat(131)),
        ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
      ],
      [
        hex("aa".repeat(131)),
        ascii(
          "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
        ),
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
      ],
    ];
    for (const [key, message, tag] of cases) expect(ours(key, message)).toEqual(hex(tag));
    // case 5: a tag truncated to 128 bits, as sealed ids carry
    expect(ours(hex("0c".repeat(20)), ascii("Test With Truncation"), 16)).toEqual(
      hex("a3b6167473100ee06e0c796c2955552b"),
    );
  });

  it("matches crypto.subtle for keys and messages of every length around the block boundaries", async () => {
    for (const keyLength of [1, 16, 32, 63, 64, 65, 100, 200]) {
      const key = bytesFrom(keyLength * 7919, keyLength);
      const keyed = hmacSha256(key);
      for (let length = 0; length <= 200; length += 1) {
        const message = bytesFrom(length * 104_729 + keyLength, length);
        const out = new Uint8Array(32);
        keyed.macInto(message, out);
        expect(out, `key ${keyLength} bytes, message ${length} bytes`).toEqual(await reference(key, message));
      }
    }
  });

  it("writes a truncated tag and keeps no state between messages", async () => {
    const key = bytesFrom(42, 48);
    const keyed = hmacSha256(key);
    const first = bytesFrom(1, 77);
    const second = bytesFrom(2, 5);
    const short = new Uint8Array(16);
    keyed.macInto(first, short);
    keyed.macInto(second, new Uint8Array(32));
    const again = new Uint8Array(16);
    keyed.macInto(first, again);
    expect(again).toEqual(short);
    expect(short).toEqual((await reference(key, first)).subarray(0, 16));
    expect(() => keyed.macInto(first, new Uint8Array(33))).toThrow(RangeError);
  });
});
