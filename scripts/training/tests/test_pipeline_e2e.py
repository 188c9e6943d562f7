"""Tiny end-to-end runs of the real pipeline: train -> skl2onnx export -> ONNX Runtime parity ->
manifest -> MLflow (a real local sqlite store in a tmp dir) -> reproducibility. No mocks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression

from edge_training import export, models, tracking, train
from edge_training import manifest as mf
from edge_training.tasks.regression import regression_metrics


def _strip_volatile(manifest: dict[str, Any]) -> dict[str, Any]:
    m = json.loads(json.dumps(manifest))
    m["training"].pop("trained_at")
    m["training"].pop("mlflow", None)
    return m


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("e2e")
    uri = tracking.configure(f"sqlite:///{root / 'mlflow.db'}")
    specs = train.model_specs(quick=True)
    results = {}
    for name, versions in (
        ("kredipusula", None),
        ("recommender", None),
        ("german_credit", ["v1_logreg"]),
    ):
        for result in train.train_model(specs[name], root / "models", train.SEED, True, versions, log=lambda _: None):
            results[(result.model, result.version)] = result
    return {"root": root, "uri": uri, "results": results, "specs": specs}


def test_every_recipe_exports_with_parity_and_valid_manifest(quick_run: dict[str, Any]) -> None:
    results = quick_run["results"]
    assert len(results) == 2 + len(models.RECOMMENDER_VERSIONS) + 1
    for (model, version), result in results.items():
        directory = quick_run["root"] / "models" / model / version
        assert (directory / "model.onnx").read_bytes() == result.blob
        manifest = json.loads((directory / "manifest.json").read_text())
        assert mf.validation_errors(manifest) == [], (model, version)
        assert manifest["artifact"]["sha256"] == export.sha256(result.blob)
        for part in ("train", "calibration", "holdout"):
            assert manifest["training"]["parity"][part]["max_abs_diff"] <= 1e-4
        edge = manifest["training"]["edge"]
        assert edge["engine"] == "compact" and edge["onnx_bytes"] == len(result.blob), (model, version, edge)
        assert 0 < edge["retained_bytes"] <= edge["max_session_bytes"]


def test_mlflow_tracks_runs_and_registers_with_champion(quick_run: dict[str, Any]) -> None:
    client = mlflow.MlflowClient(quick_run["uri"])
    for (model, version), result in quick_run["results"].items():
        info = result.manifest["training"]["mlflow"]
        run = client.get_run(info["run_id"])
        assert run.data.tags["version"] == version
        assert run.data.params and run.data.metrics
        artifacts = {a.path for a in client.list_artifacts(info["run_id"])}
        assert "manifest.json" in artifacts
        mv = client.get_model_version(model, info["registered_version"])
        assert mv.tags["version"] == version and mv.tags["sha256"] == result.manifest["artifact"]["sha256"]
        assert mv.run_id == info["run_id"]
        # the registered model (MLflow 3: a LoggedModel of the run) is the same ONNX graph, with a signature
        # naming every ONNX input and an input example
        model_uri = f"models:/{model}/{info['registered_version']}"
        local = Path(mlflow.artifacts.download_artifacts(model_uri))
        assert (local / "model.onnx").read_bytes() == result.blob
        assert (local / "serving_input_example.json").is_file()
        signature = mlflow.models.get_model_info(model_uri).signature
        assert list(signature.inputs.input_dict()) == [i["name"] for i in result.manifest["onnx"]["inputs"]]
    champion = client.get_model_version_by_alias("kredipusula", tracking.CHAMPION_ALIAS)
    assert champion.tags["version"] == quick_run["specs"]["kredipusula"].default


def test_training_is_reproducible(quick_run: dict[str, Any], tmp_path: Path) -> None:
    """Same seed, same code: byte-identical ONNX and identical manifests (except trained_at / mlflow)."""
    specs = quick_run["specs"]
    for name, version in (("kredipusula", "v2_gbm"), ("recommender", "v4_xgboost")):
        again = train.train_model(specs[name], tmp_path, train.SEED, False, [version], log=lambda _: None)[0]
        first = quick_run["results"][(name, version)]
        assert again.blob == first.blob, f"{name}/{version}: ONNX bytes differ between runs"
        assert mf.dumps(_strip_volatile(again.manifest)) == mf.dumps(_strip_volatile(first.manifest))


def test_parity_gate_fails_loudly_on_a_wrong_graph(quick_run: dict[str, Any]) -> None:
    """Score the kredipusula GBM graph against a different pipeline: the gate must raise."""
    spec = quick_run["specs"]["kredipusula"]
    ds = spec.load()
    parts = train.split(ds, True, train.SEED)
    features = spec.features(ds.frame)
    names = [f.name for f in features]
    X = export.training_frame(parts["train"][names], features)
    other = models.pipeline(features, LogisticRegression(C=0.001, max_iter=500), scale=True).fit(
        X, parts["train"]["approved"]
    )
    runner = export.OnnxRunner(quick_run["results"][("kredipusula", "v2_gbm")].blob)
    with pytest.raises(export.ParityError):
        spec.task.check_parity(other, runner, parts["holdout"][names], features, {"positive_index": 1})


def test_health_bar_separates_good_from_bad_recommenders() -> None:
    """Seed health bar (RMSE < 1.0 and R2 > 0.6) on the full recommender holdout: every shipped
    version passes (committed manifests), global-mean and linear-on-raw-ids baselines fail."""
    spec = train.model_specs()["recommender"]
    ds = spec.load()
    parts = train.split(ds, False, train.SEED)
    features = spec.features(ds.frame)
    names = [f.name for f in features]
    X = export.training_frame(parts["train"][names], features)
    Xh = export.training_frame(parts["holdout"][names], features)
    y, yh = parts["train"]["rating"], parts["holdout"]["rating"].to_numpy()

    def healthy(metrics: dict[str, float]) -> bool:
        return metrics["rmse"] < 1.0 and metrics["r2"] > 0.6

    for estimator in (DummyRegressor(), LinearRegression()):
        bad = models.pipeline(features, estimator, scale=True).fit(X, y)
        metrics = regression_metrics(yh, np.clip(bad.predict(Xh), 1, 5))
        assert not healthy(metrics), (type(estimator).__name__, metrics)

    shipped = sorted((mf.REPO_ROOT / "models" / "recommender").glob("*/manifest.json"))
    assert len(shipped) == len(models.RECOMMENDER_VERSIONS)
    for path in shipped:
        metrics = json.loads(path.read_text())["metrics"]
        assert healthy(metrics), (path.parent.name, metrics)
