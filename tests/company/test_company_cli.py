"""`assessment company create|api-key` and the demo's company login, as a user runs them."""
import re

import pytest
from click.testing import CliRunner

from assessment import create_app, migrate
from assessment.cli import main
from support import FIXTURE_BANK


@pytest.fixture
def env(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSESSMENT_SECTIONS_DIR", str(FIXTURE_BANK))
    monkeypatch.setenv("ASSESSMENT_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("ASSESSMENT_RUN_SWEEPER", "false")
    migrate.upgrade(database_url)
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _client():
    return create_app({"TESTING": True, "RUN_SWEEPER": False, "WTF_CSRF_ENABLED": False}).test_client()


def test_company_create_prints_a_working_one_time_setup_link(env):
    result = run("company", "create", "Umbrella", "--admin", "Admin@Umbrella.example")
    assert result.exit_code == 0, result.output
    path = re.search(r"http://127\.0\.0\.1:5000(/company/setup/\S+)", result.output).group(1)
    client = _client()
    assert client.post(path, data={"password": "umbrella password", "confirm": "umbrella password"}).status_code == 302
    assert client.post("/company/login", data={"email": "admin@umbrella.example",
                                               "password": "umbrella password"}).status_code == 302
    assert client.post(path, data={"password": "second password", "confirm": "second password"}).status_code == 404
    again = run("company", "create", "Umbrella", "--admin", "other@umbrella.example")
    assert again.exit_code == 1 and "already exists" in again.output


def test_api_key_command_prints_a_key_that_works(env):
    assert run("company", "create", "Umbrella", "--admin", "admin@umbrella.example").exit_code == 0
    result = run("company", "api-key", "Umbrella")
    assert result.exit_code == 0
    key = result.output.strip()
    assert key.startswith("ak_")
    response = _client().get("/api/v1/assessments", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.get_json() == {"assessments": []}
    missing = run("company", "api-key", "Nobody Inc")
    assert missing.exit_code == 1 and "no company called" in missing.output


def test_demo_prints_the_company_admin_login(env):
    result = run("demo", "--no-serve", "--port", "0")
    assert result.exit_code == 0, result.output
    match = re.search(r"Company workspace \(sign in as (\S+), password (\S+)\):\s+http://\S+/company/login",
                      result.output)
    assert match, result.output
    response = _client().post("/company/login", data={"email": match.group(1), "password": match.group(2)})
    assert response.status_code == 302
