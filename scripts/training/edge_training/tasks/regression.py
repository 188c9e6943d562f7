"""Regression: one value per row (ONNX output ``variable`` [N, 1]), clipped to the output range, with
split-conformal prediction intervals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

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


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    mse = mean_squared_error(y, pred)
    return {"mae": mean_absolute_error(y, pred), "mse": mse, "rmse": float(np.sqrt(mse)), "r2": r2_score(y, pred)}


def seed_healthy(metrics: dict[str, Any]) -> bool:
    """The seed's health bar for a regression model."""
    return bool(metrics["rmse"] < 1.0 and metrics["r2"] > 0.6)


@dataclass(frozen=True)
class Regression(Task):
    name: ClassVar[str] = "regression"
    stratify: ClassVar[bool] = False

    clip: tuple[float, float] | None = None
    """Served predictions are clipped to [min, max] (the metrics and intervals use the clipped value)."""

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
        metrics["healthy"] = float(seed_healthy(metrics))
        return Evaluation(
            output={"name": "variable", "clip": {"min": lo, "max": hi}},
            metrics=metrics,
            intervals={"method": "split_conformal", "calibration_rows": len(pred_cal), "levels": levels},
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
