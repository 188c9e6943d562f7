"""Fresh recommender rows from the training world (seed 7) for the drift replay measurement.

Writes /tmp/i12e/pool.json: {"rows": {column: [...]}, "id_reference": ...} where the id reference is an
independent 4,800-row draw (the shipped reference's size). Used by scripts/monitoring/drift-replay-suite.ts.
Run: PYTHONPATH=scripts/training .venv/bin/python scripts/monitoring/drift-replay-pool.py [rows]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from edge_training import data
from edge_training.id_reference import id_reference

WORLD_SEED = 7
_world = data.recommender_world
data.recommender_world = lambda seed=WORLD_SEED: _world(WORLD_SEED)  # type: ignore[assignment]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 600_000
    pool = data.generate_recommender(n=rows, seed=9001).frame.drop(columns=["rating"])
    reference = data.generate_recommender(n=4800, seed=9002).frame
    out = Path("/tmp/i12e/pool.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "rows": {name: pool[name].tolist() for name in pool.columns},
        "id_reference": id_reference(reference, ("user_id", "item_id")),
    }
    out.write_text(json.dumps(payload, separators=(",", ":")))
    print(f"wrote {out} ({rows} rows)")


if __name__ == "__main__":
    main()
