"""The compact TypeScript engine (worker/engine) against Python onnxruntime on every supported family.

Generates the conformance cases (edge_training.conformance) into a temp dir, runs
``npx tsx scripts/engine/conformance-runner.ts <dir>`` from the repo root and asserts: zero failures,
every family and every edge-case kind actually exercised, and the graphs the engine must refuse refused.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edge_training.conformance.__main__ import generate
from edge_training.conformance.cases import encode_tensor, session
from edge_training.conformance.catalog import FAMILIES
from edge_training.conformance.refusals import REFUSALS, constant_of_shape_of_input, erf_regressor
from edge_training.conformance.rows import EDGE_KINDS, EXTREMES
from edge_training.manifest import REPO_ROOT, validate

RUNNER = "scripts/engine/conformance-runner.ts"
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("conformance")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        index = generate(out)
    return out, index


@pytest.fixture(scope="module")
def report(cases: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    out, _ = cases
    npx = shutil.which("npx")
    assert npx, "npx (Node) is required to run the engine conformance runner"
    report_path = out / "report.json"
    completed = subprocess.run(
        [npx, "tsx", RUNNER, str(out), "--report", str(report_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert report_path.is_file(), f"runner wrote no report (exit {completed.returncode}):\n{completed.stderr[-4000:]}"
    doc = json.loads(report_path.read_text())
    doc["exit_code"] = completed.returncode
    return doc


def test_generated_cases_cover_every_family_edge_kind_and_tree_size(cases: tuple[Path, dict[str, Any]]) -> None:
    _, index = cases
    matched = [c for c in index["cases"] if c["family"] != "refusal"]
    assert sum(c["expect"] == "match" for c in matched) > 0.8 * len(matched)
    assert {c["family"] for c in matched} == set(FAMILIES)
    assert set().union(*(c["kinds"] for c in matched)) == set(EDGE_KINDS)
    ids = {c["id"] for c in matched}
    assert any("single_tree" in i for i in ids) and any("1000_trees" in i for i in ids)
    assert {c["id"] for c in index["cases"] if c["family"] == "refusal"} == {r[0] for r in REFUSALS}


def test_engine_matches_onnxruntime_on_every_family(report: dict[str, Any]) -> None:
    failures = [f for family in report["families"].values() for f in family["failures"]]
    shown = json.dumps(failures[:8], indent=1)[:6000]
    assert not failures, f"{len(failures)} conformance failures (first ones):\n{shown}"
    assert set(report["families"]) == set(FAMILIES)
    for name, family in report["families"].items():
        assert family["cases"] > 0 and family["rows"] > 0 and family["values"] > 0, name
        assert family["labelMismatches"] == 0, name
    assert {k for k, rows in report["kinds"].items() if rows > 0} == set(EDGE_KINDS)
    assert report["tolerance"]["absolute"] == TOLERANCE


def test_engine_refuses_graphs_outside_the_set_or_with_value_dependent_memory(report: dict[str, Any]) -> None:
    refusals = {r["case"]: r for r in report["refusals"]}
    assert set(refusals) == {r[0] for r in REFUSALS}
    for ident, _, expect, op in REFUSALS:
        refusal = refusals[ident]
        want = "UnsupportedGraphError" if expect == "unsupported" else "UnsafeGraphError"
        assert refusal["ok"], f"{ident}: expected {want} naming {op}, got {refusal['error']} {refusal['issues']}"
        assert refusal["error"] == want
        assert any(issue.get("op") == op for issue in refusal["issues"])


def test_runner_exits_zero_only_when_everything_conforms(report: dict[str, Any]) -> None:
    assert report["ok"] is True
    assert report["exit_code"] == 0


def test_case_encoding_keeps_float32_edge_values_exact() -> None:
    values = np.array([*EXTREMES, np.nan, np.inf, -np.inf, np.float32(0.1)], dtype=np.float32)
    encoded = json.loads(json.dumps(encode_tensor(values.reshape(1, -1)), allow_nan=False))
    special = {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}
    decoded = np.array([special.get(v, v) if isinstance(v, str) else v for v in encoded["data"]], dtype=np.float32)
    assert encoded["dims"] == [1, len(values)]
    assert np.array_equal(decoded.view(np.uint32), values.view(np.uint32))  # bit-exact, -0.0 and denormals too
    labels = encode_tensor(np.array([2**62 + 1, -3], dtype=np.int64))
    assert labels == {"type": "int64", "dims": [2], "data": [str(2**62 + 1), "-3"]}


def test_generator_is_deterministic(cases: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """A second run (of a subset: each case's rows are seeded by its id) writes byte-identical cases."""
    first, _ = cases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        index = generate(tmp_path, only={"lightgbm", "pipeline_column_transformer"})
    assert len(index["cases"]) > 5
    for entry in index["cases"]:
        for name in ("model.onnx", "case.json"):
            again = (tmp_path / entry["id"] / name).read_bytes()
            assert again == (first / entry["id"] / name).read_bytes(), f"{entry['id']}/{name}"


@pytest.mark.parametrize(
    ("name", "build"), [("constant-of-shape-of-input", constant_of_shape_of_input), ("erf-regressor", erf_regressor)]
)
def test_committed_onnx_fixtures_match_their_generator_and_manifest(name: str, build: Any) -> None:
    folder = REPO_ROOT / "test" / "fixtures" / "onnx"
    blob = (folder / f"{name}.onnx").read_bytes()
    assert blob == build().SerializeToString(deterministic=True), "regenerate: test/fixtures/onnx/generate.py"
    manifest = json.loads((folder / f"{name}.manifest.json").read_text())
    validate(manifest)
    assert manifest["artifact"] == {
        "file": f"{name}.onnx",
        "sha256": hashlib.sha256(blob).hexdigest(),
        "bytes": len(blob),
    }
    runner = session(blob)
    for example in manifest["examples"]:
        [(feature, value)] = example["inputs"].items()
        [[got]] = runner.run(["variable"], {feature: np.array([[value]], dtype=np.float32)})[0]
        assert float(got) == example["expected"]["output"]
