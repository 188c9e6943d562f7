"""Shared fixtures: the running Worker's URL (test/clients/run.sh starts it and sets EDGE_URL)."""

import os
import json
import urllib.request

import numpy as np
import pytest

# The seeds' curl examples (test/support/seed-requests.ts), one value per input.
CREDIT_ROW = {"income": 50000, "age": 35, "credit_history": "good", "loan_amount": 10000, "employment_years": 5}
RATING_ROW = {"user_id": 1, "item_id": 1, "user_age": 25, "user_gender": "M", "item_category": "A", "item_price": 50.0}
ROWS = {"kredipusula": CREDIT_ROW, "recommender": RATING_ROW}

NUMPY_TYPES = {"FP32": np.float32, "FP64": np.float64, "INT32": np.int32, "INT64": np.int64, "BOOL": np.bool_}


@pytest.fixture(scope="session")
def edge_url() -> str:
    url = os.environ.get("EDGE_URL")
    if not url:
        pytest.fail("EDGE_URL is not set: run test/clients/run.sh, which starts a Worker and sets it")
    return url.rstrip("/")


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (loopback test server)
        return json.load(response)


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (loopback test server)
        return json.load(response)


def column(datatype: str, value, rows: int) -> np.ndarray:
    """One input column of `rows` copies of `value`, shaped [rows, 1] as the metadata declares ([-1, 1])."""
    if datatype == "BYTES":
        return np.array([[str(value).encode("utf-8")] for _ in range(rows)], dtype=np.object_)
    return np.full((rows, 1), value, dtype=NUMPY_TYPES[datatype])
