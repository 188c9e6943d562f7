/** Picks the best of `supported` from an Accept-Language header (q-values honoured, regions ignored). */
export function pickLanguage<T extends string>(
  header: string | undefined,
  supported: readonly T[],
  fallback: T,
): T {
  if (!header) return fallback;
  const ranked = header
    .split(",")
    .map((part, order) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return { language: tag.toLowerCase().split("-")[0] ?? "", q: q ? Number(q.slice(2)) : 1, order };
    })
    .filter((entry) => entry.language && Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const entry of ranked) {
    const match = supported.find((language) => language === entry.language);
    if (match) return match;
  }
  return fallback;
}

/** ISO-8601 UTC to the second, as the seeds show (`2025-01-03T12:00:00Z`). */
export const isoSeconds = (date: Date = new Date()): string => date.toISOString().replace(/\.\d{3}Z$/, "Z");
