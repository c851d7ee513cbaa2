"""Enrollments, follow-ups, visits and queues as API.md reads and writes them."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_dump,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from fieldapp.followups import items, rules
from fieldapp.followups.items import ITEMS, LIFESTYLE_ITEMS, LIFESTYLE_PREFIX, Item, Kind
from fieldapp.followups.rules import CLASSIFICATION_ORDER, Condition, QueueState
from fieldapp.residents.keygroups import KEY_GROUPS
from fieldapp.residents.schemas import ResidentSchema
from fieldapp.schemas import Instant, PageSchema, QueryPageSchema, StrictSchema, without_nulls

CONDITIONS = tuple(str(c) for c in Condition)
# ``cured`` is the first edition's, still accepted (hypertension and diabetes are not cured).
CLOSE_REASONS = ("moved", "died", "refused", "lost", "misdiagnosed", "other", "cured")
MODES = ("clinic", "home", "phone")
PURPOSES = ("household", "followup", "patrol", "education")
QUEUE_STATUSES = ("due", "overdue", "lost", "all", "screening", "health_check")


class EnrollmentSchema(StrictSchema):
    """An enrollment in chronic-disease management."""

    id = fields.UUID(load_default=None)
    resident_id = fields.UUID(dump_only=True)
    condition = fields.String(required=True, validate=validate.OneOf(CONDITIONS))
    status = fields.String(dump_only=True)
    diagnosed_on = fields.Date(required=True)
    enrolled_on = fields.Date()
    next_due_on = fields.Date(dump_only=True)
    closed_on = fields.Date(dump_only=True)
    close_reason = fields.String(dump_only=True)
    death_on = fields.Date(dump_only=True)
    death_cause = fields.String(dump_only=True)
    close_note = fields.String(dump_only=True)
    created_at = Instant(dump_only=True)

    @pre_load
    def drop_null_defaults(self, data: Any, **_kwargs: Any) -> Any:
        """``enrolled_on: null`` is today, as when it is left out."""
        return without_nulls(data, ("enrolled_on",))


class SyncEnrollmentSchema(EnrollmentSchema):
    """An enrollment in a sync batch, which names its resident in the record."""

    resident_id = fields.UUID(required=True)


class EnrollmentCloseSchema(StrictSchema):
    """``POST /api/v1/enrollments/{id}/close``."""

    reason = fields.String(required=True, validate=validate.OneOf(CLOSE_REASONS))
    closed_on = fields.Date(allow_none=True)
    death_on = fields.Date(allow_none=True, load_default=None)
    death_cause = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=2000))

    @validates_schema(skip_on_field_errors=False)
    def death_only_when_died(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """Only a death has a date and cause of death."""
        if data.get("reason") not in (None, "died") and (data.get("death_on") or data.get("death_cause")):
            raise ValidationError({"death_on": ["only when the reason is died"]})


# What the server decides: a client may send these back (e.g. a stored answer); they are ignored.
SERVER_FIELDS = (
    "classification",
    "urgent_referral",
    "referral_recommended",
    "enrollment_id",
    "performed_by",
    "created_at",
    "updated_at",
    "bmi",
    "measured",
    "late",
    "completeness",
)


class PairSchema(StrictSchema):
    """A lifestyle item's ``{"now", "target"}``."""


class MedicationSchema(StrictSchema):
    """One medicine: name, times a day, dose."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    times_per_day = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(1, 24)
    )
    dose = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))


class InsulinSchema(StrictSchema):
    """Insulin: its kind and how it is used."""

    kind = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    usage = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class ReferralNoteSchema(StrictSchema):
    """A referral at this visit, as the form records it."""

    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))
    facility = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    department = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))


def _in_range(item: Item) -> validate.Validator:
    return validate.Range(item.low, item.high, error=f"must be between {item.low:g} and {item.high:g}")


def _scalar_field(item: Item, **options: Any) -> fields.Field:
    """The marshmallow field of a single value of ``item``."""
    if item.kind == Kind.CHOICE or (item.kind in (Kind.PAIR, Kind.FEET) and item.choices):
        return fields.String(validate=validate.OneOf(item.choices), **options)
    if item.low is not None:
        if item.kind == Kind.INTEGER or item.whole:
            return fields.Integer(strict=True, validate=_in_range(item), **options)
        return fields.Float(allow_nan=False, validate=_in_range(item), **options)
    if item.kind == Kind.TEXT:
        return fields.String(validate=validate.Length(max=item.max_length), **options)
    if item.kind == Kind.DATE:
        return fields.Date(**options)
    if item.kind == Kind.BOOLEAN:
        return fields.Boolean(**options)
    raise TypeError(f"no scalar field for {item.name}")


OPTIONAL: dict[str, Any] = {"allow_none": True, "load_default": None}


def _pair_schema(item: Item) -> type[Schema]:
    pair: dict[str, fields.Field] = {
        "now": _scalar_field(item, **OPTIONAL),
        "target": _scalar_field(item, **OPTIONAL),
    }
    return PairSchema.from_dict(
        pair,
        name=f"Pair_{item.name.replace('.', '_')}",
    )


def _item_field(item: Item) -> fields.Field:
    """The marshmallow field of one form item, from its row of the items table."""
    if item.kind == Kind.CODES:
        return fields.List(fields.String(), load_default=list)
    if item.kind == Kind.BOOLEAN:
        return fields.Boolean(load_default=False)
    if item.kind == Kind.FEET:
        sides: dict[str, fields.Field] = {
            "left": _scalar_field(item, **OPTIONAL),
            "right": _scalar_field(item, **OPTIONAL),
        }
        feet = StrictSchema.from_dict(sides, name="Feet")
        return fields.Nested(feet, **OPTIONAL)
    if item.kind == Kind.MEDICATIONS:
        return fields.List(fields.Nested(MedicationSchema), validate=validate.Length(max=20), **OPTIONAL)
    if item.kind == Kind.INSULIN:
        return fields.Nested(InsulinSchema, **OPTIONAL)
    if item.kind == Kind.REFERRAL:
        return fields.Nested(ReferralNoteSchema, **OPTIONAL)
    return _scalar_field(item, **OPTIONAL)


def _lifestyle_schema() -> type[Schema]:
    pairs: dict[str, fields.Field] = {
        item.name[len(LIFESTYLE_PREFIX) :]: fields.Nested(_pair_schema(item), **OPTIONAL)
        for item in LIFESTYLE_ITEMS
    }
    return StrictSchema.from_dict(pairs, name="Lifestyle")


def _form_fields() -> dict[str, fields.Field]:
    """Every item of the form as a field of the follow-up schema."""
    built: dict[str, fields.Field] = {
        item.name: _item_field(item) for item in ITEMS if not item.name.startswith(LIFESTYLE_PREFIX)
    }
    built["lifestyle"] = fields.Nested(_lifestyle_schema(), **OPTIONAL)
    return built


class FollowUpBaseSchema(StrictSchema):
    """One follow-up; classification, referral flags and the rules' part of the due date are the server's."""

    id = fields.UUID(load_default=None)
    resident_id = fields.UUID(required=True)
    enrollment_id = fields.UUID(dump_only=True)
    condition = fields.String(required=True, validate=validate.OneOf(CONDITIONS))
    performed_at = Instant(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    lat = fields.Float(allow_none=True, load_default=None, validate=validate.Range(-90, 90))
    lng = fields.Float(allow_none=True, load_default=None, validate=validate.Range(-180, 180))
    bmi = fields.Float(dump_only=True)
    measured = fields.Boolean(dump_only=True)
    late = fields.Boolean(dump_only=True)
    completeness = fields.Method("_completeness", dump_only=True)
    classification = fields.String(dump_only=True, metadata={"enum": [str(c) for c in CLASSIFICATION_ORDER]})
    urgent_referral = fields.Boolean(dump_only=True)
    referral_recommended = fields.Boolean(dump_only=True)
    performed_by = fields.UUID(dump_only=True)
    created_at = Instant(dump_only=True)

    def _completeness(self, followup: Any) -> dict[str, Any]:
        return {"complete": followup.complete, "missing": list(followup.missing_items or [])}

    @pre_load
    def drop_server_fields(self, data: Any, **_kwargs: Any) -> Any:
        """Ignore what the server decides, whatever the client says; a null flag or list is not sent."""
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in SERVER_FIELDS}
        return without_nulls(data, NULL_IS_UNSENT)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def check_across_fields(self, data: dict[str, Any], original: Any, **_kwargs: Any) -> None:
        """Errors across fields, reported with the fields' own (all of a body's errors at once)."""
        if "condition" not in data:
            return
        given = original if isinstance(original, dict) else {}
        errors = {}
        for name, messages in rules.validation_errors(data["condition"], data).items():
            # A value sent but refused by its own check is reported by that check, not as missing.
            kept = [m for m in messages if given.get(name) is None or m not in rules.REQUIRED_MESSAGES]
            if kept:
                errors[name] = kept
        errors.update(symptom_errors(data["condition"], data.get("symptoms")))
        if errors:
            raise ValidationError(errors)

    @post_load
    def normalise_codes(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """The same signs or symptoms in another order are the same body."""
        data["danger_signs"] = sorted(set(data["danger_signs"]))
        data["symptoms"] = sorted(set(data["symptoms"]))
        return data


# A flag or list sent as null is taken as not sent (the first edition's clients do so).
NULL_IS_UNSENT = tuple(item.name for item in ITEMS if item.kind in (Kind.BOOLEAN, Kind.CODES))


def symptom_errors(condition: str, symptoms: list[str] | None) -> dict[str, list[str]]:
    """Unknown symptom codes of the condition's list; ``none`` with another code."""
    if not symptoms:
        return {}
    known = items.SYMPTOMS.get(Condition(condition), ())
    messages = [f"unknown code: {code}" for code in sorted(set(symptoms) - set(known))]
    if items.NO_SYMPTOMS in symptoms and len(set(symptoms)) > 1:
        messages.append("'none' cannot go with another symptom")
    return {"symptoms": messages} if messages else {}


FollowUpSchema = FollowUpBaseSchema.from_dict(_form_fields(), name="FollowUpSchema")


def _without_nulls(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


class _PulledBaseSchema(FollowUpBaseSchema):
    """A follow-up in a sync pull: what it holds, without the items left out (2G phones)."""

    @post_dump
    def drop_nulls(self, body: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """Items not recorded are not sent."""
        return _without_nulls(body)


PulledFollowUpSchema = _PulledBaseSchema.from_dict(_form_fields(), name="PulledFollowUpSchema")


def pulled_followup(answer: dict[str, Any]) -> dict[str, Any]:
    """A follow-up's ``FollowUpSchema`` answer as ``PulledFollowUpSchema`` dumps it."""
    return _without_nulls(answer)


class FollowUpPageSchema(PageSchema):
    """A page of follow-ups."""

    items = fields.List(fields.Nested(FollowUpSchema))


class VisitSchema(StrictSchema):
    """A visit to a village (household, follow-up, patrol or education)."""

    id = fields.UUID(load_default=None)
    village_id = fields.UUID(required=True)
    resident_id = fields.UUID(allow_none=True, load_default=None)
    household_id = fields.UUID(allow_none=True, load_default=None)
    visited_at = Instant(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    lat = fields.Float(allow_none=True, load_default=None, validate=validate.Range(-90, 90))
    lng = fields.Float(allow_none=True, load_default=None, validate=validate.Range(-180, 180))
    notes = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=4000))
    performed_by = fields.UUID(dump_only=True)
    created_at = Instant(dump_only=True)


class QueueQuerySchema(QueryPageSchema):
    """``GET /api/v1/queue`` filters (``lost`` is an extension of API.md's statuses)."""

    status = fields.String(load_default="all", validate=validate.OneOf(QUEUE_STATUSES))
    condition = fields.String(load_default=None, validate=validate.OneOf(CONDITIONS))
    village_id = fields.UUID(load_default=None)
    township_id = fields.UUID(load_default=None)
    key_group = fields.String(load_default=None, validate=validate.OneOf(KEY_GROUPS))


class DoctorSchema(Schema):
    """The village doctor responsible for a resident's village."""

    id = fields.UUID()
    name = fields.String(allow_none=True)
    username = fields.String()
    phone = fields.String(allow_none=True)


# A queue row shows the last follow-up in brief; the full record is one GET away.
LAST_FOLLOWUP_FIELDS = (
    "id",
    "performed_at",
    "mode",
    "sbp",
    "dbp",
    "fasting_glucose",
    "classification",
    "urgent_referral",
    "referral_recommended",
    "next_due_on",
)


class LastFollowUpSchema(FollowUpBaseSchema):
    """A follow-up in brief, as a queue row shows it."""

    class Meta:
        fields = LAST_FOLLOWUP_FIELDS

    sbp = fields.Integer()
    dbp = fields.Integer()
    fasting_glucose = fields.Float()
    next_due_on = fields.Date()


class QueueItemSchema(Schema):
    """One enrollment in a queue."""

    resident = fields.Nested(ResidentSchema)
    enrollment_id = fields.UUID(allow_none=True)
    screening_id = fields.UUID(allow_none=True)
    condition = fields.String()
    due_on = fields.Date()
    days_overdue = fields.Integer()
    state = fields.String(metadata={"enum": [str(s) for s in QueueState]})
    last_followup = fields.Nested(LastFollowUpSchema, allow_none=True)
    doctor = fields.Nested(DoctorSchema, allow_none=True)
    last_contact = fields.Nested("LastContactSchema", allow_none=True)


class QueuePageSchema(PageSchema):
    """A page of a queue, oldest due date first."""

    items = fields.List(fields.Nested(QueueItemSchema))


class RulesSchema(Schema):
    """The rules table (``GET /api/v1/rules``)."""

    rules = fields.Dict()
    ranges = fields.Dict()
    danger_signs = fields.Dict()
    danger_sign_aliases = fields.Dict()
    classification_order = fields.List(fields.String())
    notes = fields.List(fields.String())
    form = fields.Dict(metadata={"description": "the follow-up form: sections, items, codes' words"})
    close_reasons = fields.List(fields.String())
