let lastSecond = Number.NaN;
let lastText = "";

/** ISO-8601 UTC to the second, as the seeds show (`2025-01-03T12:00:00Z`); formatted once per second. */
export const isoSeconds = (date: Date = new Date()): string => {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastText = date.toISOString().replace(/\.\d{3}Z$/, "Z");
    lastSecond = second;
  }
  return lastText;
};
