"""Feature importance written into ``manifest.training.feature_importance``, read by the Worker's drift monitoring.

The Worker weighs a feature's drift effect by its importance over the largest (worker/monitoring/drift/
model-annotations.ts), so a shift in a feature the model barely uses does not raise an alarm.

Method: permutation importance (``sklearn.inspection.permutation_importance``) of the fitted pipeline on the
holdout split: the mean drop of the task's score (``Task.importance_scoring``: log loss for classifiers, RMSE for
regression) when one feature's column is shuffled, over ``REPEATS`` shuffles seeded with the training seed.
A mean drop below zero (shuffling helped, i.e. noise on an unused feature) is clipped to 0; the values are then
divided by the largest, so the most important feature has 1. Permutation importance measures what the model
uses, not what causes the target, and correlated features share (and can hide) each other's importance.
Cost: features x REPEATS predictions of the holdout split per version, at training time only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from .reference import sig

REPEATS = 10


def feature_importance(
    pipeline: Any, X: pd.DataFrame, y: np.ndarray, scoring: str, seed: int, repeats: int = REPEATS
) -> dict[str, float]:
    """{feature: importance in [0, 1]} (max-normalised, 6 significant digits) in X's column order."""
    result = permutation_importance(pipeline, X, y, scoring=scoring, n_repeats=repeats, random_state=seed, n_jobs=1)
    drops = np.clip(np.asarray(result.importances_mean, dtype=np.float64), 0.0, None)
    largest = float(drops.max()) if len(drops) else 0.0
    scaled = drops / largest if largest > 0 else drops
    return {str(name): sig(float(value), 6) for name, value in zip(X.columns, scaled, strict=True)}
