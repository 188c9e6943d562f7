#!/usr/bin/env bash
# Lint + type-check the training package and its tests: ruff check, ruff format --check, mypy.
# Configuration lives in pyproject.toml beside this script; the tools are pinned in requirements.txt.
# Fix locally with: .venv/bin/ruff format scripts/training && .venv/bin/ruff check --fix scripts/training
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bash "$here/ensure-venv.sh" >/dev/null || exit 1
bin="${EDGE_TRAINING_VENV:-$repo/.venv}/bin"
cd "$here"
"$bin/ruff" check edge_training tests
"$bin/ruff" format --check edge_training tests
"$bin/mypy"
