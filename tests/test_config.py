"""Configuration order and the refusal to run in production with the development secret."""
import pytest

from assessment import create_app
from assessment.config import DEFAULT_SECRET_KEY


def test_refuses_default_secret_outside_debug_and_tests(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("ASSESSMENT_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is the built-in development value"):
        create_app()
    assert create_app({"TESTING": True}).config["SECRET_KEY"] == DEFAULT_SECRET_KEY


def test_order_defaults_instance_env_test_mapping(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text("SECRET_KEY = 'from-instance'\nANSWER_GRACE_SECONDS = 7\nSWEEP_INTERVAL_SECONDS = 9\n")
    monkeypatch.setenv("ASSESSMENT_ANSWER_GRACE_SECONDS", "5")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-env.db")
    app = create_app({"SWEEP_INTERVAL_SECONDS": 11})
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["ANSWER_GRACE_SECONDS"] == 5  # env beats the instance file, typed by JSON
    assert app.config["SWEEP_INTERVAL_SECONDS"] == 11  # the mapping beats everything
    assert app.config["DATABASE_URL"] == "sqlite:///from-env.db"
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_COOKIE_HTTPONLY"] is True
    app.extensions["assessment.engine"].dispose()


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("ASSESSMENT_DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'assessment.db'}"
    app.extensions["assessment.engine"].dispose()


def test_sandbox_settings_come_from_the_app_config_only(monkeypatch, tmp_path):
    from assessment.config import sandbox_config

    monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ASSESSMENT_SANDBOX_SLOTS", "3")
    monkeypatch.setenv("ASSESSMENT_PRODUCTION", "1")  # the old variable: no longer read
    (tmp_path / "config.py").write_text("SANDBOX_BASE_UID = 62000\nSANDBOX_RUNTIME = '/opt/py'\n")
    testing = create_app({"TESTING": True})
    config = sandbox_config(testing)
    assert (config.slots, config.base_uid, str(config.runtime_dir)) == (3, 62000, "/opt/py")
    assert config.production is False  # test and debug apps do not enforce the layers
    served = create_app({"SECRET_KEY": "k" * 32})
    assert sandbox_config(served).production is True  # a served app does, unless told otherwise
    told = create_app({"SECRET_KEY": "k" * 32, "SANDBOX_PRODUCTION": False})
    assert sandbox_config(told).production is False
    for app in (testing, served, told):
        app.extensions["assessment.engine"].dispose()


def test_sections_dir_is_resolved_once_from_the_config(monkeypatch, tmp_path):
    from assessment.config import sections_dir

    monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSESSMENT_SECTIONS_DIR", "bank")
    app = create_app({"TESTING": True})
    assert sections_dir(app) == tmp_path / "bank"
    app.extensions["assessment.engine"].dispose()
