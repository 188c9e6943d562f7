"""Mondrian split-conformal intervals and LAC prediction sets (edge_training.conformal, tasks.regression):
against a direct computation, and per-group coverage on fresh draws of the recommender generator."""

from __future__ import annotations

import math

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor

from edge_training import conformal, data
from edge_training.tasks.regression import Regression


def generator_split(seed: int = 7) -> tuple[np.ndarray, ...]:
    """Independent rating events of the project's recommender generator (one world): a model fitted on the first
    8,000, then calibration (4,000), holdout (2,000) and fresh (40,000) rows it has never seen, as (y, raw score)."""
    frame = data.generate_recommender(n=54_000, seed=seed).frame
    X = frame.drop(columns=["rating"]).assign(
        user_gender=lambda f: (f["user_gender"] == "M").astype(float),
        item_category=lambda f: f["item_category"].map({"A": 0.0, "B": 1.0, "C": 2.0}),
    )
    y = frame["rating"].to_numpy(dtype=np.float64)
    model = HistGradientBoostingRegressor(max_iter=150, random_state=0).fit(X[:8000], y[:8000])
    score = model.predict(X[8000:])
    y = y[8000:]
    return y[:4000], score[:4000], y[4000:6000], score[4000:6000], y[6000:], score[6000:]


def test_mondrian_quantiles_match_a_direct_computation() -> None:
    rng = np.random.default_rng(0)
    r = np.abs(rng.normal(size=503))
    groups = rng.integers(0, 4, size=503)
    for level in (0.8, 0.9, 0.95):
        got = conformal.mondrian_quantiles(r, groups, 5, level)
        for g in range(4):
            rg = sorted(r[groups == g])
            k = math.ceil((len(rg) + 1) * level)
            assert got[g] == rg[min(k, len(rg)) - 1]
        assert got[4] == conformal.conformal_quantile(r, level), "an empty group takes the marginal quantile"


def test_groups_are_counts_of_edges_at_or_below() -> None:
    edges = [0.1, 0.2, 0.3]
    values = np.array([0.0, 0.1, 0.15, 0.2, 0.35, 0.5])
    assert conformal.assign_groups(values, edges).tolist() == [0, 1, 1, 2, 3, 3]
    assert np.allclose(conformal.group_value(np.array([2.9, 3.5, 4.2, 1.0]), "integer_distance"), [0.1, 0.5, 0.2, 0])


def test_lac_sets_match_a_direct_computation() -> None:
    labels = np.arange(1.0, 6.0)
    rng = np.random.default_rng(1)
    pred = rng.uniform(1, 5, size=200)
    thresholds = rng.uniform(0.3, 0.95, size=200)
    member = conformal.lac_sets(pred, labels, 0.5, thresholds)
    for p, t, row in zip(pred, thresholds, member, strict=True):
        w = [math.exp(-0.5 * ((k - p) / 0.5) ** 2) for k in labels]
        prob = [x / sum(w) for x in w]
        want = [1 - q <= t + 1e-12 for q in prob] if any(1 - q <= t + 1e-12 for q in prob) else None
        if want is None:
            want = [i == int(np.argmax(prob)) for i in range(5)]
        assert row.tolist() == want


def test_mondrian_coverage_holds_per_group_on_fresh_draws() -> None:
    y_cal, s_cal, y_hold, s_hold, y, s = generator_split()
    task = Regression(clip=(1.0, 5.0))
    evaluation = task.evaluate(y_cal, s_cal, y_hold, s_hold)
    intervals = evaluation.intervals
    assert intervals is not None and intervals["method"] == "split_conformal"
    groups, sets = intervals["groups"], intervals["prediction_sets"]
    assert groups["by"] == "integer_distance" and len(groups["edges"]) == 4
    assert sets["labels"] == [1.0, 2.0, 3.0, 4.0, 5.0]

    pred = np.clip(s, 1.0, 5.0)
    g = conformal.assign_groups(conformal.group_value(pred, "integer_distance"), groups["edges"])
    for level in groups["levels"]:
        nominal = level["coverage"]
        hit = np.abs(y - pred) <= np.asarray(level["quantiles"])[g] + 1e-12
        assert abs(hit.mean() - nominal) <= 0.02, (nominal, hit.mean())
        for group in range(len(groups["edges"]) + 1):
            assert hit[g == group].mean() >= nominal - 0.05, (nominal, group, hit[g == group].mean())
    for level in sets["levels"]:
        nominal = level["coverage"]
        member = conformal.lac_sets(pred, np.asarray(sets["labels"]), sets["scale"], np.asarray(level["thresholds"])[g])
        covered = member[np.arange(len(y)), (y - 1).astype(int)]
        assert abs(covered.mean() - nominal) <= 0.02
        for group in range(len(groups["edges"]) + 1):
            assert covered[g == group].mean() >= nominal - 0.05


def test_non_integer_targets_keep_the_marginal_block_only() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=600)
    s = y + rng.normal(scale=0.3, size=600)
    evaluation = Regression().evaluate(y[:300], s[:300], y[300:], s[300:])
    assert evaluation.intervals is not None
    assert "groups" not in evaluation.intervals and "prediction_sets" not in evaluation.intervals
