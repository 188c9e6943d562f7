"""Regression: one value per row (ONNX output ``variable`` [N, 1]), clipped to the output range, with
split-conformal prediction intervals: marginal, and for integer targets Mondrian (per group of
|ŷ - round(ŷ)|) with LAC prediction sets over the labels (edge_training.conformal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from .. import conformal
from ..doc_format import compiled, fmt, parity_max_diff, tree_nodes
from ..export import REGRESSION_TOLERANCE, OnnxRunner, ParityError, regression_output, training_frame
from ..features import Feature
from ..reference import sig
from .base import Evaluation, Task

COVERAGES = (0.9, 0.95)
GROUP_BINS = 5
"""Mondrian groups: equal-count bins of the group value on the calibration rows."""
MAX_LABELS = 20
"""Integer targets with at most this many distinct values get prediction sets over them."""


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    mse = mean_squared_error(y, pred)
    return {"mae": mean_absolute_error(y, pred), "mse": mse, "rmse": float(np.sqrt(mse)), "r2": r2_score(y, pred)}


def seed_healthy(metrics: dict[str, Any]) -> bool:
    """The seed's health bar for a regression model."""
    return bool(metrics["rmse"] < 1.0 and metrics["r2"] > 0.6)


def integer_labels(y_calibration: np.ndarray, y_holdout: np.ndarray) -> np.ndarray | None:
    """The sorted integer labels when every target is an integer and there are few of them (ratings 1-5)."""
    y = np.concatenate([np.asarray(y_calibration, dtype=np.float64), np.asarray(y_holdout, dtype=np.float64)])
    if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
        return None
    labels = np.unique(y)
    return labels if 2 <= len(labels) <= MAX_LABELS else None


def group_rows(groups: np.ndarray, n_groups: int) -> list[int]:
    return [int(np.sum(groups == g)) for g in range(n_groups)]


def mondrian_block(
    by: conformal.GroupBy,
    y_cal: np.ndarray,
    pred_cal: np.ndarray,
    y_hold: np.ndarray,
    pred_hold: np.ndarray,
    metrics: dict[str, Any],
) -> dict[str, Any]:
    """``intervals.groups``: edges, and per level one quantile and one holdout coverage per group."""
    edges = [sig(e) for e in conformal.group_edges(conformal.group_value(pred_cal, by), GROUP_BINS)]
    k = len(edges) + 1
    g_cal = conformal.assign_groups(conformal.group_value(pred_cal, by), edges)
    g_hold = conformal.assign_groups(conformal.group_value(pred_hold, by), edges)
    levels = []
    for level in COVERAGES:
        quantiles = conformal.mondrian_quantiles(np.abs(y_cal - pred_cal), g_cal, k, level)
        per_row = np.asarray(quantiles)[g_hold]
        hit = np.abs(y_hold - pred_hold) <= per_row + 1e-12
        holdout = [sig(float(hit[g_hold == g].mean())) if np.any(g_hold == g) else None for g in range(k)]
        levels.append({"coverage": level, "quantiles": [sig(q) for q in quantiles], "holdout_coverage": holdout})
        pct = int(level * 100)
        metrics[f"mondrian_coverage_{pct}"] = float(hit.mean())
        seen = [c for c in holdout if c is not None]
        metrics[f"mondrian_worst_group_coverage_{pct}"] = float(min(seen))
    return {
        "by": by,
        "edges": edges,
        "calibration_rows": group_rows(g_cal, k),
        "holdout_rows": group_rows(g_hold, k),
        "levels": levels,
    }


def lac_block(
    labels: np.ndarray,
    groups: dict[str, Any] | None,
    y_cal: np.ndarray,
    pred_cal: np.ndarray,
    y_hold: np.ndarray,
    pred_hold: np.ndarray,
    metrics: dict[str, Any],
) -> dict[str, Any]:
    """``intervals.prediction_sets``: LAC over the labels, one threshold per Mondrian group (or one)."""
    scale = sig(float(np.sqrt(np.mean((y_cal - pred_cal) ** 2))) or 1.0)
    if groups is None:
        g_cal, g_hold, k = np.zeros(len(y_cal), dtype=int), np.zeros(len(y_hold), dtype=int), 1
    else:
        edges = groups["edges"]
        g_cal = conformal.assign_groups(conformal.group_value(pred_cal, groups["by"]), edges)
        g_hold = conformal.assign_groups(conformal.group_value(pred_hold, groups["by"]), edges)
        k = len(edges) + 1
    levels = []
    for level in COVERAGES:
        thresholds = [sig(t) for t in conformal.lac_thresholds(y_cal, pred_cal, labels, scale, g_cal, k, level)]
        member = conformal.lac_sets(pred_hold, labels, scale, np.asarray(thresholds)[g_hold])
        pct = int(level * 100)
        cov = conformal.set_coverage(y_hold, member, labels)
        size = float(member.sum(axis=1).mean())
        levels.append(
            {"coverage": level, "thresholds": thresholds, "holdout_coverage": sig(cov), "mean_size": sig(size)}
        )
        metrics[f"set_coverage_{pct}"] = cov
        metrics[f"set_mean_size_{pct}"] = size
    return {"method": "lac", "labels": [float(x) for x in labels], "scale": scale, "levels": levels}


@dataclass(frozen=True)
class Regression(Task):
    name: ClassVar[str] = "regression"
    stratify: ClassVar[bool] = False
    importance_scoring: ClassVar[str] = "neg_root_mean_squared_error"

    clip: tuple[float, float] | None = None
    """Served predictions are clipped to [min, max] (the metrics and intervals use the clipped value)."""
    interval_groups: conformal.GroupBy | Literal["auto"] | None = "auto"
    """Mondrian groups of the intervals; ``auto``: ``integer_distance`` for integer targets, else none."""

    def export_options(self, pipeline: Any) -> None:
        return None

    def score(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        return regression_output(outputs)

    def evaluate(
        self, y_calibration: np.ndarray, s_calibration: np.ndarray, y_holdout: np.ndarray, s_holdout: np.ndarray
    ) -> Evaluation:
        lo, hi = self.clip or (-np.inf, np.inf)
        pred_cal = np.clip(s_calibration, lo, hi)
        pred_hold = np.clip(s_holdout, lo, hi)
        metrics = regression_metrics(y_holdout, pred_hold)
        levels = []
        for level in COVERAGES:
            q = conformal.conformal_quantile(np.abs(y_calibration - pred_cal), level)
            cov = conformal.coverage(y_holdout, pred_hold, q)
            levels.append({"coverage": level, "quantile": sig(q), "holdout_coverage": sig(cov)})
            metrics[f"interval_coverage_{int(level * 100)}"] = cov
        intervals: dict[str, Any] = {"method": "split_conformal", "calibration_rows": len(pred_cal), "levels": levels}
        labels = integer_labels(y_calibration, y_holdout)
        by = self.interval_groups
        if by == "auto":
            by = "integer_distance" if labels is not None else None
        if by is not None:
            intervals["groups"] = mondrian_block(by, y_calibration, pred_cal, y_holdout, pred_hold, metrics)
        if labels is not None:
            intervals["prediction_sets"] = lac_block(
                labels, intervals.get("groups"), y_calibration, pred_cal, y_holdout, pred_hold, metrics
            )
        metrics["healthy"] = float(seed_healthy(metrics))
        return Evaluation(
            output={"name": "variable", "clip": {"min": lo, "max": hi}}, metrics=metrics, intervals=intervals
        )

    def check_parity(
        self, pipeline: Any, runner: OnnxRunner, X: pd.DataFrame, features: list[Feature], output: dict[str, Any]
    ) -> dict[str, float]:
        expected = pipeline.predict(training_frame(X, features)).astype(np.float64)
        got = regression_output(runner.run(X, features))
        diff = float(np.max(np.abs(expected - got)))
        if diff > REGRESSION_TOLERANCE:
            raise ParityError(f"regression max abs diff {diff:.3g} > {REGRESSION_TOLERANCE}")
        return {"max_abs_diff": diff, "rows": float(len(X))}

    def expected(self, score: Any, output: dict[str, Any]) -> dict[str, Any]:
        return {"output": float(np.float32(score))}

    def metrics_note(self, output: dict[str, Any]) -> str:
        return " (predictions clipped to the output range)"

    def headline(self, metrics: dict[str, Any]) -> str:
        return f"rmse={metrics['rmse']:.4f} r2={metrics['r2']:.4f}"

    @classmethod
    def docs_table(cls, manifests: list[dict[str, Any]]) -> list[str]:
        out = [
            "| version | RMSE | MAE | MSE | R² | seed health bar | 90 % PI ±q (holdout cov.) | 95 % PI ±q (holdout cov.) | ONNX bytes | tree nodes | compiled bytes | parity max diff |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for m in manifests:
            x = m["metrics"]
            lv = {lv["coverage"]: lv for lv in m["intervals"]["levels"]}
            health = "healthy" if seed_healthy(x) else "**unhealthy**"
            out.append(
                f"| `{m['version']}` | {fmt(x['rmse'])} | {fmt(x['mae'])} | {fmt(x['mse'])} | {fmt(x['r2'])} | {health} "
                f"| ±{lv[0.9]['quantile']:.3f} ({lv[0.9]['holdout_coverage']:.3f}) "
                f"| ±{lv[0.95]['quantile']:.3f} ({lv[0.95]['holdout_coverage']:.3f}) "
                f"| {m['artifact']['bytes']:,} | {tree_nodes(m):,} | {compiled(m)} | {parity_max_diff(m):.1e} |"
            )
        return out
