"""Register existing version directories (model.onnx + manifest.json) in MLflow without retraining or
rewriting them: one run per directory, the ONNX graph registered with a signature and input example,
the manifest logged as the run's manifest.json. Prints `models:/<model>/<n>` per directory.

    python -m edge_training.register models/recommender/v4_xgboost [more dirs] [--tracking-uri URI] [--champion]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import tracking


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directories", nargs="+", type=Path)
    parser.add_argument(
        "--tracking-uri", default=None, help="default: MLFLOW_TRACKING_URI, else sqlite:///<repo>/mlflow.db"
    )
    parser.add_argument("--champion", action="store_true", help="also point the alias `champion` at each new version")
    parser.add_argument("--json", action="store_true", help="print one JSON object per directory")
    args = parser.parse_args(argv)
    uri = tracking.configure(args.tracking_uri)
    for directory in args.directories:
        info = tracking.register_directory(directory, champion=args.champion)
        model_uri = f"models:/{info['registered_model']}/{info['registered_version']}"
        if args.json:
            print(json.dumps({**info, "model_uri": model_uri, "directory": str(directory), "tracking_uri": uri}))
        else:
            print(f"{directory} -> {model_uri} (run {info['run_id']}, tracking {uri})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
