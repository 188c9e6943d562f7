"""Seeded, deterministic exports of every model family the compact engine must run.

Each builder fits small models on synthetic data and converts them exactly as training does (skl2onnx,
onnxmltools for XGBoost and LightGBM, classifiers with zipmap=False, the training target opsets).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
import pandas as pd
from lightgbm import LGBMClassifier, LGBMRegressor
from onnx import helper
from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
from skl2onnx import to_onnx, update_registered_converter
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from skl2onnx.common.shape_calculator import (
    calculate_linear_classifier_output_shapes,
    calculate_linear_regressor_output_shapes,
)
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import Binarizer, MinMaxScaler, Normalizer, OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from xgboost import XGBClassifier, XGBRegressor

# importing export registers the XGBoost converters exactly as training does
from ..export import TARGET_OPSET

update_registered_converter(
    LGBMRegressor, "LightGbmLGBMRegressor", calculate_linear_regressor_output_shapes, convert_lightgbm
)
update_registered_converter(
    LGBMClassifier,
    "LightGbmLGBMClassifier",
    calculate_linear_classifier_output_shapes,
    convert_lightgbm,
    options={"nocl": [True, False], "zipmap": [True, False, "columns"]},
)

N_FEATURES = 5
TRAIN_ROWS = 400
# per-column location and scale: features of very different magnitudes, like real tabular data
LOCATIONS = np.array([0.0, 50.0, -3.0, 1_000.0, 0.0])
SCALES = np.array([1.0, 20.0, 0.01, 400.0, 5.0])
CATEGORIES = ("red", "green", "blue", "amber")


@dataclass(frozen=True)
class Column:
    """One model input feature: a float column or a string category."""

    name: str
    kind: str  # "number" | "category"
    low: float = 0.0
    high: float = 0.0
    values: tuple[str, ...] = ()


@dataclass
class ModelSpec:
    family: str
    name: str
    model: onnx.ModelProto
    columns: list[Column]
    # "matrix": one float input X [N, F]; "columns": one [N, 1] input per column (float or string)
    layout: str
    # True when tree thresholds compare the raw input columns (no scaling in front of the trees)
    raw_thresholds: bool = False
    # extra exact cut points on raw columns (e.g. a Binarizer's threshold): column index -> values
    cut_points: dict[int, list[float]] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


def numeric_matrix(seed: int, rows: int = TRAIN_ROWS, nan_fraction: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(rows, N_FEATURES)) * SCALES + LOCATIONS).astype(np.float32)
    X[:, 4] = np.round(X[:, 4])  # an integer-valued column: many ties, thresholds at .5
    if nan_fraction:
        X[rng.random(X.shape) < nan_fraction] = np.nan
    return X


def _standardised(X: np.ndarray) -> np.ndarray:
    Z = (np.nan_to_num(X.astype(np.float64)) - LOCATIONS) / SCALES
    return Z


def regression_target(X: np.ndarray, seed: int) -> np.ndarray:
    Z = _standardised(X)
    rng = np.random.default_rng(seed + 1000)
    y = 3 * Z[:, 0] + np.sin(2 * Z[:, 1]) * 4 + Z[:, 2] * Z[:, 3] + 0.5 * Z[:, 4] + rng.normal(0, 0.3, len(Z))
    return (y + 10.0).astype(np.float64)


def class_target(X: np.ndarray, seed: int, classes: int) -> np.ndarray:
    Z = _standardised(X)
    rng = np.random.default_rng(seed + 2000)
    scores = np.stack(
        [Z[:, 0] + Z[:, 1] * Z[:, 2], -Z[:, 0] + Z[:, 3], Z[:, 4] - Z[:, 1], Z[:, 2] + 0.5 * Z[:, 0]], axis=1
    )[:, :classes] + rng.normal(0, 0.5, (len(Z), classes))
    if classes == 2:
        return (scores[:, 0] > scores[:, 1]).astype(np.int64)
    return np.argmax(scores, axis=1).astype(np.int64)


def matrix_columns(X: np.ndarray) -> list[Column]:
    return [Column(f"f{i}", "number", float(np.nanmin(X[:, i])), float(np.nanmax(X[:, i]))) for i in range(X.shape[1])]


# what a user exporting with skl2onnx's defaults uploads (ai.onnx 21, ai.onnx.ml 1)
DEFAULT_OPSET: dict[str, int] | None = None
OLD_OPSET = {"": 13, "ai.onnx.ml": 1}
# onnxmltools (XGBoost, LightGBM) refuses the default ai.onnx.ml 5: the newest it takes
LATEST_ONNXMLTOOLS_OPSET = {"": 21, "ai.onnx.ml": 3}


def export_matrix(estimator: Any, classifier: bool, opset: dict[str, int] | None = TARGET_OPSET) -> onnx.ModelProto:
    options = {id(estimator): {"zipmap": False}} if classifier else None
    model = to_onnx(
        estimator,
        initial_types=[("X", FloatTensorType([None, N_FEATURES]))],
        target_opset=opset,
        options=options,
    )
    onnx.checker.check_model(model)
    return model


def matrix_spec(
    family: str,
    name: str,
    estimator: Any,
    *,
    seed: int,
    classes: int = 0,
    nan_fraction: float = 0.0,
    trees: bool = False,
    labels: tuple[str, ...] = (),
    opset: dict[str, int] | None = TARGET_OPSET,
) -> ModelSpec:
    """Fit on the seed's synthetic matrix; `labels` names the classes (string labels -> classlabels_strings)."""
    X = numeric_matrix(seed, nan_fraction=nan_fraction)
    if classes:
        y: np.ndarray = class_target(X, seed, classes)
        if labels:
            y = np.array(labels, dtype=object)[y].astype(str)
    else:
        y = regression_target(X, seed)
    estimator.fit(X, y)
    model = export_matrix(estimator, classifier=bool(classes), opset=opset)
    return ModelSpec(
        family,
        name,
        model,
        matrix_columns(X),
        "matrix",
        raw_thresholds=trees,
        params={
            "seed": seed,
            "classes": classes,
            "nan_fraction": nan_fraction,
            "string_labels": bool(labels),
            "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
            **_short_params(estimator),
        },
    )


def _short_params(estimator: Any) -> dict[str, Any]:
    keys = ("n_estimators", "max_depth", "max_iter", "learning_rate", "C", "alpha", "method", "num_leaves")
    params = estimator.get_params(deep=False) if hasattr(estimator, "get_params") else {}
    return {k: params[k] for k in keys if k in params and isinstance(params[k], (int, float, str))}


# ---- families ------------------------------------------------------------------------------------


def linear() -> Iterator[ModelSpec]:
    yield matrix_spec("linear_regression", "linear_s0", LinearRegression(), seed=0)
    yield matrix_spec("linear_regression", "ridge_a1_s1", Ridge(alpha=1.0), seed=1)
    yield matrix_spec("linear_regression", "ridge_a100_s2", Ridge(alpha=100.0), seed=2)


def logistic() -> Iterator[ModelSpec]:
    yield matrix_spec("logistic_regression", "binary_s0", LogisticRegression(max_iter=500), seed=0, classes=2)
    yield matrix_spec(
        "logistic_regression", "binary_c001_s1", LogisticRegression(C=0.01, max_iter=500), seed=1, classes=2
    )
    yield matrix_spec("logistic_regression", "multiclass3_s2", LogisticRegression(max_iter=500), seed=2, classes=3)
    yield matrix_spec(
        "logistic_regression",
        "binary_default_opset_s5",
        LogisticRegression(max_iter=500),
        seed=5,
        classes=2,
        opset=DEFAULT_OPSET,
    )
    yield matrix_spec(
        "logistic_regression",
        "multiclass_old_opset_s6",
        LogisticRegression(max_iter=500),
        seed=6,
        classes=3,
        opset=OLD_OPSET,
    )
    yield matrix_spec("logistic_regression", "multiclass4_s3", LogisticRegression(max_iter=500), seed=3, classes=4)
    yield matrix_spec(
        "logistic_regression",
        "binary_string_labels_s4",
        LogisticRegression(max_iter=500),
        seed=4,
        classes=2,
        labels=("bad", "good"),
    )


def calibrated() -> Iterator[ModelSpec]:
    lr = LogisticRegression(max_iter=500)
    yield matrix_spec(
        "calibrated", "sigmoid_lr_s0", CalibratedClassifierCV(lr, method="sigmoid", cv=3), seed=0, classes=2
    )
    yield matrix_spec(
        "calibrated", "isotonic_lr_s1", CalibratedClassifierCV(lr, method="isotonic", cv=3), seed=1, classes=2
    )
    tree = DecisionTreeClassifier(max_depth=4, random_state=0)
    yield matrix_spec(
        "calibrated",
        "sigmoid_tree_s2",
        CalibratedClassifierCV(tree, method="sigmoid", cv=3),
        seed=2,
        classes=2,
        trees=True,
    )
    forest = RandomForestClassifier(n_estimators=8, max_depth=5, random_state=0)
    yield matrix_spec(
        "calibrated",
        "isotonic_forest_s3",
        CalibratedClassifierCV(forest, method="isotonic", cv=3),
        seed=3,
        classes=2,
        trees=True,
    )
    yield matrix_spec(
        "calibrated",
        "isotonic_tree_default_opset_s5",
        CalibratedClassifierCV(tree, method="isotonic", cv=3),
        seed=5,
        classes=2,
        trees=True,
        opset=DEFAULT_OPSET,
    )
    yield matrix_spec(
        "calibrated", "sigmoid_lr_multiclass_s4", CalibratedClassifierCV(lr, method="sigmoid", cv=3), seed=4, classes=3
    )


def decision_tree() -> Iterator[ModelSpec]:
    yield matrix_spec("decision_tree", "regressor_full_s0", DecisionTreeRegressor(random_state=0), seed=0, trees=True)
    yield matrix_spec(
        "decision_tree", "regressor_stump_s1", DecisionTreeRegressor(max_depth=1, random_state=1), seed=1, trees=True
    )
    yield matrix_spec(
        "decision_tree",
        "classifier_binary_s2",
        DecisionTreeClassifier(max_depth=6, random_state=2),
        seed=2,
        classes=2,
        trees=True,
    )
    yield matrix_spec(
        "decision_tree",
        "classifier_multiclass_s3",
        DecisionTreeClassifier(random_state=3),
        seed=3,
        classes=4,
        trees=True,
    )
    yield matrix_spec(
        "decision_tree",
        "regressor_min_leaf5_nan_s4",
        DecisionTreeRegressor(min_samples_leaf=5, random_state=4),
        seed=4,
        nan_fraction=0.1,
        trees=True,
    )


def random_forest() -> Iterator[ModelSpec]:
    yield matrix_spec(
        "random_forest", "regressor_s0", RandomForestRegressor(n_estimators=20, random_state=0), seed=0, trees=True
    )
    yield matrix_spec(
        "random_forest",
        "regressor_single_tree_s1",
        RandomForestRegressor(n_estimators=1, max_depth=8, random_state=1),
        seed=1,
        trees=True,
    )
    yield matrix_spec(
        "random_forest",
        "classifier_binary_s2",
        RandomForestClassifier(n_estimators=20, min_samples_split=5, random_state=2),
        seed=2,
        classes=2,
        trees=True,
    )
    yield matrix_spec(
        "random_forest",
        "classifier_multiclass_s3",
        RandomForestClassifier(n_estimators=15, max_depth=6, random_state=3),
        seed=3,
        classes=3,
        trees=True,
    )
    yield matrix_spec(
        "random_forest",
        "regressor_default_opset_s6",
        RandomForestRegressor(n_estimators=5, max_depth=6, random_state=6),
        seed=6,
        trees=True,
        opset=DEFAULT_OPSET,
    )
    yield matrix_spec(
        "random_forest",
        "classifier_old_opset_s7",
        RandomForestClassifier(n_estimators=5, max_depth=6, random_state=7),
        seed=7,
        classes=3,
        trees=True,
        opset=OLD_OPSET,
    )
    yield matrix_spec(
        "random_forest",
        "classifier_string_labels_s4",
        RandomForestClassifier(n_estimators=10, max_depth=8, random_state=4),
        seed=4,
        classes=2,
        labels=("bad", "good"),
        trees=True,
    )
    yield matrix_spec(
        "random_forest",
        "classifier_string_labels_multiclass_s5",
        RandomForestClassifier(n_estimators=6, random_state=5),
        seed=5,
        classes=3,
        labels=("low", "mid", "high"),
        trees=True,
    )


def extra_trees() -> Iterator[ModelSpec]:
    yield matrix_spec(
        "extra_trees", "regressor_s0", ExtraTreesRegressor(n_estimators=20, random_state=0), seed=0, trees=True
    )
    yield matrix_spec(
        "extra_trees",
        "classifier_binary_s1",
        ExtraTreesClassifier(n_estimators=20, max_depth=8, random_state=1),
        seed=1,
        classes=2,
        trees=True,
    )
    yield matrix_spec(
        "extra_trees",
        "classifier_multiclass_s2",
        ExtraTreesClassifier(n_estimators=10, random_state=2),
        seed=2,
        classes=3,
        trees=True,
    )


def gradient_boosting() -> Iterator[ModelSpec]:
    yield matrix_spec(
        "gradient_boosting",
        "regressor_s0",
        GradientBoostingRegressor(n_estimators=50, random_state=0),
        seed=0,
        trees=True,
    )
    yield matrix_spec(
        "gradient_boosting",
        "regressor_1000_trees_s1",
        GradientBoostingRegressor(n_estimators=1000, max_depth=3, learning_rate=0.05, random_state=1),
        seed=1,
        trees=True,
    )
    yield matrix_spec(
        "gradient_boosting",
        "regressor_single_tree_s2",
        GradientBoostingRegressor(n_estimators=1, max_depth=4, random_state=2),
        seed=2,
        trees=True,
    )
    yield matrix_spec(
        "gradient_boosting",
        "classifier_binary_s3",
        GradientBoostingClassifier(n_estimators=40, random_state=3),
        seed=3,
        classes=2,
        trees=True,
    )
    yield matrix_spec(
        "gradient_boosting",
        "classifier_multiclass_s4",
        GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=4),
        seed=4,
        classes=3,
        trees=True,
    )
    yield matrix_spec(
        "gradient_boosting",
        "classifier_string_labels_s5",
        GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=5),
        seed=5,
        classes=2,
        labels=("no", "yes"),
        trees=True,
    )


def hist_gradient_boosting() -> Iterator[ModelSpec]:
    yield matrix_spec(
        "hist_gradient_boosting",
        "regressor_nan_s0",
        HistGradientBoostingRegressor(max_iter=40, random_state=0),
        seed=0,
        nan_fraction=0.1,
        trees=True,
    )
    yield matrix_spec(
        "hist_gradient_boosting",
        "classifier_binary_nan_s1",
        HistGradientBoostingClassifier(max_iter=30, random_state=1),
        seed=1,
        classes=2,
        nan_fraction=0.15,
        trees=True,
    )
    yield matrix_spec(
        "hist_gradient_boosting",
        "classifier_multiclass_nan_s2",
        HistGradientBoostingClassifier(max_iter=15, max_depth=4, random_state=2),
        seed=2,
        classes=3,
        nan_fraction=0.1,
        trees=True,
    )
    yield matrix_spec(
        "hist_gradient_boosting",
        "classifier_default_opset_nan_s4",
        HistGradientBoostingClassifier(max_iter=20, random_state=4),
        seed=4,
        classes=2,
        nan_fraction=0.1,
        trees=True,
        opset=DEFAULT_OPSET,
    )
    yield matrix_spec(
        "hist_gradient_boosting",
        "regressor_deep_nan_s3",
        HistGradientBoostingRegressor(max_iter=100, max_leaf_nodes=63, random_state=3),
        seed=3,
        nan_fraction=0.3,
        trees=True,
    )


def xgboost() -> Iterator[ModelSpec]:
    common: dict[str, Any] = {"tree_method": "hist", "n_jobs": 1}
    yield matrix_spec(
        "xgboost",
        "regressor_nan_s0",
        XGBRegressor(n_estimators=40, max_depth=4, random_state=0, **common),
        seed=0,
        nan_fraction=0.1,
        trees=True,
    )
    yield matrix_spec(
        "xgboost",
        "regressor_single_tree_s1",
        XGBRegressor(n_estimators=1, max_depth=3, random_state=1, **common),
        seed=1,
        trees=True,
    )
    yield matrix_spec(
        "xgboost",
        "classifier_binary_nan_s2",
        XGBClassifier(n_estimators=30, max_depth=3, random_state=2, **common),
        seed=2,
        classes=2,
        nan_fraction=0.1,
        trees=True,
    )
    yield matrix_spec(
        "xgboost",
        "classifier_multiclass_s3",
        XGBClassifier(n_estimators=15, max_depth=3, random_state=3, **common),
        seed=3,
        classes=3,
        nan_fraction=0.05,
        trees=True,
    )
    yield matrix_spec(
        "xgboost",
        "classifier_multiclass_opset21_s6",
        XGBClassifier(n_estimators=10, max_depth=3, random_state=6, **common),
        seed=6,
        classes=3,
        nan_fraction=0.1,
        trees=True,
        opset=LATEST_ONNXMLTOOLS_OPSET,
    )
    yield matrix_spec(
        "xgboost",
        "regressor_deep_s4",
        XGBRegressor(n_estimators=100, max_depth=6, learning_rate=0.1, random_state=4, **common),
        seed=4,
        nan_fraction=0.2,
        trees=True,
    )
    yield matrix_spec(
        "xgboost",
        "classifier_binary_300_trees_s5",
        XGBClassifier(n_estimators=300, max_depth=2, learning_rate=0.05, random_state=5, **common),
        seed=5,
        classes=2,
        trees=True,
    )


def lightgbm() -> Iterator[ModelSpec]:
    common: dict[str, Any] = {"n_jobs": 1, "verbose": -1}
    yield matrix_spec(
        "lightgbm",
        "regressor_nan_s0",
        LGBMRegressor(n_estimators=40, num_leaves=15, random_state=0, **common),
        seed=0,
        nan_fraction=0.1,
        trees=True,
    )
    yield matrix_spec(
        "lightgbm",
        "classifier_binary_nan_s1",
        LGBMClassifier(n_estimators=30, num_leaves=7, random_state=1, **common),
        seed=1,
        classes=2,
        nan_fraction=0.1,
        trees=True,
    )
    yield matrix_spec(
        "lightgbm",
        "classifier_multiclass_s2",
        LGBMClassifier(n_estimators=10, num_leaves=7, random_state=2, **common),
        seed=2,
        classes=3,
        trees=True,
    )
    yield matrix_spec(
        "lightgbm",
        "classifier_binary_opset21_s5",
        LGBMClassifier(n_estimators=20, num_leaves=7, random_state=5, **common),
        seed=5,
        classes=2,
        nan_fraction=0.1,
        trees=True,
        opset=LATEST_ONNXMLTOOLS_OPSET,
    )
    yield matrix_spec(
        "lightgbm",
        "regressor_wide_s3",
        LGBMRegressor(n_estimators=100, num_leaves=63, min_child_samples=3, random_state=3, **common),
        seed=3,
        nan_fraction=0.2,
        trees=True,
    )
    yield matrix_spec(
        "lightgbm",
        "classifier_binary_200_trees_s4",
        LGBMClassifier(n_estimators=200, num_leaves=4, learning_rate=0.05, random_state=4, **common),
        seed=4,
        classes=2,
        trees=True,
    )


# ---- pipelines on per-feature inputs --------------------------------------------------------------

PIPELINE_NUMERIC = ["income", "age", "ratio"]


def mixed_frame(seed: int, rows: int = TRAIN_ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 3000)
    frame = pd.DataFrame(
        {
            "income": rng.lognormal(10, 0.5, rows),
            "age": rng.integers(18, 90, rows).astype(np.float64),
            "ratio": rng.uniform(0, 1, rows),
            "colour": rng.choice(CATEGORIES, rows),
            "size": rng.choice(["s", "m", "l"], rows),
        }
    )
    frame.loc[rng.random(rows) < 0.1, "ratio"] = np.nan
    frame["income"] = frame["income"].astype(np.float32).astype(np.float64)
    frame["ratio"] = frame["ratio"].astype(np.float32).astype(np.float64)
    return frame


def mixed_columns(frame: pd.DataFrame) -> list[Column]:
    columns = [Column(n, "number", float(frame[n].min()), float(frame[n].max())) for n in PIPELINE_NUMERIC]
    columns.append(Column("colour", "category", values=CATEGORIES))
    columns.append(Column("size", "category", values=("s", "m", "l")))
    return columns


def mixed_target(frame: pd.DataFrame, seed: int, classify: bool) -> np.ndarray:
    rng = np.random.default_rng(seed + 4000)
    score = (
        np.log(frame["income"])
        - 10
        + (frame["age"] - 50) / 20
        + frame["ratio"].fillna(0.5)
        + (frame["colour"] == "red") * 0.8
        - (frame["size"] == "l") * 0.5
        + rng.normal(0, 0.3, len(frame))
    )
    return (score > score.median()).astype(np.int64).to_numpy() if classify else score.to_numpy() * 10


def mixed_preprocessor() -> ColumnTransformer:
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    return ColumnTransformer(
        [
            ("num", numeric, PIPELINE_NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour", "size"]),
        ]
    )


def export_columns(pipeline: Any, columns: list[Column], classifier: bool) -> onnx.ModelProto:
    types = [
        (c.name, StringTensorType([None, 1]) if c.kind == "category" else FloatTensorType([None, 1])) for c in columns
    ]
    options = {id(pipeline): {"zipmap": False}} if classifier else None
    model = to_onnx(pipeline, initial_types=types, target_opset=TARGET_OPSET, options=options)
    onnx.checker.check_model(model)
    return model


def mixed_spec(name: str, head: Any, seed: int, classify: bool) -> ModelSpec:
    frame = mixed_frame(seed)
    pipeline = Pipeline([("prep", mixed_preprocessor()), ("model", head)])
    pipeline.fit(frame, mixed_target(frame, seed, classify))
    columns = mixed_columns(frame)
    model = export_columns(pipeline, columns, classify)
    return ModelSpec("pipeline_column_transformer", name, model, columns, "columns", params={"seed": seed})


def numeric_pipeline_spec(
    name: str, pipeline: Any, seed: int, classes: int, cut_points: dict[int, list[float]]
) -> ModelSpec:
    spec = matrix_spec("pipeline_numeric", name, pipeline, seed=seed, classes=classes)
    spec.cut_points = cut_points
    return spec


def pipelines() -> Iterator[ModelSpec]:
    yield mixed_spec("onehot_scaler_imputer_logreg_s0", LogisticRegression(max_iter=500), seed=0, classify=True)
    yield mixed_spec(
        "onehot_scaler_imputer_forest_s1",
        RandomForestRegressor(n_estimators=10, max_depth=6, random_state=1),
        seed=1,
        classify=False,
    )
    yield mixed_spec(
        "onehot_scaler_imputer_gbm_s2",
        GradientBoostingClassifier(n_estimators=20, random_state=2),
        seed=2,
        classify=True,
    )
    yield numeric_pipeline_spec("normalizer_l2_logreg_s0", make_pipeline(Normalizer(), LogisticRegression()), 0, 2, {})
    yield numeric_pipeline_spec("normalizer_l1_ridge_s1", make_pipeline(Normalizer(norm="l1"), Ridge()), 1, 0, {})
    yield numeric_pipeline_spec("normalizer_max_ridge_s2", make_pipeline(Normalizer(norm="max"), Ridge()), 2, 0, {})
    threshold = float(np.float32(50.0))
    yield numeric_pipeline_spec(
        "binarizer_tree_s3",
        make_pipeline(Binarizer(threshold=threshold), DecisionTreeClassifier(random_state=3)),
        3,
        2,
        {i: [threshold] for i in range(N_FEATURES)},
    )
    yield numeric_pipeline_spec("minmax_ridge_s4", make_pipeline(MinMaxScaler(), Ridge(alpha=0.5)), 4, 0, {})
    yield numeric_pipeline_spec(
        "minmax_scaler_forest_s5",
        make_pipeline(MinMaxScaler(), StandardScaler(), RandomForestClassifier(n_estimators=5, random_state=5)),
        5,
        3,
        {},
    )


def label_encoder_graph(values: str) -> onnx.ModelProto:
    """A string category mapped by LabelEncoder (ai.onnx.ml v2) to int64 codes or float scores, default for
    unknown strings; what sklearn's LabelEncoder exports to, hand-built so every value type is covered."""
    keys = list(CATEGORIES)
    if values == "int64":
        encoder = helper.make_node(
            "LabelEncoder",
            ["colour"],
            ["encoded"],
            domain="ai.onnx.ml",
            keys_strings=keys,
            values_int64s=[3, 1, 4, 1],
            default_int64=-7,
        )
        out_type = onnx.TensorProto.INT64
    else:
        encoder = helper.make_node(
            "LabelEncoder",
            ["colour"],
            ["encoded"],
            domain="ai.onnx.ml",
            keys_strings=keys,
            values_floats=[0.25, -1.5, 3.0e6, 1e-3],
            default_float=-0.5,
        )
        out_type = onnx.TensorProto.FLOAT
    graph = helper.make_graph(
        [encoder, helper.make_node("Identity", ["size"], ["size_out"])],
        f"label_encoder_{values}",
        [
            helper.make_tensor_value_info("colour", onnx.TensorProto.STRING, [None, 1]),
            helper.make_tensor_value_info("size", onnx.TensorProto.FLOAT, [None, 1]),
        ],
        [
            helper.make_tensor_value_info("encoded", out_type, [None, 1]),
            helper.make_tensor_value_info("size_out", onnx.TensorProto.FLOAT, [None, 1]),
        ],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)], ir_version=8
    )
    onnx.checker.check_model(model, full_check=True)
    return model


def label_encoders() -> Iterator[ModelSpec]:
    columns = [Column("colour", "category", values=CATEGORIES), Column("size", "number", 0.0, 10.0)]
    for values in ("int64", "float"):
        yield ModelSpec("label_encoder", f"strings_to_{values}", label_encoder_graph(values), columns, "columns")


SWEEP_SEEDS = (31, 32)


def hyperparameter_sweep() -> Iterator[ModelSpec]:
    """More seeds with hyperparameters drawn from a seeded generator, for every tree family."""
    for seed in SWEEP_SEEDS:
        rng = np.random.default_rng(seed)
        depth = int(rng.integers(2, 12))
        trees = int(rng.integers(2, 60))
        rate = float(np.round(rng.uniform(0.02, 0.5), 3))
        classes = int(rng.integers(2, 4))
        nan = float(np.round(rng.uniform(0.0, 0.3), 2))
        boost = {"n_estimators": trees, "max_depth": depth, "learning_rate": rate, "random_state": seed}
        yield matrix_spec(
            "decision_tree",
            f"sweep_classifier_d{depth}_s{seed}",
            DecisionTreeClassifier(max_depth=depth, min_samples_leaf=int(rng.integers(1, 9)), random_state=seed),
            seed=seed,
            classes=classes,
            trees=True,
        )
        yield matrix_spec(
            "random_forest",
            f"sweep_regressor_t{trees}_d{depth}_s{seed}",
            RandomForestRegressor(n_estimators=trees, max_depth=depth, max_features=0.6, random_state=seed),
            seed=seed,
            trees=True,
        )
        yield matrix_spec(
            "extra_trees",
            f"sweep_classifier_t{trees}_s{seed}",
            ExtraTreesClassifier(n_estimators=trees, max_depth=depth, random_state=seed),
            seed=seed,
            classes=classes,
            trees=True,
        )
        yield matrix_spec(
            "gradient_boosting",
            f"sweep_classifier_t{trees}_d{depth}_s{seed}",
            GradientBoostingClassifier(subsample=0.8, **boost),
            seed=seed,
            classes=classes,
            trees=True,
        )
        yield matrix_spec(
            "hist_gradient_boosting",
            f"sweep_regressor_t{trees}_s{seed}",
            HistGradientBoostingRegressor(max_iter=trees, max_depth=depth, learning_rate=rate, random_state=seed),
            seed=seed,
            nan_fraction=nan,
            trees=True,
        )
        yield matrix_spec(
            "xgboost",
            f"sweep_classifier_t{trees}_d{depth}_s{seed}",
            XGBClassifier(tree_method="hist", n_jobs=1, subsample=0.8, **boost),
            seed=seed,
            classes=classes,
            nan_fraction=nan,
            trees=True,
        )
        yield matrix_spec(
            "lightgbm",
            f"sweep_regressor_t{trees}_s{seed}",
            LGBMRegressor(
                n_estimators=trees,
                num_leaves=int(rng.integers(3, 40)),
                learning_rate=rate,
                random_state=seed,
                n_jobs=1,
                verbose=-1,
            ),
            seed=seed,
            nan_fraction=nan,
            trees=True,
        )


def _with_sweep(family: str, build: Callable[[], Iterator[ModelSpec]]) -> Callable[[], Iterator[ModelSpec]]:
    def both() -> Iterator[ModelSpec]:
        yield from build()
        yield from (spec for spec in hyperparameter_sweep() if spec.family == family)

    return both


def column_pipelines() -> Iterator[ModelSpec]:
    return (spec for spec in pipelines() if spec.layout == "columns")


def numeric_pipelines() -> Iterator[ModelSpec]:
    return (spec for spec in pipelines() if spec.layout == "matrix")


# the converter-made families and their builders (catalog.py adds the rewritten tree ensembles)
BUILDERS: dict[str, Callable[[], Iterator[ModelSpec]]] = {
    "label_encoder": label_encoders,
    "linear_regression": linear,
    "logistic_regression": logistic,
    "calibrated": calibrated,
    "decision_tree": _with_sweep("decision_tree", decision_tree),
    "random_forest": _with_sweep("random_forest", random_forest),
    "extra_trees": _with_sweep("extra_trees", extra_trees),
    "gradient_boosting": _with_sweep("gradient_boosting", gradient_boosting),
    "hist_gradient_boosting": _with_sweep("hist_gradient_boosting", hist_gradient_boosting),
    "xgboost": _with_sweep("xgboost", xgboost),
    "lightgbm": _with_sweep("lightgbm", lightgbm),
    "pipeline_column_transformer": column_pipelines,
    "pipeline_numeric": numeric_pipelines,
}
