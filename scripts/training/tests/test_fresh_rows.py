"""edge_training.fresh_rows draws events by the generator's own rule (the Worker-side coverage check relies on it)."""

from __future__ import annotations

import pandas as pd

from edge_training import data, fresh_rows


def test_fresh_rows_follow_generate_recommender() -> None:
    # generate_recommender(n, seed=7) draws its events from rng(seed + 1000): the same stream gives the same rows
    frame = fresh_rows.fresh_recommender_rows(2000, seed=1007)
    expected = data.generate_recommender(2000, seed=7).frame[frame.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected)


def test_fresh_rows_are_new_draws_of_the_same_world() -> None:
    fresh = fresh_rows.fresh_recommender_rows(5000, seed=2026)
    training = data.generate_recommender(5000, seed=7).frame
    assert not fresh[["user_id", "item_id"]].equals(training[["user_id", "item_id"]])
    assert set(fresh["rating"]) <= {1, 2, 3, 4, 5}
    assert abs(fresh["rating"].mean() - training["rating"].mean()) < 0.1
