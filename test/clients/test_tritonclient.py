"""tritonclient[http], unchanged, against a running Worker: health, metadata, readiness, repository index and
infer() with its defaults (binary tensors both ways) and with binary_data=False (JSON), by model and version."""

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from conftest import ROWS, column, post_json


@pytest.fixture(scope="module")
def client(edge_url):
    triton = httpclient.InferenceServerClient(url=edge_url.removeprefix("http://"), network_timeout=180.0)
    yield triton
    triton.close()


def metadata_inputs(client, model):
    return client.get_model_metadata(model)["inputs"]


def build_inputs(client, model, rows, binary):
    inputs = []
    for spec in metadata_inputs(client, model):
        data = column(spec["datatype"], ROWS[model][spec["name"]], rows)
        tensor = httpclient.InferInput(spec["name"], list(data.shape), spec["datatype"])
        if binary is None:
            tensor.set_data_from_numpy(data)  # the default: binary_data=True
        else:
            tensor.set_data_from_numpy(data, binary_data=binary)
        inputs.append(tensor)
    return inputs


def test_server_health_and_metadata(client):
    assert client.is_server_live()
    assert client.is_server_ready()
    extensions = client.get_server_metadata()["extensions"]
    assert "binary_tensor_data" in extensions and "model_repository" in extensions


def test_model_metadata_matches_the_manifest_inputs(client):
    metadata = client.get_model_metadata("kredipusula")
    datatypes = {spec["name"]: spec["datatype"] for spec in metadata["inputs"]}
    assert datatypes == {
        "income": "FP32",
        "age": "INT64",
        "credit_history": "BYTES",
        "loan_amount": "FP32",
        "employment_years": "INT64",
    }
    assert [output["name"] for output in metadata["outputs"]] == ["probability", "label"]
    versioned = client.get_model_metadata("recommender", model_version="v2_random_forest")
    assert versioned["versions"] == ["v2_random_forest"]


def test_readiness_by_model_and_version(client):
    assert client.is_model_ready("kredipusula")
    assert client.is_model_ready("kredipusula", model_version="v1_logreg_calibrated")
    assert client.is_model_ready("recommender", model_version="v4_xgboost")
    assert not client.is_model_ready("kredipusula", model_version="v0_absent")
    assert not client.is_model_ready("no_such_model")


def test_repository_index(client):
    index = client.get_model_repository_index()
    rows = {(row["name"], row["version"]): row for row in index}
    assert rows[("kredipusula", "v2_gbm")]["state"] == "READY"
    assert rows[("recommender", "v4_xgboost")]["state"] == "READY"
    assert all(row["state"] in ("READY", "UNAVAILABLE") and "reason" in row for row in index)


def test_infer_with_default_arguments_is_binary_both_ways(client):
    result = client.infer("kredipusula", build_inputs(client, "kredipusula", 3, None))
    response = result.get_response()
    assert response["model_name"] == "kredipusula"
    # Default infer(): no outputs named, so the client asked for binary_data_output and got raw bytes.
    assert all("data" not in output and output["parameters"]["binary_data_size"] > 0 for output in response["outputs"])
    probability = result.as_numpy("probability")
    assert probability.dtype == np.float32 and probability.shape == (3,)
    assert np.all((probability > 0) & (probability < 1))
    labels = result.as_numpy("label")
    assert labels.shape == (3,) and labels[0] in (b"0", b"1")


def test_json_and_binary_agree_by_model_and_by_version(client):
    for model, version, output in (
        ("kredipusula", None, "probability"),
        ("kredipusula", "v1_logreg_calibrated", "probability"),
        ("recommender", None, "prediction"),
        ("recommender", "v2_random_forest", "prediction"),
    ):
        binary = client.infer(model, build_inputs(client, model, 2, True), model_version=version or "")
        json_result = client.infer(
            model,
            build_inputs(client, model, 2, False),
            model_version=version or "",
            outputs=[httpclient.InferRequestedOutput(output, binary_data=False)],
        )
        json_response = json_result.get_response()
        assert "data" in json_response["outputs"][0], "binary_data=False must answer in JSON"
        assert [o["name"] for o in json_response["outputs"]] == [output]
        if version:
            assert binary.get_response()["model_version"] == version
            assert json_response["model_version"] == version
        np.testing.assert_allclose(
            binary.as_numpy(output), np.asarray(json_result.as_numpy(output), dtype=np.float32), rtol=1e-6
        )


def test_mixed_binary_and_json_outputs(client):
    outputs = [
        httpclient.InferRequestedOutput("probability", binary_data=True),
        httpclient.InferRequestedOutput("label", binary_data=False),
    ]
    result = client.infer("kredipusula", build_inputs(client, "kredipusula", 1, True), outputs=outputs)
    by_name = {output["name"]: output for output in result.get_response()["outputs"]}
    assert "binary_data_size" in by_name["probability"]["parameters"]
    assert by_name["label"]["data"] in (["0"], ["1"])


def test_bad_input_is_reported_by_name(client):
    inputs = build_inputs(client, "kredipusula", 1, True)
    wrong = httpclient.InferInput("credit_history", [1, 1], "FP32")
    wrong.set_data_from_numpy(np.array([[1.0]], dtype=np.float32))
    inputs = [tensor if tensor.name() != "credit_history" else wrong for tensor in inputs]
    with pytest.raises(InferenceServerException) as caught:
        client.infer("kredipusula", inputs)
    assert "credit_history" in str(caught.value)
    assert caught.value.status() == "422"


def test_same_answer_as_the_v1_json_api(client, edge_url):
    result = client.infer("kredipusula", build_inputs(client, "kredipusula", 1, None))
    v1 = post_json(f"{edge_url}/v1/models/kredipusula/predict", {"inputs": ROWS["kredipusula"]})
    assert result.get_response()["model_version"] == v1["version"]
    assert result.as_numpy("probability")[0] == pytest.approx(v1["predictions"][0]["probability"], rel=1e-6)
    assert result.as_numpy("label")[0].decode() == str(v1["predictions"][0]["label"])
