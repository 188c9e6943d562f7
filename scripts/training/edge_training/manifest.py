"""Manifest building blocks and validation against the Worker's contract.

Validation = the JSON Schema exported from the Worker's zod schema (``schemas/manifest.schema.json``)
plus :func:`cross_field_errors`, a line-by-line mirror of the zod ``superRefine`` rules.
"""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import jsonschema

from .features import Feature
from .paths import REPO_ROOT as REPO_ROOT
from .paths import SCHEMAS_DIR
from .reference import N_BINS as N_BINS
from .reference import category_reference as category_reference
from .reference import numeric_reference as numeric_reference
from .reference import sig as sig
from .tasks import task_class

SCHEMA_PATH = SCHEMAS_DIR / "manifest.schema.json"


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
    errors.extend(task_class(manifest["task"]).output_errors(manifest))
    if manifest.get("intervals"):
        errors.extend(interval_errors(manifest["intervals"]))
    subject = manifest.get("subject_feature")
    if subject and subject not in seen:
        errors.append(f"subject_feature: unknown feature {subject}")
    catalog = manifest.get("catalog")
    if catalog:
        for name in [catalog["key"], *catalog["features"]]:
            if name not in seen:
                errors.append(f"catalog: catalog names unknown feature {name}")
    return errors


def _ascending(values: list[float]) -> bool:
    return all(b > a for a, b in pairwise(values))


def interval_errors(intervals: dict[str, Any]) -> list[str]:
    """Mirror of ``checkIntervals`` in worker/contracts/manifest.ts: the Mondrian groups and the LAC sets agree
    with their edges (k = edges + 1 entries everywhere; one threshold per set level without groups) and with the
    marginal levels (every group or set level is one of them)."""
    errors: list[str] = []
    marginal = {level["coverage"] for level in intervals["levels"]}
    groups = intervals.get("groups")
    k = len(groups["edges"]) + 1 if groups else 1
    if groups:
        path = "intervals.groups"
        if not _ascending(groups["edges"]):
            errors.append(f"{path}.edges: must ascend")
        if len(groups["calibration_rows"]) != k:
            errors.append(f"{path}.calibration_rows: needs {k} entries")
        if "holdout_rows" in groups and len(groups["holdout_rows"]) != k:
            errors.append(f"{path}.holdout_rows: needs {k} entries")
        for index, level in enumerate(groups["levels"]):
            if level["coverage"] not in marginal:
                errors.append(f"{path}.levels[{index}].coverage: not a marginal level")
            if len(level["quantiles"]) != k:
                errors.append(f"{path}.levels[{index}].quantiles: needs {k} entries")
            if "holdout_coverage" in level and len(level["holdout_coverage"]) != k:
                errors.append(f"{path}.levels[{index}].holdout_coverage: needs {k} entries")
    sets = intervals.get("prediction_sets")
    if sets:
        path = "intervals.prediction_sets"
        if not _ascending(sets["labels"]):
            errors.append(f"{path}.labels: must ascend")
        for index, level in enumerate(sets["levels"]):
            if level["coverage"] not in marginal:
                errors.append(f"{path}.levels[{index}].coverage: not a marginal level")
            if len(level["thresholds"]) != k:
                errors.append(f"{path}.levels[{index}].thresholds: needs {k} entries")
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
