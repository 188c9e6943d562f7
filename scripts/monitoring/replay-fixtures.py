"""Traffic drawn from the training distributions, for the drift replay test and the demo session.

Uses the training package's own generators (scripts/training/edge_training/data.py), with event seeds
different from training's: recommender rows come from the same fixed world (users/items, seed 7) with new
rating events; credit rows are new applicants. Each row carries its ground truth for feedback.
Run: `.venv/bin/python scripts/monitoring/replay-fixtures.py` -> test/fixtures/monitoring/replay-traffic.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "training"))

from edge_training import data  # noqa: E402

OUT = ROOT / "test" / "fixtures" / "monitoring" / "replay-traffic.json"
WORLD_SEED = 7  # the recommender's users and items never change; only the rating events are redrawn
_world = data.recommender_world
data.recommender_world = lambda seed=WORLD_SEED: _world(WORLD_SEED)  # type: ignore[assignment]


def columns(frame, target: str) -> dict:
    out = {name: frame[name].tolist() for name in frame.columns if name != target}
    out["__actual__"] = frame[target].tolist()
    return out


def main() -> None:
    fixture = {
        "generated_by": "scripts/monitoring/replay-fixtures.py",
        "recommender": {str(seed): columns(data.generate_recommender(n=500, seed=seed).frame, "rating") for seed in (101, 102, 103, 104)},
        "kredipusula": {str(seed): columns(data.generate_credit(n=300, seed=seed).frame, "approved") for seed in (201, 202)},
    }
    OUT.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
