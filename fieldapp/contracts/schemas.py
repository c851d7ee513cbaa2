"""Teams, contracts, packages and contract figures as API.md reads and writes them."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from fieldapp.contracts.models import ContractStatus, MemberRole
from fieldapp.residents.keygroups import KEY_GROUPS
from fieldapp.schemas import Instant, PageSchema, QueryPageSchema, StrictSchema
from fieldapp.timeutil import local_today

PACKAGE_CODE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
PACKAGE_CODE = validate.Regexp(PACKAGE_CODE_PATTERN, error="lower-case letters, digits and _ (at most 32)")


class MemberSchema(StrictSchema):
    """One member of a team: a user and their role."""

    user_id = fields.UUID(required=True)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in MemberRole]))
    name = fields.Function(lambda member: member.user.name or member.user.username, dump_only=True)


class TeamSchema(StrictSchema):
    """A family-doctor team of a township."""

    id = fields.UUID(load_default=None)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    township_id = fields.UUID(required=True)
    members = fields.List(fields.Nested(MemberSchema), required=True, validate=validate.Length(min=1, max=30))
    created_at = Instant(dump_only=True)
    updated_at = Instant(dump_only=True)


class TeamUpdateSchema(StrictSchema):
    """``PATCH /api/v1/teams/{id}``: a new name, or the whole list of members."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    members = fields.List(fields.Nested(MemberSchema), validate=validate.Length(min=1, max=30))


class TeamQuerySchema(Schema):
    """``GET /api/v1/teams`` filters."""

    class Meta:
        unknown = EXCLUDE

    township_id = fields.UUID(load_default=None)


class TeamListSchema(Schema):
    """The teams the caller may see."""

    items = fields.List(fields.Nested(TeamSchema))
    total = fields.Integer()


def _status(contract: Any) -> str:
    return str(contract.status_on(local_today()))


class ContractSchema(StrictSchema):
    """A resident's contract with a team; ``status`` is computed for today."""

    id = fields.UUID(load_default=None)
    resident_id = fields.UUID(required=True)
    team_id = fields.UUID(required=True)
    signed_on = fields.Date(required=True)
    starts_on = fields.Date(load_default=None)
    ends_on = fields.Date(load_default=None)
    packages = fields.List(
        fields.String(validate=PACKAGE_CODE), load_default=lambda: ["basic"], validate=validate.Length(max=20)
    )
    renews = fields.UUID(load_default=None, allow_none=True)
    status = fields.Function(_status, dump_only=True, metadata={"enum": [s.value for s in ContractStatus]})
    team_name = fields.Function(lambda contract: contract.team.name, dump_only=True)
    terminated_on = fields.Date(dump_only=True)
    termination_reason = fields.String(dump_only=True)
    created_at = Instant(dump_only=True)
    updated_at = Instant(dump_only=True)


class TerminateSchema(StrictSchema):
    """``POST /api/v1/contracts/{id}/terminate``."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    on = fields.Date(required=True)


class SyncedTerminationSchema(TerminateSchema):
    """A ``contract_termination`` record of sync: the terminate body, its own id, and the contract."""

    id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)


class ContractQuerySchema(QueryPageSchema):
    """``GET /api/v1/contracts`` filters."""

    class Meta:
        unknown = EXCLUDE

    resident_id = fields.UUID(load_default=None)
    team_id = fields.UUID(load_default=None)
    village_id = fields.UUID(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in ContractStatus]))


class ContractPageSchema(PageSchema):
    """A page of contracts, newest start first."""

    items = fields.List(fields.Nested(ContractSchema))


class PackageSchema(Schema):
    """A service package the county offers."""

    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    active = fields.Boolean()


class PackageUpdateSchema(StrictSchema):
    """``PUT /api/v1/contract-packages/{code}``: create or change a package (county admin)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    name_en = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    active = fields.Boolean(load_default=True)


class PackageListSchema(Schema):
    """Every package, ``basic`` first."""

    items = fields.List(fields.Nested(PackageSchema))


class ContractReportQuerySchema(Schema):
    """``GET /api/v1/reports/contracts`` query: a township (default: the caller's or the county) and a date."""

    class Meta:
        unknown = EXCLUDE

    township_id = fields.UUID(load_default=None)
    on = fields.Date(load_default=None)


class CoverageFiguresSchema(Schema):
    """Residents, those with an active contract on the date, and the share."""

    residents = fields.Integer()
    contracted = fields.Integer()
    coverage = fields.Float()


class ContractReportSchema(CoverageFiguresSchema):
    """Contract coverage, key-group coverage and the renewal rate of the date's year."""

    key_groups = fields.Dict(
        keys=fields.String(validate=validate.OneOf(KEY_GROUPS)), values=fields.Nested(CoverageFiguresSchema)
    )
    ending_in_year = fields.Integer()
    renewed = fields.Integer()
    renewal_rate = fields.Float()
