"""Fixtures of the service tests. `session`: a fast database for service-level tests.
The schema is migrated and the fixture bank synced once per run into a template SQLite file;
each test gets its own copy and a plain Session, no Flask app. (The app-level `db_session` fixture migrates per test: ~0.5 s each.)
With TEST_DATABASE_URL set (scripts/test.sh's PostgreSQL pass) the template is a PostgreSQL
database and each test gets a copy of it (CREATE DATABASE ... TEMPLATE); tests/conftest.py marks
the tests using `session` as database tests through `_service_template`.
"""
import os
import shutil
import threading

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session

from assessment import migrate
from assessment.content import load_bank
from assessment.db import make_engine
from assessment.services import reports as report_service
from assessment.services.bank import sync_bank
from support import FIXTURE_BANK, fresh_postgres_database


@pytest.fixture(scope="session")
def _service_template(tmp_path_factory):
    """The migrated, bank-loaded template: a SQLite file's path, or a PostgreSQL database's name."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        url, drop = fresh_postgres_database(base)
    else:
        path = tmp_path_factory.mktemp("service-db") / "template.db"
        url, drop = f"sqlite:///{path}", None
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        sync_bank(load_bank(FIXTURE_BANK), session=session)
    engine.dispose()  # nobody may stay connected to a PostgreSQL template
    yield path if drop is None else make_url(url).database
    if drop:
        drop()


@pytest.fixture
def session(_service_template, tmp_path):
    """A Session on a private copy of the migrated, bank-loaded database."""
    drop = None
    if isinstance(_service_template, str):
        url, drop = fresh_postgres_database(os.environ["TEST_DATABASE_URL"], template=_service_template)
    else:
        path = tmp_path / "service.db"
        for suffix in ("", "-wal"):
            source = _service_template.with_name(_service_template.name + suffix)
            if source.exists():
                shutil.copyfile(source, path.with_name(path.name + suffix))
        url = f"sqlite:///{path}"
    engine = make_engine(url)
    session = Session(engine, expire_on_commit=False)
    yield session
    session.close()
    engine.dispose()
    if drop:
        drop()


@pytest.fixture
def gated(monkeypatch):
    """For the reports tests (test_reports*_mutants.py): the PDF renderer replaced by one that
    waits for `gate` and then returns marked bytes (or raises `fail[0]` when set); `calls` lists
    the kinds rendered."""
    gate, calls, fail = threading.Event(), [], []

    def render_pdf(kind, composed, on_stage=None):
        calls.append(kind)
        gate.wait(10)
        if fail:
            raise fail[0]
        return f"%PDF {kind} {composed['attempt']['id']}".encode()

    monkeypatch.setattr(report_service.reports, "compose", lambda facts: facts)
    monkeypatch.setattr(report_service.reports, "render_pdf", render_pdf)
    return gate, calls, fail
