"""Fixtures of the web tests (helpers are in web_helpers.py)."""
import pytest
from web_helpers import db

from factories import make_invitation


@pytest.fixture
def token(app):
    with db(app) as session:
        _, token = make_invitation(session)
    return token
