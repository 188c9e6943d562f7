import { SUMMARY_VERSION, type Summary } from "./summary.ts";

/** A summary that does not parse as version-1 JSON (a corrupted row, or one written by a newer version). */
class SummaryParseError extends Error {
  override name = "SummaryParseError";
}

/** The summary as stored in D1 (`monitoring_summaries.summary`): plain JSON, absent parts omitted. */
export function serialiseSummary(summary: Summary): string {
  return JSON.stringify(summary);
}

const isCount = (value: unknown) => typeof value === "number" && Number.isFinite(value);

/**
 * Parses a stored summary. Checks the version and the top-level counts; the parts are trusted as written by
 * `serialiseSummary` (the column is only written by this code).
 */
export function parseSummary(text: string): Summary {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SummaryParseError("summary is not JSON");
  }
  const summary = value as Partial<Summary> | null;
  if (!summary || typeof summary !== "object" || summary.v !== SUMMARY_VERSION)
    throw new SummaryParseError(`summary version ${String(summary?.v)} is not ${SUMMARY_VERSION}`);
  if (![summary.n, summary.errors, summary.requests, summary.request_errors].every(isCount))
    throw new SummaryParseError("summary lacks its counts");
  return summary as Summary;
}
