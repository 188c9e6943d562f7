"""Data generators are deterministic and have the documented domains."""

from __future__ import annotations

import numpy as np

from edge_training import data


def test_credit_generator_is_deterministic() -> None:
    a = data.generate_credit(n=2000, seed=42)
    b = data.generate_credit(n=2000, seed=42)
    assert data.frame_sha256(a.frame) == data.frame_sha256(b.frame)
    assert data.frame_sha256(a.frame) != data.frame_sha256(data.generate_credit(n=2000, seed=43).frame)


def test_credit_domains_and_signal() -> None:
    ds = data.generate_credit(n=6000, seed=42)
    f = ds.frame
    assert list(f.columns) == ["income", "age", "credit_history", "loan_amount", "employment_years", "approved"]
    assert set(f.credit_history) == set(data.CREDIT_HISTORY)
    assert f.age.between(18, 75).all() and (f.income > 0).all() and (f.loan_amount > 0).all()
    assert (f.employment_years <= f.age - 18).all() and (f.employment_years >= 0).all()
    assert set(f.approved) == {0, 1} and 0.5 < f.approved.mean() < 0.9
    # documented signal: good history approved more often than poor; lower debt-to-income approved more
    by_history = f.groupby("credit_history").approved.mean()
    assert by_history["good"] > by_history["fair"] > by_history["poor"]
    dti = f.loan_amount / f.income
    assert f.approved[dti < dti.median()].mean() > f.approved[dti >= dti.median()].mean() + 0.1


def test_recommender_generator_is_deterministic() -> None:
    a = data.generate_recommender(n=3000)
    b = data.generate_recommender(n=3000)
    assert data.frame_sha256(a.frame) == data.frame_sha256(b.frame)
    assert data.frame_sha256(a.frame) != data.frame_sha256(data.generate_recommender(n=3000, seed=8).frame)


def test_recommender_domains_and_catalog() -> None:
    f = data.generate_recommender().frame
    assert list(f.columns) == ["user_id", "item_id", "user_age", "user_gender", "item_category", "item_price", "rating"]
    assert f.user_id.between(1, 100).all() and f.item_id.between(1, 50).all()
    assert f.user_age.between(18, 70).all() and set(f.user_gender) == {"M", "F"}
    assert set(f.item_category) <= {"A", "B", "C"} and f.item_price.between(10, 100).all()
    assert set(f.rating) == {1, 2, 3, 4, 5}
    # items have one fixed category and price, equal to the catalog's
    catalog = {row["item_id"]: row for row in data.item_catalog()}
    assert len(catalog) == 50
    for item_id, group in f.groupby("item_id"):
        assert group.item_category.nunique() == 1 and group.item_price.nunique() == 1
        assert catalog[item_id]["item_category"] == group.item_category.iloc[0]
        assert catalog[item_id]["item_price"] == group.item_price.iloc[0]
    # users have fixed attributes
    assert (f.groupby("user_id")[["user_age", "user_gender"]].nunique() == 1).all().all()
    # prices and ages are exactly representable in float32 (the edge feeds float32 tensors)
    assert np.array_equal(f.item_price.to_numpy(np.float32).astype(np.float64), f.item_price.to_numpy())


def test_german_credit_ships_in_package() -> None:
    ds = data.load_german_credit()
    assert ds.frame.shape == (1000, 21)
    assert int(ds.y.sum()) == 300
    assert data.german_credit_csv().name == "germancredit.csv"
