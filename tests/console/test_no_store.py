"""Console pages and exports hold residents' data: no browser or proxy may keep a copy."""

from __future__ import annotations

from flask.testing import FlaskClient

from fieldapp.auth.models import Role
from tests.builders import create_resident, create_township, create_user, create_village
from tests.console.helpers import sign_in


def test_console_pages_and_exports_are_not_stored(client: FlaskClient) -> None:
    township = create_township()
    create_resident(create_village(township))
    sign_in(client, create_user(Role.TOWNSHIP_MANAGER, township=township))
    for path in ("/console/queue", "/console/residents", "/console/queue.csv", "/console/queue.xlsx"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
