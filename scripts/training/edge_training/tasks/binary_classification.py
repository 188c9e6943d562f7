"""Binary classification: the positive-class probability (ONNX output ``probabilities`` [N, 2], column
``positive_index`` = 1) and a decision threshold chosen on the calibration split by a named policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

from ..decision_threshold import CostMatrix, select_by_cost, select_by_rate
from ..doc_format import fmt, parity_max_diff
from ..export import PROBABILITY_TOLERANCE, OnnxRunner, ParityError, positive_probability, training_frame
from ..features import Feature
from .base import Evaluation, Task

POSITIVE_INDEX = 1
THRESHOLD_GRID = np.round(np.linspace(0.05, 0.95, 91), 2)


def german_cost(y: np.ndarray, p: np.ndarray, threshold: float) -> float:
    """UCI German Credit cost matrix per applicant: a bad applicant accepted costs 5, a good one rejected 1."""
    return float(5 * np.sum((p < threshold) & (y == 1)) + np.sum((p >= threshold) & (y == 0))) / len(y)


def _max_f1(y: np.ndarray, p: np.ndarray) -> tuple[float, dict[str, Any]]:
    f1s = [f1_score(y, (p >= t).astype(int), zero_division=0) for t in THRESHOLD_GRID]
    i = int(np.argmax(f1s))
    return float(THRESHOLD_GRID[i]), {"policy": "max F1", "split": "calibration", "f1": round(float(f1s[i]), 6)}


def _min_german_cost(y: np.ndarray, p: np.ndarray) -> tuple[float, dict[str, Any]]:
    costs = [german_cost(y, p, t) for t in THRESHOLD_GRID]
    i = int(np.argmin(costs))
    return float(THRESHOLD_GRID[i]), {
        "policy": "min expected cost (bad accepted 5, good rejected 1)",
        "split": "calibration",
        "cost_per_applicant": round(costs[i], 6),
    }


THRESHOLD_POLICIES: dict[str, Callable[[np.ndarray, np.ndarray], tuple[float, dict[str, Any]]]] = {
    "max_f1": _max_f1,
    "german_cost": _min_german_cost,
}
"""Grid searches on the calibration split (the shipped versions' policies; noisy where the metric is flat)."""

PARAMETERISED_POLICIES = ("expected_cost", "positive_rate")
"""``expected_cost``: the Bayes threshold of ``costs`` with bootstrap evidence; ``positive_rate``: the score quantile
giving ``target_positive_rate`` (edge_training.decision_threshold)."""


def classification_metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    pred = (p >= threshold).astype(int)
    clipped = np.clip(p, 1e-15, 1 - 1e-15)
    return {
        "auc": roc_auc_score(y, p),
        "accuracy": accuracy_score(y, pred),
        "f1": f1_score(y, pred, zero_division=0),
        "precision": precision_score(y, pred, zero_division=0),
        "recall": recall_score(y, pred, zero_division=0),
        "brier": brier_score_loss(y, p),
        "log_loss": log_loss(y, clipped, labels=[0, 1]),
        "positive_rate": float(np.mean(y)),
        "threshold": threshold,
    }


@dataclass(frozen=True)
class BinaryClassification(Task):
    name: ClassVar[str] = "binary_classification"
    stratify: ClassVar[bool] = True
    importance_scoring: ClassVar[str] = "neg_log_loss"

    positive_label: Any = 1
    negative_label: Any = 0
    threshold_policy: str = "max_f1"
    """A key of THRESHOLD_POLICIES or one of PARAMETERISED_POLICIES; ``german_cost`` and ``expected_cost`` also
    report the expected cost per applicant."""
    costs: CostMatrix | None = None
    """The expected-cost matrix (required by ``expected_cost``; optional with ``positive_rate``, for reporting)."""
    target_positive_rate: float | None = None
    """The share predicted positive (the approval rate for KrediPusula), required by ``positive_rate``."""

    def __post_init__(self) -> None:
        known = sorted([*THRESHOLD_POLICIES, *PARAMETERISED_POLICIES])
        if self.threshold_policy not in known:
            raise ValueError(f"threshold_policy {self.threshold_policy!r} not in {known}")
        if self.threshold_policy == "expected_cost" and self.costs is None:
            raise ValueError("threshold_policy 'expected_cost' needs costs")
        if self.threshold_policy == "positive_rate" and self.target_positive_rate is None:
            raise ValueError("threshold_policy 'positive_rate' needs target_positive_rate")

    def choose_threshold(self, y: np.ndarray, p: np.ndarray) -> tuple[float, dict[str, Any]]:
        """The threshold the policy prefers and how it was chosen (manifest ``training.threshold_selection``)."""
        if self.threshold_policy == "expected_cost" and self.costs is not None:
            return select_by_cost(y, p, self.costs)
        if self.threshold_policy == "positive_rate" and self.target_positive_rate is not None:
            return select_by_rate(y, p, self.target_positive_rate, self.costs)
        return THRESHOLD_POLICIES[self.threshold_policy](y, p)

    def export_options(self, pipeline: Any) -> dict[int, dict[str, Any]]:
        return {id(pipeline): {"zipmap": False}}

    def score(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        return positive_probability(outputs, POSITIVE_INDEX)

    def evaluate(
        self, y_calibration: np.ndarray, s_calibration: np.ndarray, y_holdout: np.ndarray, s_holdout: np.ndarray
    ) -> Evaluation:
        threshold, selection = self.choose_threshold(y_calibration, s_calibration)
        metrics = classification_metrics(y_holdout, s_holdout, threshold)
        metrics["accuracy_at_0_5"] = accuracy_score(y_holdout, (s_holdout >= 0.5).astype(int))
        if self.threshold_policy == "german_cost":
            metrics["expected_cost"] = german_cost(y_holdout, s_holdout, threshold)
            metrics["expected_cost_at_0_5"] = german_cost(y_holdout, s_holdout, 0.5)
        elif self.costs is not None:
            metrics["expected_cost"] = self.costs.cost(y_holdout, s_holdout, threshold)
            metrics["expected_cost_at_0_5"] = self.costs.cost(y_holdout, s_holdout, 0.5)
        output = {
            "name": "probabilities",
            "positive_index": POSITIVE_INDEX,
            "positive_label": self.positive_label,
            "negative_label": self.negative_label,
            "threshold": threshold,
        }
        return Evaluation(output=output, metrics=metrics, training_extra={"threshold_selection": selection})

    def check_parity(
        self, pipeline: Any, runner: OnnxRunner, X: pd.DataFrame, features: list[Feature], output: dict[str, Any]
    ) -> dict[str, float]:
        outputs = runner.run(X, features)
        frame = training_frame(X, features)
        index = output.get("positive_index", POSITIVE_INDEX)
        expected = pipeline.predict_proba(frame)[:, index]
        got = positive_probability(outputs, index)
        diff = float(np.max(np.abs(expected - got)))
        if diff > PROBABILITY_TOLERANCE:
            raise ParityError(f"probability max abs diff {diff:.3g} > {PROBABILITY_TOLERANCE}")
        labels = np.asarray(outputs["label"]).reshape(-1)
        mismatched = int(np.sum(labels != pipeline.predict(frame)))
        if mismatched:
            raise ParityError(f"{mismatched} ONNX labels differ from the library's labels")
        threshold = output.get("threshold")
        if threshold is not None:
            flips = int(np.sum((expected >= threshold) != (got >= threshold)))
            if flips:
                raise ParityError(f"{flips} decisions at threshold {threshold} differ")
        return {"max_abs_diff": diff, "rows": float(len(X)), "label_mismatches": 0.0}

    def expected(self, score: Any, output: dict[str, Any]) -> dict[str, Any]:
        label = self.positive_label if score >= output["threshold"] else self.negative_label
        return {"output": float(np.float32(score)), "label": label}

    def metrics_note(self, output: dict[str, Any]) -> str:
        return f"; labels at threshold {output['threshold']}"

    def headline(self, metrics: dict[str, Any]) -> str:
        return f"auc={metrics['auc']:.4f} f1={metrics['f1']:.4f} brier={metrics['brier']:.4f}"

    @classmethod
    def output_errors(cls, manifest: dict[str, Any]) -> list[str]:
        return [
            f"output.{key}: required for classification"
            for key in ("positive_index", "threshold")
            if key not in manifest["output"]
        ]

    @classmethod
    def docs_table(cls, manifests: list[dict[str, Any]]) -> list[str]:
        out = [
            "| version | AUC | accuracy | F1 | precision | recall | Brier | log loss | threshold | ONNX bytes | parity max diff |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for m in manifests:
            x = m["metrics"]
            out.append(
                f"| `{m['version']}` | {fmt(x['auc'])} | {fmt(x['accuracy'])} | {fmt(x['f1'])} | {fmt(x['precision'])} "
                f"| {fmt(x['recall'])} | {fmt(x['brier'])} | {fmt(x['log_loss'])} | {m['output']['threshold']} "
                f"| {m['artifact']['bytes']:,} | {parity_max_diff(m):.1e} |"
            )
        return out
