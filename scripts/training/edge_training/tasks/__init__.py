"""Tasks as one abstraction: one module per task behind :class:`~edge_training.tasks.base.Task`
(read base.py's docstring to add one), selected by ``manifest.task`` through :data:`TASKS`."""

from __future__ import annotations

from .base import Evaluation, Task
from .binary_classification import BinaryClassification
from .multiclass_classification import MulticlassClassification
from .regression import Regression
from .vocabulary import task_names

# the registry: one line per task module, keyed by manifest.task
TASKS: dict[str, type[Task]] = {
    Regression.name: Regression,
    BinaryClassification.name: BinaryClassification,
    MulticlassClassification.name: MulticlassClassification,
}


def task_class(name: str) -> type[Task]:
    """The task named by a manifest's ``task``; ValueError naming the known tasks otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"task: unknown task {name!r} (known: {', '.join(TASKS)})") from None


__all__ = [
    "TASKS",
    "BinaryClassification",
    "Evaluation",
    "MulticlassClassification",
    "Regression",
    "Task",
    "task_class",
    "task_names",
]
