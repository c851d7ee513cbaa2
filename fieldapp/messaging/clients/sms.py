"""SMS providers: Twilio's REST API, and an outbox that only records."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.request import getproxies

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from fieldapp.messaging.clients import InvalidNumberError, PermanentDeliveryError, RetryableDeliveryError
from fieldapp.messaging.decisions import INVALID_NUMBER_CODES

log = logging.getLogger(__name__)
# The twilio library logs every request's headers at INFO (eleven lines a message): warnings only.
http_log = logging.getLogger(f"{__name__}.http")
http_log.setLevel(logging.WARNING)

TWILIO_API = "https://api.twilio.com"


@dataclass(frozen=True)
class Accepted:
    """The provider took a message: its id there and its status."""

    sid: str
    status: str


class SmsClient(Protocol):
    """What a worker needs from an SMS provider."""

    name: str

    def send(self, *, message_id: str, to: str, body: str, status_callback: str) -> Accepted:
        """Hand one message to the provider; raises our delivery errors."""

    def find_sent(self, *, to: str, body: str, since: datetime) -> Accepted | None:
        """The message the provider took since ``since`` with this recipient and body, if any."""


class OutboxClient:
    """Records instead of sending (``SMS_PROVIDER=outbox``): demo and development."""

    name = "outbox"

    def send(self, *, message_id: str, to: str, body: str, status_callback: str) -> Accepted:
        """Pretend the network took it."""
        log.info("outbox: message %s to %s recorded, not sent", message_id, to[-4:])
        return Accepted(sid=f"outbox-{message_id}", status="sent")

    def find_sent(self, *, to: str, body: str, since: datetime) -> Accepted | None:
        """Nothing leaves the outbox, so nothing can have been sent behind our back."""
        return None


class _TwilioHttp(TwilioHttpClient):
    """Twilio's HTTP client, optionally pointed at ``TWILIO_API_BASE_URL`` (staging, tests).

    Proxies come from the environment once, at start: requests would otherwise scan
    the whole environment on every message.
    """

    def __init__(self, base_url: str | None, timeout: float) -> None:
        proxies = {k: v for k, v in getproxies().items() if k in ("http", "https")}
        super().__init__(timeout=timeout, logger=http_log, proxy=proxies or None)
        if self.session is not None:
            self.session.trust_env = False
        self.base_url = (base_url or TWILIO_API).rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class TwilioClient:
    """Twilio's Messages API through the twilio library."""

    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str | None,
        messaging_service_sid: str | None,
        base_url: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not (sender or messaging_service_sid):
            raise PermanentDeliveryError("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID must be set")
        self._client = Client(account_sid, auth_token, http_client=_TwilioHttp(base_url, timeout))
        self._sender = (
            {"messaging_service_sid": messaging_service_sid} if messaging_service_sid else {"from_": sender}
        )

    def send(self, *, message_id: str, to: str, body: str, status_callback: str) -> Accepted:
        """Create the message at Twilio."""
        try:
            created = self._client.messages.create(
                to=to, body=body, status_callback=status_callback, **self._sender
            )
        except TwilioRestException as error:
            raise _as_delivery_error(error) from error
        except (requests.RequestException, TwilioException) as error:
            raise RetryableDeliveryError(f"Twilio unreachable: {error}") from error
        return Accepted(sid=str(created.sid), status=str(created.status or "queued"))

    def find_sent(self, *, to: str, body: str, since: datetime) -> Accepted | None:
        """Look through the messages Twilio sent to ``to`` since ``since`` for this body."""
        try:
            found = self._client.messages.list(to=to, date_sent_after=since - timedelta(days=1), limit=50)
        except TwilioRestException as error:
            raise _as_delivery_error(error) from error
        except (requests.RequestException, TwilioException) as error:
            raise RetryableDeliveryError(f"Twilio unreachable: {error}") from error
        for item in found:
            created = item.date_created
            if item.body == body and (created is None or created >= since - timedelta(minutes=1)):
                return Accepted(sid=str(item.sid), status=str(item.status or "queued"))
        return None


def _as_delivery_error(error: TwilioRestException) -> Exception:
    code = str(error.code) if error.code is not None else str(error.status)
    if error.code in INVALID_NUMBER_CODES:
        return InvalidNumberError(error.msg, code=code)
    if error.status == 429 or error.status >= 500:
        return RetryableDeliveryError(error.msg, code=code)
    return PermanentDeliveryError(error.msg, code=code)


def build_sms_client(config: dict[str, Any]) -> SmsClient:
    """The provider ``SMS_PROVIDER`` names."""
    if config["SMS_PROVIDER"] == "twilio":
        return TwilioClient(
            account_sid=config["TWILIO_ACCOUNT_SID"],
            auth_token=config["TWILIO_AUTH_TOKEN"],
            sender=config.get("TWILIO_FROM"),
            messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
            base_url=config.get("TWILIO_API_BASE_URL"),
        )
    return OutboxClient()
