/**
 * HMAC-SHA-256 (RFC 2104, FIPS 180-4) computed synchronously, with the key's inner and outer states
 * prepared once: a MAC over a sealed id's payload is two or three compressions (one output; more for
 * multiclass probabilities) in the calling stack, with no promise, no call into the runtime and no
 * allocation of its own, where `crypto.subtle.sign` is a promise and a native call per id
 * (docs/performance.md, "Sealed ids without WebCrypto"). `crypto.subtle` stays the reference:
 * test/hmac-sha256.test.ts checks RFC 4231's cases and the tags of `crypto.subtle.sign("HMAC", …)` for keys
 * of eight lengths around the block size and messages of every length 0-200.
 */

// biome-ignore format: FIPS 180-4's round constants, eight to a row as printed there
const K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);
const INITIAL = Int32Array.of(
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
);
const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;

/** The message schedule and the block being hashed: shared, since every call runs to completion. */
const schedule = new Int32Array(64);
const block = new Uint8Array(BLOCK_BYTES);

/** One SHA-256 compression of `bytes[at, at + 64)` into `state`. */
function compress(state: Int32Array, bytes: Uint8Array, at: number): void {
  const w = schedule;
  for (let i = 0; i < 16; i++, at += 4)
    w[i] =
      ((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number);
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15] as number;
    const y = w[i - 2] as number;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0;
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + (K[i] as number) + (w[i] as number)) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
  state[5] = ((state[5] as number) + f) | 0;
  state[6] = ((state[6] as number) + g) | 0;
  state[7] = ((state[7] as number) + h) | 0;
}

/**
 * Hashes `message` into `state`, which already holds `prefixBlocks` blocks (the HMAC pad): the message's
 * whole blocks, then the last partial block with the padding and the total length in bits.
 */
function finish(state: Int32Array, prefixBlocks: number, message: Uint8Array): void {
  const whole = message.length - (message.length % BLOCK_BYTES);
  for (let at = 0; at < whole; at += BLOCK_BYTES) compress(state, message, at);
  const rest = message.length - whole;
  block.fill(0);
  for (let i = 0; i < rest; i++) block[i] = message[whole + i] as number;
  block[rest] = 0x80;
  if (rest >= BLOCK_BYTES - 8) {
    compress(state, block, 0);
    block.fill(0);
  }
  const bits = (prefixBlocks * BLOCK_BYTES + message.length) * 8;
  const high = Math.floor(bits / 2 ** 32);
  block[56] = high >>> 24;
  block[57] = high >>> 16;
  block[58] = high >>> 8;
  block[59] = high;
  block[60] = bits >>> 24;
  block[61] = bits >>> 16;
  block[62] = bits >>> 8;
  block[63] = bits;
  compress(state, block, 0);
}

function padState(key: Uint8Array, pad: number): Int32Array {
  const padded = new Uint8Array(BLOCK_BYTES);
  for (let i = 0; i < BLOCK_BYTES; i++) padded[i] = (key[i] ?? 0) ^ pad;
  const state = INITIAL.slice();
  compress(state, padded, 0);
  return state;
}

function sha256(message: Uint8Array): Uint8Array {
  const state = INITIAL.slice();
  finish(state, 0, message);
  return digestBytes(state, new Uint8Array(DIGEST_BYTES));
}

function digestBytes(state: Int32Array, out: Uint8Array): Uint8Array {
  for (let i = 0; i < 8; i++) {
    const word = state[i] as number;
    out[i * 4] = word >>> 24;
    out[i * 4 + 1] = word >>> 16;
    out[i * 4 + 2] = word >>> 8;
    out[i * 4 + 3] = word;
  }
  return out;
}

export interface HmacSha256 {
  /** Writes the first `out.length` (≤ 32) bytes of HMAC-SHA-256(key, message) into `out`. */
  macInto(message: Uint8Array, out: Uint8Array): void;
}

/** An HMAC-SHA-256 keyed once (a key longer than a block is hashed first, as RFC 2104 says). */
export function hmacSha256(key: Uint8Array): HmacSha256 {
  const blockKey = key.length > BLOCK_BYTES ? sha256(key) : key;
  const inner = padState(blockKey, 0x36);
  const outer = padState(blockKey, 0x5c);
  const state = new Int32Array(8);
  const innerDigest = new Uint8Array(DIGEST_BYTES);
  const digest = new Uint8Array(DIGEST_BYTES);
  return {
    macInto(message, out) {
      if (out.length > DIGEST_BYTES) throw new RangeError(`an HMAC-SHA-256 tag has ${DIGEST_BYTES} bytes`);
      state.set(inner);
      finish(state, 1, message);
      digestBytes(state, innerDigest);
      state.set(outer);
      finish(state, 1, innerDigest);
      digestBytes(state, digest);
      for (let i = 0; i < out.length; i++) out[i] = digest[i] as number;
    },
  };
}
