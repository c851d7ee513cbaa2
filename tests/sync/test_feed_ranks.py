"""Sync feeds' ranks are declared and fixed: cursors phones saved earlier keep their meaning."""

from __future__ import annotations

import base64
import uuid

from fieldapp.auth.models import Role
from fieldapp.sync.service import FEEDS, START, Position, decode_cursor, encode_cursor
from tests.builders import api, create_resident, create_township, create_user, create_village

# API.md's table: a feed's rank is written into every phone's cursor and never changes.
FIXED_RANKS = {
    "residents": 0,
    "enrollments": 1,
    "followups": 2,
    "referrals": 3,
    "replies": 5,
    "patrols": 6,
    "screenings": 7,
    "health_checks": 8,
    "contracts": 9,
    "contact_attempts": 10,
}


def first_edition_cursor(seq: int, rank: int, row_id: uuid.UUID) -> str:
    """A cursor exactly as the first edition wrote it."""
    raw = f"{seq}.{rank}.{row_id.hex}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_every_feed_keeps_its_fixed_rank_and_no_two_share_one():
    ranks = {feed.name: feed.rank for feed in FEEDS}
    assert len(set(ranks.values())) == len(ranks)
    for name, rank in ranks.items():
        assert FIXED_RANKS[name] == rank, name
    assert START.rank == 4 and START.rank not in ranks.values()


def test_a_first_edition_start_cursor_still_means_before_everything():
    assert decode_cursor(first_edition_cursor(-1, 4, uuid.UUID(int=0))) == START
    position = Position(12, 3, uuid.uuid4())
    assert decode_cursor(first_edition_cursor(*position)) == position
    assert decode_cursor(encode_cursor(position)) == position


def test_a_saved_first_edition_cursor_pulls_what_came_after_it(client, app):
    township = create_township()
    village = create_village(township)
    doctor = create_user(Role.VILLAGE_DOCTOR, township=township, villages=[village])
    before = create_resident(village)
    # A phone that last pulled before's row (rank 0) with the first edition's code.
    saved = first_edition_cursor(before.change_seq, 0, before.id)
    after = create_resident(village)
    answer = api(client, "post", "/api/v1/sync", doctor, json={"records": [], "since": saved}).json
    assert [row["id"] for row in answer["changes"]["residents"]] == [str(after.id)]
