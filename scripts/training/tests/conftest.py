from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from edge_training.manifest import REPO_ROOT

MODELS_DIR = REPO_ROOT / "models"
EXPECTED_VERSIONS = {
    "kredipusula": {"v1_logreg_calibrated", "v2_gbm"},
    "kredipusula_risk": {"v1_gbm"},
    "recommender": {"v1_auto_select", "v2_random_forest", "v3_rf_tuned", "v4_xgboost", "v5_additive"},
    "german_credit": {"v1_logreg", "v2_gbm"},
}


def committed_versions() -> list[tuple[str, str]]:
    return [(m, v) for m in sorted(EXPECTED_VERSIONS) for v in sorted(EXPECTED_VERSIONS[m])]


def load_manifest(model: str, version: str) -> dict[str, Any]:
    return json.loads((MODELS_DIR / model / version / "manifest.json").read_text())


@pytest.fixture(params=committed_versions(), ids=lambda mv: f"{mv[0]}/{mv[1]}")
def committed(request: pytest.FixtureRequest) -> tuple[str, str, dict[str, Any], Path]:
    model, version = request.param
    directory = MODELS_DIR / model / version
    assert (directory / "manifest.json").is_file(), f"{directory} has no manifest.json: run npm run train"
    return model, version, load_manifest(model, version), directory
