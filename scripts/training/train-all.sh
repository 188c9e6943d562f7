#!/usr/bin/env bash
# npm run train: ensure the venv, train every model version, write models/ and docs/training.md.
# Extra arguments go to `python -m edge_training.train` (e.g. --models recommender --no-mlflow).
# MLFLOW_TRACKING_URI points tracking at a real server; default sqlite:///<repo>/mlflow.db.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bash "$here/ensure-venv.sh"
cd "$repo"
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" PYTHONHASHSEED=0 OMP_NUM_THREADS=1
exec "${EDGE_TRAINING_VENV:-$repo/.venv}/bin/python" -m edge_training.train "$@"
