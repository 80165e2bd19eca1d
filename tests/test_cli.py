"""The `assessment` command line as a user runs it."""
import shutil

import pytest
from click.testing import CliRunner

from assessment.cli import main
from support import FIXTURE_BANK


@pytest.fixture
def env(tmp_path, monkeypatch, database_url):
    """The commands run in this process: a real command exits and closes its connections; here
    the apps they build are closed after the test (else PostgreSQL connections are collected
    open, a ResourceWarning in whichever test runs then)."""
    from assessment.cli import app_commands

    built = []
    real_app = app_commands._app
    monkeypatch.setattr(app_commands, "_app", lambda **overrides: built.append(real_app(**overrides)) or built[-1])
    monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSESSMENT_SECTIONS_DIR", str(FIXTURE_BANK))
    monkeypatch.setenv("ASSESSMENT_SECRET_KEY", "cli-test-secret")
    yield tmp_path
    for app in built:
        app.extensions["assessment.grading"].shutdown()
        app.extensions["assessment.engine"].dispose()


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_validate_ok_and_problems_with_exit_code(tmp_path):
    ok = run("sections", "validate", "--dir", str(FIXTURE_BANK))
    assert ok.exit_code == 0 and "ok: 3 sections, 20 items" in ok.output
    broken = shutil.copytree(FIXTURE_BANK, tmp_path / "sections")
    item = broken / "alpha" / "items" / "alpha-q01.yaml"
    item.write_text(item.read_text().replace("key: a", "key: q"))
    result = run("sections", "validate", "--dir", str(broken))
    assert result.exit_code == 1
    assert "sections/alpha/items/alpha-q01.yaml:" in result.output and "key: 'q' is not among the option ids" in result.output


def test_db_upgrade_then_load_is_idempotent(env):
    assert run("db", "upgrade").exit_code == 0
    first = run("sections", "load", "--dir", str(FIXTURE_BANK))
    assert first.exit_code == 0 and "20 new" in first.output
    second = run("sections", "load", "--dir", str(FIXTURE_BANK))
    assert "0 new, 0 new versions, 20 unchanged" in second.output


def test_commands_that_sign_nothing_run_without_a_secret_key(env, monkeypatch, tmp_path):
    """A new user: no key anywhere, yet `db upgrade` and `sections load` work; serving refuses."""
    monkeypatch.delenv("ASSESSMENT_SECRET_KEY")
    assert not (env / "instance" / "secret_key").exists()
    upgrade = run("db", "upgrade")
    assert upgrade.exit_code == 0 and "is at head" in upgrade.output
    load = run("sections", "load")  # no --dir: ASSESSMENT_SECTIONS_DIR from the environment
    assert load.exit_code == 0 and "20 new" in load.output
    assert "ok: 3 sections, 20 items" in run("sections", "validate").output
    from assessment.cli.app_commands import _app

    with pytest.raises(SystemExit):
        _app()  # a command that signs sessions still refuses the development key


def test_stats_tables(env):
    result = run("sections", "stats", "--dir", str(FIXTURE_BANK))
    assert result.exit_code == 0
    assert "Items per section and band" in result.output and "Items per section and type" in result.output
    assert "alpha" in result.output and "arithmetic" in result.output


def test_demo_sets_everything_up_and_prints_links(env):
    result = run("demo", "--no-serve", "--port", "0")
    assert result.exit_code == 0, result.output
    assert "Invitation link, two-section sampler:" in result.output
    assert (env / "instance" / "secret_key").exists()
    again = run("demo", "--no-serve")
    assert "0 new, 0 new versions, 20 unchanged" in again.output


def test_review_export_hides_keys(tmp_path):
    out = tmp_path / "sheet.md"
    assert run("sections", "review-export", "alpha", "--out", str(out), "--dir", str(FIXTURE_BANK)).exit_code == 0
    text = out.read_text()
    assert "alpha-q00" in text and "misconception" not in text.lower() and "Because." not in text
    answers = tmp_path / "answers.csv"
    answers.write_text("item,answer,confidence,comment\nalpha-q00,b,high,\nalpha-q02,a;c,high,\n")
    result = run("sections", "review-compare", "alpha", str(answers), "--dir", str(FIXTURE_BANK))
    assert "2 items answered, 1 disagreement(s)" in result.output and "alpha-q00: reviewer 'b', key 'a'" in result.output
