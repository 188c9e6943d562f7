"""Training's edge check: the shared budget file, the compact engine's CLI (real, via npx tsx) and the refusals."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression

from edge_training import edge_fit, export, models, train
from edge_training.edge_budget import EDGE_BUDGET, EDGE_LIMITS_PATH, load_edge_budget
from edge_training.manifest import REPO_ROOT

FIXTURES = REPO_ROOT / "test" / "fixtures" / "onnx"


def test_budget_is_the_shared_file() -> None:
    raw = json.loads(EDGE_LIMITS_PATH.read_text())
    budget = load_edge_budget()
    assert budget.max_onnx_artifact_bytes == raw["max_onnx_artifact_bytes"]
    assert budget.max_session_bytes == math.floor(raw["session_budget_bytes"] * raw["max_session_share"])
    assert budget.max_ort_artifact_bytes == raw["max_ort_artifact_bytes"]


@pytest.fixture(scope="module")
def small_forest() -> bytes:
    """A real recommender forest (quick data set), exported the way training exports it."""
    spec = train.model_specs(quick=True)["recommender"]
    ds = spec.load()
    features = spec.features(ds.frame)
    parts = train.split(ds, False, train.SEED)
    X = export.training_frame(parts["train"][[f.name for f in features]], features)
    pipe = models.pipeline(features, RandomForestRegressor(n_estimators=5, random_state=0, n_jobs=1), scale=False)
    pipe.fit(X, parts["train"]["rating"])
    return export.serialize(export.export(pipe, features, name="small_forest"))


def test_forest_is_measured_by_the_compact_engine(small_forest: bytes) -> None:
    import onnx

    plan = edge_fit.measure_edge(small_forest)
    assert plan["engine"] == "compact"
    assert plan["onnx_bytes"] == len(small_forest)
    assert plan["tree_nodes"] == export.tree_nodes(onnx.load_from_string(small_forest)) > 0
    assert plan["compiled_bytes"] > 0 and 0 < plan["retained_bytes"] <= EDGE_BUDGET.max_session_bytes
    assert plan["retained_bytes_per_tree_node"] <= EDGE_BUDGET.max_compact_bytes_per_tree_node
    assert len(plan["compiled_sha256"]) == 64
    assert plan["max_session_bytes"] == EDGE_BUDGET.max_session_bytes


def test_session_over_its_share_is_refused_with_the_measured_bytes(small_forest: bytes) -> None:
    report = edge_fit.compile_blob(small_forest)
    tight = dataclasses.replace(EDGE_BUDGET, session_budget_bytes=report["retained_bytes"] - 1, max_session_share=1.0)
    with pytest.raises(
        edge_fit.EdgeBudgetError, match=rf"retains {report['retained_bytes']} bytes .* over one session's share"
    ):
        edge_fit.edge_plan(len(small_forest), report, tight)
    fits = dataclasses.replace(EDGE_BUDGET, session_budget_bytes=report["retained_bytes"], max_session_share=1.0)
    assert edge_fit.edge_plan(len(small_forest), report, fits)["engine"] == "compact"


def test_artifact_over_the_cap_is_refused_before_compiling(small_forest: bytes) -> None:
    tight = dataclasses.replace(EDGE_BUDGET, max_onnx_artifact_bytes=len(small_forest) - 1)
    with pytest.raises(
        edge_fit.EdgeBudgetError, match=rf"model.onnx is {len(small_forest)} bytes .* max_onnx_artifact_bytes"
    ):
        edge_fit.measure_edge(small_forest, tight)


def test_value_dependent_memory_is_refused_for_every_engine() -> None:
    blob = (FIXTURES / "constant-of-shape-of-input.onnx").read_bytes()
    with pytest.raises(edge_fit.EdgeBudgetError, match="depends on an input value"):
        edge_fit.measure_edge(blob)


def test_graph_outside_the_compact_set_falls_back_to_onnxruntime_web() -> None:
    blob = (FIXTURES / "erf-regressor.onnx").read_bytes()
    plan = edge_fit.measure_edge(blob)
    assert plan["engine"] == "onnxruntime-web"
    assert plan["estimated_heap_bytes"] == len(blob) * EDGE_BUDGET.ort_heap_bytes_per_artifact_byte
    assert any("Erf" in issue for issue in plan["unsupported"])
    tight = dataclasses.replace(EDGE_BUDGET, max_ort_artifact_bytes=len(blob) - 1)
    with pytest.raises(edge_fit.EdgeBudgetError, match="max_ort_artifact_bytes"):
        edge_fit.measure_edge(blob, tight)


def test_linear_graph_has_no_tree_nodes() -> None:
    spec = train.model_specs(quick=True)["recommender"]
    ds = spec.load()
    features = spec.features(ds.frame)
    X = export.training_frame(ds.frame[[f.name for f in features]], features)
    pipe = models.pipeline(features, LinearRegression(), scale=True).fit(X, ds.frame["rating"])
    plan = edge_fit.measure_edge(export.serialize(export.export(pipe, features, name="linear")))
    assert plan["engine"] == "compact" and plan["tree_nodes"] == 0
    assert "retained_bytes_per_tree_node" not in plan


def test_missing_cli_is_a_loud_error(tmp_path: Path) -> None:
    with pytest.raises(edge_fit.EngineCliError, match=r"scripts/engine/compile\.ts"):
        edge_fit.compile_report(FIXTURES / "erf-regressor.onnx", repo_root=tmp_path)


def test_only_selects_model_versions() -> None:
    specs = train.model_specs(quick=True)
    assert train.parse_only("recommender/v3_rf_tuned,kredipusula/v2_gbm,recommender/v2_random_forest", specs) == {
        "kredipusula": ["v2_gbm"],
        "recommender": ["v3_rf_tuned", "v2_random_forest"],
    }
    for bad in ("recommender", "nope/v1", "recommender/v9_missing", ","):
        with pytest.raises(ValueError, match="--only"):
            train.parse_only(bad, specs)
