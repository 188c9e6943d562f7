/**
 * Special functions behind the p-values. The incomplete gamma / beta and erfc come from stdlib's
 * per-function packages (Boost-derived, maintained); only the thin mappings to the distributions the
 * tests use and the Kolmogorov tail (no maintained standalone package) live here. Checked against scipy
 * in test/monitoring-stats.test.ts.
 */
import betainc from "@stdlib/math-base-special-betainc";
import erfc from "@stdlib/math-base-special-erfc";
import gammainc from "@stdlib/math-base-special-gammainc";

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) (scipy `gammaincc`). */
export function gammaQ(a: number, x: number): number {
  if (x < 0 || a <= 0) throw new RangeError("gammaQ needs x >= 0, a > 0");
  return gammainc(x, a, true, true);
}

/** Standard normal survival function P(Z > z). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Regularized incomplete beta I_x(a, b) (scipy `betainc`). */
export function betaI(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return betainc(x, a, b, true, false);
}

/** Two-sided p-value of Student's t with `df` degrees of freedom. */
export function studentTTwoSided(t: number, df: number): number {
  return betaI(df / 2, 0.5, df / (df + t * t));
}

/**
 * Kolmogorov distribution survival function Q_KS(λ) = P(sup|B(t)| > λ) (scipy `kstwobign.sf`).
 * The alternating series converges fast for large λ, the theta-function form for small λ.
 */
export function kolmogorovSf(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const y = Math.exp((-Math.PI * Math.PI) / (8 * lambda * lambda));
    let sum = 0;
    for (let k = 1; k < 50; k += 2) sum += y ** (k * k);
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * sum));
  }
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
