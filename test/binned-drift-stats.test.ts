import { describe, expect, it } from "vitest";
import { binnedKs } from "../worker/monitoring/stats/binned-ks.ts";
import { binnedWasserstein } from "../worker/monitoring/stats/binned-wasserstein.ts";
import { ksAgainstReference } from "../worker/monitoring/stats/ks-test.ts";
import { normalisedWasserstein } from "../worker/monitoring/stats/wasserstein.ts";

/** A deterministic generator (mulberry32) so every run checks the same samples. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const normal = (next: () => number) => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());

function sortedQuantiles(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return Array.from({ length: 101 }, (_, i) => {
    const position = ((sorted.length - 1) * i) / 100;
    const low = Math.floor(position);
    const lowValue = sorted[low] as number;
    return lowValue + ((sorted[Math.ceil(position)] as number) - lowValue) * (position - low);
  });
}

function countsOver(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const value of values) {
    let bin = 0;
    while (bin < edges.length && (edges[bin] as number) <= value) bin++;
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts;
}

interface Case {
  name: string;
  discrete: boolean;
  reference: number[];
  window: number[];
}

function cases(): Case[] {
  const next = random(9);
  const continuous = Array.from({ length: 5000 }, () => 50 + 10 * normal(next));
  const shifted = Array.from({ length: 3000 }, () => 53 + 12 * normal(next));
  const same = Array.from({ length: 2000 }, () => 50 + 10 * normal(next));
  const wide = Array.from({ length: 1500 }, () => 50 + 30 * normal(next));
  const integers = Array.from({ length: 4000 }, () => Math.floor(next() * 6) + Math.floor(next() * 3));
  const integerShift = Array.from({ length: 2500 }, () => Math.floor(next() * 7) + 1);
  return [
    { name: "continuous shift", discrete: false, reference: continuous, window: shifted },
    { name: "continuous no drift", discrete: false, reference: continuous, window: same },
    { name: "continuous wider than the reference", discrete: false, reference: continuous, window: wide },
    { name: "integer shift", discrete: true, reference: integers, window: integerShift },
    { name: "integer no drift", discrete: true, reference: integers, window: integers.slice(0, 900) },
  ];
}

describe("binned KS and Wasserstein contain the exact statistic of the same rows", () => {
  for (const { name, discrete, reference, window } of cases()) {
    const quantiles = sortedQuantiles(reference);
    const mean = reference.reduce((s, v) => s + v, 0) / reference.length;
    const std = Math.sqrt(reference.reduce((s, v) => s + (v - mean) ** 2, 0) / reference.length);
    const decileEdges = [...new Set(quantiles.filter((_, i) => i % 10 === 0 && i > 0 && i < 100))];
    const min = Math.min(...window);
    const max = Math.max(...window);
    for (const [grid, edges] of [
      ["10 PSI bins", decileEdges],
      ["the 101 quantiles", [...new Set(quantiles)]],
    ] as const) {
      it(`${name}, over ${grid}`, () => {
        const binned = { edges, counts: countsOver(edges, window), min, max };
        const exactKs = ksAgainstReference(window, quantiles, reference.length, discrete);
        const ks = binnedKs(binned, quantiles, reference.length, discrete);
        expect(ks.n).toBe(window.length);
        expect(ks.bounds.lower).toBeLessThanOrEqual(exactKs.statistic + 1e-12);
        expect(ks.bounds.upper).toBeGreaterThanOrEqual(exactKs.statistic - 1e-12);
        expect(ks.statistic).toBeGreaterThanOrEqual(ks.bounds.lower);
        expect(ks.statistic).toBeLessThanOrEqual(ks.bounds.upper);
        const exactW = normalisedWasserstein(window, quantiles, std, discrete);
        const w = binnedWasserstein(binned, quantiles, std, discrete);
        expect(w.bounds.lower).toBeLessThanOrEqual(exactW + 1e-9);
        expect(w.bounds.upper ?? Number.NaN).toBeGreaterThanOrEqual(exactW - 1e-9);
        console.log(
          `${name} / ${grid}: KS exact ${exactKs.statistic.toFixed(4)} est ${ks.statistic.toFixed(4)} [${ks.bounds.lower.toFixed(4)}, ${ks.bounds.upper.toFixed(4)}]; ` +
            `W exact ${exactW.toFixed(4)} est ${w.statistic.toFixed(4)} [${w.bounds.lower.toFixed(4)}, ${w.bounds.upper?.toFixed(4)}]`,
        );
      });
    }
  }

  it("without min/max a populated open tail bin leaves the Wasserstein distance unbounded above", () => {
    const quantiles = Array.from({ length: 101 }, (_, i) => i / 10);
    const w = binnedWasserstein({ edges: [2, 5, 8], counts: [3, 4, 5, 6] }, quantiles, 3, false);
    expect(w.bounds.upper).toBeNull();
    expect(Number.isFinite(w.statistic)).toBe(true);
  });
});
