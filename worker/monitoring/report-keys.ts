const pad = (value: number) => String(value).padStart(2, "0");

/** R2 key of a report: reports/<model>/<yyyy-mm-dd>/<hh>-<mm>.json of the window end (UTC; the cron runs every 15 min). */
export function reportR2Key(model: string, windowEnd: number): string {
  const end = new Date(windowEnd);
  const day = `${end.getUTCFullYear()}-${pad(end.getUTCMonth() + 1)}-${pad(end.getUTCDate())}`;
  return `reports/${model}/${day}/${pad(end.getUTCHours())}-${pad(end.getUTCMinutes())}.json`;
}
