"""Delivery providers: the only code that imports twilio or pywebpush."""

from __future__ import annotations


class DeliveryError(Exception):
    """A provider did not take a message."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class RetryableDeliveryError(DeliveryError):
    """Refused or unreachable for now (429, 5xx, network): try again later."""


class PermanentDeliveryError(DeliveryError):
    """Refused for good: trying again will not help."""


class InvalidNumberError(PermanentDeliveryError):
    """The number itself is wrong (Twilio 21211, 21614): flag the phone."""


class GoneSubscriptionError(PermanentDeliveryError):
    """The push service no longer knows this subscription (404, 410): forget it."""
