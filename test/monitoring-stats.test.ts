import { describe, expect, it } from "vitest";
import { chiSquareAgainstReference } from "../worker/monitoring/stats/chi-square.ts";
import { ksAgainstReference, quantileCdf } from "../worker/monitoring/stats/ks-test.ts";
import { binProportions, psi } from "../worker/monitoring/stats/psi.ts";
import { twoProportionZTest, welchTTest } from "../worker/monitoring/stats/significance-tests.ts";
import { percentiles } from "../worker/monitoring/stats/summary-stats.ts";
import { classificationMetrics } from "../worker/tasks/metrics/classification-metrics.ts";
import { regressionMetrics } from "../worker/tasks/metrics/regression-metrics.ts";
import {
  betaI,
  gammaQ,
  kolmogorovSf,
  normalSf,
  studentTTwoSided,
} from "../worker/tasks/metrics/special-functions.ts";
import ref from "./fixtures/monitoring/reference-stats.json";

// Reference values: scripts/monitoring/reference-stats.py (numpy / scipy / scikit-learn).
const close = (actual: number | null | undefined, expected: number, relative = 1e-9) =>
  expect(Math.abs((actual ?? Number.NaN) - expected)).toBeLessThanOrEqual(
    relative * Math.max(1, Math.abs(expected)),
  );

describe("special functions match scipy", () => {
  it("regularized gamma, beta, Kolmogorov, normal and t tails", () => {
    for (const [a, x, q] of ref.special.gamma_q) close(gammaQ(a as number, x as number), q as number, 1e-12);
    for (const [a, b, x, i] of ref.special.beta_i)
      close(betaI(a as number, b as number, x as number), i as number, 1e-11);
    for (const [lambda, sf] of ref.special.kolmogorov_sf)
      close(kolmogorovSf(lambda as number), sf as number, 1e-10);
    for (const [z, sf] of ref.special.normal_sf) close(normalSf(z as number), sf as number, 1e-12);
    for (const [t, df, p] of ref.special.student_t_two_sided)
      close(studentTTwoSided(t as number, df as number), p as number, 1e-10);
  });
});

describe("drift statistics match numpy / scipy", () => {
  it("bins values with numpy's searchsorted(side='right') and computes PSI with ε = 1e-4", () => {
    const actual = binProportions(ref.psi.edges, ref.psi.values);
    for (const [index, value] of actual.entries()) close(value, ref.psi.actual[index] as number, 1e-12);
    close(psi(ref.psi.expected, actual), ref.psi.psi, 1e-10);
    close(psi(ref.psi.expected, ref.psi.actual_with_empty_bin), ref.psi.psi_with_empty_bin, 1e-10);
  });

  it("KS against a continuous reference (linear quantile CDF) equals scipy.kstest + kstwobign", () => {
    const c = ref.ks_continuous;
    const result = ksAgainstReference(c.sample, c.quantiles, c.reference_rows, false);
    close(result.statistic, c.statistic, 1e-10);
    close(result.effective_n, c.effective_n, 1e-12);
    close(result.p_value, c.p_value, 1e-8);
  });

  it("KS against a discrete reference (step quantile CDF) equals a brute-force supremum", () => {
    const c = ref.ks_discrete;
    const result = ksAgainstReference(c.sample, c.quantiles, c.reference_rows, true);
    close(result.statistic, c.statistic, 1e-12);
    close(result.p_value, c.p_value, 1e-8);
    expect(quantileCdf(c.quantiles, -5, true)).toBe(0);
    expect(quantileCdf(c.quantiles, 1e9, true)).toBe(1);
  });

  it("chi-square goodness of fit equals scipy.chisquare, unseen categories in an add-half bucket", () => {
    const c = ref.chi_square;
    const withUnseen = chiSquareAgainstReference(
      new Map(Object.entries(c.counts)),
      c.proportions,
      c.reference_rows,
    );
    close(withUnseen.statistic, c.statistic, 1e-10);
    close(withUnseen.p_value, c.p_value, 1e-9);
    expect(withUnseen.df).toBe(4);
    const plain = chiSquareAgainstReference(
      new Map(Object.entries(c.plain_counts)),
      c.proportions,
      c.reference_rows,
    );
    close(plain.statistic, c.plain_statistic, 1e-10);
    close(plain.p_value, c.plain_p_value, 1e-9);
  });
});

describe("performance and ops metrics match scikit-learn / numpy", () => {
  it("regression MAE, MSE, RMSE, R²", () => {
    const r = regressionMetrics(ref.regression.predicted, ref.regression.actual);
    close(r?.mae, ref.regression.mae, 1e-12);
    close(r?.mse, ref.regression.mse, 1e-12);
    close(r?.rmse, ref.regression.rmse, 1e-12);
    close(r?.r2 ?? null, ref.regression.r2, 1e-12);
    expect(regressionMetrics([], [])).toBeNull();
    expect(regressionMetrics([1, 2], [3, 3])?.r2).toBeNull();
  });

  it("classification AUC (with ties), accuracy, Brier, log loss", () => {
    const c = ref.classification;
    const m = classificationMetrics(c.probabilities, c.labels, c.threshold);
    close(m?.auc ?? null, c.auc, 1e-12);
    close(m?.accuracy, c.accuracy, 1e-12);
    close(m?.brier, c.brier, 1e-12);
    close(m?.log_loss, c.log_loss, 1e-10);
    expect(classificationMetrics([0.2, 0.4], [1, 1], 0.5)?.auc).toBeNull();
  });

  it("Welch t-test and two-proportion z-test", () => {
    const welch = welchTTest(ref.ab.a, ref.ab.b);
    close(welch?.statistic, ref.ab.welch_t, 1e-10);
    close(welch?.df, ref.ab.welch_df, 1e-10);
    close(welch?.p_value, ref.ab.welch_p, 1e-9);
    const [sa, na, sb, nb] = ref.ab.prop as [number, number, number, number];
    const z = twoProportionZTest(sa, na, sb, nb);
    close(z?.statistic, ref.ab.z, 1e-12);
    close(z?.p_value, ref.ab.z_p, 1e-10);
  });

  it("latency percentiles with numpy's linear interpolation", () => {
    const p = percentiles(ref.percentiles.values);
    close(p.p50, ref.percentiles.p50, 1e-12);
    close(p.p95, ref.percentiles.p95, 1e-12);
    close(p.p99, ref.percentiles.p99, 1e-12);
  });
});
