"""ONNX export (skl2onnx + onnxmltools for XGBoost), ONNX Runtime scoring and the parity gate."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
from skl2onnx import to_onnx, update_registered_converter
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from skl2onnx.common.shape_calculator import (
    calculate_linear_classifier_output_shapes,
    calculate_linear_regressor_output_shapes,
)
from xgboost import XGBClassifier, XGBRegressor

from .features import Feature

TARGET_OPSET: dict[str, int] = {"": 17, "ai.onnx.ml": 3}
REGRESSION_TOLERANCE = 1e-4
PROBABILITY_TOLERANCE = 1e-4

update_registered_converter(
    XGBRegressor, "XGBoostXGBRegressor", calculate_linear_regressor_output_shapes, convert_xgboost
)
update_registered_converter(
    XGBClassifier,
    "XGBoostXGBClassifier",
    calculate_linear_classifier_output_shapes,
    convert_xgboost,
    options={"nocl": [True, False], "zipmap": [True, False, "columns"]},
)


class ParityError(AssertionError):
    """ONNX Runtime disagrees with the source library beyond tolerance."""


def initial_types(features: list[Feature]) -> list[tuple[str, Any]]:
    return [(f.name, StringTensorType([None, 1]) if f.is_category else FloatTensorType([None, 1])) for f in features]


def training_frame(X: pd.DataFrame, features: list[Feature]) -> pd.DataFrame:
    """The frame the sklearn pipeline is fitted on: numerics as float64, categories as str."""
    out = pd.DataFrame(index=X.index)
    for f in features:
        out[f.name] = X[f.name].astype(str) if f.is_category else X[f.name].astype(np.float64)
    return out


def onnx_feed(X: pd.DataFrame, features: list[Feature]) -> dict[str, np.ndarray]:
    """Exactly what the Worker builds: one [N,1] tensor per feature (float32 or string)."""
    feed: dict[str, np.ndarray] = {}
    for f in features:
        column = X[f.name]
        if f.is_category:
            feed[f.name] = column.astype(str).to_numpy(dtype=object).reshape(-1, 1)
        else:
            feed[f.name] = column.to_numpy(dtype=np.float32).reshape(-1, 1)
    return feed


def export(
    pipeline: Any, features: list[Feature], name: str, options: dict[int, dict[str, Any]] | None = None
) -> onnx.ModelProto:
    """skl2onnx conversion with the task's converter ``options`` (Task.export_options), normalised metadata."""
    model = to_onnx(
        pipeline,
        initial_types=initial_types(features),
        target_opset=TARGET_OPSET,
        options=options,
        naming=None,
    )
    model.graph.name = name
    model.doc_string = ""
    model.producer_name = "edge_training"
    model.model_version = 1
    del model.metadata_props[:]
    canonicalize_opsets(model)
    onnx.checker.check_model(model)
    return model


def canonicalize_opsets(model: onnx.ModelProto) -> None:
    """Sort ``opset_import`` by domain (the default domain "" first), in place.

    skl2onnx lists opsets in the order its converters first ask for them, so the same opsets come out as
    ["", "ai.onnx.ml"] for one pipeline and ["ai.onnx.ml", ""] for another; a fixed order makes the bytes a
    function of the graph alone. (german_credit/v1_logreg, exported before this, had the other order; its retrain
    changed only that, every shipped model is now in canonical order.)
    """
    opsets = sorted(((o.domain, o.version) for o in model.opset_import), key=lambda item: item[0])
    del model.opset_import[:]
    for domain, version in opsets:
        model.opset_import.append(onnx.helper.make_opsetid(domain, version))


def serialize(model: onnx.ModelProto) -> bytes:
    return model.SerializeToString(deterministic=True)


def sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


@dataclass
class OnnxRunner:
    blob: bytes

    def __post_init__(self) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(self.blob, options, providers=["CPUExecutionProvider"])

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.session.get_outputs()]

    def run(self, X: pd.DataFrame, features: list[Feature]) -> dict[str, np.ndarray]:
        values = self.session.run(None, onnx_feed(X, features))
        return dict(zip(self.output_names, values, strict=True))


def regression_output(outputs: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(outputs["variable"], dtype=np.float64).reshape(-1)


def positive_probability(outputs: dict[str, np.ndarray], positive_index: int = 1) -> np.ndarray:
    return np.asarray(outputs["probabilities"], dtype=np.float64)[:, positive_index]


def tree_nodes(model: onnx.ModelProto) -> int:
    """Tree nodes of every TreeEnsemble* node (what the compact engine reports as tree_nodes)."""
    return sum(
        len(attribute.ints)
        for node in model.graph.node
        if node.op_type.startswith("TreeEnsemble")
        for attribute in node.attribute
        if attribute.name == "nodes_nodeids"
    )


def describe_io(model: onnx.ModelProto) -> dict[str, Any]:
    """The manifest's `onnx` block: opsets, input and output tensor specs."""
    elem: dict[int, str] = {
        onnx.TensorProto.FLOAT: "float32",
        onnx.TensorProto.DOUBLE: "float64",
        onnx.TensorProto.INT64: "int64",
        onnx.TensorProto.INT32: "int32",
        onnx.TensorProto.STRING: "string",
        onnx.TensorProto.BOOL: "bool",
    }

    def spec(value: onnx.ValueInfoProto) -> dict[str, Any]:
        tensor = value.type.tensor_type
        shape: list[Any] = []
        for dim in tensor.shape.dim:
            if dim.HasField("dim_value"):
                shape.append(int(dim.dim_value))
            else:
                shape.append(None)
        return {"name": value.name, "type": elem[tensor.elem_type], "shape": shape}

    return {
        "opsets": {(o.domain or "ai.onnx"): int(o.version) for o in model.opset_import},
        "inputs": [spec(v) for v in model.graph.input],
        "outputs": [spec(v) for v in model.graph.output],
    }
