"""`assessment company create|api-key` and the demo's company login, as a user runs them."""
import re

import pytest
from click.testing import CliRunner

from assessment import create_app, migrate
from assessment.cli import main
from support import FIXTURE_BANK


@pytest.fixture
def env(tmp_path, monkeypatch, database_url):
    """The environment of a shell on a fresh database. The commands run in this process (a real
    command exits and closes its connections); the apps they build are closed after the test."""
    from assessment.cli import app_commands, company

    built = []
    real_app = app_commands._app

    def recording_app(**overrides):
        built.append(real_app(**overrides))
        return built[-1]

    monkeypatch.setattr(app_commands, "_app", recording_app)
    monkeypatch.setattr(company, "_app", recording_app)
    monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSESSMENT_SECTIONS_DIR", str(FIXTURE_BANK))
    monkeypatch.setenv("ASSESSMENT_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("ASSESSMENT_RUN_SWEEPER", "false")
    migrate.upgrade(database_url)
    yield tmp_path
    for app in built:
        app.extensions["assessment.grading"].shutdown()
        app.extensions["assessment.engine"].dispose()


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def web():
    """A client on the same database as the commands; its engine is closed after the test."""
    apps = []

    def client():
        apps.append(create_app({"TESTING": True, "RUN_SWEEPER": False, "WTF_CSRF_ENABLED": False}))
        return apps[-1].test_client()

    yield client
    for app in apps:
        app.extensions["assessment.grading"].shutdown()
        app.extensions["assessment.engine"].dispose()


def test_company_create_prints_a_working_one_time_setup_link(env, web):
    result = run("company", "create", "Umbrella", "--admin", "Admin@Umbrella.example")
    assert result.exit_code == 0, result.output
    path = re.search(r"http://127\.0\.0\.1:5000(/company/setup/\S+)", result.output).group(1)
    client = web()
    assert client.post(path, data={"password": "umbrella password", "confirm": "umbrella password"}).status_code == 302
    assert client.post("/company/login", data={"email": "admin@umbrella.example",
                                               "password": "umbrella password"}).status_code == 302
    assert client.post(path, data={"password": "second password", "confirm": "second password"}).status_code == 404
    again = run("company", "create", "Umbrella", "--admin", "other@umbrella.example")
    assert again.exit_code == 1 and "already exists" in again.output


def test_api_key_command_prints_a_key_that_works(env, web):
    assert run("company", "create", "Umbrella", "--admin", "admin@umbrella.example").exit_code == 0
    result = run("company", "api-key", "Umbrella")
    assert result.exit_code == 0
    key = result.output.strip()
    assert key.startswith("ak_")
    response = web().get("/api/v1/assessments", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.get_json() == {"assessments": []}
    missing = run("company", "api-key", "Nobody Inc")
    assert missing.exit_code == 1 and "no company called" in missing.output


def test_demo_prints_the_company_admin_login(env, web):
    result = run("demo", "--no-serve", "--port", "0")
    assert result.exit_code == 0, result.output
    match = re.search(r"Company workspace \(sign in as (\S+), password (\S+)\):\s+http://\S+/company/login",
                      result.output)
    assert match, result.output
    client = web()
    response = client.post("/company/login", data={"email": match.group(1), "password": match.group(2)})
    assert response.status_code == 302
    # The demo company owns a screening assessment with a fresh invitation printed for it.
    invite = re.search(r"Invitation from Demo Company[^\n]*:\s+http://[^/\s]+(/t/\S+)", result.output)
    assert invite, result.output
    assert "Demo screening" in client.get("/company/").text
    start = client.get(invite.group(1))
    assert start.status_code == 200 and "Demo screening" in start.text
