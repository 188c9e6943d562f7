"""`mlflow models serve` from the project's own venv answers /invocations for a registered version.

Shipped versions are registered into a temporary sqlite store (files untouched), then MLflow's own scoring
server is started for `models:/<name>/<version>` with `--env-manager local` on a free port, sent the
manifest's examples, and its answers are checked against manifest.examples. No mocks: MLflow's CLI, its
uvicorn/FastAPI scoring server and ONNX Runtime."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pytest

from edge_training import mlflow_model, tracking

from .conftest import MODELS_DIR, load_manifest

READY_TIMEOUT_S = 240  # a loaded 2-core machine takes ~30 s to import MLflow and start uvicorn
VERSIONS = [("recommender", "v4_xgboost"), ("kredipusula", "v2_gbm")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("mlflow-serve")
    uri = tracking.configure(f"sqlite:///{root / 'mlflow.db'}")
    registered = {}
    for model, version in VERSIONS:
        directory = MODELS_DIR / model / version
        before = (directory / "model.onnx").read_bytes(), (directory / "manifest.json").read_bytes()
        registered[(model, version)] = tracking.register_directory(directory)
        after = (directory / "model.onnx").read_bytes(), (directory / "manifest.json").read_bytes()
        assert before == after, f"{directory} changed while registering"
    return {"root": root, "uri": uri, "registered": registered}


def test_signature_and_input_example_are_logged(store: dict[str, Any]) -> None:
    client = mlflow.MlflowClient(store["uri"])
    for (model, version), info in store["registered"].items():
        manifest = load_manifest(model, version)
        mv = client.get_model_version(model, info["registered_version"])
        assert mv.tags["version"] == version and mv.tags["sha256"] == manifest["artifact"]["sha256"]
        uri = f"models:/{model}/{info['registered_version']}"
        model_info = mlflow.models.get_model_info(uri)
        inputs = model_info.signature.inputs.input_dict()
        assert list(inputs) == [spec["name"] for spec in manifest["onnx"]["inputs"]]
        assert [o["name"] for o in model_info.signature.outputs.to_dict()] == [
            o["name"] for o in manifest["onnx"]["outputs"]
        ]
        local = Path(mlflow.artifacts.download_artifacts(uri))
        assert (local / "model.onnx").read_bytes() == (MODELS_DIR / model / version / "model.onnx").read_bytes()
        example = json.loads((local / "serving_input_example.json").read_text())
        assert example == json.loads(json.dumps(mlflow_model.serving_payload(manifest)))
        run_manifest = mlflow.artifacts.load_dict(f"runs:/{info['run_id']}/manifest.json")
        assert run_manifest == manifest


def _start(uri: str, model_uri: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    venv_bin = Path(sys.executable).parent
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.Popen(
        [
            str(venv_bin / "mlflow"),
            "models",
            "serve",
            "-m",
            model_uri,
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def _wait_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"mlflow models serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"mlflow models serve not ready within {READY_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


def test_mlflow_models_serve_answers_with_the_manifest_examples(store: dict[str, Any]) -> None:
    servers = []
    try:
        for model, version in VERSIONS:
            info = store["registered"][(model, version)]
            port = _free_port()
            log = store["root"] / f"serve-{model}.log"
            model_uri = f"models:/{model}/{info['registered_version']}"
            servers.append((model, version, port, log, _start(store["uri"], model_uri, port, log)))
        for model, version, port, log, process in servers:
            _wait_ready(process, port, log)
            manifest = load_manifest(model, version)
            answer = _post(f"http://127.0.0.1:{port}/invocations", mlflow_model.serving_payload(manifest))
            predictions = answer["predictions"]
            expected = [example["expected"] for example in manifest["examples"]]
            if manifest["task"] == "regression":
                got = np.asarray(predictions[manifest["output"]["name"]], dtype=np.float64).reshape(-1)
            else:
                got = np.asarray(predictions["probabilities"], dtype=np.float64)[
                    :, manifest["output"]["positive_index"]
                ]
                labels = [
                    manifest["output"]["positive_label"]
                    if p >= manifest["output"]["threshold"]
                    else manifest["output"]["negative_label"]
                    for p in got
                ]
                assert labels == [e["label"] for e in expected], (model, version)
            np.testing.assert_allclose(
                got, [e["output"] for e in expected], rtol=0, atol=1e-6, err_msg=f"{model}/{version}"
            )
    finally:
        for *_, process in servers:
            _stop(process)
