"""The R2 data lake (docs/data-lake.md) read by DuckDB recomputes what the Worker states.

``npx tsx scripts/monitoring/lake-session.ts --out <dir>`` starts a fresh local Worker (``wrangler dev``), posts
recommender predictions on two versions (batches and single rows) and ground truth for 80 % of them, waits for the
queue consumer, runs the cron, copies every object of the ``LOGS`` bucket to ``<dir>`` (keys as paths) and prints
the Worker's ``/traffic`` answer and the cron's full report. This test then reads the gzip NDJSON partitions with
DuckDB SQL only (no shared code with the Worker) and asserts:

* the layout: ``predictions/model=recommender/date=YYYY-MM-DD/hour=HH/<batch>.ndjson.gz`` and ``feedback/…``, every
  prediction the Worker answered present once (by id), with the output the client got;
* ``/traffic``: requests and rows per version, the per-request latency maximum;
* the report: rows per version, mean prediction, the default version's prediction PSI against its manifest's
  reference bins, and RMSE / MAE / n of the default version on labelled rows, equal to 1e-9.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest

from edge_training.manifest import REPO_ROOT

TOLERANCE = 1e-9
PARTITION = re.compile(
    r"^(predictions|feedback)/model=recommender/date=\d{4}-\d{2}-\d{2}/hour=\d{2}/[\w.-]+\.ndjson\.gz$"
)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("lake")
    npx = shutil.which("npx")
    assert npx, "npx (Node) is required to start the local Worker"
    completed = subprocess.run(
        [npx, "tsx", "scripts/monitoring/lake-session.ts", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    answer: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return out, answer


@pytest.fixture(scope="module")
def lake(session: tuple[Path, dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    out, _ = session
    con = duckdb.connect()
    predictions = (out / "predictions/model=recommender/*/*/*.ndjson.gz").as_posix()
    feedback = (out / "feedback/model=recommender/*/*/*.ndjson.gz").as_posix()
    con.execute(
        f"""
        CREATE VIEW raw_predictions AS
        SELECT * FROM read_json_auto('{predictions}', union_by_name = true, hive_partitioning = false);
        CREATE VIEW predictions AS
        SELECT * FROM raw_predictions QUALIFY row_number() OVER (PARTITION BY id ORDER BY ts) = 1;
        CREATE VIEW feedback AS
        SELECT * FROM read_json_auto('{feedback}', union_by_name = true, hive_partitioning = false)
        QUALIFY row_number() OVER (PARTITION BY prediction_id ORDER BY ts DESC) = 1;
        """
    )
    return con


def rows_of(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_layout_holds_every_prediction_once_with_the_answered_output(
    session: tuple[Path, dict[str, Any]], lake: duckdb.DuckDBPyConnection
) -> None:
    _, answer = session
    keys: list[str] = answer["keys"]
    assert keys, "the lake is empty"
    lake_keys = [key for key in keys if not key.startswith("spill/")]
    assert all(PARTITION.match(key) for key in lake_keys), lake_keys
    assert any(key.startswith("feedback/") for key in lake_keys)
    assert not any(key.startswith("spill/") for key in keys), "nothing should be spilled in a healthy session"
    sent = {item["id"]: item["value"] for item in answer["sent"]}
    # DuckDB types uuid-shaped ids as UUID: compare them as text.
    stored = {row["id"]: row["output"] for row in rows_of(lake, "SELECT id::VARCHAR AS id, output FROM predictions")}
    assert stored.keys() == sent.keys()
    assert all(abs(stored[key] - sent[key]) <= TOLERANCE for key in sent)
    raw = rows_of(lake, "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM raw_predictions")[0]
    assert raw["n"] == raw["ids"], "a batch was written twice under two keys"


def test_traffic_requests_rows_and_latency_per_version(
    session: tuple[Path, dict[str, Any]], lake: duckdb.DuckDBPyConnection
) -> None:
    _, answer = session
    worker: dict[str, dict[str, float]] = {}
    for bucket in answer["traffic"]["buckets"]:
        if bucket["route"] != "served":
            continue
        seen = worker.setdefault(bucket["version"], {"requests": 0, "rows": 0, "latency_max_ms": 0.0})
        seen["requests"] += bucket["requests"]
        seen["rows"] += bucket["rows"]
        seen["latency_max_ms"] = max(seen["latency_max_ms"], bucket["latency_max_ms"])
    duck = {
        row["version"]: row
        for row in rows_of(
            lake,
            """
            SELECT version, count(DISTINCT request_id) AS requests, count(*) AS rows,
                   max(latency_ms) AS latency_max_ms
            FROM predictions WHERE route <> 'shadow' GROUP BY version
            """,
        )
    }
    assert set(worker) == set(duck) == set(answer["versions"])
    for version, figures in worker.items():
        assert figures["requests"] == duck[version]["requests"], version
        assert figures["rows"] == duck[version]["rows"], version
        assert abs(figures["latency_max_ms"] - duck[version]["latency_max_ms"]) <= TOLERANCE, version
    assert sum(figures["requests"] for figures in worker.values()) == answer["requests"]


def test_report_rows_mean_prediction_and_rmse(
    session: tuple[Path, dict[str, Any]], lake: duckdb.DuckDBPyConnection
) -> None:
    _, answer = session
    report = answer["report"]
    default = report["default_version"]
    duck = {
        row["version"]: row
        for row in rows_of(
            lake,
            """
            SELECT p.version, count(*) AS rows, avg(p.output) AS mean_prediction,
                   count(f.actual) AS labelled,
                   sqrt(avg((p.output - f.actual) ^ 2)) AS rmse,
                   avg(abs(p.output - f.actual)) AS mae
            FROM predictions p LEFT JOIN feedback f ON f.prediction_id::VARCHAR = p.id::VARCHAR
            WHERE p.route <> 'shadow' AND p.status = 'ok'
            GROUP BY p.version
            """,
        )
    }
    for version in answer["versions"]:
        assert report["ops"]["by_version"][version]["rows"] == duck[version]["rows"], version
        stated_mean = report["prediction_drift"][version]["mean"]
        assert abs(stated_mean - duck[version]["mean_prediction"]) <= TOLERANCE, version
    performance = report["performance"]["default"]
    assert performance["n"] == duck[default]["labelled"] > 0
    assert abs(performance["rmse"] - duck[default]["rmse"]) <= TOLERANCE
    assert abs(performance["mae"] - duck[default]["mae"]) <= TOLERANCE


# PSI on the manifest's prediction bins: bin = #edges <= x (numpy searchsorted "right"), proportions floored at 1e-4.
PSI_SQL = """
WITH reference AS (
    SELECT bin - 1 AS bin, expected FROM unnest($proportions::DOUBLE[]) WITH ORDINALITY AS t(expected, bin)
), binned AS (
    SELECT len(list_filter($edges::DOUBLE[], edge -> edge <= output)) AS bin
    FROM predictions WHERE version = $version AND route NOT IN ('shadow', 'recommend') AND status = 'ok'
), counts AS (
    SELECT bin, count(*) AS c FROM binned GROUP BY bin
), shares AS (
    SELECT greatest(coalesce(c, 0) / (SELECT count(*) FROM binned), 1e-4) AS actual, greatest(expected, 1e-4) AS expected
    FROM reference LEFT JOIN counts USING (bin)
)
SELECT sum((actual - expected) * ln(actual / expected)) AS psi FROM shares
"""


def test_report_prediction_psi_of_the_default_version(
    session: tuple[Path, dict[str, Any]], lake: duckdb.DuckDBPyConnection
) -> None:
    _, answer = session
    report = answer["report"]
    default = report["default_version"]
    manifest = json.loads((REPO_ROOT / "models" / "recommender" / default / "manifest.json").read_text())
    bins = manifest["reference"]["prediction"]["bins"]
    row = lake.execute(
        PSI_SQL, {"proportions": bins["proportions"], "edges": bins["edges"], "version": default}
    ).fetchone()
    assert row is not None
    stated = report["prediction_drift"][default]["psi"]
    assert stated is not None
    assert abs(stated - row[0]) <= TOLERANCE
