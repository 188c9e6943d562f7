"""Split-conformal intervals from absolute residuals: marginal, Mondrian (one quantile per group), and LAC
prediction sets over integer labels.

Mondrian split-conformal (Vovk et al.) applies the finite-sample rule within each group of the calibration
rows, so coverage holds per group rather than only on average. The groups are a function of the prediction
alone (the Worker recomputes them from the served value): ``integer_distance`` is |ŷ - round(ŷ)| (how far
the clipped prediction sits from an integer label), ``prediction`` the clipped prediction itself. Group ``g``
is the number of interior edges ``<= value`` (``numpy.searchsorted(edges, value, side="right")``).

LAC sets (least ambiguous set-valued classifier, Sadinle et al.) over the labels use a one-parameter label
model p(k | ŷ) ∝ exp(-(k - ŷ)² / 2sigma²) over the labels (sigma: calibration RMSE); the score is 1 - p(y | ŷ) and
the set is every label whose score is at most the group's conformal threshold (the most likely label when
that leaves it empty).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

GroupBy = Literal["integer_distance", "prediction"]


def conformal_quantile(abs_residuals: np.ndarray, coverage: float) -> float:
    """The ceil((n+1)*coverage)-th smallest absolute residual (finite-sample valid)."""
    r = np.sort(np.asarray(abs_residuals, dtype=np.float64))
    n = len(r)
    k = math.ceil((n + 1) * coverage)
    return float(r[min(k, n) - 1])


def coverage(y: np.ndarray, prediction: np.ndarray, quantile: float | np.ndarray) -> float:
    """Share of rows with |y - prediction| <= quantile (a scalar, or one quantile per row)."""
    return float(np.mean(np.abs(np.asarray(y, dtype=np.float64) - prediction) <= np.asarray(quantile) + 1e-12))


def group_value(prediction: np.ndarray, by: GroupBy) -> np.ndarray:
    """The number a row's group is read from (the Worker computes the same from the clipped output)."""
    p = np.asarray(prediction, dtype=np.float64)
    if by == "integer_distance":
        return np.abs(p - np.floor(p + 0.5))
    return p


def group_edges(values: np.ndarray, bins: int) -> list[float]:
    """Interior cut points giving ``bins`` groups of near-equal size (duplicates dropped)."""
    cuts = np.quantile(np.asarray(values, dtype=np.float64), np.arange(1, bins) / bins)
    return sorted({float(c) for c in cuts})


def assign_groups(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Group index of each value: how many edges are <= it."""
    return np.searchsorted(np.asarray(edges, dtype=np.float64), np.asarray(values, dtype=np.float64), side="right")


def mondrian_quantiles(abs_residuals: np.ndarray, groups: np.ndarray, n_groups: int, level: float) -> list[float]:
    """One conformal quantile per group (an empty group takes the marginal quantile)."""
    r = np.asarray(abs_residuals, dtype=np.float64)
    marginal = conformal_quantile(r, level)
    return [conformal_quantile(r[groups == g], level) if np.any(groups == g) else marginal for g in range(n_groups)]


def label_probabilities(prediction: np.ndarray, labels: np.ndarray, scale: float) -> np.ndarray:
    """p(k | ŷ) ∝ exp(-(k - ŷ)² / 2sigma²) over the labels, one row per prediction."""
    d = (np.asarray(labels, dtype=np.float64)[None, :] - np.asarray(prediction, dtype=np.float64)[:, None]) / scale
    logits = -0.5 * d * d
    w = np.exp(logits - logits.max(axis=1, keepdims=True))
    return w / w.sum(axis=1, keepdims=True)


def lac_scores(y: np.ndarray, prediction: np.ndarray, labels: np.ndarray, scale: float) -> np.ndarray:
    """1 - p(y | ŷ) per row (y must be one of the labels)."""
    probs = label_probabilities(prediction, labels, scale)
    index = np.searchsorted(np.asarray(labels, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return 1.0 - probs[np.arange(len(probs)), index]


def lac_thresholds(
    y: np.ndarray,
    prediction: np.ndarray,
    labels: np.ndarray,
    scale: float,
    groups: np.ndarray,
    n_groups: int,
    level: float,
) -> list[float]:
    """One LAC threshold per group: the conformal quantile of the calibration scores."""
    return mondrian_quantiles(lac_scores(y, prediction, labels, scale), groups, n_groups, level)


def lac_sets(prediction: np.ndarray, labels: np.ndarray, scale: float, threshold: np.ndarray) -> np.ndarray:
    """Boolean [n, labels] membership: 1 - p(k | ŷ) <= threshold, or the most likely label if none is."""
    probs = label_probabilities(prediction, labels, scale)
    member = 1.0 - probs <= np.asarray(threshold, dtype=np.float64)[:, None] + 1e-12
    empty = ~member.any(axis=1)
    member[empty, probs[empty].argmax(axis=1)] = True
    return member


def set_coverage(y: np.ndarray, member: np.ndarray, labels: np.ndarray) -> float:
    index = np.searchsorted(np.asarray(labels, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return float(np.mean(member[np.arange(len(member)), index]))
