"""MLflow tracking: local sqlite store by default, ``MLFLOW_TRACKING_URI`` for a real server."""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

import onnx

from .manifest import REPO_ROOT

CHAMPION_ALIAS = "champion"
_ARTIFACT_ROOT: str | None = None


def default_tracking_uri(root: Path = REPO_ROOT) -> str:
    return f"sqlite:///{root / 'mlflow.db'}"


def configure(tracking_uri: str | None = None) -> str:
    """Point MLflow at the store; returns the URI in use."""
    import mlflow

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", module="mlflow")
    global _ARTIFACT_ROOT
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri()
    mlflow.set_tracking_uri(uri)
    # a local sqlite store keeps its artifacts next to the database (<dir>/mlruns), whatever the cwd;
    # a tracking server decides its artifact location itself
    _ARTIFACT_ROOT = (
        (Path(uri[len("sqlite:///") :]).parent / "mlruns").as_uri() if uri.startswith("sqlite:///") else None
    )
    return uri


def _flat_params(params: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flat_params(value, f"{name}."))
        else:
            flat[name] = json.dumps(value, sort_keys=True, default=str)[:500]
    return flat


def log_version(
    *,
    model_name: str,
    version: str,
    params: dict[str, Any],
    metrics: dict[str, float],
    leaderboard: list[dict[str, Any]] | None,
    onnx_model: onnx.ModelProto,
    onnxruntime_version: str,
    manifest: dict[str, Any],
) -> dict[str, str]:
    """One MLflow run per model version; registers the ONNX model with a tensor signature and the
    manifest's examples as input example. Returns the manifest's mlflow block. The registered model
    version is tagged `version` (the Worker's version name) and `sha256` (the ONNX bytes), which is how
    the ops CLI finds the MLflow version behind a Worker version when it moves `champion`."""
    import mlflow
    import mlflow.onnx

    from . import mlflow_model

    experiment = f"edge-{model_name}"
    if mlflow.get_experiment_by_name(experiment) is None:
        location = f"{_ARTIFACT_ROOT}/{experiment}" if _ARTIFACT_ROOT else None
        mlflow.create_experiment(experiment, artifact_location=location)
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=version) as run:
        mlflow.set_tags({"model": model_name, "version": version, "sha256": manifest["artifact"]["sha256"]})
        if params:
            mlflow.log_params(_flat_params(params))
        if metrics:
            mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        if leaderboard:
            mlflow.log_dict({"leaderboard": leaderboard}, "leaderboard.json")
            mlflow.log_table(
                {key: [row.get(key) for row in leaderboard] for key in leaderboard[0]},
                "leaderboard_table.json",
            )
        info = mlflow.onnx.log_model(
            onnx_model,
            name="model",
            registered_model_name=model_name,
            signature=mlflow_model.signature(manifest),
            input_example=mlflow_model.input_example(manifest),
            pip_requirements=[f"onnxruntime=={onnxruntime_version}"],
            onnx_execution_providers=["CPUExecutionProvider"],
            save_as_external_data=False,
        )
        registered_version = str(info.registered_model_version or "")
        client = mlflow.MlflowClient()
        if registered_version:
            client.set_model_version_tag(model_name, registered_version, "version", version)
            client.set_model_version_tag(model_name, registered_version, "sha256", manifest["artifact"]["sha256"])
        return {
            "run_id": run.info.run_id,
            "experiment": experiment,
            "registered_model": model_name,
            "registered_version": registered_version,
        }


def register_directory(directory: Path, champion: bool = False) -> dict[str, str]:
    """Log an existing version directory (model.onnx + manifest.json, e.g. a shipped version) as a new
    MLflow run and registered model version, without touching either file: the ONNX bytes logged are
    checked against the manifest's sha256. The manifest is logged as the run's `manifest.json` as is
    (its own `training.mlflow` block, if any, names the run that trained it)."""
    import hashlib

    import mlflow

    manifest = json.loads((directory / "manifest.json").read_text())
    blob = (directory / manifest["artifact"]["file"]).read_bytes()
    if hashlib.sha256(blob).hexdigest() != manifest["artifact"]["sha256"]:
        raise ValueError(f"{directory}: {manifest['artifact']['file']} does not match the manifest's sha256")
    onnx_model = onnx.load_from_string(blob)
    if onnx_model.SerializeToString() != blob:
        raise ValueError(
            f"{directory}: the ONNX file does not round-trip byte for byte; refusing to log a changed graph"
        )
    info = log_version(
        model_name=manifest["model"],
        version=manifest["version"],
        params=dict(manifest.get("params", {})),
        metrics=dict(manifest.get("metrics", {})),
        leaderboard=(manifest.get("cv") or {}).get("leaderboard"),
        onnx_model=onnx_model,
        onnxruntime_version=manifest["training"]["libraries"].get("onnxruntime", onnx_runtime_version()),
        manifest=manifest,
    )
    with mlflow.start_run(run_id=info["run_id"]):
        mlflow.log_dict(manifest, "manifest.json")
        mlflow.set_tag("registered_from", str(directory))
    if champion and info["registered_version"]:
        set_champion(manifest["model"], info["registered_version"])
    return info


def onnx_runtime_version() -> str:
    import onnxruntime

    return str(onnxruntime.__version__)


def log_manifest(run_id: str, manifest: dict[str, Any]) -> None:
    import mlflow

    with mlflow.start_run(run_id=run_id):
        mlflow.log_dict(manifest, "manifest.json")


def set_champion(model_name: str, registered_version: str) -> None:
    import mlflow

    mlflow.MlflowClient().set_registered_model_alias(model_name, CHAMPION_ALIAS, registered_version)
