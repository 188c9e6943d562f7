"""Split-conformal intervals from absolute residuals."""

from __future__ import annotations

import math

import numpy as np


def conformal_quantile(abs_residuals: np.ndarray, coverage: float) -> float:
    """The ceil((n+1)·coverage)-th smallest absolute residual (finite-sample valid)."""
    r = np.sort(np.asarray(abs_residuals, dtype=np.float64))
    n = len(r)
    k = math.ceil((n + 1) * coverage)
    return float(r[min(k, n) - 1])


def coverage(y: np.ndarray, prediction: np.ndarray, quantile: float) -> float:
    return float(np.mean(np.abs(np.asarray(y, dtype=np.float64) - prediction) <= quantile + 1e-12))
