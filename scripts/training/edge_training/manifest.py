"""Manifest building blocks and validation against the Worker's contract.

Validation = the JSON Schema exported from the Worker's zod schema (``schemas/manifest.schema.json``)
plus :func:`cross_field_errors`, a line-by-line mirror of the zod ``superRefine`` rules.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np

from .features import Feature

REPO_ROOT = Path(__file__).resolve().parents[3]
SCHEMA_PATH = REPO_ROOT / "schemas" / "manifest.schema.json"
N_BINS = 10


def sig(x: float, digits: int = 10) -> float:
    """Round to `digits` significant digits (stable JSON; far below any metric's precision)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return 0.0 if x == 0 else x
    return float(f"{x:.{digits}g}")


def numeric_reference(values: np.ndarray) -> dict[str, Any]:
    """PSI bins from reference deciles + 101 quantiles, mean, std, min, max.

    Binning convention (the Worker must use the same): with ascending interior ``edges``
    e_0 < ... < e_{k-2}, a value x falls in bin ``i = #{j : e_j <= x}`` (numpy
    ``searchsorted(edges, x, side="right")``), i.e. bin i = [e_{i-1}, e_i).
    """
    v = np.asarray(values, dtype=np.float64)
    edges = np.unique(np.quantile(v, np.linspace(0, 1, N_BINS + 1)[1:-1]))
    # an edge equal to the minimum would leave bin 0 empty by construction: drop it
    edges = edges[edges > v.min()]
    counts = np.bincount(np.searchsorted(edges, v, side="right"), minlength=len(edges) + 1)
    return {
        "type": "numeric",
        "bins": {
            "edges": [sig(e) for e in edges],
            "proportions": [sig(c / len(v)) for c in counts],
        },
        "quantiles": [sig(q) for q in np.quantile(v, np.linspace(0, 1, 101))],
        "mean": sig(v.mean()),
        "std": sig(v.std(ddof=0)),
        "min": sig(v.min()),
        "max": sig(v.max()),
    }


def category_reference(values: np.ndarray, categories: tuple[str, ...]) -> dict[str, Any]:
    v = np.asarray(values).astype(str)
    return {
        "type": "category",
        "proportions": {c: sig(float(np.mean(v == c))) for c in sorted(categories)},
    }


def feature_entries(features: list[Feature]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for f in features:
        entry: dict[str, Any] = {
            "name": f.name,
            "kind": f.kind,
            "description": f.description,
            "required": True,
            "input": f.name,
            "column": 0,
        }
        if f.is_category:
            entry["values"] = list(f.values)
            entry["allow_unknown"] = False
        else:
            if f.min is not None:
                entry["min"] = f.min
            if f.max is not None:
                entry["max"] = f.max
        entries.append(entry)
    return entries


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


def cross_field_errors(manifest: dict[str, Any]) -> list[str]:
    """Mirror of the zod superRefine in worker/contracts/manifest.ts."""
    errors: list[str] = []
    inputs = {i["name"]: i for i in manifest["onnx"]["inputs"]}
    seen: set[str] = set()
    for index, feature in enumerate(manifest["features"]):
        name = feature["name"]
        if name in seen:
            errors.append(f"features[{index}]: duplicate feature {name}")
        seen.add(name)
        tensor = inputs.get(feature["input"])
        if tensor is None:
            errors.append(f"features[{index}]: no ONNX input named {feature['input']}")
            continue
        wants_string = feature["kind"] == "category"
        if wants_string != (tensor["type"] == "string"):
            errors.append(f"features[{index}]: {feature['kind']} feature cannot feed a {tensor['type']} tensor")
        if feature["kind"] != "category" and "min" in feature and "max" in feature and feature["min"] > feature["max"]:
            errors.append(f"features[{index}]: min exceeds max")
        if not feature.get("required", True) and "missing" not in feature and tensor["type"].startswith("int"):
            errors.append(f"features[{index}]: optional feature on an integer tensor needs a missing value")
        if name not in manifest["reference"]["features"]:
            errors.append(f"reference.features: no reference distribution for {name}")
    for tensor in manifest["onnx"]["inputs"]:
        columns = sorted(f.get("column", 0) for f in manifest["features"] if f["input"] == tensor["name"])
        if not columns:
            errors.append(f"onnx.inputs: ONNX input {tensor['name']} is fed by no feature")
        for position, column in enumerate(columns):
            if column != position:
                errors.append(f"onnx.inputs: columns of {tensor['name']} must be 0..{len(columns) - 1}")
    if not any(o["name"] == manifest["output"]["name"] for o in manifest["onnx"]["outputs"]):
        errors.append(f"output.name: no ONNX output named {manifest['output']['name']}")
    if manifest["task"] == "binary_classification":
        for key in ("positive_index", "threshold"):
            if key not in manifest["output"]:
                errors.append(f"output.{key}: required for classification")
    subject = manifest.get("subject_feature")
    if subject and subject not in seen:
        errors.append(f"subject_feature: unknown feature {subject}")
    catalog = manifest.get("catalog")
    if catalog:
        for name in [catalog["key"], *catalog["features"]]:
            if name not in seen:
                errors.append(f"catalog: catalog names unknown feature {name}")
    return errors


def validation_errors(manifest: dict[str, Any], schema: dict[str, Any] | None = None) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema or load_schema())
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if not errors:
        errors.extend(cross_field_errors(manifest))
    return errors


def validate(manifest: dict[str, Any]) -> None:
    errors = validation_errors(manifest)
    if errors:
        raise ValueError("manifest violates the Worker contract:\n  " + "\n  ".join(errors))


def dumps(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
