"""The assessment's parts and score as data plus pure functions (importable without Flask)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class Part(StrEnum):
    """The parts of a village doctor's assessment, in the order the sheet shows them."""

    QUANTITY = "quantity"
    TIMELINESS = "timeliness"
    COMPLETENESS = "completeness"
    AUTHENTICITY = "authenticity"
    OUTCOMES = "outcomes"
    TRAINING = "training"


PARTS = tuple(Part)
DEFAULT_WEIGHT = 1.0  # equal weights until the county sets its own
MAX_WEIGHT = 100.0
PLACES = Decimal("0.0001")


def fraction(part: int, whole: int, cap: bool = False) -> float | None:
    """``part / whole`` to 4 places (at most 1 when ``cap``); None when there is nothing to measure."""
    if whole == 0:
        return None
    value = Decimal(part) / Decimal(whole)
    if cap:
        value = min(value, Decimal(1))
    return float(value.quantize(PLACES, rounding=ROUND_HALF_UP))


def score(parts: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """The weighted mean of the parts that could be measured (a part with nothing to measure is left out)."""
    measured = [
        (value, weights.get(name, DEFAULT_WEIGHT)) for name, value in parts.items() if value is not None
    ]
    total = sum(weight for _value, weight in measured)
    if not measured or total <= 0:
        return None
    mean = Decimal(sum(value * weight for value, weight in measured)) / Decimal(total)
    return float(mean.quantize(PLACES, rounding=ROUND_HALF_UP))
