"""The edge memory and size budget shared with the Worker (schemas/edge-limits.json is the only source)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from .manifest import REPO_ROOT

EDGE_LIMITS_PATH = REPO_ROOT / "schemas" / "edge-limits.json"


@dataclass(frozen=True)
class EdgeBudget:
    isolate_memory_bytes: int
    session_budget_bytes: int
    max_session_share: float
    max_onnx_artifact_bytes: int
    ort_heap_bytes_per_artifact_byte: int
    max_ort_artifact_bytes: int
    max_compact_bytes_per_tree_node: int

    @property
    def max_session_bytes(self) -> int:
        """What one session may retain; floored exactly as worker/inference/edge-limits.ts does."""
        return math.floor(self.session_budget_bytes * self.max_session_share)


def load_edge_budget(path: Path = EDGE_LIMITS_PATH) -> EdgeBudget:
    raw = json.loads(path.read_text())
    return EdgeBudget(
        isolate_memory_bytes=int(raw["isolate_memory_bytes"]),
        session_budget_bytes=int(raw["session_budget_bytes"]),
        max_session_share=float(raw["max_session_share"]),
        max_onnx_artifact_bytes=int(raw["max_onnx_artifact_bytes"]),
        ort_heap_bytes_per_artifact_byte=int(raw["ort_heap_bytes_per_artifact_byte"]),
        max_ort_artifact_bytes=int(raw["max_ort_artifact_bytes"]),
        max_compact_bytes_per_tree_node=int(raw["max_compact_bytes_per_tree_node"]),
    )


EDGE_BUDGET = load_edge_budget()
