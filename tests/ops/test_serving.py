"""gunicorn serving and the one-sweeper-across-servers lock, on real processes and databases."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import create_engine, text

from assessment.leader import LEADER_KEEPALIVES, SILENT_LEADER_SECONDS, LeaderLock

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_only_one_sqlite_sweeper_leads_and_the_lock_passes_on_release(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    first, second = (LeaderLock(engine, tmp_path / "sweeper.lock") for _ in range(2))
    assert first.try_acquire() is True
    assert second.try_acquire() is False
    assert first.try_acquire() is True  # the leader keeps leading
    first.release()
    assert second.try_acquire() is True
    second.release()


def test_only_one_postgres_sweeper_leads_and_a_dead_leaders_lock_is_freed(tmp_path):
    engine_a, engine_b = create_engine(POSTGRES_URL), create_engine(POSTGRES_URL)
    first = LeaderLock(engine_a, tmp_path / "unused.lock")
    second = LeaderLock(engine_b, tmp_path / "unused.lock")
    try:
        assert first.try_acquire() is True
        assert second.try_acquire() is False
        # The leader's connection dies (process killed): PostgreSQL drops its session lock.
        first._connection.invalidate()
        first._connection = None
        engine_a.dispose()
        deadline = time.monotonic() + 10
        while not second.try_acquire():
            assert time.monotonic() < deadline, "the dead leader's advisory lock was never released"
            time.sleep(0.2)
    finally:
        first.release()
        second.release()
        engine_a.dispose()
        engine_b.dispose()


def test_the_postgres_leaders_session_asks_the_server_to_probe_a_silent_leader(tmp_path):
    """A leader whose machine vanished sends no FIN: the server frees its lock only when
    keepalive probes go unanswered, after two hours by the operating system's defaults."""
    engine = create_engine(POSTGRES_URL)
    leader = LeaderLock(engine, tmp_path / "unused.lock")
    try:
        assert leader.try_acquire() is True
        settings = dict(leader._connection.execute(text(
            "SELECT name, setting FROM pg_settings WHERE name LIKE 'tcp_keepalives_%'")).all())
        assert settings == {name: str(value) for name, value in LEADER_KEEPALIVES.items()}
        assert SILENT_LEADER_SECONDS <= 30
    finally:
        leader.release()
        engine.dispose()


def test_a_killed_sqlite_sweeper_process_hands_over(tmp_path):
    code = ("import sys,time; from pathlib import Path; from sqlalchemy import create_engine;"
            "from assessment.leader import LeaderLock;"
            f"lock=LeaderLock(create_engine('sqlite://'), Path({str(tmp_path / 'sweeper.lock')!r}));"
            "print(lock.try_acquire(), flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "True"
        waiting = LeaderLock(create_engine("sqlite://"), tmp_path / "sweeper.lock")
        assert waiting.try_acquire() is False
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        assert waiting.try_acquire() is True
        waiting.release()
    finally:
        holder.kill()
        holder.wait(10)
        holder.stdout.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_serve_runs_gunicorn_workers_and_one_sweeper(tmp_path):
    assessment = [sys.executable, "-m", "assessment.cli"]
    env = {**os.environ, "ASSESSMENT_INSTANCE_PATH": str(tmp_path), "ASSESSMENT_SECRET_KEY": "x" * 32,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "ASSESSMENT_SWEEP_INTERVAL_SECONDS": "1"}
    subprocess.run([*assessment, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([*assessment, "serve", "--workers", "2", "--threads", "2", "--port", str(port)],
                              env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "gunicorn did not come up"
                time.sleep(0.2)
        assert (status, body) == (200, {"status": "ok"})
        status, body = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200 and body["checks"]["database"]["ok"]
        lock_file = tmp_path / "sweeper.lock"
        while not (lock_file.exists() and lock_file.read_text().strip()):
            assert time.monotonic() < deadline + 30, "no sweeper took the lead"
            time.sleep(0.2)
        time.sleep(2.5)  # a few sweep intervals
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    booted = [entry for entry in lines if "Booting worker" in entry["message"]]
    assert len(booted) == 2, err
    leaders = [entry for entry in lines if entry["message"].startswith("sweeper leads")]
    assert len(leaders) == 1, err
    access = [entry for entry in lines if entry["logger"] == "assessment.access"]
    assert {entry["path"] for entry in access} == {"/healthz", "/readyz"}
    assert all(len(entry["request_id"]) == 16 for entry in access)


def test_the_sweeper_survives_a_database_outage_and_leads_again(tmp_path, monkeypatch):
    """A lost connection made try_acquire raise, which ended the sweeper process for good."""
    import threading

    from assessment import serving, workers

    class FlakyLock:
        calls = 0

        def __init__(self, *_):
            pass

        def try_acquire(self):
            FlakyLock.calls += 1
            if FlakyLock.calls == 2:
                raise ConnectionError("database unreachable")
            return True

        def release(self):
            pass

    swept = []
    stop = threading.Event()

    def sweep(app):
        swept.append(FlakyLock.calls)
        if len(swept) == 2:
            stop.set()
        return 0

    monkeypatch.setattr("assessment.leader.LeaderLock", FlakyLock)
    monkeypatch.setattr(workers, "sweep_once", sweep)

    class App:
        extensions = {"assessment.engine": None}
        instance_path = str(tmp_path)
        config = {"SWEEP_INTERVAL_SECONDS": 0.01}

    serving.run_sweeper(App(), stop)
    assert swept == [1, 3]  # swept, lost the database once (no sweep, no crash), swept again


def test_gunicorn_builds_no_access_line_of_its_own():
    """The app logs each request (tokens redacted); gunicorn's line would carry the raw path."""
    from gunicorn.config import Config

    from assessment.serving import WithoutAccessLog, gunicorn_options

    options = gunicorn_options(host="127.0.0.1", port=8000, workers=2, threads=4)
    assert options["logger_class"] is WithoutAccessLog and options["accesslog"] is None
    config = Config()
    for key, value in options.items():
        config.set(key, value)
    logger = WithoutAccessLog(config)
    # gunicorn's own Logger, given this logging configuration, builds the line from the
    # request and response: with none to read from, that fails. Ours does not build it.
    assert logger.access(None, None, {}, None) is None


def test_gunicorn_error_lines_carry_no_invitation_token(caplog):
    """An error that escapes the app makes gunicorn log "Error handling request <path>": the
    path's token is redacted there too."""
    import logging

    from gunicorn.config import Config

    from assessment.serving import WithoutAccessLog

    logger = WithoutAccessLog(Config())
    token = "MVUVLMG1UOQyB26A9DJ1ZyA5FC34nVzVisWMiwoWCfU"
    logging.getLogger("gunicorn.error").propagate = True
    try:
        with caplog.at_level(logging.ERROR, logger="gunicorn.error"):
            try:
                raise RuntimeError("escaped")
            except RuntimeError:
                logger.exception("Error handling request %s %s", "GET", f"/t/{token}/answer")
    finally:
        logging.getLogger("gunicorn.error").propagate = False
    assert "Error handling request GET /t/<token>/answer" in caplog.text
    assert token not in caplog.text
