import { languageDetector } from "hono/language";

/** The credit seed answers in Turkish by default and in English when Accept-Language prefers it. */
export const SEED_LANGUAGES = ["tr", "en"] as const;
export type SeedLanguage = (typeof SEED_LANGUAGES)[number];

export const seedLanguage = languageDetector({
  supportedLanguages: [...SEED_LANGUAGES],
  fallbackLanguage: "tr",
  order: ["header"],
  caches: false,
});
