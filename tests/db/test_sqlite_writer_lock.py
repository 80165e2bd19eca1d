"""SQLite write transactions queue on a kernel lock beside the database file (assessment/db.py):
held from BEGIN IMMEDIATE until the commit or rollback has finished, released on every way out,
and never waited for by the thread that holds it."""
import fcntl
import multiprocessing
import os
import threading

import pytest
import sqlalchemy.exc
from sqlalchemy import text
from sqlmodel import Session

from assessment.db import make_engine
from assessment.services.transactions import write_transaction


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    yield engine
    engine.dispose()


def _try_lock(path: str, queue) -> None:
    """In another process: can it take the writer lock right now?"""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        queue.put("free")
    except BlockingIOError:
        queue.put("held")
    finally:
        os.close(fd)


def lock_state(tmp_path) -> str:
    queue = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(target=_try_lock, args=(str(tmp_path / "w.db-writer.lock"), queue))
    process.start()
    process.join(10)
    return queue.get(timeout=5)


def test_the_lock_is_held_from_begin_immediate_until_the_commit_has_finished(engine, tmp_path):
    with Session(engine) as session:
        write_transaction(session)
        session.exec(text("INSERT INTO t VALUES (1)"))
        assert lock_state(tmp_path) == "held"
        session.commit()
        assert lock_state(tmp_path) == "free"
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1


@pytest.mark.parametrize("way_out", ["rollback", "close", "exception"])
def test_the_lock_is_released_on_every_way_out(engine, tmp_path, way_out):
    session = Session(engine)
    write_transaction(session)
    session.exec(text("INSERT INTO t VALUES (2)"))
    assert lock_state(tmp_path) == "held"
    if way_out == "rollback":
        session.rollback()
    elif way_out == "close":
        session.close()  # the pool rolls the connection back as it takes it back
    else:
        with pytest.raises(sqlalchemy.exc.OperationalError):
            session.exec(text("INSERT INTO no_such_table VALUES (1)"))
        session.rollback()
    assert lock_state(tmp_path) == "free"
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    session.close()


def test_plain_reads_do_not_take_the_lock(engine, tmp_path):
    with Session(engine) as session:
        session.exec(text("SELECT count(*) FROM t")).one()
        assert session.in_transaction()
        assert lock_state(tmp_path) == "free"


def test_a_second_write_transaction_in_the_same_thread_fails_instead_of_waiting_for_itself(engine):
    with Session(engine) as first, Session(engine) as second:
        write_transaction(first)
        with pytest.raises(RuntimeError, match="same thread would wait for itself"):
            write_transaction(second)
        first.rollback()
        write_transaction(second)  # free again: the second one gets it
        second.commit()


def test_a_writer_that_waits_too_long_gets_the_drivers_locked_error(engine, monkeypatch):
    """What the web turns into 503 with Retry-After, as for SQLite's own "database is locked"."""
    import assessment.db as db

    monkeypatch.setattr(db, "SQLITE_LOCK_TIMEOUT", 0.2)
    holder_ready, release = threading.Event(), threading.Event()

    def hold():
        with Session(engine) as session:
            write_transaction(session)
            holder_ready.set()
            release.wait(30)
            session.rollback()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holder_ready.wait(30)
        with Session(engine) as session, pytest.raises(sqlalchemy.exc.OperationalError, match="database is locked"):
            write_transaction(session)
    finally:
        release.set()
        holder.join(30)


def test_a_write_lock_held_outside_the_app_gives_the_locked_error_and_frees_the_writer_lock(tmp_path, monkeypatch):
    """A script's own sqlite3 connection holding SQLite's write lock (it knows nothing of the
    writer lock): BEGIN IMMEDIATE fails after SQLite's busy timeout as SQLAlchemy's
    OperationalError (the web's 503), and the writer lock is free again for the next writer."""
    import sqlite3

    import assessment.db as db

    monkeypatch.setattr(db, "SQLITE_LOCK_TIMEOUT", 0.2)
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    script = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
    script.execute("BEGIN IMMEDIATE")
    try:
        with Session(engine) as session, pytest.raises(sqlalchemy.exc.OperationalError, match="database is locked"):
            write_transaction(session)
        assert lock_state(tmp_path) == "free"
    finally:
        script.execute("ROLLBACK")
        script.close()
    with Session(engine) as session:
        write_transaction(session)
        session.exec(text("INSERT INTO t VALUES (1)"))
        session.commit()
    engine.dispose()


def test_writers_from_many_threads_take_turns_and_lose_nothing(engine):
    """Read-modify-write under the lock from 8 threads: every increment lands."""
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO t VALUES (0)")

    def bump():
        for _ in range(25):
            with Session(engine) as session:
                write_transaction(session)
                n = session.exec(text("SELECT n FROM t")).one()[0]
                session.exec(text("UPDATE t SET n = :n"), params={"n": n + 1})
                session.commit()

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT n FROM t").scalar() == 200


@pytest.mark.parametrize(("setting", "group_sync"), [("full", True), ("normal", False)])
def test_commits_sync_to_disk_unless_normal_is_chosen(tmp_path, setting, group_sync):
    """`full` on a file: SQLite at NORMAL plus the group commit's own sync of the log
    (tests/db/test_sqlite_group_commit.py); `normal`: no sync at commit at all."""
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}", sqlite_synchronous=setting)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        assert (connection.connection.dbapi_connection.group_sync is not None) is group_sync
    engine.dispose()


def test_the_app_reads_the_setting_and_refuses_a_wrong_one(make_app):
    from assessment.db import get_engine

    app = make_app(SQLITE_SYNCHRONOUS="NORMAL")
    if app.config["DATABASE_URL"].startswith("sqlite"):
        with app.app_context(), get_engine().connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS: 'sometimes' is not one of full, normal"):
        make_app(SQLITE_SYNCHRONOUS="sometimes")
