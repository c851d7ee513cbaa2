"""Every SMS and push text, in the reader's language (catalog domain ``sms``).

Texts to residents are signed with their township centre and end with the
opt-out hint; none carries a diagnosis or a measurement (a phone is not a
private channel). Staff texts name the referral number, urgency, township and
facility, never the resident.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypedDict, TypeVar

from flask_babel import Domain, force_locale, get_locale

from fieldapp import glossary
from fieldapp.timeutil import to_local

TRANSLATIONS = str(Path(__file__).resolve().parent.parent / "translations")
SMS_DOMAIN = Domain(translation_directories=[TRANSLATIONS], domain="sms")
LANGUAGES = ("zh", "en")


class PushPayload(TypedDict):
    """What a push notification shows: a title, a short text and where a tap leads."""

    title: str
    body: str
    url: str


def _(text: str, **values: Any) -> str:
    return str(SMS_DOMAIN.gettext(text, **values))


T = TypeVar("T")


def _in(lang: str, build: Callable[[], T]) -> T:
    with force_locale(lang if lang in LANGUAGES else "zh"):
        return build()


def _day(value: date) -> str:
    return _("%(month)d/%(day)d", month=value.month, day=value.day)


def _instant(value: datetime) -> str:
    local = to_local(value)
    return _("%(month)d/%(day)d %(time)s", month=local.month, day=local.day, time=f"{local:%H:%M}")


def _resident_sms(centre_name: str, line: str) -> str:
    return _("[%(centre)s] %(line)s Reply TD to opt out", centre=centre_name, line=line)


def _lang() -> str:
    return "en" if str(get_locale() or "").startswith("en") else "zh"


def _urgency(urgency: str) -> str:
    """The glossary's word for an urgency, as every surface uses it (lower case inside English text)."""
    word = glossary.label("urgency", urgency, _lang())
    return word.lower() if _lang() == "en" else word


def _reference(number: str | int) -> str:
    return f"R-{number:06d}" if isinstance(number, int) else number


# Texts to residents


def _addressed(names: tuple[str, ...], line: str) -> str:
    """A household phone's text names whom it is about (never their condition)."""
    if not names:
        return line
    return _("%(names)s: %(line)s", names=_("、").join(names), line=line)


def reminder_text(due_on: date, centre_name: str, lang: str, names: tuple[str, ...] = ()) -> str:
    """A follow-up falls due soon (``names``: the residents of a shared phone it is about)."""
    return _in(
        lang,
        lambda: _resident_sms(
            centre_name,
            _addressed(
                names,
                _(
                    "Your health check-up is due on %(date)s: please visit your village clinic or the "
                    "township health centre.",
                    date=_day(due_on),
                ),
            ),
        ),
    )


def overdue_text(centre_name: str, lang: str, names: tuple[str, ...] = ()) -> str:
    """A follow-up is a week or more overdue (``names`` as for reminders)."""
    return _in(
        lang,
        lambda: _resident_sms(
            centre_name,
            _addressed(
                names,
                _(
                    "Your health check-up is overdue: please visit your village clinic or the health centre soon."
                ),
            ),
        ),
    )


def patrol_text(patrol_date: date, village_name: str, centre_name: str, lang: str) -> str:
    """The township team comes to the village tomorrow."""
    return _in(
        lang,
        lambda: _resident_sms(
            centre_name,
            _(
                "The health centre team visits %(village)s on %(date)s. You are welcome to come.",
                village=village_name,
                date=_day(patrol_date),
            ),
        ),
    )


def contract_renewal_text(ends_on: date, centre_name: str, lang: str) -> str:
    """A family-doctor contract ends in 30 days: an invitation to renew."""
    return _in(
        lang,
        lambda: _resident_sms(
            centre_name,
            _(
                "Your family doctor contract ends on %(date)s. Please contact your family doctor team "
                "to renew it.",
                date=_day(ends_on),
            ),
        ),
    )


def stationing_text(first: date, until: date, village_name: str, centre_name: str, lang: str) -> str:
    """The township's staff are stationed in the village from tomorrow."""
    return _in(
        lang,
        lambda: _resident_sms(
            centre_name,
            _(
                "Health centre staff are stationed in %(village)s from %(first)s to %(until)s. "
                "You are welcome to come.",
                village=village_name,
                first=_day(first),
                until=_day(until),
            ),
        ),
    )


def patrol_moved_text(first: date, until: date | None, village_name: str, centre_name: str, lang: str) -> str:
    """Correction: the patrol (or stationing) the resident was told of has new dates."""

    def build() -> str:
        if until is None or until == first:
            line = _(
                "Correction: the health centre team now visits %(village)s on %(date)s.",
                village=village_name,
                date=_day(first),
            )
        else:
            line = _(
                "Correction: health centre staff are now stationed in %(village)s from %(first)s to %(until)s.",
                village=village_name,
                first=_day(first),
                until=_day(until),
            )
        return _resident_sms(centre_name, line)

    return _in(lang, build)


def patrol_cancelled_text(first: date, village_name: str, centre_name: str, lang: str) -> str:
    """Correction: the patrol (or stationing) the resident was told of will not take place."""
    return _in(
        lang,
        lambda: _resident_sms(
            centre_name,
            _(
                "Correction: the health centre visit to %(village)s on %(date)s is cancelled.",
                village=village_name,
                date=_day(first),
            ),
        ),
    )


def referral_accepted_resident_text(
    facility_name: str, appointment_at: datetime | None, centre_name: str, lang: str
) -> str:
    """The county facility has accepted the resident's referral."""

    def build() -> str:
        if appointment_at is None:
            line = _(
                "%(facility)s has accepted your referral and will tell you when to come.",
                facility=facility_name,
            )
        else:
            line = _(
                "%(facility)s has accepted your referral: please come on %(time)s.",
                facility=facility_name,
                time=_instant(appointment_at),
            )
        return _resident_sms(centre_name, line)

    return _in(lang, build)


def verification_text(resident_name: str, performed_on: date, centre_name: str, lang: str) -> str:
    """The centre asks whether the doctor followed the named resident up that day (no diagnosis)."""
    return _in(
        lang,
        lambda: _resident_sms(
            centre_name,
            _(
                "Did your village doctor follow up %(name)s on %(date)s? Reply 1 if so, 2 if not.",
                name=resident_name,
                date=_day(performed_on),
            ),
        ),
    )


def opted_out_text(centre_name: str, lang: str) -> str:
    """Answer to TD: confirmed, and how to come back (no opt-out hint: they just used it)."""
    return _in(
        lang,
        lambda: _(
            "[%(centre)s] You will get no more messages from us. Reply START to subscribe again.",
            centre=centre_name,
        ),
    )


def opted_in_text(centre_name: str, lang: str) -> str:
    """Answer to START: messages resume."""
    return _in(lang, lambda: _resident_sms(centre_name, _("You will get our health reminders again.")))


def confirmed_text(centre_name: str, lang: str) -> str:
    """Answer to 1: the appointment is confirmed."""
    return _in(lang, lambda: _resident_sms(centre_name, _("Thank you: your appointment is confirmed.")))


def default_centre_name(lang: str) -> str:
    """The signature when a number belongs to no known resident."""
    return _in(lang, lambda: _("County health service"))


# Texts to staff (SMS and push share the line; neither names the resident)


def _created_line(number: str | int, urgency: str, township_name: str, facility_name: str) -> str:
    return _(
        "New %(urgency)s referral %(number)s from %(township)s to %(facility)s: please accept it.",
        urgency=_urgency(urgency),
        number=_reference(number),
        township=township_name,
        facility=facility_name,
    )


def _escalated_line(
    number: str | int, urgency: str, township_name: str, facility_name: str, level: int
) -> str:
    return _(
        "%(urgency)s referral %(number)s (%(township)s to %(facility)s) is not accepted yet: "
        "escalation level %(level)d.",
        urgency=_urgency(urgency),
        number=_reference(number),
        township=township_name,
        facility=facility_name,
        level=level,
    )


def _accepted_line(number: str | int, facility_name: str) -> str:
    return _(
        "%(facility)s has accepted referral %(number)s.", facility=facility_name, number=_reference(number)
    )


def _completed_line(number: str | int, facility_name: str) -> str:
    return _(
        "%(facility)s has completed referral %(number)s: follow-up due within 14 days.",
        facility=facility_name,
        number=_reference(number),
    )


def _product() -> str:
    return glossary.PRODUCT.en if _lang() == "en" else glossary.PRODUCT.zh


def _staff_sms(line: str) -> str:
    return _("[%(product)s] %(line)s", product=_product(), line=line)


def _signed(title: str) -> str:
    """A push title signed with the product's name, as staff SMS are."""
    return f"{_product()} · {title}"


def referral_created_text(
    number: str | int, urgency: str, township_name: str, facility_name: str, lang: str
) -> str:
    """SMS to a facility: a new referral waits for acceptance."""
    return _in(lang, lambda: _staff_sms(_created_line(number, urgency, township_name, facility_name)))


def referral_escalated_text(
    number: str | int, urgency: str, township_name: str, facility_name: str, level: int, lang: str
) -> str:
    """SMS to whoever an escalation level tells."""
    return _in(
        lang, lambda: _staff_sms(_escalated_line(number, urgency, township_name, facility_name, level))
    )


def referral_completed_staff_text(number: str | int, facility_name: str, lang: str) -> str:
    """SMS to the referring doctor: the referral came back down."""
    return _in(lang, lambda: _staff_sms(_completed_line(number, facility_name)))


def referral_push(
    event: str,
    *,
    number: str | int,
    urgency: str,
    township_name: str,
    facility_name: str,
    url: str,
    lang: str,
    level: int = 0,
) -> PushPayload:
    """Push payload for a referral event: ``created``, ``escalated``, ``accepted`` or ``completed``."""

    def build() -> PushPayload:
        lines = {
            "created": lambda: _created_line(number, urgency, township_name, facility_name),
            "escalated": lambda: _escalated_line(number, urgency, township_name, facility_name, level),
            "accepted": lambda: _accepted_line(number, facility_name),
            "completed": lambda: _completed_line(number, facility_name),
        }
        title = _signed(_("Referral %(number)s", number=_reference(number)))
        return PushPayload(title=title, body=lines[event](), url=url)

    return _in(lang, build)


def overdue_digest_push(count: int, url: str, lang: str) -> PushPayload:
    """The daily push to a doctor: how many follow-ups fell overdue today."""
    return _in(
        lang,
        lambda: PushPayload(
            title=_signed(_("Overdue follow-ups")),
            body=_("%(count)d follow-ups fell overdue today.", count=count),
            url=url,
        ),
    )
