#!/usr/bin/env bash
# npm run test:python: ensure the venv, lint + type-check (lint.sh), run the training tests.
#   bash scripts/training/run-pytest.sh [pytest options]           whole suite (+ lint.sh first)
#   bash scripts/training/run-pytest.sh <test file|dir|id> [...]    only those (paths from the repo root; no lint)
# Exits non-zero on any failure, and also when pytest collects no test at all (pytest exit 5 fails loudly).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bash "$here/ensure-venv.sh" || exit 1
cd "$repo"
targeted=false
for arg in "$@"; do
  case "$arg" in
  -*) ;;
  *) if [ -e "${arg%%::*}" ]; then targeted=true; fi ;;
  esac
done
if ! "$targeted"; then
  bash "$here/lint.sh" || exit 1
  set -- "$here/tests" "$@"
fi
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" PYTHONHASHSEED=0 OMP_NUM_THREADS=1
"${EDGE_TRAINING_VENV:-$repo/.venv}/bin/python" -m pytest -c "$here/pyproject.toml" --rootdir "$here" "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "run-pytest: pytest collected no tests (exit 5) - failing" >&2
  exit 1
fi
exit "$status"
