"""Fixtures: a fresh, migrated database per test (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set), the small fixture bank loaded, and a client."""
import os

import pytest

import sandbox_layers
from assessment import create_app, migrate
from assessment.content import load_bank
from support import FIXTURE_BANK, fresh_postgres_database


def pytest_report_header(config):
    return sandbox_layers.summary()


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(sandbox_layers.summary())


@pytest.fixture(autouse=True)
def _required_sandbox_layers(request):
    """A test marked with the layers it needs fails here when one is missing where required."""
    sandbox_layers.check_marked(request.node)


@pytest.fixture
def database_url(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        url, drop = fresh_postgres_database(base)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path / 'test.db'}"


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
