"""TreeEnsemble attributes the converters rarely or never emit, made by rewriting exported forests:
every node mode (BRANCH_LEQ/LT/GTE/GT/EQ/NEQ, mixed in one tree), every aggregate function, base values,
missing-value tracks, several targets, every post transform, both class-id layouts of binary classifiers.

Rewritten trees are still valid ONNX; onnxruntime computes their expected outputs like any other case.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import numpy as np
import onnx
from onnx import helper
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier, RandomForestRegressor

from .families import (
    ModelSpec,
    class_target,
    export_matrix,
    matrix_columns,
    numeric_matrix,
    regression_target,
)

FAMILY = "tree_ensemble_variants"
MODES = ("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ")
INTEGER_COLUMN = 4  # numeric_matrix rounds column 4: equality splits there are met by real rows


def _set(node: onnx.NodeProto, name: str, value: object) -> None:
    for i, attribute in enumerate(node.attribute):
        if attribute.name == name:
            del node.attribute[i]
            break
    node.attribute.append(helper.make_attribute(name, value))


def _get(node: onnx.NodeProto, name: str) -> onnx.AttributeProto:
    found = next((a for a in node.attribute if a.name == name), None)
    if found is None:
        raise KeyError(f"{node.op_type} node {node.name!r} has no attribute {name}")
    return found


def rewrite(
    model: onnx.ModelProto,
    seed: int,
    *,
    modes: tuple[str, ...] = ("BRANCH_LEQ",),
    aggregate: str | None = None,
    post: str | None = None,
    base_values: list[float] | None = None,
    tracks: bool = False,
) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)
    out = copy.deepcopy(model)
    for node in out.graph.node:
        if not node.op_type.startswith("TreeEnsemble"):
            continue
        old_modes = [m.decode() for m in _get(node, "nodes_modes").strings]
        features = list(_get(node, "nodes_featureids").ints)
        values = list(_get(node, "nodes_values").floats)
        new_modes: list[str] = []
        for k, mode in enumerate(old_modes):
            if mode == "LEAF":
                new_modes.append(mode)
                continue
            chosen = str(rng.choice(modes))
            if chosen in ("BRANCH_EQ", "BRANCH_NEQ"):
                features[k] = INTEGER_COLUMN
                values[k] = float(rng.integers(-4, 5))
            new_modes.append(chosen)
        _set(node, "nodes_modes", [m.encode() for m in new_modes])
        _set(node, "nodes_featureids", features)
        _set(node, "nodes_values", [float(np.float32(v)) for v in values])
        if tracks:
            _set(node, "nodes_missing_value_tracks_true", [int(b) for b in rng.random(len(new_modes)) < 0.5])
        if aggregate is not None:
            _set(node, "aggregate_function", aggregate.encode())
        if post is not None:
            _set(node, "post_transform", post.encode())
        if base_values is not None:
            _set(node, "base_values", [float(np.float32(v)) for v in base_values])
    onnx.checker.check_model(out)
    return out


def _spec(name: str, model: onnx.ModelProto, seed: int, strict: bool = True) -> ModelSpec:
    X = numeric_matrix(seed)
    spec = ModelSpec(FAMILY, name, model, matrix_columns(X), "matrix", raw_thresholds=True, params={"seed": seed})
    spec.params["strict"] = strict
    return spec


def tree_ensemble_variants() -> Iterator[ModelSpec]:
    X = numeric_matrix(20)
    forest = RandomForestRegressor(n_estimators=6, max_depth=5, random_state=20).fit(X, regression_target(X, 20))
    regressor = export_matrix(forest, classifier=False)
    yield _spec(
        "regressor_all_modes_sum_base", rewrite(regressor, 1, modes=MODES, aggregate="SUM", base_values=[1.5]), 20
    )
    yield _spec(
        "regressor_all_modes_average_tracks", rewrite(regressor, 2, modes=MODES, aggregate="AVERAGE", tracks=True), 20
    )
    yield _spec("regressor_min", rewrite(regressor, 3, modes=("BRANCH_LT", "BRANCH_GTE"), aggregate="MIN"), 20)
    yield _spec(
        "regressor_max_tracks",
        rewrite(regressor, 4, modes=("BRANCH_GT", "BRANCH_LEQ"), aggregate="MAX", tracks=True),
        20,
    )

    X2 = numeric_matrix(21)
    targets = np.stack([regression_target(X2, 21), regression_target(X2, 22) * -3], axis=1)
    multi = RandomForestRegressor(n_estimators=4, max_depth=4, random_state=21).fit(X2, targets)
    multi_target = export_matrix(multi, classifier=False)
    yield _spec(
        "regressor_two_targets_average_base",
        rewrite(multi_target, 5, modes=MODES, aggregate="AVERAGE", base_values=[0.5, -2.0]),
        21,
    )
    yield _spec("regressor_two_targets_max", rewrite(multi_target, 6, aggregate="MAX", tracks=True), 21)

    X3 = numeric_matrix(22)
    forest3 = RandomForestClassifier(n_estimators=5, max_depth=5, random_state=22).fit(X3, class_target(X3, 22, 3))
    multiclass = export_matrix(forest3, classifier=True)
    yield _spec("classifier_multiclass_all_modes", rewrite(multiclass, 7, modes=MODES), 22)
    yield _spec(
        "classifier_multiclass_softmax_base",
        rewrite(multiclass, 8, modes=MODES, post="SOFTMAX", base_values=[0.1, -0.2, 0.3]),
        22,
    )
    yield _spec("classifier_multiclass_logistic_tracks", rewrite(multiclass, 9, post="LOGISTIC", tracks=True), 22)
    yield _spec("classifier_multiclass_softmax_zero", rewrite(multiclass, 10, post="SOFTMAX_ZERO"), 22, strict=False)

    X4 = numeric_matrix(23)
    y4 = class_target(X4, 23, 2)
    # one score column (class_ids all 0, two labels): the layout of gradient boosting's binary export
    boosted = export_matrix(
        GradientBoostingClassifier(n_estimators=8, max_depth=3, random_state=23).fit(X4, y4), classifier=True
    )
    yield _spec("classifier_binary_one_column_all_modes", rewrite(boosted, 11, modes=MODES, tracks=True), 23)
    yield _spec("classifier_binary_one_column_no_transform", rewrite(boosted, 12, post="NONE"), 23)
    yield _spec("classifier_binary_one_column_probit", rewrite(boosted, 13, post="PROBIT"), 23, strict=False)
    # two score columns (class_ids 0 and 1): the layout of forests' binary export
    forest4 = export_matrix(
        RandomForestClassifier(n_estimators=4, max_depth=4, random_state=23).fit(X4, y4), classifier=True
    )
    yield _spec("classifier_binary_two_columns_all_modes", rewrite(forest4, 14, modes=MODES), 23)
    yield _spec("classifier_binary_two_columns_logistic", rewrite(forest4, 15, post="LOGISTIC", tracks=True), 23)
