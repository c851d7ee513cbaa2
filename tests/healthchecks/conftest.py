"""The screening tests' place: a township, its village, doctor and resident, and a stranger."""

from tests.screenings.conftest import Place, place

__all__ = ["Place", "place"]
