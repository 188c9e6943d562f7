export interface RegressionMetrics {
  n: number;
  mae: number;
  mse: number;
  rmse: number;
  /** Null when the actuals have no variance (R² undefined). */
  r2: number | null;
}

export function regressionMetrics(
  predicted: readonly number[],
  actual: readonly number[],
): RegressionMetrics | null {
  const n = Math.min(predicted.length, actual.length);
  if (n === 0) return null;
  let absolute = 0;
  let squared = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i] as number;
  mean /= n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const error = (predicted[i] as number) - (actual[i] as number);
    absolute += Math.abs(error);
    squared += error * error;
    total += ((actual[i] as number) - mean) ** 2;
  }
  const mse = squared / n;
  return { n, mae: absolute / n, mse, rmse: Math.sqrt(mse), r2: total > 0 ? 1 - squared / total : null };
}
