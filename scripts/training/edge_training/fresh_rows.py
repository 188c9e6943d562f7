"""Fresh rating events from the recommender generator's world, for checks through the Worker.

`python -m edge_training.fresh_rows --n 6000 --seed 2026 --out rows.jsonl` writes one JSON object per line: the
six features of POST /predict plus `rating` (the generator's rule: round(appeal + N(0, 0.35)) clipped to 1..5).
The world (users, items, latent effects) is recommender_world(7), the one the shipped versions were trained on;
the events come from their own rng, so they are independent of the training, calibration and holdout rows.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from edge_training import data


def fresh_recommender_rows(n: int, seed: int, world_seed: int = 7) -> pd.DataFrame:
    world = data.recommender_world(world_seed)
    rng = np.random.default_rng(seed)
    users = world.users.iloc[rng.integers(0, data.N_USERS, size=n)].reset_index(drop=True)
    items = world.items.iloc[rng.integers(0, data.N_ITEMS, size=n)].reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "user_id": users["user_id"].to_numpy(),
            "item_id": items["item_id"].to_numpy(),
            "user_age": users["user_age"].to_numpy().astype(np.int64),
            "user_gender": users["user_gender"].to_numpy(),
            "item_category": items["item_category"].to_numpy(),
            "item_price": items["item_price"].to_numpy().astype(np.float64),
        }
    )
    appeal = data.recommender_expected_appeal(frame, world_seed) + rng.normal(0.0, data.RECOMMENDER_NOISE, n)
    frame["rating"] = np.clip(np.round(appeal), 1, 5).astype(np.int64)
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    frame = fresh_recommender_rows(args.n, args.seed)
    lines = (
        json.dumps({k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
        for row in frame.to_dict("records")
    )
    Path(args.out).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
