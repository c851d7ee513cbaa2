"""Resident identity numbers (GB 11643-1999), checked by their check digit."""

from __future__ import annotations

import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PATTERN = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize_id_number(raw: str) -> str | None:
    """The upper-cased identity number if it is well-formed and its check digit right, else None."""
    value = raw.strip().upper()
    if not PATTERN.match(value):
        return None
    return value if check_digit(value[:17]) == value[17] else None
