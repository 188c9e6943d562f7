"""Cell formatting shared by docs/training.md's tables (docs.py and the tasks' metric tables)."""

from __future__ import annotations

from typing import Any


def fmt(x: Any, digits: int = 4) -> str:
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def parity_max_diff(m: dict[str, Any]) -> float:
    return max(v["max_abs_diff"] for v in m["training"]["parity"].values())


def tree_nodes(m: dict[str, Any]) -> int:
    """Measured by the compact engine (`training.edge`), or the ONNX count of versions trained before it."""
    training = m["training"]
    return int((training.get("edge") or training["edge_memory"])["tree_nodes"])


def compiled(m: dict[str, Any]) -> str:
    edge = m["training"].get("edge")
    if not edge:
        return "not recorded"
    if edge["engine"] != "compact":
        return edge["engine"]
    return f"{edge['compiled_bytes']:,}"
