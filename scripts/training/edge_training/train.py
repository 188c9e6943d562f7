"""Train every model version, export ONNX, gate on parity, write manifests, track in MLflow.

    python -m edge_training.train [--models kredipusula,kredipusula_risk,recommender,german_credit] [--versions v1,v2]
                                  [--only model/version,...] [--out models]
                                  [--tracking-uri URI] [--no-mlflow] [--docs docs/training.md]

`--only recommender/v2_random_forest,recommender/v3_rf_tuned` retrains exactly those versions and leaves every
other committed version (model.onnx and manifest) untouched; docs/training.md is re-rendered from all manifests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from . import data, edge_fit, export, models, tracking
from . import manifest as mf
from .docs import write_docs
from .features import Feature
from .id_reference import id_reference
from .importance import feature_importance
from .specs import SEED, ModelSpec, model_specs

LIBRARIES = {
    "scikit-learn": "sklearn",
    "xgboost": "xgboost",
    "skl2onnx": "skl2onnx",
    "onnxmltools": "onnxmltools",
    "onnx": "onnx",
    "onnxruntime": "onnxruntime",
    "numpy": "numpy",
    "pandas": "pandas",
    "mlflow": "mlflow",
}


def split(ds: data.Dataset, stratified: bool, seed: int) -> dict[str, pd.DataFrame]:
    """60 % train, 20 % calibration (conformal quantiles / decision threshold), 20 % holdout;
    stratified on the target when the task asks for it (Task.stratify)."""
    stratify = ds.y if stratified else None
    rest, holdout = train_test_split(ds.frame, test_size=0.2, random_state=seed, stratify=stratify)
    stratify = rest[ds.target] if stratified else None
    train, calibration = train_test_split(rest, test_size=0.25, random_state=seed, stratify=stratify)
    return {"train": train, "calibration": calibration, "holdout": holdout}


def json_value(value: Any) -> int | float | str:
    if isinstance(value, np.integer | int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, np.floating | float):
        return float(value)
    return str(value)


def library_versions() -> dict[str, str]:
    out = {"python": ".".join(map(str, sys.version_info[:3]))}
    for name, module in LIBRARIES.items():
        out[name] = str(importlib.import_module(module).__version__)
    return out


@dataclass
class VersionResult:
    model: str
    version: str
    manifest: dict[str, Any]
    blob: bytes
    seconds: float


def train_version(
    spec: ModelSpec,
    vspec: models.VersionSpec,
    ds: data.Dataset,
    parts: dict[str, pd.DataFrame],
    features: list[Feature],
    seed: int,
    use_mlflow: bool,
) -> VersionResult:
    started = time.perf_counter()
    task = spec.task
    names = [f.name for f in features]
    X = {k: v[names] for k, v in parts.items()}
    y = {k: v[ds.target].to_numpy() for k, v in parts.items()}
    X_train = export.training_frame(X["train"], features)
    fitted = vspec.fit(X_train, pd.Series(y["train"], index=X_train.index), features, seed)

    onnx_model = export.export(
        fitted.pipeline, features, f"{spec.name}_{vspec.version}", task.export_options(fitted.pipeline)
    )
    blob = export.serialize(onnx_model)
    try:
        edge = edge_fit.measure_edge(blob)
    except edge_fit.EdgeBudgetError as error:
        raise edge_fit.EdgeBudgetError(f"{spec.name}/{vspec.version} does not fit the edge budget: {error}") from error
    runner = export.OnnxRunner(blob)

    def score(frame: pd.DataFrame) -> np.ndarray:
        return task.score(runner.run(frame, features))

    evaluation = task.evaluate(y["calibration"], score(X["calibration"]), y["holdout"], score(X["holdout"]))
    output = evaluation.output
    metrics = dict(evaluation.metrics)
    metrics.update(fitted.extra_metrics)
    if spec.extra_metrics:
        metrics.update(spec.extra_metrics(fitted, ds, features, seed))

    parity: dict[str, dict[str, float]] = {}
    for part in ("train", "calibration", "holdout"):
        parity[part] = task.check_parity(fitted.pipeline, runner, X[part], features, output)

    # examples: the seed request (if any) + the first 5 holdout rows
    rows: list[dict[str, Any]] = []
    if spec.seed_request:
        rows.append(dict(spec.seed_request))
    for record in X["holdout"].head(5).to_dict(orient="records"):
        rows.append({k: json_value(v) for k, v in record.items()})
    example_frame = pd.DataFrame(rows)[names]
    example_out = score(example_frame)
    task.check_parity(fitted.pipeline, runner, example_frame, features, output)
    examples = [
        {"inputs": row, "expected": task.expected(value, output)} for row, value in zip(rows, example_out, strict=True)
    ]

    reference_features: dict[str, Any] = {}
    for f in features:
        column = X["train"][f.name].to_numpy()
        reference_features[f.name] = (
            mf.category_reference(column, f.values) if f.is_category else mf.numeric_reference(column)
        )
    reference = {
        "rows": len(X["train"]),
        "features": reference_features,
        **task.prediction_reference(score(X["train"])),
    }

    metrics = {k: mf.sig(v, 8) for k, v in sorted(metrics.items())}
    libs = library_versions()
    manifest: dict[str, Any] = {
        "schema_version": 1,
        "model": spec.name,
        "version": vspec.version,
        "task": task.name,
        "title": f"{spec.title}: {vspec.title}",
        "description": f"{spec.description} {vspec.description}",
        "artifact": {"file": "model.onnx", "sha256": export.sha256(blob), "bytes": len(blob)},
        "onnx": export.describe_io(onnx_model),
        "features": mf.feature_entries(features),
        "output": output,
        "reference": reference,
        "metrics": metrics,
        "params": fitted.params,
        "training": {
            "dataset": ds.name,
            "data_sha256": data.frame_sha256(ds.frame),
            "rows": {"total": len(ds.frame), **{k: len(v) for k, v in parts.items()}},
            "seed": seed,
            "split": "60/20/20 train/calibration/holdout"
            + (", stratified" if task.stratify else "")
            + f", random_state={seed}",
            "libraries": libs,
            "trained_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "deviations": fitted.deviations,
            "parity": {k: {m: mf.sig(x, 6) for m, x in v.items()} for k, v in parity.items()},
            "onnx_target_opset": export.TARGET_OPSET,
            "edge": edge,
            "metrics_note": "holdout metrics of the ONNX graph as served" + task.metrics_note(output),
        },
        "examples": examples,
    }
    manifest["training"].update(evaluation.training_extra)
    # drift monitoring inputs: importance weights, and ids counted on the same (train) rows as `reference`
    manifest["training"]["feature_importance"] = feature_importance(
        fitted.pipeline, export.training_frame(X["holdout"], features), y["holdout"], task.importance_scoring, seed
    )
    if spec.id_features:
        manifest["training"]["id_reference"] = id_reference(X["train"], spec.id_features)
    if evaluation.intervals:
        manifest["intervals"] = evaluation.intervals
    if fitted.cv:
        manifest["cv"] = fitted.cv
    if spec.subject_feature:
        manifest["subject_feature"] = spec.subject_feature
    if spec.catalog:
        manifest["catalog"] = spec.catalog()

    if use_mlflow:
        manifest["training"]["mlflow"] = tracking.log_version(
            model_name=spec.name,
            version=vspec.version,
            params=fitted.params,
            metrics=metrics,
            leaderboard=(fitted.cv or {}).get("leaderboard"),
            onnx_model=onnx_model,
            onnxruntime_version=libs["onnxruntime"],
            manifest=manifest,
        )
    mf.validate(manifest)
    if use_mlflow:
        tracking.log_manifest(manifest["training"]["mlflow"]["run_id"], manifest)
    return VersionResult(spec.name, vspec.version, manifest, blob, time.perf_counter() - started)


def write_version(out_dir: Path, result: VersionResult) -> Path:
    target = out_dir / result.model / result.version
    target.mkdir(parents=True, exist_ok=True)
    (target / "model.onnx").write_bytes(result.blob)
    (target / "manifest.json").write_text(mf.dumps(result.manifest))
    return target


def train_model(
    spec: ModelSpec,
    out_dir: Path,
    seed: int,
    use_mlflow: bool,
    versions: list[str] | None = None,
    log: Callable[[str], None] = print,
) -> list[VersionResult]:
    ds = spec.load()
    features = spec.features(ds.frame)
    parts = split(ds, spec.task.stratify, seed)
    results = []
    for vspec in spec.versions:
        if versions and vspec.version not in versions:
            continue
        result = train_version(spec, vspec, ds, parts, features, seed, use_mlflow)
        write_version(out_dir, result)
        m = result.manifest["metrics"]
        headline = spec.task.headline(m)
        edge = result.manifest["training"]["edge"]
        footprint = (
            f"compiled={edge['compiled_bytes']} B retained={edge['retained_bytes']} B"
            if edge["engine"] == "compact"
            else f"onnxruntime-web heap~{edge['estimated_heap_bytes']} B"
        )
        log(
            f"  {spec.name}/{vspec.version}: {headline} onnx={len(result.blob)} B {footprint} "
            f"tree_nodes={edge['tree_nodes']} parity ok ({result.seconds:.1f}s)"
        )
        results.append(result)
    registry = out_dir / spec.name / "registry.json"
    registry.write_text(json.dumps({"default": spec.default}, indent=2, sort_keys=True) + "\n")
    if use_mlflow:
        for result in results:
            if result.version == spec.default:
                tracking.set_champion(spec.name, result.manifest["training"]["mlflow"]["registered_version"])
    return results


def parse_only(only: str, specs: dict[str, ModelSpec]) -> dict[str, list[str] | None]:
    """`model/version,...` -> {model: [versions]} in the models' usual order; unknown names are an error."""
    chosen: dict[str, list[str]] = {}
    for item in (part.strip() for part in only.split(",")):
        if not item:
            continue
        model, sep, version = item.partition("/")
        if not sep or model not in specs:
            raise ValueError(f"--only: {item!r} is not <model>/<version> with model in {sorted(specs)}")
        known = [v.version for v in specs[model].versions]
        if version not in known:
            raise ValueError(f"--only: {model} has no version {version!r} (known: {', '.join(known)})")
        chosen.setdefault(model, []).append(version)
    if not chosen:
        raise ValueError("--only: no model/version given")
    return {m: chosen[m] for m in specs if m in chosen}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(model_specs()), help="default: every shipped model")
    parser.add_argument("--versions", default="", help="comma-separated subset of versions")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated model/version pairs to retrain (overrides --models and --versions), "
        "e.g. recommender/v2_random_forest,recommender/v3_rf_tuned",
    )
    parser.add_argument("--out", default=str(mf.REPO_ROOT / "models"))
    parser.add_argument("--docs", default=str(mf.REPO_ROOT / "docs" / "training.md"), help="'' to skip")
    parser.add_argument("--tracking-uri", default=None)
    parser.add_argument("--no-mlflow", action="store_true")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--quick", action="store_true", help="small synthetic data sets (tests, smoke runs)")
    args = parser.parse_args(argv)

    out_dir = Path(args.out)
    use_mlflow = not args.no_mlflow
    if use_mlflow:
        print(f"MLflow tracking URI: {tracking.configure(args.tracking_uri)}")
    specs = model_specs(quick=args.quick)
    try:
        selection = (
            parse_only(args.only, specs)
            if args.only
            else {m: [v for v in args.versions.split(",") if v] or None for m in args.models.split(",") if m}
        )
    except ValueError as error:
        parser.error(str(error))
    started = time.perf_counter()
    for name, versions in selection.items():
        print(f"training {name}" + (f" ({', '.join(versions)})" if versions else ""))
        train_model(specs[name], out_dir, args.seed, use_mlflow, versions)
    if args.docs:
        write_docs(out_dir, Path(args.docs))
        print(f"wrote {args.docs}")
    print(f"done in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
