/** ISO-8601 UTC to the second, as the seeds show (`2025-01-03T12:00:00Z`). */
export const isoSeconds = (date: Date = new Date()): string => date.toISOString().replace(/\.\d{3}Z$/, "Z");
