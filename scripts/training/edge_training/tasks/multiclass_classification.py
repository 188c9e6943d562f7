"""Multiclass classification: one probability column per class; the predicted class is the arg-max column.

The target is the class index 0..C-1 (so the graph's `label` output is that index and the probability columns are in
class order); `classes` names each index. Manifest shape (mirrored by the zod schema in worker/contracts/manifest.ts):

- ``output = {"name": "probabilities", "classes": [...]}``: classes[i] is column i of the float32 [N, C] tensor;
- ``examples[].expected = {"output": p(predicted class), "label": predicted class, "probabilities": [p_0, ...]}``;
- ``reference.prediction``: the predicted class's probability on the train split (numeric bins / quantiles), and
  ``reference.prediction_classes``: the predicted-class proportions on the train split (prediction drift over classes);
- ``metrics``: accuracy, macro_f1, log_loss, brier_macro, ece_macro and per class f1 / precision / recall / ece / rate;
- ``training.confusion_matrix`` and ``training.calibration`` (one-vs-rest reliability bins per class, holdout).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, log_loss, precision_score, recall_score

from ..doc_format import parity_max_diff, tree_nodes
from ..export import PROBABILITY_TOLERANCE, OnnxRunner, ParityError, training_frame
from ..features import Feature
from ..reference import category_reference, numeric_reference, sig
from .base import Evaluation, Task

CALIBRATION_BINS = 10


def probabilities(outputs: dict[str, np.ndarray]) -> np.ndarray:
    """The [N, C] probability tensor of a zipmap=False classifier graph, as float64."""
    return np.asarray(outputs["probabilities"], dtype=np.float64)


def predicted_index(p: np.ndarray) -> np.ndarray:
    """Arg-max column; the first maximum wins (numpy, scikit-learn and the Worker agree)."""
    return np.argmax(p, axis=1)


def top_probability(p: np.ndarray) -> np.ndarray:
    return p[np.arange(len(p)), predicted_index(p)]


def reliability_bins(hit: np.ndarray, probability: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict[str, float]]:
    """One class's probability in equal-width bins on [0, 1] (bin i = [i/bins, (i+1)/bins), 1.0 in the last):
    rows, mean predicted probability and observed frequency of the class; empty bins are left out."""
    index = np.minimum((probability * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            out.append(
                {
                    "lower": b / bins,
                    "upper": (b + 1) / bins,
                    "rows": int(mask.sum()),
                    "mean_probability": sig(probability[mask].mean()),
                    "observed_frequency": sig(hit[mask].mean()),
                }
            )
    return out


def expected_calibration_error(hit: np.ndarray, probability: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """One-vs-rest ECE: sum over the bins of (rows in bin / rows) x |mean probability - observed frequency|."""
    index = np.minimum((probability * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.mean() * abs(probability[mask].mean() - hit[mask].mean())
    return float(total)


def metrics(y: np.ndarray, p: np.ndarray, classes: list[str]) -> dict[str, float]:
    """Accuracy, macro-F1, log loss, multiclass Brier / C, macro ECE, and per class F1, precision, recall, ECE and
    the class's share of the rows (`rate_<class>`)."""
    k = len(classes)
    labels = list(range(k))
    y = np.asarray(y)
    pred = predicted_index(p)
    out: dict[str, float] = {
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, labels=labels, average="macro", zero_division=0)),
        "log_loss": float(log_loss(y, np.clip(p, 1e-15, 1.0), labels=labels)),
        "brier_macro": float(np.mean(np.sum((p - np.eye(k)[y]) ** 2, axis=1)) / k),
    }
    f1s = f1_score(y, pred, labels=labels, average=None, zero_division=0)
    precisions = precision_score(y, pred, labels=labels, average=None, zero_division=0)
    recalls = recall_score(y, pred, labels=labels, average=None, zero_division=0)
    eces = []
    for i, name in enumerate(classes):
        ece = expected_calibration_error((y == i).astype(np.float64), p[:, i])
        eces.append(ece)
        out[f"f1_{name}"] = float(f1s[i])
        out[f"precision_{name}"] = float(precisions[i])
        out[f"recall_{name}"] = float(recalls[i])
        out[f"ece_{name}"] = ece
        out[f"rate_{name}"] = float(np.mean(y == i))
    out["ece_macro"] = float(np.mean(eces))
    return out


def confusion(y: np.ndarray, p: np.ndarray, classes: list[str]) -> dict[str, Any]:
    matrix = confusion_matrix(y, predicted_index(p), labels=list(range(len(classes))))
    return {
        "classes": list(classes),
        "rows": matrix.astype(int).tolist(),
        "layout": "rows: true class, columns: predicted",
    }


def calibration_report(y: np.ndarray, p: np.ndarray, classes: list[str]) -> dict[str, Any]:
    y = np.asarray(y)
    return {
        "method": f"one-vs-rest reliability, {CALIBRATION_BINS} equal-width bins of each class's probability",
        "split": "holdout",
        "classes": {name: reliability_bins((y == i).astype(np.float64), p[:, i]) for i, name in enumerate(classes)},
    }


@dataclass(frozen=True)
class MulticlassClassification(Task):
    name: ClassVar[str] = "multiclass_classification"
    stratify: ClassVar[bool] = True
    importance_scoring: ClassVar[str] = "neg_log_loss"

    classes: tuple[str, ...]
    """The class of each target index 0..C-1, i.e. of each probability column (manifest ``output.classes``)."""

    def __post_init__(self) -> None:
        if len(self.classes) < 2 or len(set(self.classes)) != len(self.classes):
            raise ValueError(f"classes must be at least two distinct names, got {self.classes!r}")

    def export_options(self, pipeline: Any) -> dict[int, dict[str, Any]]:
        return {id(pipeline): {"zipmap": False}}

    def score(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        return probabilities(outputs)

    def evaluate(
        self, y_calibration: np.ndarray, s_calibration: np.ndarray, y_holdout: np.ndarray, s_holdout: np.ndarray
    ) -> Evaluation:
        """No decision threshold to choose (the class is the arg-max), so the calibration split decides nothing."""
        classes = list(self.classes)
        return Evaluation(
            output={"name": "probabilities", "classes": classes},
            metrics=metrics(y_holdout, s_holdout, classes),
            training_extra={
                "confusion_matrix": confusion(y_holdout, s_holdout, classes),
                "calibration": calibration_report(y_holdout, s_holdout, classes),
            },
        )

    def check_parity(
        self, pipeline: Any, runner: OnnxRunner, X: pd.DataFrame, features: list[Feature], output: dict[str, Any]
    ) -> dict[str, float]:
        """Every class's probability within 1e-4 of scikit-learn, the graph's label equal to the library's, and
        the same arg-max class; fails loudly otherwise."""
        outputs = runner.run(X, features)
        frame = training_frame(X, features)
        if list(pipeline.classes_) != list(range(len(self.classes))):
            raise ParityError(f"the estimator's classes {list(pipeline.classes_)} are not 0..{len(self.classes) - 1}")
        expected = pipeline.predict_proba(frame)
        got = probabilities(outputs)
        if got.shape != expected.shape:
            raise ParityError(f"probability tensor {got.shape} != library {expected.shape}")
        diff = float(np.max(np.abs(expected - got)))
        if diff > PROBABILITY_TOLERANCE:
            raise ParityError(f"probability max abs diff {diff:.3g} > {PROBABILITY_TOLERANCE}")
        mismatched = int(np.sum(np.asarray(outputs["label"]).reshape(-1) != pipeline.predict(frame)))
        if mismatched:
            raise ParityError(f"{mismatched} ONNX labels differ from the library's labels")
        flips = int(np.sum(predicted_index(expected) != predicted_index(got)))
        if flips:
            raise ParityError(f"{flips} arg-max classes differ")
        return {"max_abs_diff": diff, "rows": float(len(X)), "label_mismatches": 0.0}

    def expected(self, score: Any, output: dict[str, Any]) -> dict[str, Any]:
        row = np.asarray(score, dtype=np.float64)
        best = int(np.argmax(row))
        return {
            "output": float(np.float32(row[best])),
            "label": self.classes[best],
            "probabilities": [float(np.float32(v)) for v in row],
        }

    def prediction_reference(self, scores: np.ndarray) -> dict[str, Any]:
        predicted = np.array(self.classes)[predicted_index(scores)]
        return {
            "prediction": numeric_reference(top_probability(scores)),
            "prediction_classes": category_reference(predicted, tuple(self.classes)),
        }

    def metrics_note(self, output: dict[str, Any]) -> str:
        return "; the class is the arg-max of the class probabilities"

    def headline(self, metrics: dict[str, Any]) -> str:
        return (
            f"accuracy={metrics['accuracy']:.4f} macro_f1={metrics['macro_f1']:.4f} "
            f"log_loss={metrics['log_loss']:.4f} ece_macro={metrics['ece_macro']:.4f}"
        )

    @classmethod
    def output_errors(cls, manifest: dict[str, Any]) -> list[str]:
        """Mirror of checkMulticlass in worker/contracts/manifest.ts."""
        classes = manifest["output"].get("classes")
        if not classes:
            return ["output.classes: required for multiclass classification"]
        errors: list[str] = []
        if len(set(classes)) != len(classes):
            errors.append("output.classes: must be unique")
        tensor = next((o for o in manifest["onnx"]["outputs"] if o["name"] == manifest["output"]["name"]), None)
        width = tensor["shape"][-1] if tensor and tensor["shape"] else None
        if isinstance(width, int) and width != len(classes):
            errors.append(f"output.classes: {len(classes)} classes for a probability tensor of width {width}")
        for index, example in enumerate(manifest["examples"]):
            expected = example["expected"]
            if len(expected.get("probabilities") or []) != len(classes):
                errors.append(
                    f"examples[{index}].expected.probabilities: needs one probability per class ({len(classes)})"
                )
            if expected.get("label") not in classes:
                errors.append(f"examples[{index}].expected.label: must be one of output.classes")
        reference = manifest["reference"].get("prediction_classes")
        if reference is None:
            errors.append("reference.prediction_classes: required for multiclass classification")
        elif sorted(reference["proportions"]) != sorted(classes):
            errors.append("reference.prediction_classes: must have one proportion per class in output.classes")
        return errors

    @classmethod
    def docs_table(cls, manifests: list[dict[str, Any]]) -> list[str]:
        lines: list[str] = []
        for m in manifests:
            x = m["metrics"]
            classes = m["output"]["classes"]
            lines += [
                "| version | accuracy | macro-F1 | log loss | Brier / C | macro ECE | ONNX bytes | tree nodes | parity max diff |",
                "|---|---|---|---|---|---|---|---|---|",
                f"| `{m['version']}` | {x['accuracy']:.4f} | {x['macro_f1']:.4f} | {x['log_loss']:.4f} "
                f"| {x['brier_macro']:.4f} | {x['ece_macro']:.4f} | {m['artifact']['bytes']:,} "
                f"| {tree_nodes(m):,} | {parity_max_diff(m):.1e} |",
                "",
                f"`{m['version']}` per class (holdout; ECE: one-vs-rest, {CALIBRATION_BINS} equal-width bins):",
                "",
                "| class | share | precision | recall | F1 | ECE |",
                "|---|---|---|---|---|---|",
            ]
            for name in classes:
                lines.append(
                    f"| {name} | {x[f'rate_{name}']:.3f} | {x[f'precision_{name}']:.4f} | {x[f'recall_{name}']:.4f} "
                    f"| {x[f'f1_{name}']:.4f} | {x[f'ece_{name}']:.4f} |"
                )
            matrix = m["training"]["confusion_matrix"]["rows"]
            lines += [
                "",
                f"`{m['version']}` confusion matrix (holdout; rows: true class, columns: predicted):",
                "",
                "| true \\ predicted | " + " | ".join(classes) + " |",
                "|---|" + "---|" * len(classes),
                *(
                    f"| {name} | " + " | ".join(str(c) for c in row) + " |"
                    for name, row in zip(classes, matrix, strict=True)
                ),
                "",
            ]
            check = m["params"].get("calibration_check")
            if check:
                lines += [
                    f"`{m['version']}` calibration check ({check['split']}): macro one-vs-rest ECE "
                    f"{check['ece_macro_gbm']:.4f} for the GBM's softmax probabilities vs "
                    f"{check['ece_macro_gbm_sigmoid_calibrated']:.4f} for a 5-fold sigmoid CalibratedClassifierCV copy "
                    f"(log loss {check['log_loss_gbm']:.4f} vs {check['log_loss_gbm_sigmoid_calibrated']:.4f}); "
                    f"shipped: {check['shipped']}. Manifest: `output.classes` names the probability columns, "
                    "`examples[].expected.probabilities` holds every class's probability, "
                    "`reference.prediction_classes` the predicted-class proportions on the train split.",
                ]
        return lines
