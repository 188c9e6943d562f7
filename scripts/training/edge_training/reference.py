"""Distribution summaries written into manifests (reference distributions for drift) and stable rounding."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

N_BINS = 10


def sig(x: float, digits: int = 10) -> float:
    """Round to `digits` significant digits (stable JSON; far below any metric's precision)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return 0.0 if x == 0 else x
    return float(f"{x:.{digits}g}")


def numeric_reference(values: np.ndarray) -> dict[str, Any]:
    """PSI bins from reference deciles + 101 quantiles, mean, std, min, max.

    Binning convention (the Worker must use the same): with ascending interior ``edges``
    e_0 < ... < e_{k-2}, a value x falls in bin ``i = #{j : e_j <= x}`` (numpy
    ``searchsorted(edges, x, side="right")``), i.e. bin i = [e_{i-1}, e_i).
    """
    v = np.asarray(values, dtype=np.float64)
    edges = np.unique(np.quantile(v, np.linspace(0, 1, N_BINS + 1)[1:-1]))
    # an edge equal to the minimum would leave bin 0 empty by construction: drop it
    edges = edges[edges > v.min()]
    counts = np.bincount(np.searchsorted(edges, v, side="right"), minlength=len(edges) + 1)
    return {
        "type": "numeric",
        "bins": {
            "edges": [sig(e) for e in edges],
            "proportions": [sig(c / len(v)) for c in counts],
        },
        "quantiles": [sig(q) for q in np.quantile(v, np.linspace(0, 1, 101))],
        "mean": sig(v.mean()),
        "std": sig(v.std(ddof=0)),
        "min": sig(v.min()),
        "max": sig(v.max()),
    }


def category_reference(values: np.ndarray, categories: tuple[str, ...]) -> dict[str, Any]:
    v = np.asarray(values).astype(str)
    return {
        "type": "category",
        "proportions": {c: sig(float(np.mean(v == c))) for c in sorted(categories)},
    }
