import { performance } from "node:perf_hooks";
import autocannon from "autocannon";

export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  body?: string;
}

export interface LoadResult {
  connections: number;
  requests: number;
  /** Responses that were not 2xx, plus socket errors and timeouts. */
  failures: number;
  /** Responses by status code, and "error" for socket errors/timeouts. */
  outcomes: Record<string, number>;
  seconds: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  /** Every response time, sorted (to merge several runs' percentiles). */
  latencies: number[];
}

export const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/**
 * Drives `amount` requests over `connections` keep-alive connections with autocannon (stopping early after
 * `maxSeconds`), and keeps every response time so the percentiles are exact (autocannon's own summary has
 * no p95).
 */
export async function runLoad(
  baseUrl: string,
  request: LoadRequest,
  options: { connections: number; amount: number; maxSeconds: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  const outcomes: Record<string, number> = {};
  const started = performance.now();
  // autocannon notices the last response on its next 1 s tick; the run ends at the last response.
  let lastResponseAt = started;
  let finish: (error: Error | null) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    finish = (error) => (error ? reject(error) : resolve());
  });
  const instance = autocannon(
    {
      url: `${baseUrl}${request.path}`,
      method: request.method,
      ...(request.body === undefined
        ? {}
        : { body: request.body, headers: { "content-type": "application/json" } }),
      connections: options.connections,
      amount: Math.max(options.amount, options.connections),
      timeout: 30,
    },
    (error) => finish(error ?? null),
  );
  instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    lastResponseAt = performance.now();
    outcomes[statusCode] = (outcomes[statusCode] ?? 0) + 1;
    if (statusCode < 200 || statusCode >= 300) failures += 1;
  });
  instance.on("reqError", (error: Error & { code?: string }) => {
    const kind = `error ${error.code ?? error.message}`;
    outcomes[kind] = (outcomes[kind] ?? 0) + 1;
    failures += 1;
  });
  const timer = setTimeout(() => instance.stop(), options.maxSeconds * 1000);
  await finished;
  clearTimeout(timer);
  const seconds = (lastResponseAt - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    connections: options.connections,
    requests: latencies.length,
    failures,
    outcomes,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    latencies,
  };
}
