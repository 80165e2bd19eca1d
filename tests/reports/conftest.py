"""One database per module with the real bank and finished attempts in every band (see
report_factories); the tests only read them."""
import datetime as dt
import os

import pytest
from report_factories import ABILITIES, SECTION_IDS, SECTIONS, TARGET_ROLE, make_assessment, make_finished_attempt

from assessment import create_app, migrate
from assessment.content import load_bank
from support import fresh_postgres_database


@pytest.fixture(scope="module")
def report_db(tmp_path_factory):
    """(app, {band: attempt id}, extra info): the real bank, an assessment with a target role."""
    tmp = tmp_path_factory.mktemp("reports")
    base = os.environ.get("TEST_DATABASE_URL")
    drop = None
    if base:
        url, drop = fresh_postgres_database(base)
    else:
        url = f"sqlite:///{tmp / 'reports.db'}"
    migrate.upgrade(url)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url, "SECTIONS_DIR": str(SECTIONS),
                      "WTF_CSRF_ENABLED": False, "RUN_SWEEPER": False})
    app.instance_path = str(tmp / "instance")
    from assessment.db import get_session
    from assessment.services.bank import sync_bank

    with app.app_context():
        session = get_session()
        sync_bank(load_bank(SECTIONS), session=session)
        assessment = make_assessment(session, "AI skills: ML engineer screen", SECTION_IDS, TARGET_ROLE)
        first = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.timezone.utc)
        attempts = {band: make_finished_attempt(session, assessment, theta, seed=11 + n, name=f"Sam {band.title()}",
                                                email=f"{band}@example.org", finished_at=first).id
                    for n, (band, theta) in enumerate(ABILITIES.items())}
        # A re-test by the developing candidate a month later, a good deal stronger.
        retest = make_finished_attempt(session, assessment, 1.6, seed=99, email="developing@example.org",
                                       name="Sam Developing", finished_at=first + dt.timedelta(days=30)).id
        plain = make_assessment(session, "No role", ["machine-learning"])
        no_role = make_finished_attempt(session, plain, 0.3, seed=5).id
    yield app, {**attempts, "retest": retest, "no_role": no_role}, assessment.id
    app.extensions["assessment.engine"].dispose()
    if drop:
        drop()
