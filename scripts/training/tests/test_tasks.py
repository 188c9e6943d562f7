"""The task registry against the Worker's vocabulary, and each task's contract on a real (tiny) training run."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from edge_training import export, models, train
from edge_training.tasks import TASKS, Task, task_class, task_names
from edge_training.tasks.base import Evaluation
from edge_training.tasks.binary_classification import PARAMETERISED_POLICIES, THRESHOLD_POLICIES, BinaryClassification
from edge_training.tasks.regression import Regression


def test_every_worker_task_has_a_python_task_module() -> None:
    assert set(task_names()) == set(TASKS), "schemas/vocabulary.json tasks vs edge_training.tasks.TASKS"


def test_registry_is_keyed_by_each_task_name() -> None:
    for name, cls in TASKS.items():
        assert cls.name == name
        assert issubclass(cls, Task) and not inspect.isabstract(cls), name
        assert isinstance(cls.stratify, bool)
        assert task_class(name) is cls


def test_unknown_task_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown task 'ranking' \(known: regression, binary_classification"):
        task_class("ranking")


def test_unknown_threshold_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="threshold_policy"):
        BinaryClassification(threshold_policy="youden")
    assert set(THRESHOLD_POLICIES) == {"max_f1", "german_cost"}
    assert PARAMETERISED_POLICIES == ("expected_cost", "positive_rate")


def test_every_shipped_spec_uses_a_registered_task() -> None:
    for name, spec in train.model_specs(quick=True).items():
        assert TASKS[spec.task.name] is type(spec.task), name


def test_binary_task_on_a_real_graph() -> None:
    """Train the quick kredipusula logistic version, export it, and read it back through the task."""
    spec = train.model_specs(quick=True)["kredipusula"]
    task = spec.task
    ds = spec.load()
    features = spec.features(ds.frame)
    parts = train.split(ds, task.stratify, train.SEED)
    names = [f.name for f in features]
    X = export.training_frame(parts["train"][names], features)
    recipe = next(v for v in spec.versions if v.version == "v1_logreg_calibrated")
    fitted = recipe.fit(X, parts["train"][ds.target], features, train.SEED)
    runner = export.OnnxRunner(
        export.serialize(export.export(fitted.pipeline, features, "t", task.export_options(fitted.pipeline)))
    )

    def score(part: str) -> np.ndarray:
        return task.score(runner.run(parts[part][names], features))

    y = {k: v[ds.target].to_numpy() for k, v in parts.items()}
    evaluation = task.evaluate(y["calibration"], score("calibration"), y["holdout"], score("holdout"))
    assert isinstance(evaluation, Evaluation)
    assert evaluation.output["name"] == "probabilities" and evaluation.output["positive_index"] == 1
    assert 0.05 <= evaluation.output["threshold"] <= 0.95
    assert evaluation.intervals is None
    assert evaluation.training_extra["threshold_selection"]["split"] == "calibration"
    assert 0.5 < evaluation.metrics["auc"] <= 1.0
    parity = task.check_parity(fitted.pipeline, runner, parts["holdout"][names], features, evaluation.output)
    assert parity["max_abs_diff"] <= export.PROBABILITY_TOLERANCE and parity["rows"] == len(parts["holdout"])
    p = score("holdout")
    assert task.expected(p[0], evaluation.output)["label"] == (1 if p[0] >= evaluation.output["threshold"] else 0)
    manifest = {"task": task.name, "output": dict(evaluation.output)}
    assert task_class(task.name).output_errors(manifest) == []
    del manifest["output"]["threshold"]
    assert task_class(task.name).output_errors(manifest) == ["output.threshold: required for classification"]


def test_regression_task_on_a_real_graph() -> None:
    spec = train.model_specs(quick=True)["recommender"]
    task = spec.task
    assert isinstance(task, Regression) and task.clip == (1.0, 5.0)
    ds = spec.load()
    features = spec.features(ds.frame)
    parts = train.split(ds, task.stratify, train.SEED)
    names = [f.name for f in features]
    X = export.training_frame(parts["train"][names], features)
    from sklearn.linear_model import Ridge

    pipe = models.pipeline(features, Ridge(), scale=True).fit(X, parts["train"][ds.target])
    assert task.export_options(pipe) is None
    runner = export.OnnxRunner(export.serialize(export.export(pipe, features, "r")))
    y = {k: v[ds.target].to_numpy() for k, v in parts.items()}
    s = {k: task.score(runner.run(v[names], features)) for k, v in parts.items()}
    evaluation = task.evaluate(y["calibration"], s["calibration"], y["holdout"], s["holdout"])
    assert evaluation.output == {"name": "variable", "clip": {"min": 1.0, "max": 5.0}}
    assert evaluation.intervals is not None
    assert [lv["coverage"] for lv in evaluation.intervals["levels"]] == [0.9, 0.95]
    assert evaluation.metrics["healthy"] in (0.0, 1.0)
    with pytest.raises(export.ParityError):
        other = models.pipeline(features, Ridge(alpha=1e6), scale=True).fit(X, parts["train"][ds.target])
        task.check_parity(other, runner, parts["holdout"][names], features, evaluation.output)
    assert task.expected(s["holdout"][0], evaluation.output) == {"output": float(np.float32(s["holdout"][0]))}
