"""Feature schemas of the three models: names, kinds, ranges and categories (the serving contract)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import data as d


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str  # "number" | "integer" | "category"
    description: str = ""
    min: float | None = None
    max: float | None = None
    values: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_category(self) -> bool:
        return self.kind == "category"


def numeric(features: list[Feature]) -> list[str]:
    return [f.name for f in features if not f.is_category]


def categorical(features: list[Feature]) -> list[str]:
    return [f.name for f in features if f.is_category]


CREDIT_FEATURES: list[Feature] = [
    Feature("income", "number", "Yearly income in currency units", 0, 10_000_000),
    Feature("age", "integer", "Applicant age in years", 18, 100),
    Feature("credit_history", "category", "Past repayment record", values=tuple(d.CREDIT_HISTORY)),
    Feature("loan_amount", "number", "Requested loan amount in currency units", 0, 10_000_000),
    Feature("employment_years", "integer", "Years with the current employer", 0, 80),
]

RECOMMENDER_FEATURES: list[Feature] = [
    Feature("user_id", "integer", "User identifier (1-100)", 1, d.N_USERS),
    Feature("item_id", "integer", "Item identifier (1-50)", 1, d.N_ITEMS),
    Feature("user_age", "integer", "User age in years (seed domain 18-70)", 18, 100),
    Feature("user_gender", "category", "User gender", values=tuple(d.GENDERS)),
    Feature("item_category", "category", "Item category", values=tuple(d.CATEGORIES)),
    Feature("item_price", "number", "Item price (seed domain 10-100)", 0, 1000),
]

_GERMAN_RANGES: dict[str, tuple[float, float, str]] = {
    "duration_in_month": (1, 120, "Duration of the credit in months"),
    "credit_amount": (0, 100_000, "Credit amount in DM"),
    "installment_rate_in_percentage_of_disposable_income": (1, 4, "Installment rate, % of disposable income (1-4)"),
    "present_residence_since": (1, 4, "Present residence since (1-4)"),
    "age_in_years": (18, 100, "Age in years"),
    "number_of_existing_credits_at_this_bank": (1, 10, "Number of existing credits at this bank"),
    "number_of_people_being_liable_to_provide_maintenance_for": (
        0,
        10,
        "Number of people liable to provide maintenance for",
    ),
}


def german_features(frame: pd.DataFrame) -> list[Feature]:
    """Feature list in the data set's column order; categories are the values the data holds."""
    features: list[Feature] = []
    for column in frame.columns:
        if column == "bad":
            continue
        if column in _GERMAN_RANGES:
            lo, hi, text = _GERMAN_RANGES[column]
            features.append(Feature(column, "integer", text, lo, hi))
        else:
            values = tuple(sorted(frame[column].astype(str).unique()))
            features.append(Feature(column, "category", column.replace("_", " "), values=values))
    return features
