#!/usr/bin/env bash
# npm run test:python: ensure the venv, lint + type-check (lint.sh, full run only), run the training tests.
# Exits non-zero on any failure, and also when pytest collects no test at all (pytest exit 5 fails loudly).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bash "$here/ensure-venv.sh" || exit 1
# the full run (npm test, CI) also lints and type-checks; a targeted run (any argument) skips it
if [ "$#" -eq 0 ]; then
  bash "$here/lint.sh" || exit 1
fi
cd "$repo"
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" PYTHONHASHSEED=0 OMP_NUM_THREADS=1
"${EDGE_TRAINING_VENV:-$repo/.venv}/bin/python" -m pytest -c "$here/pyproject.toml" --rootdir "$here" "$here/tests" "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "run-pytest: pytest collected no tests (exit 5) - failing" >&2
  exit 1
fi
exit "$status"
