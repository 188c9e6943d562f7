"""Case files: ``<dir>/<case>/model.onnx`` + ``<dir>/<case>/case.json`` and ``<dir>/index.json``.

JSON so that Node reads them with no dependency. A tensor is ``{"type", "dims", "data"}`` with ``data``
flat in row-major order: float32 values as JSON numbers (a float32 widened to float64 prints exactly and
parses back to the same float32), non-finite floats as the strings "NaN", "Infinity", "-Infinity",
int64 values as decimal strings (exact beyond 2^53), strings as strings, bools as true/false.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.capi import onnxruntime_pybind11_state as ort_errors

from .families import ModelSpec
from .rows import Batch, edge_batches, feeds

CASE_FORMAT = 1
ELEMENT_TYPES: dict[int, str] = {
    onnx.TensorProto.FLOAT: "float32",
    onnx.TensorProto.DOUBLE: "float64",
    onnx.TensorProto.INT64: "int64",
    onnx.TensorProto.INT32: "int32",
    onnx.TensorProto.STRING: "string",
    onnx.TensorProto.BOOL: "bool",
}


def _float(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def encode_tensor(array: np.ndarray) -> dict[str, Any]:
    array = np.asarray(array)
    dims = [int(d) for d in array.shape]
    flat = array.reshape(-1)
    if array.dtype == np.float32 or array.dtype == np.float64:
        kind = "float32" if array.dtype == np.float32 else "float64"
        data: list[Any] = [_float(float(v)) for v in flat]
    elif array.dtype == np.int64 or array.dtype == np.int32:
        kind = "int64" if array.dtype == np.int64 else "int32"
        data = [str(int(v)) for v in flat]
    elif array.dtype == np.bool_:
        kind, data = "bool", [bool(v) for v in flat]
    elif array.dtype == object or array.dtype.kind == "U":
        kind, data = "string", [str(v) for v in flat]
    else:
        raise TypeError(f"no case encoding for {array.dtype}")
    return {"type": kind, "dims": dims, "data": data}


def tensor_info(value: onnx.ValueInfoProto) -> dict[str, Any]:
    tensor = value.type.tensor_type
    shape = [int(d.dim_value) if d.HasField("dim_value") else (d.dim_param or None) for d in tensor.shape.dim]
    return {"name": value.name, "type": ELEMENT_TYPES.get(tensor.elem_type, str(tensor.elem_type)), "shape": shape}


def session(blob: bytes) -> ort.InferenceSession:
    ort.set_default_logger_severity(4)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(blob, options, providers=["CPUExecutionProvider"])


def case_id(spec: ModelSpec) -> str:
    return f"{spec.family}__{spec.name}"


def write_case(spec: ModelSpec, out: Path, seed: int) -> dict[str, Any]:
    """Export one model, run every edge batch through onnxruntime, write the case; return its index entry."""
    blob = spec.model.SerializeToString(deterministic=True)
    runner = session(blob)
    output_names = [o.name for o in runner.get_outputs()]
    batches: list[dict[str, Any]] = []
    batch: Batch
    for batch in edge_batches(spec, seed):
        feed = feeds(spec, batch.rows)
        record: dict[str, Any] = {
            "kind": batch.kind,
            "rows": batch.size,
            "feeds": {name: encode_tensor(value) for name, value in feed.items()},
        }
        try:
            expected = runner.run(None, feed)
            record["expected"] = {name: encode_tensor(v) for name, v in zip(output_names, expected, strict=True)}
        except ort_errors.Fail as error:  # e.g. Binarizer rejects NaN: the engine must throw as well
            record["expected_error"] = str(error).split("Status Message: ")[-1]
        batches.append(record)
    ident = case_id(spec)
    # strict: the engine must match; lenient: it may instead refuse the graph (UnsupportedGraphError) at compile
    expect = "match" if spec.params.get("strict", True) else "match_or_unsupported"
    directory = out / ident
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "model.onnx").write_bytes(blob)
    case = {
        "format": CASE_FORMAT,
        "id": ident,
        "family": spec.family,
        "name": spec.name,
        "expect": expect,
        "model": "model.onnx",
        "params": spec.params,
        "ops": sorted({f"{n.domain or 'ai.onnx'}:{n.op_type}" for n in spec.model.graph.node}),
        "inputs": [tensor_info(v) for v in spec.model.graph.input],
        "outputs": [tensor_info(v) for v in spec.model.graph.output],
        "batches": batches,
    }
    (directory / "case.json").write_text(json.dumps(case, allow_nan=False, separators=(",", ":")))
    return {
        "id": ident,
        "family": spec.family,
        "expect": expect,
        "rows": sum(b["rows"] for b in batches),
        "kinds": sorted({b["kind"] for b in batches}),
        "ops": case["ops"],
    }


def write_refusal(ident: str, model: onnx.ModelProto, expect: str, op: str, out: Path) -> dict[str, Any]:
    """A graph the engine must refuse: expect "unsupported" (UnsupportedGraphError naming `op`) or
    "value_dependent_memory" (inspectOnnx().valueDependentMemory names `op`, compileOnnx throws UnsafeGraphError)."""
    directory = out / ident
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "model.onnx").write_bytes(model.SerializeToString(deterministic=True))
    case = {
        "format": CASE_FORMAT,
        "id": ident,
        "family": "refusal",
        "name": ident,
        "expect": expect,
        "op": op,
        "model": "model.onnx",
    }
    (directory / "case.json").write_text(json.dumps(case))
    return {"id": ident, "family": "refusal", "expect": expect, "op": op, "rows": 0, "kinds": []}
