"""The ``contract_termination`` record of sync: a contract terminated on a phone offline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, post_dump

from fieldapp.contracts.models import Contract
from fieldapp.contracts.schemas import ContractSchema, SyncedTerminationSchema
from fieldapp.contracts.service import end_contract
from fieldapp.followups import service as followups

# What sync looks the record's id up in: a termination has no row of its own.
MODEL = Contract
LOAD = SyncedTerminationSchema()


@dataclass(frozen=True)
class TerminatedOffline:
    """What one termination record did: answered under the record's own id."""

    id: uuid.UUID
    contract: Contract


def terminate_offline(area: followups.Area, data: dict[str, Any]) -> tuple[TerminatedOffline, bool]:
    """Apply a ``contract_termination`` record; the same termination again (a replay, or a
    second phone) changes nothing and is answered ``unchanged``."""
    contract, terminated = end_contract(area.user, data["contract_id"], data)
    return TerminatedOffline(data["id"], contract), terminated


class TerminatedOfflineSchema(Schema):
    """The answer's ``record``: the contract, as the terminate endpoint answers."""

    @post_dump(pass_original=True)
    def as_contract(
        self, _data: dict[str, Any], original: TerminatedOffline, **_kwargs: Any
    ) -> dict[str, Any]:
        """The contract's fields."""
        answer: dict[str, Any] = ContractSchema().dump(original.contract)
        return answer
