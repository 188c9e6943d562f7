#!/usr/bin/env bash
# Register existing version directories in MLflow (no retraining, files untouched), e.g.
#   bash scripts/training/register-mlflow.sh models/recommender/v4_xgboost --champion
# MLFLOW_TRACKING_URI (or --tracking-uri) chooses the store; default sqlite:///<repo>/mlflow.db.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bash "$here/ensure-venv.sh" >&2
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
exec "${EDGE_TRAINING_VENV:-$repo/.venv}/bin/python" -m edge_training.register "$@"
