"""The Worker's multiclass metrics (worker/tasks/metrics/multiclass-metrics.ts) against scikit-learn.

Generates windows of class probabilities and true classes (calibrated and miscalibrated, a class never
predicted, a class absent from the truth, probabilities on the reliability bin edges, 0 and 1 probabilities,
argmax ties, float32 rows that do not sum to one), runs
``npx tsx scripts/monitoring/multiclass-metrics-runner.ts`` on them (JSON on stdin) and compares accuracy,
macro-F1, log loss, per-class precision / recall / F1 / Brier and the per-class reliability bins and ECE with
sklearn within 1e-9.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_recall_fscore_support,
)

from .tsx_runner import run_tsx

RUNNER = "scripts/monitoring/multiclass-metrics-runner.ts"
TOLERANCE = 1e-9
BINS = 10

Case = tuple[str, NDArray[np.float64], NDArray[np.int64], list[str]]


def _sampled(rng: np.random.Generator, n: int, classes: int, concentration: float) -> tuple[Any, Any]:
    probabilities = rng.dirichlet(np.full(classes, concentration), size=n)
    actuals = np.array([rng.choice(classes, p=row) for row in probabilities])
    return probabilities, actuals


def _cases() -> list[Case]:
    rng = np.random.default_rng(11)
    tiers = ["low", "medium", "high", "decline"]
    cases: list[Case] = []

    probabilities, actuals = _sampled(rng, 600, 4, 0.7)
    cases.append(("calibrated_4_classes", probabilities, actuals, tiers))

    probabilities, _ = _sampled(rng, 400, 3, 1.5)
    actuals = rng.integers(0, 3, size=400)
    cases.append(("uninformative_3_classes", probabilities, actuals, ["a", "b", "c"]))

    # overconfident: sharpen calibrated probabilities
    probabilities, actuals = _sampled(rng, 500, 5, 1.0)
    sharpened = probabilities**3
    cases.append(("overconfident_5_classes", sharpened / sharpened.sum(axis=1, keepdims=True), actuals, list("vwxyz")))

    # class 3 never predicted (its probability always small), class 2 never true
    probabilities = rng.dirichlet([3.0, 3.0, 3.0, 0.2], size=300)
    probabilities[:, 3] = np.minimum(probabilities[:, 3], 0.05)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    actuals = rng.choice([0, 1, 3], size=300)
    cases.append(("class_never_predicted_class_never_true", probabilities, actuals, tiers))

    # bin edges, exact 0 and 1 (log loss clipping), ties (first maximum wins)
    edge_rows = np.array(
        [
            [0.1, 0.2, 0.3, 0.4],
            [0.3, 0.3, 0.2, 0.2],
            [0.5, 0.5, 0.0, 0.0],
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
            [0.25, 0.25, 0.25, 0.25],
            [0.6, 0.2, 0.1, 0.1],
            [0.0, 0.7, 0.3, 0.0],
            [0.9, 0.1, 0.0, 0.0],
            [0.2, 0.2, 0.2, 0.4],
        ]
    )
    edge_actuals = np.array([3, 1, 2, 1, 3, 0, 0, 2, 0, 3])
    cases.append(("edges_zeros_ones_ties", edge_rows, edge_actuals, tiers))

    # float32 probabilities as the ONNX graph returns them: rows need not sum to exactly one
    probabilities, actuals = _sampled(rng, 800, 4, 0.5)
    as_float32 = probabilities.astype(np.float32).astype(np.float64)
    cases.append(("float32_rows", as_float32, actuals, tiers))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def results() -> list[dict[str, Any]]:
    payload = {
        "cases": [
            {"probabilities": p.tolist(), "actuals": y.tolist(), "classes": classes, "bins": BINS}
            for _, p, y, classes in CASES
        ]
    }
    out: list[dict[str, Any]] = run_tsx(RUNNER, payload)["results"]
    assert len(out) == len(CASES)
    return out


def _reliability(truth: NDArray[np.int64], column: NDArray[np.float64]) -> tuple[list[dict[str, float]], float]:
    """sklearn's reliability curve, with the bin counts its own binning gives, and the ECE from them."""
    prob_true, prob_pred = calibration_curve(truth, column, n_bins=BINS, strategy="uniform")
    edges = np.linspace(0.0, 1.0, BINS + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], column), minlength=BINS)
    nonzero = np.flatnonzero(counts)
    bins = [
        {
            "lower": float(edges[b]),
            "upper": float(edges[b + 1]),
            "count": int(counts[b]),
            "observed": float(t),
            "mean_predicted": float(p),
        }
        for b, t, p in zip(nonzero, prob_true, prob_pred, strict=True)
    ]
    ece = float(sum(entry["count"] / len(column) * abs(entry["observed"] - entry["mean_predicted"]) for entry in bins))
    return bins, ece


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case[0] for case in CASES])
def test_multiclass_metrics_match_sklearn(results: list[dict[str, Any]], index: int) -> None:
    _, probabilities, actuals, classes = CASES[index]
    got = results[index]
    predicted = probabilities.argmax(axis=1)
    labels = list(range(len(classes)))

    assert got["n"] == len(actuals)
    assert got["classes"] == classes
    assert got["accuracy"] == pytest.approx(accuracy_score(actuals, predicted), abs=TOLERANCE)
    assert got["macro_f1"] == pytest.approx(
        f1_score(actuals, predicted, average="macro", zero_division=0), abs=TOLERANCE
    )
    assert got["log_loss"] == pytest.approx(log_loss(actuals, probabilities, labels=labels), abs=TOLERANCE)

    precision, recall, f1, support = precision_recall_fscore_support(actuals, predicted, labels=labels, zero_division=0)
    one_hot = np.eye(len(classes))[actuals]
    assert got["brier"] == pytest.approx(float(np.mean(np.sum((probabilities - one_hot) ** 2, axis=1))), abs=TOLERANCE)
    eces = []
    for k, name in enumerate(classes):
        entry = got["per_class"][name]
        truth = (actuals == k).astype(int)
        assert entry["support"] == int(support[k])
        assert entry["predicted"] == int(np.sum(predicted == k))
        assert entry["precision"] == pytest.approx(precision[k], abs=TOLERANCE)
        assert entry["recall"] == pytest.approx(recall[k], abs=TOLERANCE)
        assert entry["f1"] == pytest.approx(f1[k], abs=TOLERANCE)
        assert entry["brier"] == pytest.approx(brier_score_loss(truth, probabilities[:, k]), abs=TOLERANCE)
        bins, ece = _reliability(truth, probabilities[:, k])
        assert len(entry["reliability"]) == len(bins), name
        for mine, theirs in zip(entry["reliability"], bins, strict=True):
            assert mine["count"] == theirs["count"], (name, theirs)
            for key in ("lower", "upper", "observed", "mean_predicted"):
                assert mine[key] == pytest.approx(theirs[key], abs=TOLERANCE), (name, key, theirs)
        assert entry["ece"] == pytest.approx(ece, abs=TOLERANCE)
        eces.append(ece)
    assert got["ece_macro"] == pytest.approx(float(np.mean(eces)), abs=TOLERANCE)


def test_cases_exercise_the_edges() -> None:
    """The generated windows really contain what the edge cases claim (else the comparison proves less)."""
    by_name = {name: (p, y) for name, p, y, _ in CASES}
    p, y = by_name["class_never_predicted_class_never_true"]
    assert not np.any(p.argmax(axis=1) == 3) and not np.any(y == 2)
    p, _ = by_name["edges_zeros_ones_ties"]
    assert np.any(p == 0.0) and np.any(p == 1.0) and np.any(np.isin(p, [0.1, 0.3, 0.5, 0.6, 0.7, 0.9]))
    p, _ = by_name["float32_rows"]
    assert np.any(p.sum(axis=1) != 1.0)


def test_a_row_of_the_wrong_width_or_an_unknown_class_is_skipped() -> None:
    payload = {
        "cases": [
            {
                "probabilities": [[0.7, 0.3], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]],
                "actuals": [0, 1, 5],
                "classes": ["a", "b", "c"],
            },
            {"probabilities": [], "actuals": [], "classes": ["a", "b"]},
        ]
    }
    kept, empty = run_tsx(RUNNER, payload, timeout=120)["results"]
    assert kept["n"] == 1 and kept["accuracy"] == 1.0
    assert empty is None
