"""Endpoints whose authorisation cases are still to be written, as ``(endpoint, method)``.

The matrix fails for an endpoint that is neither covered by a case nor listed here, and
for an entry here that has a case now: add your ``cases_<area>.py`` and delete your lines.
The lead empties this list before release.
"""

PENDING: set[tuple[str, str]] = set()
