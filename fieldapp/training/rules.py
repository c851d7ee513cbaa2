"""DOMAIN.md's training and guidance rules as data plus pure functions (importable without Flask)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

MIN_TRAININGS_A_YEAR = 2  # rural doctors: at least twice a year ...
MIN_TRAINING_DAYS_A_YEAR = 14  # ... and at least two weeks in total
GUIDANCE_VISITS_A_MONTH = 1  # county staff: at least one guidance visit or training a month


class GuidancePlace(StrEnum):
    """Where a guidance visit took place."""

    TOWNSHIP = "township"
    VILLAGE = "village"


def meets_training_rule(trainings: int, days: int) -> bool:
    """At least 2 trainings and at least 14 days in the year (two of 6 and 7 days: 13, not met)."""
    return trainings >= MIN_TRAININGS_A_YEAR and days >= MIN_TRAINING_DAYS_A_YEAR


def guidance_months_required(year: int, today: date) -> int:
    """The months of ``year`` that must each have had a guidance visit by ``today``: the ended ones."""
    if year < today.year:
        return 12
    if year > today.year:
        return 0
    return today.month - 1


def training_share(days: int, months: int) -> float:
    """The assessment's training part: days trained so far against 14 days pro rata.

    ``months`` is how many months of the year the assessed period reaches (3 for the
    first quarter, 12 for the year): 14 × months / 12 days are due by then; more than
    that counts as 1.
    """
    due = MIN_TRAINING_DAYS_A_YEAR * months / 12
    return 1.0 if due <= 0 else min(1.0, days / due)
