"""Measure a model with the Worker's own compact engine and decide whether it fits the edge budget.

The compact engine is TypeScript (worker/engine/); its CLI compiles an ONNX file exactly as publish does and
reports the compiled bytes, the bytes an open session retains and the tree nodes. Training records that
measurement in the manifest (`training.edge`) and refuses a model the Worker would refuse, with the reason.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .edge_budget import EDGE_BUDGET, EDGE_LIMITS_PATH, EdgeBudget
from .manifest import REPO_ROOT

ENGINE_CLI = ("npx", "--no-install", "tsx", "scripts/engine/compile.ts")
CLI_TIMEOUT_SECONDS = 600
MIB = 1024 * 1024


class EngineCliError(RuntimeError):
    """The compact engine's CLI is missing, crashed or printed something that is not its JSON report."""


class EdgeBudgetError(RuntimeError):
    """The model cannot be served at the edge within schemas/edge-limits.json; the message says why, measured."""


def _mib(n: int) -> str:
    return f"{n / MIB:.2f} MiB"


def _issue_text(issue: dict[str, Any]) -> str:
    op = f"{issue.get('domain') or 'ai.onnx'}.{issue.get('op', '?')}"
    attribute = f", attribute {issue['attribute']}" if issue.get("attribute") else ""
    return f"node {issue.get('node') or '<unnamed>'} ({op}{attribute}): {issue.get('message', '')}"


def compile_report(onnx_path: Path, repo_root: Path = REPO_ROOT) -> dict[str, Any]:
    """Run `npx tsx scripts/engine/compile.ts <model.onnx> --json` from the repo root and parse its report."""
    command = [*ENGINE_CLI, str(onnx_path.resolve()), "--json"]
    if not (repo_root / ENGINE_CLI[-1]).is_file():
        raise EngineCliError(f"the compact engine CLI {ENGINE_CLI[-1]} is not in {repo_root}")
    try:
        done = subprocess.run(
            command, cwd=repo_root, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise EngineCliError(f"`{' '.join(command)}` failed to run: {error}") from error
    if done.returncode != 0:
        raise EngineCliError(
            f"`{' '.join(command)}` exited {done.returncode}: {(done.stderr or done.stdout).strip()[-2000:]}"
        )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError as error:
        raise EngineCliError(f"`{' '.join(command)}` printed no JSON report: {done.stdout.strip()[-500:]!r}") from error
    missing = {"format_version", "compiled_bytes", "retained_bytes", "tree_nodes", "supported"} - set(report)
    if missing:
        raise EngineCliError(f"the compact engine report lacks {sorted(missing)}: {report}")
    return report


def compile_blob(blob: bytes, repo_root: Path = REPO_ROOT) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="edge-fit-") as tmp:
        path = Path(tmp) / "model.onnx"
        path.write_bytes(blob)
        return compile_report(path, repo_root)


def edge_plan(onnx_bytes: int, report: dict[str, Any], budget: EdgeBudget = EDGE_BUDGET) -> dict[str, Any]:
    """The manifest's `training.edge` block, chosen as the Worker's publish does (worker/inference/engine-choice.ts):
    refused for any engine when memory depends on an input value; the compact engine when it runs every operator
    and its session fits one session's share; otherwise onnxruntime-web within its artifact cap. Raises
    EdgeBudgetError naming the measured numbers when nothing fits."""
    limits = EDGE_LIMITS_PATH.relative_to(REPO_ROOT).as_posix()
    if onnx_bytes > budget.max_onnx_artifact_bytes:
        raise EdgeBudgetError(
            f"model.onnx is {onnx_bytes} bytes ({_mib(onnx_bytes)}), over max_onnx_artifact_bytes "
            f"{budget.max_onnx_artifact_bytes} ({_mib(budget.max_onnx_artifact_bytes)}) in {limits}"
        )
    unsafe = report.get("value_dependent_memory") or []
    if unsafe:
        raise EdgeBudgetError(
            "graph memory depends on an input value (refused for every engine): "
            + "; ".join(_issue_text(i) for i in unsafe[:5])
        )
    tree_nodes = int(report["tree_nodes"])
    if report["supported"]:
        retained = int(report["retained_bytes"])
        if retained > budget.max_session_bytes:
            raise EdgeBudgetError(
                f"the compact engine's session retains {retained} bytes ({_mib(retained)}, {tree_nodes} tree nodes, "
                f"compiled form {report['compiled_bytes']} bytes), over one session's share {budget.max_session_bytes} "
                f"bytes ({_mib(budget.max_session_bytes)} = session_budget_bytes x max_session_share in {limits})"
            )
        plan: dict[str, Any] = {
            "engine": "compact",
            "format_version": int(report["format_version"]),
            "onnx_bytes": onnx_bytes,
            "compiled_bytes": int(report["compiled_bytes"]),
            "retained_bytes": retained,
            "tree_nodes": tree_nodes,
            "max_session_bytes": budget.max_session_bytes,
        }
        if report.get("compiled_sha256"):
            plan["compiled_sha256"] = str(report["compiled_sha256"])
        if tree_nodes:
            plan["retained_bytes_per_tree_node"] = round(retained / tree_nodes, 2)
        return plan
    unsupported = [_issue_text(i) for i in report.get("unsupported") or []]
    if onnx_bytes > budget.max_ort_artifact_bytes:
        raise EdgeBudgetError(
            f"the compact engine cannot run the graph ({'; '.join(unsupported[:3]) or 'unsupported'}) and model.onnx is "
            f"{onnx_bytes} bytes ({_mib(onnx_bytes)}), over onnxruntime-web's max_ort_artifact_bytes "
            f"{budget.max_ort_artifact_bytes} ({_mib(budget.max_ort_artifact_bytes)}) in {limits}"
        )
    return {
        "engine": "onnxruntime-web",
        "onnx_bytes": onnx_bytes,
        "estimated_heap_bytes": onnx_bytes * budget.ort_heap_bytes_per_artifact_byte,
        "tree_nodes": tree_nodes,
        "max_session_bytes": budget.max_session_bytes,
        "unsupported": unsupported,
    }


def measure_edge(blob: bytes, budget: EdgeBudget = EDGE_BUDGET, repo_root: Path = REPO_ROOT) -> dict[str, Any]:
    """Artifact cap first (no need to compile what publish refuses anyway), then the engine's measurement."""
    if len(blob) > budget.max_onnx_artifact_bytes:
        return edge_plan(len(blob), {"supported": False, "tree_nodes": 0}, budget)
    return edge_plan(len(blob), compile_blob(blob, repo_root), budget)
