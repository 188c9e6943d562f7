"""kserve's REST client (kserve.InferenceRESTClient, protocol v2), unchanged, against a running Worker:
server and model readiness, infer() with binary tensors (kserve's default for numpy data) and with JSON, by
model and by version. kserve builds `v2/models/{model_name}/infer`, so a version is addressed as
model_name="<model>/versions/<version>" (the OIP path of a version)."""

import asyncio

import numpy as np
import pytest
from kserve import InferenceRESTClient, InferInput, InferRequest, RESTConfig
from kserve.protocol.infer_type import RequestedOutput

from conftest import ROWS, column, get_json

CREDIT_TYPES = {"income": "FP32", "age": "INT64", "credit_history": "BYTES", "loan_amount": "FP32", "employment_years": "INT64"}
RATING_TYPES = {
    "user_id": "INT64",
    "item_id": "INT64",
    "user_age": "INT64",
    "user_gender": "BYTES",
    "item_category": "BYTES",
    "item_price": "FP32",
}
TYPES = {"kredipusula": CREDIT_TYPES, "recommender": RATING_TYPES}


def run(coroutine):
    return asyncio.run(coroutine)


async def with_client(use):
    client = InferenceRESTClient(RESTConfig(protocol="v2", timeout=180))
    try:
        return await use(client)
    finally:
        await client.close()


def request(model, rows, binary, binary_output=False, outputs=None):
    inputs = []
    for name, datatype in TYPES[model].items():
        data = column(datatype, ROWS[model][name], rows)
        tensor = InferInput(name=name, shape=list(data.shape), datatype=datatype)
        tensor.set_data_from_numpy(data, binary_data=binary)
        inputs.append(tensor)
    return InferRequest(
        model_name=model,
        infer_inputs=inputs,
        parameters={"binary_data_output": True} if binary_output else None,
        request_outputs=outputs,
    )


def test_metadata_types_are_what_the_client_sends(edge_url):
    # The datatypes this module sends are the Worker's own metadata for each model.
    for model, types in TYPES.items():
        inputs = get_json(f"{edge_url}/v2/models/{model}")["inputs"]
        assert {spec["name"]: spec["datatype"] for spec in inputs} == types


def test_server_and_model_readiness(edge_url):
    async def check(client):
        assert await client.is_server_live(edge_url)
        assert await client.is_server_ready(edge_url)
        assert await client.is_model_ready(edge_url, "kredipusula")
        assert await client.is_model_ready(edge_url, "recommender")
        assert not await client.is_model_ready(edge_url, "no_such_model")

    run(with_client(check))


@pytest.mark.parametrize(
    ("model", "version", "output"),
    [
        ("kredipusula", None, "probability"),
        ("kredipusula", "v1_logreg_calibrated", "probability"),
        ("recommender", None, "prediction"),
        ("recommender", "v2_random_forest", "prediction"),
    ],
)
def test_infer_binary_and_json_agree(edge_url, model, version, output):
    name = f"{model}/versions/{version}" if version else model

    # What kserve sends for numpy data with binary_data=True: a JSON header plus raw tensor bytes.
    body, header_length = request(model, 3, True).to_rest()
    assert isinstance(body, bytes) and 0 < header_length < len(body)
    binary_headers, json_headers = {}, {}

    async def infer(client):
        binary = await client.infer(
            edge_url,
            request(model, 3, True, binary_output=True),
            model_name=name,
            response_headers=binary_headers,
        )
        json_result = await client.infer(
            edge_url,
            request(model, 3, False, outputs=[RequestedOutput(output)]),
            model_name=name,
            response_headers=json_headers,
        )
        return binary, json_result

    binary, json_result = run(with_client(infer))
    # kserve decodes binary outputs into numpy (dropping binary_data_size); the framing shows in the headers.
    assert int(binary_headers["inference-header-content-length"]) > 0
    assert binary_headers["content-type"] == "application/octet-stream"
    assert "inference-header-content-length" not in json_headers
    assert json_headers["content-type"].startswith("application/json")
    if version:
        assert binary_headers["x-model-version"] == version and json_headers["x-model-version"] == version
    by_name = {o.name: o for o in binary.outputs}
    assert by_name[output].as_numpy().dtype == np.float32 and by_name[output].as_numpy().shape == (3,)
    assert [o.name for o in json_result.outputs] == [output]
    np.testing.assert_allclose(
        by_name[output].as_numpy(), np.asarray(json_result.outputs[0].as_numpy(), dtype=np.float32), rtol=1e-6
    )
    if model == "kredipusula":
        labels = by_name["label"].as_numpy()
        assert labels.shape == (3,)


def test_version_is_the_one_asked_for(edge_url):
    async def infer(client):
        headers = {}
        await client.infer(
            edge_url,
            request("recommender", 1, True),
            model_name="recommender/versions/v3_rf_tuned",
            response_headers=headers,
        )
        return headers

    headers = run(with_client(infer))
    assert headers["x-model-version"] == "v3_rf_tuned"
