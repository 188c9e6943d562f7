import {
  decodeFacts,
  encodeFacts,
  fromBase64Url,
  keyIdOf,
  NONCE_BYTES,
  type PredictionFacts,
  toBase64Url,
} from "./prediction-id-codec.ts";
import {
  type PredictionIdKeyEnv,
  type PredictionIdKeys,
  predictionIdKeys,
  predictionIdKeyWarning,
} from "./prediction-id-key.ts";

export type { PredictionFacts };

/**
 * A sealed prediction id: `p1_` + base64url(payload ‖ MAC), where payload = key id, ts, nonce, model,
 * version, route and what was predicted (prediction-id-codec.ts) and MAC = the first MAC_BYTES of
 * HMAC-SHA-256(key, "p1" ‖ payload). URL-safe (A–Z a–z 0–9 - _), 80–110 characters for one output, more
 * for multiclass probabilities (docs/monitoring.md, "Feedback at scale").
 */
const SEALED_PREFIX = "p1_";
const MAC_BYTES = 16;

const DOMAIN = new TextEncoder().encode("p1");

/** The input a MAC covers: the domain ("p1") then the payload. */
function macInput(payload: Uint8Array): Uint8Array {
  const input = new Uint8Array(DOMAIN.length + payload.length);
  input.set(DOMAIN);
  input.set(payload, DOMAIN.length);
  return input;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) difference |= (a[index] ?? 0) ^ (b[index] ?? 0);
  return difference === 0;
}

export function sealPredictionId(keys: PredictionIdKeys, facts: PredictionFacts): string {
  const key = keys.keys.get(keys.current);
  if (!key) throw new Error("current prediction id key missing");
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const sealed = encodeFacts(keys.current, facts, nonce, MAC_BYTES);
  const payload = sealed.subarray(0, sealed.length - MAC_BYTES);
  key.macInto(macInput(payload), sealed.subarray(payload.length));
  return SEALED_PREFIX + toBase64Url(sealed);
}

/** Ids of this format are opened; anything else is a legacy (UUID) id, looked up in the recent sample. */
export const isSealedId = (id: string): boolean => id.startsWith(SEALED_PREFIX);

type OpenedId =
  | { ok: true; facts: PredictionFacts }
  | { ok: false; reason: "malformed" | "unknown-key" | "bad-mac" };

/** Checks the MAC (constant time) and decodes the facts; any failure says why, without detail to forge by. */
export function openPredictionId(keys: PredictionIdKeys, id: string): OpenedId {
  if (!isSealedId(id)) return { ok: false, reason: "malformed" };
  const text = id.slice(SEALED_PREFIX.length);
  const bytes = fromBase64Url(text);
  // a non-canonical spelling (stray trailing bits) would be a second id for the same prediction
  if (!bytes || bytes.length <= MAC_BYTES + 1 || toBase64Url(bytes) !== text) {
    return { ok: false, reason: "malformed" };
  }
  const payload = bytes.subarray(0, bytes.length - MAC_BYTES);
  const keyId = keyIdOf(payload);
  const key = keyId === null ? undefined : keys.keys.get(keyId);
  if (!key) return { ok: false, reason: "unknown-key" };
  const expected = new Uint8Array(MAC_BYTES);
  key.macInto(macInput(payload), expected);
  if (!sameBytes(expected, bytes.subarray(bytes.length - MAC_BYTES))) {
    return { ok: false, reason: "bad-mac" };
  }
  try {
    return { ok: true, facts: decodeFacts(payload) };
  } catch {
    return { ok: false, reason: "malformed" };
  }
}

let warned = false;

/**
 * The ids of one request's scored rows: sealed when the deployment has a usable PREDICTION_ID_KEY, random
 * UUIDs otherwise (logged once per isolate, listed by health; feedback then falls back to the recent sample).
 */
export function predictionIds(env: PredictionIdKeyEnv, facts: readonly PredictionFacts[]): string[] {
  const keys = predictionIdKeys(env);
  if (!keys) {
    if (!warned) {
      warned = true;
      console.warn(
        JSON.stringify({ event: "prediction_id_key_missing", reason: predictionIdKeyWarning(env) }),
      );
    }
    return facts.map(() => crypto.randomUUID());
  }
  return facts.map((entry) => sealPredictionId(keys, entry));
}
