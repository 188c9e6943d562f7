"""What MLflow records about a version's ONNX graph: a tensor signature and an input example, both derived
from the manifest (the same feature -> input tensor mapping the Worker uses), so `mlflow models serve`
accepts `{"inputs": {<input>: [[...]], ...}}` and the UI shows every input with its type and shape."""

from __future__ import annotations

from typing import Any

import numpy as np

_DTYPES: dict[str, Any] = {
    "float32": np.float32,
    "float64": np.float64,
    "int64": np.int64,
    "int32": np.int32,
    "bool": np.bool_,
    "string": np.object_,
}


def _tensor_spec(spec: dict[str, Any]) -> Any:
    from mlflow.types import TensorSpec

    shape = tuple(-1 if dim is None or isinstance(dim, str) else int(dim) for dim in spec["shape"])
    return TensorSpec(np.dtype(_DTYPES[spec["type"]]), shape, spec["name"])


def signature(manifest: dict[str, Any]) -> Any:
    """The ONNX graph's named input and output tensors (the manifest's `onnx` block)."""
    from mlflow.models import ModelSignature
    from mlflow.types import Schema

    io = manifest["onnx"]
    return ModelSignature(
        inputs=Schema([_tensor_spec(spec) for spec in io["inputs"]]),
        outputs=Schema([_tensor_spec(spec) for spec in io["outputs"]]),
    )


def feeds(manifest: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Rows of feature values -> one array per ONNX input, as the Worker builds them (feature.input,
    feature.column, feature.missing for an absent optional value)."""
    out: dict[str, np.ndarray] = {}
    for spec in manifest["onnx"]["inputs"]:
        features = [f for f in manifest["features"] if f["input"] == spec["name"]]
        dtype = _DTYPES[spec["type"]]
        columns = len(features)
        array = np.empty((len(rows), columns), dtype=dtype)
        for r, row in enumerate(rows):
            for feature in features:
                value = row.get(feature["name"], feature.get("missing"))
                if spec["type"] == "string":
                    array[r, feature.get("column", 0)] = "" if value is None else str(value)
                else:
                    array[r, feature.get("column", 0)] = np.nan if value is None else value
        out[spec["name"]] = array.reshape(-1) if len(spec["shape"]) == 1 else array
    return out


def input_example(manifest: dict[str, Any]) -> dict[str, np.ndarray]:
    """The manifest's example rows (the seed request first, then holdout rows) as ONNX feeds."""
    return feeds(manifest, [example["inputs"] for example in manifest["examples"]])


def serving_payload(manifest: dict[str, Any]) -> dict[str, Any]:
    """The JSON body `mlflow models serve` expects for the manifest's examples (`{"inputs": {...}}`)."""
    return {"inputs": {name: array.tolist() for name, array in input_example(manifest).items()}}
