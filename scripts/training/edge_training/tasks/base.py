"""The task interface: everything that depends on what a model predicts, in one place per task.

A task is named by ``manifest.task`` (one of the names in ``schemas/vocabulary.json`` -> ``tasks``, exported from
the Worker's ``worker/vocabulary``). Training, export, the manifest validation and the docs page never branch on the
task: they ask the task object.

Adding a task (e.g. ``multiclass_classification``):

1. Write ``edge_training/tasks/<task_name>.py`` with one subclass of :class:`Task`; set ``name`` to the manifest
   task name and ``stratify``; implement every abstract member below (the docstrings say what each returns and who
   calls it). Task-specific settings of a model (labels, thresholds policy, clipping, class names ...) are
   dataclass fields of the subclass, so a model spec holds a *configured* task, e.g.
   ``Regression(clip=(1.0, 5.0))`` or ``BinaryClassification(positive_label="bad", negative_label="good",
   threshold_policy="german_cost")``.
2. Add one line to the registry in ``edge_training/tasks/__init__.py`` (``TASKS``).
3. Use it in a model spec (``edge_training/specs.py``): ``task=YourTask(...)``.

``tests/test_tasks.py`` fails until the registry and the vocabulary name the same tasks.

Members fall in two groups:

* **instance members** are called by training (``edge_training.train.train_version``) with the model's settings;
* **classmethods** read only committed manifests (docs page, manifest validation), so they need no settings.

A task module may import numpy / scikit-learn and the package's lower modules (``export``, ``conformal``,
``reference``, ``doc_format``, ``features``), never ``manifest``, ``train``, ``specs`` or ``docs`` (those import the
tasks; ``tests/test_import_cycles.py`` fails on a cycle).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..export import OnnxRunner
from ..features import Feature
from ..reference import numeric_reference


@dataclass(frozen=True)
class Evaluation:
    """What the calibration and holdout splits decide for one trained version (see :meth:`Task.evaluate`)."""

    output: dict[str, Any]
    """``manifest["output"]``: the ONNX output to read (``name``) and how (threshold, clip, classes ...)."""
    metrics: dict[str, float]
    """Holdout metrics of the ONNX graph as served (flat name -> number; rounded and sorted by the caller)."""
    intervals: dict[str, Any] | None = None
    """``manifest["intervals"]`` (prediction intervals), or None when the task has none."""
    training_extra: dict[str, Any] = field(default_factory=dict)
    """Extra blocks merged into ``manifest["training"]`` (e.g. ``threshold_selection``, a confusion matrix)."""


class Task(ABC):
    name: ClassVar[str]
    """``manifest.task``; the registry key."""
    stratify: ClassVar[bool]
    """Split train / calibration / holdout stratified on the target (classification) or not."""
    importance_scoring: ClassVar[str]
    """sklearn scorer name whose drop under permutation is ``training.feature_importance`` (edge_training.importance)."""

    # ---- training: export and reading the graph ---------------------------------------------------------

    @abstractmethod
    def export_options(self, pipeline: Any) -> dict[int, dict[str, Any]] | None:
        """skl2onnx ``options`` for ``to_onnx`` (classifiers: ``{id(pipeline): {"zipmap": False}}``), or None."""

    @abstractmethod
    def score(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        """The per-row score read from ONNX Runtime's outputs (name -> array): the regression value, the
        positive-class probability; 1-D for a scalar score, 2-D [N, C] when a row's score is a vector."""

    # ---- training: calibration, holdout, parity, examples, reference ---------------------------------------

    @abstractmethod
    def evaluate(
        self, y_calibration: np.ndarray, s_calibration: np.ndarray, y_holdout: np.ndarray, s_holdout: np.ndarray
    ) -> Evaluation:
        """Choose what the calibration split decides (threshold, conformal quantiles ...) and measure the holdout.
        ``s_*`` are :meth:`score` of the ONNX graph on that split; ``y_*`` the true targets."""

    @abstractmethod
    def check_parity(
        self, pipeline: Any, runner: OnnxRunner, X: pd.DataFrame, features: list[Feature], output: dict[str, Any]
    ) -> dict[str, float]:
        """Fail loudly (``export.ParityError``) when ONNX Runtime and the source library disagree on X; return
        the numbers recorded in ``manifest["training"]["parity"][split]`` (at least ``max_abs_diff`` and ``rows``)."""

    @abstractmethod
    def expected(self, score: Any, output: dict[str, Any]) -> dict[str, Any]:
        """``examples[i].expected`` for one row whose :meth:`score` row is ``score``: at least ``output`` (float)."""

    def prediction_reference(self, scores: np.ndarray) -> dict[str, Any]:
        """Keys merged into ``manifest["reference"]`` from the train split's scores (prediction drift)."""
        return {"prediction": numeric_reference(scores)}

    @abstractmethod
    def metrics_note(self, output: dict[str, Any]) -> str:
        """Suffix of ``training.metrics_note`` (after "holdout metrics of the ONNX graph as served")."""

    @abstractmethod
    def headline(self, metrics: dict[str, Any]) -> str:
        """One log line of the main holdout metrics (``npm run train`` output)."""

    # ---- committed manifests: validation and docs -----------------------------------------------------------

    @classmethod
    def output_errors(cls, manifest: dict[str, Any]) -> list[str]:
        """Task-specific cross-field errors of a manifest (mirror of the zod superRefine), ``"<path>: <what>"``."""
        return []

    @classmethod
    @abstractmethod
    def docs_table(cls, manifests: list[dict[str, Any]]) -> list[str]:
        """docs/training.md: the Markdown table of every version's holdout metrics (header, rule, one row each)."""
