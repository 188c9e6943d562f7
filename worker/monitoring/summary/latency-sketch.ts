/**
 * Latency distribution as a DDSketch (@datadog/sketches-js): a quantile read from it is within ±1 % (relative)
 * of a value of the data, whatever the distribution, and two sketches merge exactly by adding bin counts.
 * Why DDSketch: latencies are heavy-tailed and span 1 ms … seconds, where a relative-error guarantee (p99 of
 * 480 ms read as 480 ± 4.8 ms) is what an SLO needs; its merge is exact and order-independent (t-digest merges
 * depend on the order and its error is rank-based, bad in the tail; KLL's error is rank-based too and its
 * compaction is randomised). Size: ~log(max/min)/log(γ) bins, ≈ 350 for 1 ms … 1 s at 1 %.
 * Stored as its store bins (summary.ts LatencySketch), not the library's protobuf (which needs protobufjs).
 */
import { DDSketch } from "@datadog/sketches-js";
import type { LatencySketch } from "./summary.ts";

export const LATENCY_ACCURACY = 0.01;

/** A sketch being filled by the fold; `toLatencySketch` turns it into the stored form. */
function newSketch(): DDSketch {
  return new DDSketch({ relativeAccuracy: LATENCY_ACCURACY });
}

/** The stored form: non-empty positive-store bins keyed by their DDSketch key. */
function toLatencySketch(sketch: DDSketch): LatencySketch {
  const bins: Record<string, number> = {};
  const { store } = sketch;
  store.bins.forEach((count, index) => {
    if (count > 0) bins[String(index + store.offset)] = count;
  });
  return {
    accuracy: LATENCY_ACCURACY,
    bins,
    zero: sketch.zeroCount,
    count: sketch.count,
    sum: sketch.sum,
    min: sketch.count > 0 ? sketch.min : null,
    max: sketch.count > 0 ? sketch.max : null,
  };
}

/** A sketch of `values` (negative latencies, which cannot occur, count as 0). */
export function latencySketchOf(values: Iterable<number>): LatencySketch {
  const sketch = newSketch();
  for (const value of values) sketch.accept(Math.max(0, value));
  return toLatencySketch(sketch);
}

/**
 * The value at quantile q ∈ [0, 1] (DDSketch's lower rank convention), clamped to the exact [min, max];
 * null for an empty sketch.
 */
export function sketchQuantile(stored: LatencySketch, q: number): number | null {
  if (stored.count === 0) return null;
  const sketch = new DDSketch({ relativeAccuracy: stored.accuracy });
  for (const [key, count] of Object.entries(stored.bins)) sketch.store.add(Number(key), count);
  sketch.zeroCount = stored.zero;
  sketch.count = stored.count;
  const value = sketch.getValueAtQuantile(Math.min(1, Math.max(0, q)));
  return Math.min(stored.max ?? value, Math.max(stored.min ?? value, value));
}
