"""The authorisation matrix: every /api/v1 endpoint × every role × inside and outside the area.

How it works
------------
``test_matrix.py`` reads the app's own URL map, so a new endpoint cannot be forgotten:

* every /api/v1 rule and method answers an anonymous caller 401 with the error envelope
  (except ``PUBLIC_API_ENDPOINTS`` in ``fieldapp/auth/context.py``); /webhooks rules are
  exempt (Twilio signatures guard them, tested by the messaging area);
* every (endpoint, method) must have at least one case in a ``cases_<area>.py`` module here,
  or be listed in ``pending.py``; a pending entry that has a case now fails too, so the list
  only shrinks (the lead empties it);
* every case runs once with its target inside the callers' area and once outside it, for each
  of the five roles, and the answers must match the table.

Adding your area's cases
------------------------
Create ``tests/authz/cases_<area>.py`` with a module-level ``CASES: list[Case]``::

    from tests.authz.matrix import Call, Case, by_role
    from tests.authz.world import Area, resident_in

    def _get_thing(area: Area) -> Call:
        thing = create_thing(resident_in(area))     # build whatever the call needs, in ``area``
        return Call(f"/api/v1/things/{thing.id}")   # path, and ``json=`` for a body

    CASES = [
        Case(
            "things_api.get_thing", "GET", _get_thing,
            inside=by_role(200, referral_desk=404),  # statuses when the target is in the area
            outside=by_role(404, county_admin=200),  # ... in another township; None: no area
        ),
    ]

The callers all belong to ``world.inside``: a village doctor serving ``inside.village``,
a township doctor and a township manager of ``inside.township``, a referral desk of
``inside.facility`` and a county admin. ``setup`` is called afresh for every role, so a
write may consume what it built. For list endpoints return ``Call(path, listed_id=...)``
and expect ``LISTED`` or ``UNLISTED`` (200 with or without that id among ``items``);
pass ``Case(..., ids=...)`` when the ids sit elsewhere in the answer.
"""
