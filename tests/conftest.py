"""Fixtures: a fresh, migrated database per test (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set), the small fixture bank loaded, and a client.

Every test that uses a database through these fixtures is marked `database` at collection:
scripts/test.sh runs exactly those again on PostgreSQL (`-m "database and not sqlite_only"`).
A test that only makes sense on SQLite says so with `@pytest.mark.sqlite_only` and gets a SQLite
database even when TEST_DATABASE_URL is set (it is not skipped there, just not run twice)."""
import os
import shutil

import pytest
from sqlalchemy.engine import make_url

import sandbox_layers
from assessment import create_app, migrate
from assessment.content import load_bank
from support import FIXTURE_BANK, fresh_postgres_database

#: The fixtures through which a test reaches a database it gets from here.
DATABASE_FIXTURES = {"database_url", "report_db", "_service_template"}
#: Password hashing in tests: the same scrypt, with N=2**10 instead of werkzeug's 2**15 (~0.2-0.4 s
#: per hash on this machine; the company, API and probe tests hash a few times each). Production
#: keeps accounts.PASSWORD_METHOD; tests marked `production_password_hash` use it too.
TEST_PASSWORD_METHOD = "scrypt:1024:8:1"


def pytest_configure(config):
    config.addinivalue_line("markers", "database: uses a database from tests/conftest.py (set at collection; "
                                       "scripts/test.sh runs these again on PostgreSQL)")
    config.addinivalue_line("markers", "sqlite_only: checks SQLite itself: runs on SQLite even when "
                                       "TEST_DATABASE_URL is set, and is left out of the PostgreSQL pass")
    config.addinivalue_line("markers", "production_password_hash: hashes passwords with the production "
                                       "parameters instead of the cheap test ones")


@pytest.hookimpl(tryfirst=True)  # before -m selects on the marks
def pytest_collection_modifyitems(items):
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)


def pytest_report_header(config):
    return sandbox_layers.summary()


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(sandbox_layers.summary())


@pytest.fixture(autouse=True)
def _required_sandbox_layers(request):
    """A test marked with the layers it needs fails here when one is missing where required."""
    sandbox_layers.check_marked(request.node)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request, monkeypatch):
    if request.node.get_closest_marker("production_password_hash"):
        return
    from assessment.services import accounts

    monkeypatch.setattr(accounts, "PASSWORD_METHOD", TEST_PASSWORD_METHOD)
    # The unknown-email path checks this hash: it must cost what a user's check costs.
    monkeypatch.setattr(accounts, "_DUMMY_HASH", _cheap_dummy_hash())


_dummy_hashes: list[str] = []


def _cheap_dummy_hash() -> str:
    if not _dummy_hashes:
        from werkzeug.security import generate_password_hash

        _dummy_hashes.append(generate_password_hash(os.urandom(16).hex(), method=TEST_PASSWORD_METHOD))
    return _dummy_hashes[0]


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    """A SQLite file migrated to head once per run."""
    path = tmp_path_factory.mktemp("schema") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


class _PostgresCopies:
    """Copies of the migrated template, made and dropped on one background thread: the next
    test's copy is created while a test runs, and a finished test's copy is dropped there too
    (CREATE and DROP DATABASE took 0.27 s a test at load average 8 and 1.3 s at 15, all of it
    on the tests' critical path). Errors surface when the run ends."""

    def __init__(self, base: str, template: str):
        from concurrent.futures import ThreadPoolExecutor

        self.base, self.template = base, template
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases")
        self.done = []
        self.next = self.thread.submit(fresh_postgres_database, base, template)

    def take(self):
        url, drop = self.next.result()
        self.next = self.thread.submit(fresh_postgres_database, self.base, self.template)
        return url, lambda: self.done.append(self.thread.submit(drop))

    def close(self):
        self.next.result()[1]()
        self.thread.shutdown(wait=True)
        for dropped in self.done:
            dropped.result()


@pytest.fixture(scope="session")
def _postgres_template():
    """A PostgreSQL database migrated to head once per run; hands out copies of itself."""
    url, drop = fresh_postgres_database(os.environ["TEST_DATABASE_URL"])
    migrate.upgrade(url)  # alembic's engine has no pool: nobody stays connected to the template
    copies = _PostgresCopies(os.environ["TEST_DATABASE_URL"], make_url(url).database)
    yield copies
    copies.close()
    drop()


@pytest.fixture
def database_url(request, tmp_path):
    """A fresh database for this test: empty, or already migrated to head when the test builds
    its app with `make_app` (which migrates at once: a copy of a migrated template is the same
    schema, without running the migrations for every test)."""
    migrated = "make_app" in request.fixturenames
    base = os.environ.get("TEST_DATABASE_URL")
    if base and not request.node.get_closest_marker("sqlite_only"):
        url, drop = request.getfixturevalue("_postgres_template").take() if migrated else fresh_postgres_database(base)
        yield url
        drop()
    else:
        path = tmp_path / "test.db"
        if migrated:
            template = request.getfixturevalue("_sqlite_template")
            for suffix in ("", "-wal"):
                source = template.with_name(template.name + suffix)
                if source.exists():
                    shutil.copyfile(source, path.with_name(path.name + suffix))
        yield f"sqlite:///{path}"


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on the fresh database; keyword arguments override config."""
    migrate.upgrade(database_url)
    apps = []

    def factory(**config):
        settings = {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                    "SECTIONS_DIR": str(FIXTURE_BANK), "WTF_CSRF_ENABLED": False, "RUN_SWEEPER": False}
        settings.update(config)
        app = create_app(settings)
        app.instance_path = str(tmp_path / "instance")
        apps.append(app)
        return app

    yield factory
    for app in apps:
        queue = app.extensions["assessment.grading"]
        queue.wait_idle(60)  # no grading callback may touch the database after it is dropped
        queue.shutdown()
        app.extensions["assessment.engine"].dispose()


@pytest.fixture
def bank():
    return load_bank(FIXTURE_BANK)


@pytest.fixture
def app(make_app, bank):
    app = make_app()
    from assessment.services.bank import sync_bank

    with app.app_context():
        from assessment.db import get_session

        sync_bank(bank, session=get_session())
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_session(app):
    with app.app_context():
        from assessment.db import get_session

        yield get_session()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's package) for the whole run, shared by every folder's
    browser tests: a second Playwright in the same thread fails ("Sync API inside the asyncio
    loop"), so no test starts its own."""
    import shutil
    from pathlib import Path

    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail(f"Chromium not found at {chromium}: scripts/test.sh installs Debian's chromium package")
    from browser.conftest import CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()
