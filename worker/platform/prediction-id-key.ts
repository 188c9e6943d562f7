import type { Bindings } from "./env.ts";
import { type HmacSha256, hmacSha256 } from "./hmac-sha256.ts";

/**
 * The secret that seals prediction ids: the `PREDICTION_ID_KEY` secret binding, one or more comma-separated
 * entries `<key id 0-255>:<secret>` (a bare secret is key id 0). The first entry seals new ids; every entry
 * opens ids (rotation: put the new key first, keep the old one until its labels stop arriving). A secret
 * needs at least MIN_SECRET_LENGTH characters. Local development writes a random one into `.dev.vars` on
 * the first `npm start`; tests bind a fixed test value (vitest.config.ts).
 */
const MIN_SECRET_LENGTH = 32;

export interface PredictionIdKeys {
  /** The key id new ids are sealed with. */
  current: number;
  keys: ReadonlyMap<number, HmacSha256>;
}

/** The part of the environment read here: a required secret of deployed configurations, absent locally until set. */
export type PredictionIdKeyEnv = Pick<Bindings, "PREDICTION_ID_KEY">;

const encoder = new TextEncoder();

type Parsed = { entries: { id: number; secret: string }[] } | { problem: string };

function parse(raw: unknown): Parsed {
  if (typeof raw !== "string" || raw.trim() === "") return { problem: "PREDICTION_ID_KEY is not set" };
  const entries: { id: number; secret: string }[] = [];
  for (const part of raw.split(",")) {
    const match = /^\s*(?:(\d{1,3}):)?(.*?)\s*$/.exec(part);
    const id = Number(match?.[1] ?? 0);
    const secret = match?.[2] ?? "";
    if (!Number.isInteger(id) || id > 255) return { problem: "PREDICTION_ID_KEY has a key id above 255" };
    if (secret.length < MIN_SECRET_LENGTH) {
      return { problem: `a PREDICTION_ID_KEY secret is shorter than ${MIN_SECRET_LENGTH} characters` };
    }
    if (entries.some((entry) => entry.id === id))
      return { problem: `PREDICTION_ID_KEY repeats key id ${id}` };
    entries.push({ id, secret });
  }
  return { entries };
}

/**
 * Why this deployment cannot seal or open prediction ids, or null when it can. Safe to show (never the
 * secret): health lists it, predictions then get unsealed UUID ids and feedback on sealed ids answers
 * `prediction-id-key-missing`.
 */
export function predictionIdKeyWarning(env: PredictionIdKeyEnv): string | null {
  const parsed = parse(env.PREDICTION_ID_KEY);
  return "problem" in parsed
    ? `${parsed.problem}: predictions get unsealed ids and feedback cannot verify sealed ones (wrangler secret put PREDICTION_ID_KEY)`
    : null;
}

let cached: { raw: string; keys: PredictionIdKeys } | null = null;

/** The keyed HMACs (cached per isolate for the same secret value), or null without a usable secret. */
export function predictionIdKeys(env: PredictionIdKeyEnv): PredictionIdKeys | null {
  const raw = env.PREDICTION_ID_KEY;
  if (typeof raw !== "string") return null;
  if (cached?.raw === raw) return cached.keys;
  const parsed = parse(raw);
  if ("problem" in parsed) return null;
  const keys: PredictionIdKeys = {
    current: parsed.entries[0]?.id ?? 0,
    keys: new Map(parsed.entries.map((entry) => [entry.id, hmacSha256(encoder.encode(entry.secret))])),
  };
  cached = { raw, keys };
  return keys;
}
