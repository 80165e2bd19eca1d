"""Group commit on SQLite (assessment/db.py `_GroupSync`): with the default `full` setting a
commit that wrote rows returns only after an fsync of the write-ahead log that began after it;
the fsync runs outside the write lock, and commits that finish during one fsync share the next.

The fsyncs are observed by wrapping `os.fsync` (the real one still runs): which file, when, and
how much of the log was written by then."""
import os
import threading
import time

import pytest

from assessment import db
from assessment.db import make_engine


class FsyncLedger:
    """Every fsync: the file it synced and the log's size when it began."""

    def __init__(self, monkeypatch, wal_path: str, before=None):
        self.calls: list[tuple[str, int]] = []
        self.wal_path = wal_path
        real = os.fsync

        def fsync(fd):
            path = os.readlink(f"/proc/self/fd/{fd}")
            self.calls.append((path, os.path.getsize(wal_path) if os.path.exists(wal_path) else -1))
            if before is not None:
                before(path)
            real(fd)

        monkeypatch.setattr(db.os, "fsync", fsync)

    def wal_syncs(self) -> list[int]:
        return [size for path, size in self.calls if path == self.wal_path]


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "g.db")
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        connection.exec_driver_sql("INSERT INTO t VALUES (0)")
    yield engine, path + "-wal"
    engine.dispose()


def _write(engine, n: int = 1) -> None:
    with engine.connect().execution_options(assessment_write_lock=True) as connection, connection.begin():
        connection.exec_driver_sql(f"UPDATE t SET n = n + {n}")


def test_full_runs_sqlite_at_normal_and_syncs_the_log_itself(database):
    engine, _ = database
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.connection.dbapi_connection.group_sync is not None


@pytest.mark.parametrize(("url", "setting", "pragma"), [
    ("sqlite:///{tmp}/n.db", "normal", 1),  # chosen: no sync of its own either
    ("sqlite://", "full", 2),  # in memory: no log file to sync, SQLite's own FULL stays
])
def test_only_a_file_database_at_full_gets_the_group_sync(tmp_path, url, setting, pragma):
    engine = make_engine(url.format(tmp=tmp_path), sqlite_synchronous=setting)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == pragma
        assert connection.connection.dbapi_connection.group_sync is None
    engine.dispose()


def test_a_commit_returns_after_an_fsync_of_the_log_that_began_after_its_write(database, monkeypatch):
    engine, wal_path = database
    ledger = FsyncLedger(monkeypatch, wal_path)
    for n in range(1, 4):
        _write(engine, n)
        written = os.path.getsize(wal_path)
        syncs = ledger.wal_syncs()
        assert len(syncs) == n
        assert syncs[-1] == written  # the whole log as this commit left it was on disk on return
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT n FROM t").scalar() == 6


def test_transactions_that_wrote_nothing_do_not_sync(database, monkeypatch):
    engine, wal_path = database
    ledger = FsyncLedger(monkeypatch, wal_path)
    with engine.connect() as connection, connection.begin():
        connection.exec_driver_sql("SELECT n FROM t").scalar()
    with engine.connect().execution_options(assessment_write_lock=True) as connection, connection.begin():
        connection.exec_driver_sql("UPDATE t SET n = n WHERE n < 0")  # a write transaction, no row changed
    assert ledger.calls == []
    _write(engine)
    assert len(ledger.wal_syncs()) == 1


def test_a_statement_alone_on_the_driver_is_on_disk_when_it_returns_and_only_if_it_wrote(database, monkeypatch):
    """`transactions.DriverStatement` (the autosave's UPDATE) writes as SQLite's autocommit."""
    import sqlalchemy as sa

    from assessment.services.transactions import DriverStatement

    engine, wal_path = database
    ledger = FsyncLedger(monkeypatch, wal_path)
    add = DriverStatement(sa.text("UPDATE t SET n = n + :k WHERE n >= :least"))
    assert add.rowcount(engine, {"k": 5, "least": 100}) == 0
    assert ledger.calls == []
    assert add.rowcount(engine, {"k": 5, "least": 0}) == 1
    assert ledger.wal_syncs() == [os.path.getsize(wal_path)]
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT n FROM t").scalar() == 5


def test_each_new_log_file_has_its_folder_synced_once(database, monkeypatch, tmp_path):
    engine, wal_path = database
    ledger = FsyncLedger(monkeypatch, wal_path)
    _write(engine)
    _write(engine)
    assert [path for path, _ in ledger.calls] == [wal_path, wal_path]  # this log's folder: synced by the fixture's write
    engine.dispose()  # the last connection checkpoints and deletes the log
    assert not os.path.exists(wal_path)
    _write(engine)  # a new log file
    _write(engine)
    assert [path for path, _ in ledger.calls[2:]] == [wal_path, str(tmp_path), wal_path]


def test_the_write_lock_is_free_while_a_commit_waits_for_the_disk(database, monkeypatch):
    engine, wal_path = database
    in_fsync, let_go = threading.Event(), threading.Event()

    def hold_the_first(path):
        if path == wal_path and not in_fsync.is_set():
            in_fsync.set()
            assert let_go.wait(10)

    FsyncLedger(monkeypatch, wal_path, before=hold_the_first)
    first = threading.Thread(target=_write, args=(engine,))
    first.start()
    assert in_fsync.wait(10)
    other = threading.Thread(target=_write, args=(engine, 10))
    other.start()
    deadline = time.monotonic() + 10
    with engine.connect() as connection:  # the second writer commits although the first is still syncing
        while connection.exec_driver_sql("SELECT n FROM t").scalar() != 11 and time.monotonic() < deadline:
            connection.rollback()
            time.sleep(0.01)
        assert connection.exec_driver_sql("SELECT n FROM t").scalar() == 11
    assert other.is_alive()  # ... but is not acknowledged before a sync that covers it
    let_go.set()
    first.join(10)
    other.join(10)
    assert not first.is_alive() and not other.is_alive()


def test_commits_that_finish_during_one_fsync_share_the_next(database, monkeypatch):
    engine, wal_path = database
    sync, held = None, []
    waiters = 3

    def hold_the_first_until_the_others_have_committed(path):
        if path != wal_path or held:
            return
        held.append(sync._committed)
        deadline = time.monotonic() + 10
        while sync._committed < held[0] + waiters and time.monotonic() < deadline:
            time.sleep(0.005)

    ledger = FsyncLedger(monkeypatch, wal_path, before=hold_the_first_until_the_others_have_committed)
    with engine.connect() as connection:
        sync = connection.connection.dbapi_connection.group_sync
    threads = [threading.Thread(target=_write, args=(engine,)) for _ in range(1 + waiters)]
    threads[0].start()
    deadline = time.monotonic() + 10
    while not ledger.calls and time.monotonic() < deadline:
        time.sleep(0.005)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(20)
    syncs = ledger.wal_syncs()
    assert len(syncs) == 2  # the first commit's own, then one for the three that waited
    assert syncs[1] == os.path.getsize(wal_path)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT n FROM t").scalar() == 4
