"""Peer of `npm run bench:peers`: FastAPI + uvicorn + onnxruntime on the same model files and requests.

Answers POST /api/v1/predict and POST /v1/models/{model}/predict like the Worker: the manifest's features
checked (names, types, ranges, categories; 422 naming the field), one session.run per request, the same
output fields. No auth, rate limit or prediction log. onnxruntime is limited to one thread (workerd runs
one too). Run: .venv-bench/bin/python bench/peers/fastapi_server.py <port>
"""

from __future__ import annotations

import json
import math
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

MODELS = Path(__file__).resolve().parents[2] / "models"


class Served:
    def __init__(self, model: str) -> None:
        version = json.loads((MODELS / model / "registry.json").read_text())["default"]
        folder = MODELS / model / version
        self.manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.features: list[dict[str, Any]] = self.manifest["features"]
        self.known = {feature["name"] for feature in self.features}


SERVED = {name: Served(name) for name in ("kredipusula", "recommender")}


class Invalid(Exception):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("invalid")
        self.errors = errors


def check_rows(served: Served, rows: list[Any], path: Any) -> None:
    errors: list[dict[str, str]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            errors.append({"field": path(index, ""), "message": "must be an object of feature values"})
            continue
        errors.extend({"field": path(index, name), "message": "unknown field"} for name in row if name not in served.known)
        for feature in served.features:
            value = row.get(feature["name"])
            field = path(index, feature["name"])
            if value is None:
                if feature["required"]:
                    errors.append({"field": field, "message": "required"})
            elif feature["kind"] == "category":
                if not isinstance(value, str) or (not feature.get("allow_unknown") and value not in feature["values"]):
                    errors.append({"field": field, "message": f"must be one of {', '.join(feature['values'])}"})
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                errors.append({"field": field, "message": "must be a finite number"})
            elif feature["kind"] == "integer" and not float(value).is_integer():
                errors.append({"field": field, "message": "must be an integer"})
            elif ("min" in feature and value < feature["min"]) or ("max" in feature and value > feature["max"]):
                errors.append({"field": field, "message": f"must be within [{feature.get('min')}, {feature.get('max')}]"})
    if errors:
        raise Invalid(errors)


def score(served: Served, rows: list[dict[str, Any]]) -> list[float]:
    manifest = served.manifest
    feeds: dict[str, np.ndarray] = {}
    for spec in manifest["onnx"]["inputs"]:
        features = [feature for feature in served.features if feature["input"] == spec["name"]]
        if spec["type"] == "string":
            array = np.array([[str(row.get(f["name"], "")) for f in features] for row in rows], dtype=object)
        else:
            array = np.array(
                [[float(row.get(f["name"], math.nan)) for f in features] for row in rows], dtype=np.float32
            )
        feeds[spec["name"]] = array.reshape(len(rows)) if len(spec["shape"]) == 1 else array
    (output,) = served.session.run([manifest["output"]["name"]], feeds)
    if manifest["task"] == "binary_classification" and output.ndim > 1 and output.shape[1] > 1:
        output = output[:, manifest["output"].get("positive_index", 1)]
    return [float(value) for value in output.reshape(len(rows))]


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inputs: dict[str, Any] | None = None
    instances: list[dict[str, Any]] | None = None
    version: str | None = None
    ab: bool | None = None
    interval_level: float | None = None


app = FastAPI()


@app.exception_handler(Invalid)
async def invalid_handler(_request: Request, error: Invalid) -> JSONResponse:
    return JSONResponse(
        {"title": "Invalid input", "errors": error.errors}, status_code=422, media_type="application/problem+json"
    )


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"ok": True}


@app.post("/api/v1/predict")
async def credit_predict(body: dict[str, Any]) -> JSONResponse:
    served = SERVED["kredipusula"]
    check_rows(served, [body], lambda _row, name: name or "(body)")
    (probability,) = score(served, [body])
    threshold = served.manifest["output"].get("threshold", 0.5)
    approved = probability >= threshold
    near = abs(probability - threshold) < 0.05
    text = "Başvuru onaylandı" if approved else "Başvuru reddedildi"
    if near:
        text += "; skor eşiğe yakın, manuel inceleme önerilir"
    return JSONResponse(
        {
            "approved": approved,
            "credit_score": round(probability, 4),
            "confidence": round(probability if approved else 1 - probability, 4),
            "recommendation": text,
            "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        headers={"x-prediction-id": str(uuid.uuid4()), "content-language": "tr"},
    )


@app.post("/v1/models/{model}/predict")
async def model_predict(model: str, body: PredictRequest) -> JSONResponse:
    served = SERVED.get(model)
    if served is None:
        return JSONResponse({"title": "Model not found"}, status_code=404, media_type="application/problem+json")
    if (body.inputs is None) == (body.instances is None):
        raise Invalid([{"field": "inputs", "message": "send exactly one of `inputs` or `instances`"}])
    single = body.inputs is not None
    rows: list[dict[str, Any]] = [body.inputs] if body.inputs is not None else (body.instances or [])
    if not 1 <= len(rows) <= 1000:
        raise Invalid([{"field": "instances", "message": "1 to 1000 rows"}])
    if single:
        check_rows(served, rows, lambda _row, name: f"inputs.{name}")
    else:
        check_rows(served, rows, lambda row, name: f"instances[{row}].{name}")
    manifest = served.manifest
    clip = manifest["output"].get("clip")
    level = next((entry for entry in manifest.get("intervals", {}).get("levels", []) if abs(entry["coverage"] - 0.9) < 1e-9), None)

    def clipped(value: float) -> float:
        return min(clip["max"], max(clip["min"], value)) if clip else value

    predictions: list[dict[str, Any]] = []
    for raw in score(served, rows):
        if manifest["task"] == "binary_classification":
            positive = raw >= manifest["output"].get("threshold", 0.5)
            label = manifest["output"].get("positive_label" if positive else "negative_label", 1 if positive else 0)
            predictions.append({"id": str(uuid.uuid4()), "probability": raw, "label": label})
        else:
            prediction: dict[str, Any] = {"id": str(uuid.uuid4()), "value": clipped(raw)}
            if level:
                prediction["interval"] = {
                    "level": 0.9,
                    "lower": clipped(raw - level["quantile"]),
                    "upper": clipped(raw + level["quantile"]),
                }
            predictions.append(prediction)
    return JSONResponse(
        {"model": model, "version": manifest["version"], "route": "default", "task": manifest["task"], "predictions": predictions}
    )


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
