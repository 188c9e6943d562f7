"""Edge-case input rows for one exported model: random, out of range, NaN, unknown categories, extreme
magnitudes and values exactly on (and one float32 step beside) the tree thresholds of the graph."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import numpy_helper

from .families import Column, ModelSpec

ROWS_PER_KIND = 48
MAX_THRESHOLDS = 120
F32 = np.float32
F32_MAX = float(np.finfo(np.float32).max)
EXTREMES: tuple[float, ...] = (
    1e30, -1e30, 3.4e38, -3.4e38, F32_MAX, -F32_MAX,
    float(np.float32(1e-45)), -float(np.float32(1e-45)),  # smallest denormal
    float(np.float32(1e-40)), float(np.finfo(np.float32).tiny) * (1 - 2**-23),  # a denormal, the largest denormal
    float(np.finfo(np.float32).tiny), 0.0, -0.0,
)
# every kind of row the suite must exercise; "unknown_category" only exists for graphs with string inputs
EDGE_KINDS: tuple[str, ...] = (
    "single_row", "in_range", "beyond_range", "nan", "extreme", "threshold_exact", "threshold_neighbour",
    "unknown_category",
)

Rows = dict[str, np.ndarray]  # column name -> float32 or object (str) array, one entry per row


@dataclass
class Batch:
    kind: str
    rows: Rows

    @property
    def size(self) -> int:
        return len(next(iter(self.rows.values())))


def random_rows(columns: list[Column], rng: np.random.Generator, count: int, widen: float = 0.0) -> Rows:
    rows: Rows = {}
    for c in columns:
        if c.kind == "category":
            rows[c.name] = rng.choice(np.array(c.values, dtype=object), count)
        else:
            span = c.high - c.low or 1.0
            low, high = c.low - widen * span, c.high + widen * span
            rows[c.name] = rng.uniform(low, high, count).astype(F32)
    return rows


def beyond_range_rows(columns: list[Column], rng: np.random.Generator, count: int) -> Rows:
    rows = random_rows(columns, rng, count, widen=3.0)
    for c in columns:
        if c.kind == "number":
            span = c.high - c.low or 1.0
            side = rng.random(count) < 0.5
            outside = np.where(side, c.low - rng.uniform(0.01, 5) * span, c.high + rng.uniform(0.01, 5) * span)
            mask = rng.random(count) < 0.5
            rows[c.name] = np.where(mask, outside, rows[c.name]).astype(F32)
    return rows


def nan_rows(columns: list[Column], rng: np.random.Generator, count: int) -> Rows:
    rows = random_rows(columns, rng, count)
    numeric = [c for c in columns if c.kind == "number"]
    for i, c in enumerate(numeric):
        values = rows[c.name]
        values[rng.random(count) < 0.35] = np.nan
        values[0] = np.nan  # row 0: every numeric feature missing
        values[1 + i % max(count - 1, 1)] = np.nan  # one row per feature with just that one missing
    return rows


def unknown_category_rows(columns: list[Column], rng: np.random.Generator, count: int) -> Rows:
    rows = random_rows(columns, rng, count)
    unknown = np.array(["", "purple", "RED", "red ", "unknown", "ünïcødé", "0"], dtype=object)
    for c in columns:
        if c.kind == "category":
            mask = rng.random(count) < 0.6
            mask[0] = True
            rows[c.name] = np.where(mask, rng.choice(unknown, count), rows[c.name]).astype(object)
    return rows


def extreme_rows(columns: list[Column], rng: np.random.Generator) -> Rows:
    numeric = [c for c in columns if c.kind == "number"]
    count = len(numeric) * len(EXTREMES) + 2 * len(EXTREMES)
    rows = random_rows(columns, rng, count)
    row = 0
    for c in numeric:  # one extreme value in one column, the rest ordinary
        for value in EXTREMES:
            rows[c.name][row] = value
            row += 1
    for value in EXTREMES:  # every numeric column at the same extreme value
        for c in numeric:
            rows[c.name][row] = value
        row += 1
    for value in EXTREMES:  # mixed signs across columns
        for j, c in enumerate(numeric):
            rows[c.name][row] = value if j % 2 == 0 else -value
        row += 1
    return rows


def tree_thresholds(model: onnx.ModelProto) -> set[tuple[int, float]]:
    """(feature index, float32 threshold) of every branch node of every TreeEnsemble* node."""
    found: set[tuple[int, float]] = set()
    for node in model.graph.node:
        if not node.op_type.startswith("TreeEnsemble"):
            continue
        attributes = {a.name: a for a in node.attribute}
        features = list(attributes["nodes_featureids"].ints)
        modes = [m.decode() for m in attributes["nodes_modes"].strings]
        if "nodes_values" in attributes:
            values = np.array(attributes["nodes_values"].floats, dtype=F32)
        else:
            values = numpy_helper.to_array(attributes["nodes_values_as_tensor"].t).astype(F32)
        for feature, mode, value in zip(features, modes, values, strict=True):
            if mode != "LEAF" and np.isfinite(value):
                found.add((feature, float(value)))
    return found


def threshold_batches(spec: ModelSpec, rng: np.random.Generator) -> list[Batch]:
    cuts: set[tuple[int, float]] = set()
    if spec.raw_thresholds:
        cuts |= tree_thresholds(spec.model)
    for column, values in spec.cut_points.items():
        cuts |= {(column, float(F32(v))) for v in values}
    if not cuts:
        return []
    ordered = sorted(cuts)
    if len(ordered) > MAX_THRESHOLDS:
        picks = rng.choice(len(ordered), MAX_THRESHOLDS, replace=False)
        ordered = [ordered[i] for i in sorted(picks)]
    exact = random_rows(spec.columns, rng, len(ordered))
    neighbour = random_rows(spec.columns, rng, 2 * len(ordered))
    for i, (feature, value) in enumerate(ordered):
        name = spec.columns[feature].name
        exact[name][i] = F32(value)
        neighbour[name][2 * i] = np.nextafter(F32(value), F32(np.inf), dtype=F32)
        neighbour[name][2 * i + 1] = np.nextafter(F32(value), F32(-np.inf), dtype=F32)
    return [Batch("threshold_exact", exact), Batch("threshold_neighbour", neighbour)]


def edge_batches(spec: ModelSpec, seed: int) -> list[Batch]:
    rng = np.random.default_rng(seed)
    in_range = random_rows(spec.columns, rng, ROWS_PER_KIND)
    batches = [
        Batch("single_row", {k: v[:1].copy() for k, v in in_range.items()}),
        Batch("in_range", in_range),
        Batch("beyond_range", beyond_range_rows(spec.columns, rng, ROWS_PER_KIND)),
        Batch("nan", nan_rows(spec.columns, rng, ROWS_PER_KIND)),
        Batch("extreme", extreme_rows(spec.columns, rng)),
    ]
    if any(c.kind == "category" for c in spec.columns):
        batches.append(Batch("unknown_category", unknown_category_rows(spec.columns, rng, ROWS_PER_KIND)))
    batches.extend(threshold_batches(spec, rng))
    return batches


def feeds(spec: ModelSpec, rows: Rows) -> dict[str, np.ndarray]:
    """The graph's inputs for these rows: one X [N, F] matrix, or one [N, 1] tensor per column."""
    if spec.layout == "matrix":
        return {"X": np.stack([rows[c.name] for c in spec.columns], axis=1).astype(F32)}
    out: dict[str, np.ndarray] = {}
    for c in spec.columns:
        values = rows[c.name]
        out[c.name] = values.reshape(-1, 1) if c.kind == "category" else values.astype(F32).reshape(-1, 1)
    return out
