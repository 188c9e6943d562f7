/**
 * One name for the Worker's base URL across the ops CLI and the demo: `--url` / `EDGE_URL`. The demo's old
 * `--base` / `BASE_URL` still work but warn (deprecated aliases).
 */
export const DEFAULT_WORKER_URL = "http://127.0.0.1:8000";

export function workerUrl(
  flags: { url?: string | undefined; base?: string | undefined },
  env: Readonly<Record<string, string | undefined>> = process.env,
  warn: (line: string) => void = (line) => console.error(line),
): string {
  if (flags.base !== undefined) warn("warning: --base is deprecated; use --url");
  if (
    env.BASE_URL !== undefined &&
    env.EDGE_URL === undefined &&
    flags.url === undefined &&
    flags.base === undefined
  )
    warn("warning: BASE_URL is deprecated; use EDGE_URL");
  const url = flags.url ?? flags.base ?? env.EDGE_URL ?? env.BASE_URL ?? DEFAULT_WORKER_URL;
  return url.replace(/\/+$/, "");
}
