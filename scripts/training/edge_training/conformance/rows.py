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
    1e30,
    -1e30,
    3.4e38,
    -3.4e38,
    F32_MAX,
    -F32_MAX,
    float(np.float32(1e-45)),
    -float(np.float32(1e-45)),  # smallest denormal
    float(np.float32(1e-40)),
    float(np.finfo(np.float32).tiny) * (1 - 2**-23),  # a denormal, the largest denormal
    float(np.finfo(np.float32).tiny),
    0.0,
    -0.0,
)
# every kind of row the suite must exercise; "unknown_category" only exists for graphs with string inputs
EDGE_KINDS: tuple[str, ...] = (
    "single_row",
    "in_range",
    "beyond_range",
    "nan",
    "extreme",
    "threshold_exact",
    "threshold_neighbour",
    "unknown_category",
    "large_batch",
)
LARGE_BATCH_ROWS = 1000  # the Worker's largest batch

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


@dataclass(frozen=True)
class BranchNode:
    """A branch node and the open interval of every feature on the path from its tree's root to it."""

    feature: int
    threshold: float  # float32 value
    bounds: tuple[tuple[float, float], ...]


TRUE_BRANCH_BOUND = {"BRANCH_LEQ": "hi", "BRANCH_LT": "hi", "BRANCH_GTE": "lo", "BRANCH_GT": "lo"}


def branch_nodes(model: onnx.ModelProto, n_features: int) -> list[BranchNode]:
    """Every branch node of every TreeEnsemble* node, with the feature intervals that lead to it."""
    found: list[BranchNode] = []
    for node in model.graph.node:
        if not node.op_type.startswith("TreeEnsemble"):
            continue
        a = {attribute.name: attribute for attribute in node.attribute}
        if "nodes_values" in a:
            values = np.array(a["nodes_values"].floats, dtype=F32)
        else:
            values = numpy_helper.to_array(a["nodes_values_as_tensor"].t).astype(F32)
        trees = list(a["nodes_treeids"].ints)
        ids = list(a["nodes_nodeids"].ints)
        key = {(t, i): k for k, (t, i) in enumerate(zip(trees, ids, strict=True))}
        features = list(a["nodes_featureids"].ints)
        modes = [m.decode() for m in a["nodes_modes"].strings]
        true_ids, false_ids = list(a["nodes_truenodeids"].ints), list(a["nodes_falsenodeids"].ints)
        children = {(t, c) for k, t in enumerate(trees) if modes[k] != "LEAF" for c in (true_ids[k], false_ids[k])}
        roots = [k for k, (t, i) in enumerate(zip(trees, ids, strict=True)) if (t, i) not in children]
        for root in roots:
            stack: list[tuple[int, tuple[tuple[float, float], ...]]] = [
                (root, tuple((-np.inf, np.inf) for _ in range(n_features)))
            ]
            while stack:
                k, bounds = stack.pop()
                mode = modes[k]
                if mode == "LEAF":
                    continue
                feature, value = features[k], float(values[k])
                found.append(BranchNode(feature, value, bounds))
                side = TRUE_BRANCH_BOUND.get(mode)
                if side is None or feature >= n_features:  # BRANCH_EQ / NEQ: leave the interval as it is
                    narrowed_true = narrowed_false = bounds
                else:
                    lo, hi = bounds[feature]
                    upper = (lo, min(hi, value))
                    lower = (max(lo, value), hi)
                    as_true, as_false = (upper, lower) if side == "hi" else (lower, upper)
                    narrowed_true = (*bounds[:feature], as_true, *bounds[feature + 1 :])
                    narrowed_false = (*bounds[:feature], as_false, *bounds[feature + 1 :])
                tree = trees[k]
                stack.append((key[(tree, true_ids[k])], narrowed_true))
                stack.append((key[(tree, false_ids[k])], narrowed_false))
    return found


def row_on_path(columns: list[Column], node: BranchNode, rng: np.random.Generator) -> list[float]:
    """A float32 row strictly inside the node's path intervals (so it reaches the node), NaN-free."""
    row: list[float] = []
    for i, c in enumerate(columns):
        lo, hi = node.bounds[i] if i < len(node.bounds) else (-np.inf, np.inf)
        low = max(lo, c.low - 1.0) if np.isfinite(lo) or np.isfinite(c.low) else -1.0
        high = min(hi, c.high + 1.0) if np.isfinite(hi) or np.isfinite(c.high) else 1.0
        if not low < high:
            low, high = (lo, hi) if np.isfinite(lo) and np.isfinite(hi) else (low, high)
        value = F32(rng.uniform(low, high)) if low < high else F32(low)
        if np.isfinite(lo) and value <= lo:
            value = np.nextafter(F32(lo), F32(np.inf), dtype=F32)
        if np.isfinite(hi) and value >= hi:
            value = np.nextafter(F32(hi), F32(-np.inf), dtype=F32)
        row.append(float(value))
    return row


def threshold_batches(spec: ModelSpec, rng: np.random.Generator) -> list[Batch]:
    """Rows that reach a branch node with its feature exactly on the float32 threshold, and one float32
    step above and below (Binarizer cut points too, on otherwise random rows)."""
    numeric = [c for c in spec.columns if c.kind == "number"]
    targets: list[tuple[list[float], int, float]] = []  # (base row of numeric columns, feature, value)
    if spec.raw_thresholds:
        nodes = branch_nodes(spec.model, len(numeric))
        if len(nodes) > MAX_THRESHOLDS:
            nodes = [nodes[i] for i in sorted(rng.choice(len(nodes), MAX_THRESHOLDS, replace=False))]
        targets += [(row_on_path(numeric, n, rng), n.feature, n.threshold) for n in nodes]
    for column, values in spec.cut_points.items():
        for value in values:
            base_row = random_rows(numeric, rng, 1)
            targets.append(([float(base_row[c.name][0]) for c in numeric], column, float(F32(value))))
    if not targets:
        return []
    exact = random_rows(spec.columns, rng, len(targets))
    neighbour = random_rows(spec.columns, rng, 2 * len(targets))
    for i, (base, feature, value) in enumerate(targets):
        for j, c in enumerate(numeric):
            exact[c.name][i] = base[j]
            neighbour[c.name][2 * i] = base[j]
            neighbour[c.name][2 * i + 1] = base[j]
        name = numeric[feature].name
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
    batches.append(Batch("large_batch", large_batch(batches, rng)))
    return batches


def large_batch(batches: list[Batch], rng: np.random.Generator) -> Rows:
    """LARGE_BATCH_ROWS rows drawn from every other kind (where onnxruntime rejects NaN, the engine must too)."""
    pool = [b for b in batches if b.kind != "single_row"]
    merged = {name: np.concatenate([b.rows[name] for b in pool]) for name in pool[0].rows}
    picks = rng.choice(len(next(iter(merged.values()))), LARGE_BATCH_ROWS, replace=True)
    return {name: values[picks] for name, values in merged.items()}


def feeds(spec: ModelSpec, rows: Rows) -> dict[str, np.ndarray]:
    """The graph's inputs for these rows: one X [N, F] matrix, or one [N, 1] tensor per column."""
    if spec.layout == "matrix":
        return {"X": np.stack([rows[c.name] for c in spec.columns], axis=1).astype(F32)}
    out: dict[str, np.ndarray] = {}
    for c in spec.columns:
        values = rows[c.name]
        out[c.name] = values.reshape(-1, 1) if c.kind == "category" else values.astype(F32).reshape(-1, 1)
    return out
