"""Fixtures of the service tests. `session`: a fast database for service-level tests.
The schema is migrated and the fixture bank synced once per run into a template SQLite file;
each test gets its own copy and a plain Session, no Flask app. (The app-level `db_session` fixture migrates per test: ~0.5 s each.)
"""
import shutil

import pytest
from sqlmodel import Session

from assessment import migrate
from assessment.content import load_bank
from assessment.db import make_engine
from assessment.services.bank import sync_bank
from support import FIXTURE_BANK


@pytest.fixture(scope="session")
def _service_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("service-db") / "template.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        sync_bank(load_bank(FIXTURE_BANK), session=session)
    engine.dispose()
    return path


@pytest.fixture
def session(_service_template, tmp_path):
    """A Session on a private copy of the migrated, bank-loaded database."""
    path = tmp_path / "service.db"
    for suffix in ("", "-wal"):
        source = _service_template.with_name(_service_template.name + suffix)
        if source.exists():
            shutil.copyfile(source, path.with_name(path.name + suffix))
    engine = make_engine(f"sqlite:///{path}")
    session = Session(engine, expire_on_commit=False)
    yield session
    session.close()
    engine.dispose()
