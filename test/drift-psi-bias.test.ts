import { describe, expect, it } from "vitest";
import { adjustedPsi, psiNoDriftExpectation } from "../worker/monitoring/drift/psi-bias.ts";
import { twoSampleChiSquare } from "../worker/monitoring/drift/two-sample-chi-square.ts";
import { chiSquareAgainstReference } from "../worker/monitoring/stats/chi-square.ts";
import { psi } from "../worker/monitoring/stats/psi.ts";

/** Seeded uniform (LCG) and a categorical draw, so the simulation is reproducible. */
function generator(seed: number) {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const counts = (p: readonly number[], n: number) => {
    const cumulative = p.map((_, i) => p.slice(0, i + 1).reduce((a, b) => a + b, 0));
    const out = new Array<number>(p.length).fill(0);
    for (let r = 0; r < n; r++) {
      const u = random();
      const index = cumulative.findIndex((c) => u < c);
      const bin = index < 0 ? p.length - 1 : index;
      out[bin] = (out[bin] ?? 0) + 1;
    }
    return out;
  };
  return { counts };
}

const share = (counts: number[], n: number) => counts.map((c) => c / n);

describe("PSI's expectation under no drift", () => {
  for (const [k, n, N] of [
    [10, 500, 4800],
    [3, 500, 4800],
    [10, 5000, 4800],
  ] as const) {
    it(`is (k − 1)(1/n + 1/N) for k = ${k}, n = ${n}, N = ${N} (simulated)`, () => {
      const p = Array.from({ length: k }, (_, i) => (i + 1) / ((k * (k + 1)) / 2));
      const { counts } = generator(7 + k + n);
      const reps = 400;
      let total = 0;
      let adjusted = 0;
      for (let r = 0; r < reps; r++) {
        const value = psi(share(counts(p, N), N), share(counts(p, n), n));
        total += value;
        adjusted += value - psiNoDriftExpectation(k, n, N);
      }
      const expected = psiNoDriftExpectation(k, n, N);
      expect(Math.abs(total / reps - expected) / expected).toBeLessThan(0.1);
      expect(Math.abs(adjusted / reps)).toBeLessThan(0.1 * expected);
    });
  }

  it("floors the adjusted PSI at zero and leaves a large PSI nearly unchanged", () => {
    expect(adjustedPsi(0.001, 10, 500, 4800)).toBe(0);
    expect(adjustedPsi(0.5, 10, 50_000, 4800)).toBeCloseTo(0.5 - 9 * (1 / 50_000 + 1 / 4800), 12);
  });
});

describe("two-sample chi-square includes the reference's sample size", () => {
  it("keeps false alarms near the level at 50,000 rows against 4,800, where the one-sample test does not", () => {
    const p = [0.5, 0.3, 0.2];
    const { counts } = generator(99);
    const reps = 200;
    let twoSample = 0;
    let oneSample = 0;
    for (let r = 0; r < reps; r++) {
      const reference = share(counts(p, 4800), 4800);
      const proportions = { a: reference[0] ?? 0, b: reference[1] ?? 0, c: reference[2] ?? 0 };
      const window = counts(p, 50_000);
      const observed = new Map([
        ["a", window[0] ?? 0],
        ["b", window[1] ?? 0],
        ["c", window[2] ?? 0],
      ]);
      if (twoSampleChiSquare(observed, proportions, 4800).p_value < 0.05) twoSample++;
      if (chiSquareAgainstReference(observed, proportions, 4800).p_value < 0.05) oneSample++;
    }
    expect(twoSample / reps).toBeLessThan(0.1);
    expect(oneSample / reps).toBeGreaterThan(0.3);
  });

  it("equals the textbook 2×k homogeneity statistic", () => {
    // window a:30 b:70, reference (N = 200) a:0.5 b:0.5 → table [[30, 70], [100, 100]]
    const result = twoSampleChiSquare(
      new Map([
        ["a", 30],
        ["b", 70],
      ]),
      { a: 0.5, b: 0.5 },
      200,
    );
    const rows = [100, 200];
    const cols = [130, 170];
    const table = [
      [30, 70],
      [100, 100],
    ];
    let expected = 0;
    table.forEach((row, i) => {
      row.forEach((o, j) => {
        const e = ((rows[i] as number) * (cols[j] as number)) / 300;
        expected += (o - e) ** 2 / e;
      });
    });
    expect(result.statistic).toBeCloseTo(expected, 10);
    expect(result.df).toBe(1);
  });
});
