"""The test county of the imports tests."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.imports.builders import County, create_county


@pytest.fixture
def county(app: Flask) -> County:
    return create_county(app)
