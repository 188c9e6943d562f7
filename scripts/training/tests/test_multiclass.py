"""The multiclass proof: the KrediPusula risk-tier generator, the shipped kredipusula_risk model (ONNX Runtime
reproduces its examples and holdout metrics, probabilities are calibrated per class), its manifest against the
Worker's contract, and a real training run registered in a real MLflow store. No mocks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest

from edge_training import data, export, tracking, train
from edge_training import manifest as mf
from edge_training.tasks import multiclass_classification as mc

from .conftest import MODELS_DIR

MODEL = "kredipusula_risk"
VERSION = "v1_gbm"


def _manifest() -> dict[str, Any]:
    return json.loads((MODELS_DIR / MODEL / VERSION / "manifest.json").read_text())


def _runner() -> export.OnnxRunner:
    return export.OnnxRunner((MODELS_DIR / MODEL / VERSION / "model.onnx").read_bytes())


def _features(manifest: dict[str, Any]) -> list[Any]:
    from edge_training.features import Feature

    return [
        Feature(f["name"], f["kind"], values=tuple(f.get("values", ())), min=f.get("min"), max=f.get("max"))
        for f in manifest["features"]
    ]


# ----------------------------------------------------------------------------------------------
# generator
# ----------------------------------------------------------------------------------------------


def test_risk_generator_is_reproducible() -> None:
    a = data.generate_credit_risk(n=2000, seed=42)
    b = data.generate_credit_risk(n=2000, seed=42)
    assert data.frame_sha256(a.frame) == data.frame_sha256(b.frame)
    assert data.frame_sha256(a.frame) != data.frame_sha256(data.generate_credit_risk(n=2000, seed=43).frame)


def test_risk_generator_has_the_credit_applicants() -> None:
    """Same people as generate_credit, row for row; only the target differs."""
    risk = data.generate_credit_risk(n=3000, seed=42).frame
    credit = data.generate_credit(n=3000, seed=42).frame
    features = ["income", "age", "credit_history", "loan_amount", "employment_years"]
    assert list(risk.columns) == [*features, "risk_tier"]
    pd.testing.assert_frame_equal(risk[features], credit[features])


def test_risk_classes_are_balanced_enough_and_carry_the_documented_signal() -> None:
    f = data.generate_credit_risk().frame
    shares = np.bincount(f.risk_tier, minlength=4) / len(f)
    assert set(f.risk_tier) == {0, 1, 2, 3} and len(data.RISK_TIERS) == 4
    assert all(0.10 <= s <= 0.40 for s in shares), shares  # docstring: near 31 / 29 / 26 / 15 %
    np.testing.assert_allclose(shares, [0.31, 0.29, 0.26, 0.15], atol=0.02)
    # riskier tiers for a poor history and for a high debt-to-income ratio; approval falls with the tier
    by_history = f.groupby("credit_history").risk_tier.mean()
    assert by_history["good"] < by_history["fair"] < by_history["poor"]
    dti = f.loan_amount / f.income
    assert f.risk_tier[dti >= dti.median()].mean() > f.risk_tier[dti < dti.median()].mean() + 0.5
    approved = data.generate_credit().frame.approved
    approval_by_tier = approved.groupby(f.risk_tier).mean().to_numpy()
    assert np.all(np.diff(approval_by_tier) < 0), approval_by_tier


# ----------------------------------------------------------------------------------------------
# the shipped model
# ----------------------------------------------------------------------------------------------


def test_shipped_manifest_is_multiclass_and_valid() -> None:
    manifest = _manifest()
    assert mf.validation_errors(manifest) == []
    assert manifest["task"] == "multiclass_classification"
    assert manifest["output"] == {"name": "probabilities", "classes": data.RISK_TIERS}
    outputs = {o["name"]: o for o in manifest["onnx"]["outputs"]}
    assert outputs["probabilities"]["type"] == "float32" and outputs["probabilities"]["shape"][-1] == 4
    assert outputs["label"]["type"] == "int64"
    assert set(manifest["reference"]["prediction_classes"]["proportions"]) == set(data.RISK_TIERS)
    registry = json.loads((MODELS_DIR / MODEL / "registry.json").read_text())
    assert registry == {"default": VERSION}


def test_shipped_examples_reproduce_in_onnxruntime() -> None:
    manifest = _manifest()
    frame = pd.DataFrame([e["inputs"] for e in manifest["examples"]])
    out = _runner().run(frame, _features(manifest))
    p = mc.probabilities(out)
    want = np.array([e["expected"]["probabilities"] for e in manifest["examples"]])
    np.testing.assert_allclose(p, want, rtol=0, atol=1e-6)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    labels = [data.RISK_TIERS[i] for i in mc.predicted_index(p)]
    assert labels == [e["expected"]["label"] for e in manifest["examples"]]
    assert [data.RISK_TIERS[i] for i in np.asarray(out["label"]).reshape(-1)] == labels
    np.testing.assert_allclose(
        mc.top_probability(p), [e["expected"]["output"] for e in manifest["examples"]], atol=1e-6
    )


def test_shipped_holdout_metrics_reproduce_and_are_calibrated() -> None:
    """Regenerate the data, score the holdout with the committed ONNX, recompute every metric; the per-class
    one-vs-rest ECE stays small (the calibration claim in docs/training.md)."""
    manifest = _manifest()
    spec = train.model_specs()[MODEL]
    ds = spec.load()
    assert data.frame_sha256(ds.frame) == manifest["training"]["data_sha256"]
    parts = train.split(ds, True, train.SEED)
    holdout = parts["holdout"]
    assert manifest["training"]["rows"]["holdout"] == len(holdout)
    p = mc.probabilities(_runner().run(holdout, _features(manifest)))
    y = holdout[ds.target].to_numpy()
    metrics = mc.metrics(y, p, data.RISK_TIERS)
    for key, value in metrics.items():
        assert manifest["metrics"][key] == pytest.approx(value, rel=1e-5, abs=1e-7), key
    assert manifest["training"]["confusion_matrix"]["rows"] == mc.confusion(y, p, data.RISK_TIERS)["rows"]
    assert metrics["accuracy"] > 0.65 and metrics["macro_f1"] > 0.65
    for name in data.RISK_TIERS:
        assert metrics[f"ece_{name}"] < 0.06, (name, metrics[f"ece_{name}"])


def test_reference_prediction_classes_describe_the_train_split() -> None:
    manifest = _manifest()
    spec = train.model_specs()[MODEL]
    parts = train.split(spec.load(), True, train.SEED)
    p = mc.probabilities(_runner().run(parts["train"], _features(manifest)))
    shares = np.bincount(mc.predicted_index(p), minlength=4) / len(p)
    proportions = manifest["reference"]["prediction_classes"]["proportions"]
    for i, name in enumerate(data.RISK_TIERS):
        assert proportions[name] == pytest.approx(shares[i], abs=1e-9)
    assert manifest["reference"]["prediction"]["min"] >= 0.25  # top-class probability of 4 classes


def test_multiclass_cross_field_rules_reject_broken_manifests() -> None:
    """The Python mirror of the zod superRefine for multiclass manifests."""
    base = _manifest()

    def broken(mutate: Any) -> list[str]:
        m = copy.deepcopy(base)
        mutate(m)
        return mf.validation_errors(m)

    assert broken(lambda m: m["output"].pop("classes"))
    assert broken(lambda m: m["output"].update(classes=["low", "medium", "high"]))  # tensor width 4
    assert broken(lambda m: m["output"].update(classes=["low", "low", "high", "decline"]))
    assert broken(lambda m: m["examples"][0]["expected"].update(label="unknown"))
    assert broken(lambda m: m["examples"][0]["expected"].pop("probabilities"))
    assert broken(lambda m: m["examples"][0]["expected"]["probabilities"].pop())
    assert broken(lambda m: m["reference"].pop("prediction_classes"))
    assert broken(lambda m: m["reference"]["prediction_classes"]["proportions"].pop("decline"))
    assert broken(lambda m: m.update(task="multiclass_typo"))  # JSON Schema: the task enum


# ----------------------------------------------------------------------------------------------
# a real training run, tracked and registered in MLflow
# ----------------------------------------------------------------------------------------------


def test_quick_training_run_is_registered_in_mlflow_and_reproducible(tmp_path: Path) -> None:
    uri = tracking.configure(f"sqlite:///{tmp_path / 'mlflow.db'}")
    spec = train.model_specs(quick=True)[MODEL]
    (result,) = train.train_model(spec, tmp_path / "models", train.SEED, True, [VERSION], log=lambda _: None)
    manifest = json.loads((tmp_path / "models" / MODEL / VERSION / "manifest.json").read_text())
    assert mf.validation_errors(manifest) == []
    for part in ("train", "calibration", "holdout"):
        assert manifest["training"]["parity"][part]["max_abs_diff"] <= 1e-4
    assert manifest["training"]["edge"]["engine"] == "compact"
    info = manifest["training"]["mlflow"]
    client = mlflow.MlflowClient(uri)
    run = client.get_run(info["run_id"])
    assert run.data.tags["version"] == VERSION
    assert {"accuracy", "macro_f1", "log_loss", "ece_macro"} <= set(run.data.metrics)
    assert "manifest.json" in {a.path for a in client.list_artifacts(info["run_id"])}
    mv = client.get_model_version(MODEL, info["registered_version"])
    assert mv.run_id == info["run_id"] and mv.tags["sha256"] == manifest["artifact"]["sha256"]
    assert client.get_model_version_by_alias(MODEL, tracking.CHAMPION_ALIAS).version == mv.version
    local = Path(mlflow.artifacts.download_artifacts(f"models:/{MODEL}/{info['registered_version']}"))
    assert (local / "model.onnx").read_bytes() == result.blob
    # seeded: a second run (no MLflow) gives the same ONNX bytes and the same manifest but for the volatile keys
    (again,) = train.train_model(spec, tmp_path / "again", train.SEED, False, [VERSION], log=lambda _: None)
    assert again.blob == result.blob
    first = json.loads(mf.dumps(result.manifest))
    for m in (first, again.manifest):
        m["training"].pop("trained_at")
        m["training"].pop("mlflow", None)
    assert mf.dumps(again.manifest) == mf.dumps(first)
