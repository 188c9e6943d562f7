"""The Python manifest validation mirrors the Worker's ``checkIntervals`` (worker/contracts/manifest.ts).

Each case is the shipped recommender v4 manifest (Mondrian groups + LAC sets) or one edit of it. Every case runs
through both validators: ``edge_training.manifest.validation_errors`` here and the zod ``manifestSchema`` via
``npx tsx scripts/schema/manifest-issues-runner.ts``. The test asserts the expected ``intervals.*`` errors, and
that the TypeScript issues under ``intervals`` are the same list (path and message) and both accept or reject alike.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from edge_training import manifest as mf

from .conftest import MODELS_DIR
from .tsx_runner import run_tsx

RUNNER = "scripts/schema/manifest-issues-runner.ts"
SHIPPED = MODELS_DIR / "recommender" / "v4_xgboost" / "manifest.json"
G = "intervals.groups"
S = "intervals.prediction_sets"

Edit = Callable[[dict[str, Any]], None]


def _drop_groups(m: dict[str, Any]) -> None:
    m["intervals"].pop("groups")


def _add_edge(m: dict[str, Any]) -> None:
    m["intervals"]["groups"]["edges"].append(0.49)


def _swap_edges(m: dict[str, Any]) -> None:
    edges = m["intervals"]["groups"]["edges"]
    edges[0], edges[1] = edges[1], edges[0]


def _equal_edges(m: dict[str, Any]) -> None:
    edges = m["intervals"]["groups"]["edges"]
    edges[2] = edges[1]


def _set(path: tuple[str | int, ...], value: Any) -> Edit:
    def edit(m: dict[str, Any]) -> None:
        node = m["intervals"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def _pop(path: tuple[str | int, ...]) -> Edit:
    def edit(m: dict[str, Any]) -> None:
        node = m["intervals"]
        for key in path[:-1]:
            node = node[key]
        node.pop(path[-1])

    return edit


def _truncate(path: tuple[str | int, ...]) -> Edit:
    def edit(m: dict[str, Any]) -> None:
        node = m["intervals"]
        for key in path:
            node = node[key]
        node.pop()

    return edit


# id -> (edits, the expected intervals.* errors in the order both validators report them)
CASES: dict[str, tuple[list[Edit], list[str]]] = {
    "shipped": ([], []),
    "without_groups_sets_need_one_threshold": (
        [_drop_groups],
        [f"{S}.levels[0].thresholds: needs 1 entries", f"{S}.levels[1].thresholds: needs 1 entries"],
    ),
    "without_groups_one_threshold_each": (
        [
            _drop_groups,
            _set(("prediction_sets", "levels", 0, "thresholds"), [0.8]),
            _set(("prediction_sets", "levels", 1, "thresholds"), [0.85]),
        ],
        [],
    ),
    "marginal_only": ([_drop_groups, _pop(("prediction_sets",))], []),
    "edges_swapped": ([_swap_edges], [f"{G}.edges: must ascend"]),
    "edges_repeated": ([_equal_edges], [f"{G}.edges: must ascend"]),
    "one_edge_more_everything_short": (
        [_add_edge],
        [
            f"{G}.calibration_rows: needs 6 entries",
            f"{G}.holdout_rows: needs 6 entries",
            f"{G}.levels[0].quantiles: needs 6 entries",
            f"{G}.levels[0].holdout_coverage: needs 6 entries",
            f"{G}.levels[1].quantiles: needs 6 entries",
            f"{G}.levels[1].holdout_coverage: needs 6 entries",
            f"{S}.levels[0].thresholds: needs 6 entries",
            f"{S}.levels[1].thresholds: needs 6 entries",
        ],
    ),
    "quantile_missing": (
        [_truncate(("groups", "levels", 1, "quantiles"))],
        [f"{G}.levels[1].quantiles: needs 5 entries"],
    ),
    "holdout_rows_optional": ([_pop(("groups", "holdout_rows"))], []),
    "holdout_rows_short": ([_truncate(("groups", "holdout_rows"))], [f"{G}.holdout_rows: needs 5 entries"]),
    "group_level_not_marginal": (
        [_set(("groups", "levels", 0, "coverage"), 0.8)],
        [f"{G}.levels[0].coverage: not a marginal level"],
    ),
    "set_level_not_marginal": (
        [_set(("prediction_sets", "levels", 1, "coverage"), 0.99)],
        [f"{S}.levels[1].coverage: not a marginal level"],
    ),
    "set_thresholds_short": (
        [_truncate(("prediction_sets", "levels", 0, "thresholds"))],
        [f"{S}.levels[0].thresholds: needs 5 entries"],
    ),
    "labels_not_ascending": ([_set(("prediction_sets", "labels"), [1, 2, 4, 3, 5])], [f"{S}.labels: must ascend"]),
}


def _ts_path(path: list[str | int]) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


@pytest.fixture(scope="module")
def verdicts() -> dict[str, tuple[list[str], dict[str, Any]]]:
    shipped = json.loads(SHIPPED.read_text())
    assert shipped["intervals"]["groups"]["edges"], "the shipped v4 manifest carries the Mondrian block"
    manifests: dict[str, dict[str, Any]] = {}
    for case, (edits, _) in CASES.items():
        manifest = copy.deepcopy(shipped)
        for edit in edits:
            edit(manifest)
        manifests[case] = manifest
    answers = run_tsx(RUNNER, {"cases": [{"id": case, "manifest": m} for case, m in manifests.items()]})["results"]
    by_id = {answer["id"]: answer for answer in answers}
    return {case: (mf.validation_errors(manifests[case]), by_id[case]) for case in CASES}


@pytest.mark.parametrize("case", list(CASES))
def test_python_and_worker_agree_on_intervals(case: str, verdicts: dict[str, tuple[list[str], dict[str, Any]]]) -> None:
    python_errors, worker = verdicts[case]
    expected = CASES[case][1]
    assert [e for e in python_errors if e.startswith("intervals")] == expected
    worker_errors = [f"{_ts_path(i['path'])}: {i['message']}" for i in worker["issues"]]
    assert [e for e in worker_errors if e.startswith("intervals")] == expected
    # nothing else differs: both accept, or both reject for the interval reasons only
    assert python_errors == expected
    assert worker["ok"] == (not expected)
    assert worker_errors == expected


def test_interval_errors_on_a_bare_marginal_block() -> None:
    block = {"method": "split_conformal", "calibration_rows": 100, "levels": [{"coverage": 0.9, "quantile": 1.0}]}
    assert mf.interval_errors(block) == []
