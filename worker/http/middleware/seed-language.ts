import type { Context } from "hono";
import { type DetectorOptions, detectFromHeader, languageDetector } from "hono/language";

/** The credit seed answers in Turkish by default and in English when Accept-Language prefers it. */
export const SEED_LANGUAGES = ["tr", "en"] as const;
export type SeedLanguage = (typeof SEED_LANGUAGES)[number];

const OPTIONS = {
  supportedLanguages: [...SEED_LANGUAGES],
  fallbackLanguage: "tr",
  order: ["header"],
  caches: false,
} satisfies Partial<DetectorOptions>;

export const seedLanguage = languageDetector(OPTIONS);

/** The options `languageDetector` runs with (its defaults under ours), for the header detector below. */
const HEADER_OPTIONS: DetectorOptions = {
  lookupQueryString: "lang",
  lookupCookie: "language",
  lookupFromPathIndex: 0,
  lookupFromHeaderKey: "accept-language",
  ignoreCase: true,
  ...OPTIONS,
  order: ["header"],
};

/**
 * What `seedLanguage` decides for an Accept-Language value, without a Hono context (the prediction fast
 * path): Hono's own header detector, given the one header it reads.
 */
export function seedLanguageOf(acceptLanguage: string | undefined): SeedLanguage {
  if (!acceptLanguage) return "tr"; // what the detector falls back to without the header
  const request = { req: { header: () => acceptLanguage } } as unknown as Context;
  return (detectFromHeader(request, HEADER_OPTIONS) as SeedLanguage | undefined) ?? "tr";
}
