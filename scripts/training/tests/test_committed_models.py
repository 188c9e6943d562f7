"""The committed models/ artifacts: contract, integrity, budget, ONNX Runtime checks, metrics, intervals."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from edge_training import conformal, edge_fit, export, models, train
from edge_training import manifest as mf
from edge_training.edge_budget import EDGE_BUDGET

from .conftest import EXPECTED_VERSIONS, MODELS_DIR, load_manifest

Committed = tuple[str, str, dict[str, Any], Path]


def test_every_expected_version_is_committed() -> None:
    for model, versions in EXPECTED_VERSIONS.items():
        present = {p.parent.name for p in (MODELS_DIR / model).glob("*/manifest.json")}
        assert present == versions, model
        registry = json.loads((MODELS_DIR / model / "registry.json").read_text())
        assert registry["default"] in versions


def test_manifest_validates_against_worker_contract(committed: Committed) -> None:
    model, version, manifest, _ = committed
    assert mf.validation_errors(manifest) == []
    assert manifest["model"] == model and manifest["version"] == version


def test_artifact_integrity_and_budget(committed: Committed) -> None:
    _, _, manifest, directory = committed
    blob = (directory / manifest["artifact"]["file"]).read_bytes()
    assert manifest["artifact"]["sha256"] == hashlib.sha256(blob).hexdigest()
    assert manifest["artifact"]["bytes"] == len(blob) <= EDGE_BUDGET.max_onnx_artifact_bytes


def test_manifest_is_canonical_json(committed: Committed) -> None:
    _, _, manifest, directory = committed
    assert (directory / "manifest.json").read_text() == mf.dumps(manifest)


def test_onnx_io_matches_manifest(committed: Committed) -> None:
    _, _, manifest, directory = committed
    runner = export.OnnxRunner((directory / "model.onnx").read_bytes())
    inputs = {i.name: i for i in runner.session.get_inputs()}
    assert set(inputs) == {f["name"] for f in manifest["features"]}
    for feature in manifest["features"]:
        tensor = inputs[feature["input"]]
        assert tensor.type == ("tensor(string)" if feature["kind"] == "category" else "tensor(float)")
        assert tensor.shape[1] == 1
    assert manifest["output"]["name"] in runner.output_names


def _features(manifest: dict[str, Any]) -> list[Any]:
    from edge_training.features import Feature

    return [
        Feature(f["name"], f["kind"], values=tuple(f.get("values", ())), min=f.get("min"), max=f.get("max"))
        for f in manifest["features"]
    ]


def _score(runner: export.OnnxRunner, manifest: dict[str, Any], frame: pd.DataFrame) -> np.ndarray:
    """The model's task reads its score from the committed graph's outputs (as training did)."""
    return train.model_specs()[manifest["model"]].task.score(runner.run(frame, _features(manifest)))


def test_examples_reproduce_in_onnxruntime(committed: Committed) -> None:
    model, _, manifest, directory = committed
    runner = export.OnnxRunner((directory / "model.onnx").read_bytes())
    assert len(manifest["examples"]) >= 5
    frame = pd.DataFrame([e["inputs"] for e in manifest["examples"]])
    task = train.model_specs()[model].task
    for example, score in zip(manifest["examples"], _score(runner, manifest, frame), strict=True):
        got, want = task.expected(score, manifest["output"]), example["expected"]
        assert got.keys() == want.keys()
        for key, value in want.items():
            if isinstance(value, str):
                assert got[key] == value, key
            else:
                np.testing.assert_allclose(got[key], value, rtol=0, atol=1e-6, err_msg=key)
    seed = train.model_specs()[model].seed_request
    if seed:
        assert manifest["examples"][0]["inputs"] == seed
        for name, value in seed.items():
            feature = next(f for f in manifest["features"] if f["name"] == name)
            if feature["kind"] == "category":
                assert value in feature["values"]
            else:
                assert feature["min"] <= value <= feature["max"]


@pytest.fixture(scope="module")
def splits() -> dict[str, dict[str, tuple[pd.DataFrame, np.ndarray]]]:
    out = {}
    for name, spec in train.model_specs().items():
        ds = spec.load()
        parts = train.split(ds, spec.task.stratify, train.SEED)
        out[name] = {part: (frame, frame[ds.target].to_numpy()) for part, frame in parts.items()}
    return out


@pytest.fixture(scope="module")
def holdouts(splits: dict[str, Any]) -> dict[str, tuple[pd.DataFrame, np.ndarray]]:
    return {name: parts["holdout"] for name, parts in splits.items()}


def test_holdout_metrics_reproduce_from_data_and_onnx(committed: Committed, splits: dict[str, Any]) -> None:
    """Regenerate the data (deterministic), score the calibration and holdout splits with the committed ONNX, let
    the model's task evaluate them as training did: the same output block and the same metrics."""
    model, _, manifest, directory = committed
    (cal_frame, y_cal), (frame, y) = splits[model]["calibration"], splits[model]["holdout"]
    assert manifest["training"]["rows"]["holdout"] == len(frame)
    runner = export.OnnxRunner((directory / "model.onnx").read_bytes())
    task = train.model_specs()[model].task
    evaluation = task.evaluate(y_cal, _score(runner, manifest, cal_frame), y, _score(runner, manifest, frame))
    assert evaluation.output == manifest["output"]
    for key, value in evaluation.metrics.items():
        assert manifest["metrics"][key] == pytest.approx(value, rel=1e-5, abs=1e-7), key


REGRESSION_VERSIONS = sorted(EXPECTED_VERSIONS["recommender"])


@pytest.mark.parametrize("version", REGRESSION_VERSIONS)
def test_conformal_coverage_within_three_points(version: str, holdouts: dict[str, Any]) -> None:
    directory = MODELS_DIR / "recommender" / version
    manifest = load_manifest("recommender", version)
    assert manifest["task"] == "regression"
    frame, y = holdouts["recommender"]
    runner = export.OnnxRunner((directory / "model.onnx").read_bytes())
    clip = manifest["output"]["clip"]
    pred = np.clip(_score(runner, manifest, frame), clip["min"], clip["max"])
    levels = {lv["coverage"] for lv in manifest["intervals"]["levels"]}
    assert {0.9, 0.95} <= levels
    for level in manifest["intervals"]["levels"]:
        cov = conformal.coverage(y, pred, level["quantile"])
        assert cov == pytest.approx(level["holdout_coverage"], abs=1e-9)
        assert abs(cov - level["coverage"]) <= 0.03, (level, cov)


def test_reference_distributions_describe_train_split(committed: Committed) -> None:
    _, _, manifest, _ = committed
    ref = manifest["reference"]
    assert ref["rows"] == manifest["training"]["rows"]["train"]
    for name, dist in [*ref["features"].items(), ("<prediction>", ref["prediction"])]:
        if dist["type"] == "numeric":
            edges = dist["bins"]["edges"]
            assert edges == sorted(set(edges)), name
            assert len(dist["bins"]["proportions"]) == len(edges) + 1
            assert sum(dist["bins"]["proportions"]) == pytest.approx(1.0, abs=1e-6)
            assert dist["quantiles"][0] == dist["min"] and dist["quantiles"][-1] == dist["max"]
        else:
            assert sum(dist["proportions"].values()) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("version", REGRESSION_VERSIONS)
def test_recommender_catalog_and_subject(version: str) -> None:
    manifest = load_manifest("recommender", version)
    assert manifest["subject_feature"] == "user_id"
    catalog = manifest["catalog"]
    assert catalog["key"] == "item_id" and len(catalog["items"]) == 50
    assert [i["item_id"] for i in catalog["items"]] == list(range(1, 51))


def test_cross_field_rules_reject_broken_manifests() -> None:
    """The Python mirror of the zod superRefine catches each rule."""
    base = json.loads((MODELS_DIR / "kredipusula" / "v2_gbm" / "manifest.json").read_text())
    assert mf.validation_errors(base) == []

    def broken(mutate: Any) -> list[str]:
        m = copy.deepcopy(base)
        mutate(m)
        return mf.validation_errors(m)

    assert broken(lambda m: m["features"][0].update(input="nope"))
    assert broken(lambda m: m["features"][0].update(column=1))
    assert broken(lambda m: m["features"].append(copy.deepcopy(m["features"][0])))
    assert broken(lambda m: m["output"].pop("threshold"))
    assert broken(lambda m: m["output"].update(name="zzz"))
    assert broken(lambda m: m["reference"]["features"].pop("income"))
    assert broken(lambda m: m.update(subject_feature="user_id"))
    assert broken(lambda m: m["onnx"]["inputs"][2].update(type="float32"))  # category on a float tensor
    assert broken(lambda m: m.update(version="V1 Bad"))  # JSON Schema: slug
    assert broken(lambda m: m["reference"]["prediction"]["quantiles"].pop())  # JSON Schema: 101 quantiles


def test_docs_page_is_in_sync_with_models() -> None:
    from edge_training.docs import render

    page = (mf.REPO_ROOT / "docs" / "training.md").read_text()
    assert page == render(MODELS_DIR), "docs/training.md is stale: run npm run train"


RETRAINED_FOR_THE_SHARED_BUDGET = {("recommender", "v2_random_forest"), ("recommender", "v3_rf_tuned")}


def test_recorded_edge_footprint_fits_the_shared_budget(committed: Committed) -> None:
    """What training measured with the compact engine (training.edge) fits schemas/edge-limits.json. Versions
    trained before that budget (not retrained, see docs/training.md) keep their ONNX node count instead."""
    import onnx

    model, version, manifest, directory = committed
    nodes = export.tree_nodes(onnx.load(str(directory / "model.onnx")))
    edge = manifest["training"].get("edge")
    if (model, version) in RETRAINED_FOR_THE_SHARED_BUDGET:
        assert edge is not None, f"{model}/{version} must record training.edge"
    if edge is None:
        assert manifest["training"]["edge_memory"]["tree_nodes"] == nodes
        return
    assert edge["engine"] == "compact", edge
    assert edge["onnx_bytes"] == manifest["artifact"]["bytes"] <= EDGE_BUDGET.max_onnx_artifact_bytes
    assert edge["max_session_bytes"] == EDGE_BUDGET.max_session_bytes
    assert edge["compiled_bytes"] > 0 and 0 < edge["retained_bytes"] <= EDGE_BUDGET.max_session_bytes, edge
    assert edge["tree_nodes"] == nodes
    if nodes:
        assert edge["retained_bytes_per_tree_node"] == round(edge["retained_bytes"] / nodes, 2)


def test_every_committed_version_compiles_within_the_shared_budget(committed: Committed) -> None:
    """The compact engine's CLI, run now on the committed ONNX, accepts every version within the budget and,
    for the same compiled format, reproduces what training recorded."""
    _, _, manifest, directory = committed
    report = edge_fit.compile_report(directory / "model.onnx")
    plan = edge_fit.edge_plan(manifest["artifact"]["bytes"], report)  # raises EdgeBudgetError when it does not fit
    assert plan["engine"] == "compact", report.get("unsupported")
    assert plan["retained_bytes"] <= EDGE_BUDGET.max_session_bytes
    recorded = manifest["training"].get("edge")
    if recorded and recorded["format_version"] == plan["format_version"]:
        for key in ("compiled_bytes", "compiled_sha256", "tree_nodes"):
            assert plan.get(key) == recorded.get(key), key


def test_forests_have_the_specified_parameters_and_no_deviation() -> None:
    """v2: RandomForestRegressor defaults; v3: the seed's n_estimators=200, max_depth=10, min_samples_split=5."""
    from sklearn.ensemble import RandomForestRegressor

    v2 = load_manifest("recommender", "v2_random_forest")
    assert v2["params"] == models.json_params(RandomForestRegressor(random_state=train.SEED, n_jobs=1))
    assert v2["training"]["deviations"] == []

    v3 = load_manifest("recommender", "v3_rf_tuned")
    seed = {"n_estimators": 200, "max_depth": 10, "min_samples_split": 5}
    assert v3["params"] == models.json_params(RandomForestRegressor(random_state=train.SEED, n_jobs=1, **seed))
    assert {k: v3["params"][k] for k in seed} == seed
    assert v3["params"]["min_samples_leaf"] == 1
    assert v3["training"]["deviations"] == []
