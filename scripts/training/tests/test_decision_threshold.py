"""Threshold selection by an expected-cost matrix or a target approval rate, with bootstrap intervals, on a quick
fit of the KrediPusula generator; and byte-reproducible ONNX exports (canonical opset order)."""

from __future__ import annotations

import glob
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from sklearn.linear_model import LogisticRegression

from edge_training import data, export
from edge_training.decision_threshold import KREDIPUSULA_COSTS, CostMatrix, select_by_cost, select_by_rate
from edge_training.features import CREDIT_FEATURES
from edge_training.tasks.binary_classification import BinaryClassification

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def scored() -> dict[str, np.ndarray]:
    """A logistic fit on 3,000 generator rows, scored on 3,000 fresh calibration rows."""
    train = data.generate_credit(n=3000, seed=1)
    fresh = data.generate_credit(n=3000, seed=2)
    numeric = [f.name for f in CREDIT_FEATURES if not f.is_category]
    model = LogisticRegression(max_iter=1000).fit(train.frame[numeric], train.frame[train.target])
    return {"y": fresh.frame[fresh.target].to_numpy(), "p": model.predict_proba(fresh.frame[numeric])[:, 1]}


def test_bayes_threshold_of_the_cost_matrix() -> None:
    assert CostMatrix(5, 1).bayes_threshold == pytest.approx(5 / 6)
    assert CostMatrix(1, 5).bayes_threshold == pytest.approx(1 / 6)
    with pytest.raises(ValueError):
        CostMatrix(0, 1)


def test_cost_curve_matches_the_pointwise_cost(scored: dict[str, np.ndarray]) -> None:
    curve = KREDIPUSULA_COSTS.curve(scored["y"], scored["p"])
    assert curve[0] == pytest.approx(KREDIPUSULA_COSTS.cost(scored["y"], scored["p"], 0.05))
    assert curve[45] == pytest.approx(KREDIPUSULA_COSTS.cost(scored["y"], scored["p"], 0.5))


def test_cost_policy_records_threshold_and_cost_intervals(scored: dict[str, np.ndarray]) -> None:
    threshold, sel = select_by_cost(scored["y"], scored["p"], KREDIPUSULA_COSTS)
    assert threshold == pytest.approx(0.83)
    low, high = sel["empirical_threshold_interval"]
    assert low <= sel["empirical_threshold"] <= high
    c_low, c_high = sel["expected_cost_interval"]
    assert c_low <= sel["expected_cost"] <= c_high
    assert sel["expected_cost"] <= sel["expected_cost_at_0_5"]
    r_low, r_high = sel["positive_rate_interval"]
    assert 0 < r_low <= sel["positive_rate"] <= r_high < 1
    assert sel["costs"]["false_positive"] == 5.0 and sel["split"] == "calibration"
    assert isinstance(sel["bayes_inside_interval"], bool)


def test_rate_policy_hits_the_target(scored: dict[str, np.ndarray]) -> None:
    threshold, sel = select_by_rate(scored["y"], scored["p"], 0.6, KREDIPUSULA_COSTS)
    assert sel["positive_rate"] == pytest.approx(0.6, abs=0.005)
    low, high = sel["threshold_interval"]
    assert low <= threshold <= high and high - low < 0.1
    assert "expected_cost_interval" in sel
    with pytest.raises(ValueError):
        select_by_rate(scored["y"], scored["p"], 1.0)


def test_task_uses_the_parameterised_policies(scored: dict[str, np.ndarray]) -> None:
    y, p = scored["y"], scored["p"]
    task = BinaryClassification(threshold_policy="expected_cost", costs=KREDIPUSULA_COSTS)
    evaluation = task.evaluate(y[:1500], p[:1500], y[1500:], p[1500:])
    assert evaluation.output["threshold"] == pytest.approx(0.83)
    assert evaluation.training_extra["threshold_selection"]["rule"] == "expected_cost"
    assert np.isfinite(evaluation.metrics["expected_cost"])
    rate = BinaryClassification(threshold_policy="positive_rate", target_positive_rate=0.8)
    assert rate.evaluate(y[:1500], p[:1500], y[1500:], p[1500:]).output["threshold"] < 0.83
    with pytest.raises(ValueError, match="needs costs"):
        BinaryClassification(threshold_policy="expected_cost")
    with pytest.raises(ValueError, match="target_positive_rate"):
        BinaryClassification(threshold_policy="positive_rate")


EXPORT_SCRIPT = """
import hashlib, sys
from sklearn.linear_model import LogisticRegression
from edge_training import data, export
from edge_training.features import CREDIT_FEATURES
from edge_training.models import CREDIT_VERSIONS
ds = data.generate_credit(n=800, seed=3)
X = export.training_frame(ds.frame, CREDIT_FEATURES)
fitted = CREDIT_VERSIONS[0].fit(X, ds.frame[ds.target], CREDIT_FEATURES, 0)
model = export.export(fitted.pipeline, CREDIT_FEATURES, "t", {id(fitted.pipeline): {"zipmap": False}})
print(hashlib.sha256(export.serialize(model)).hexdigest(), [o.domain for o in model.opset_import])
"""


def test_exports_are_byte_reproducible_across_processes() -> None:
    """Two exports of the same fit, in processes with different hash seeds, give identical bytes."""
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {"PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT / "scripts" / "training"), "PATH": ""}
        run = subprocess.run(
            [sys.executable, "-c", EXPORT_SCRIPT], env=env, capture_output=True, text=True, check=True, cwd=ROOT
        )
        outputs.add(run.stdout.strip().splitlines()[-1])
    assert len(outputs) == 1
    assert outputs.pop().endswith("['', 'ai.onnx.ml']")


def test_canonical_order_is_by_domain() -> None:
    model = onnx.load_from_string((ROOT / "models/german_credit/v1_logreg/model.onnx").read_bytes())
    reversed_opsets = list(reversed(model.opset_import))  # the order skl2onnx gave this pipeline before sorting
    del model.opset_import[:]
    model.opset_import.extend(reversed_opsets)
    assert [o.domain for o in model.opset_import] == ["ai.onnx.ml", ""]
    export.canonicalize_opsets(model)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 17), ("ai.onnx.ml", 1)]
    onnx.checker.check_model(model)


def test_shipped_models_are_in_canonical_opset_order() -> None:
    """Every committed model.onnx is exported with the canonical opset order, so canonicalising changes no byte
    (german_credit/v1_logreg was the last one in the other order until its retrain in issue 12)."""
    changed = []
    for path in sorted(glob.glob(str(ROOT / "models/*/*/model.onnx"))):
        blob = Path(path).read_bytes()
        model = onnx.load_from_string(blob)
        assert export.serialize(model) == blob
        export.canonicalize_opsets(model)
        if export.serialize(model) != blob:
            changed.append(str(Path(path).relative_to(ROOT / "models").parent))
    assert changed == []
