"""Engine per app and a Session per request (on g), closed at teardown.

The schema is owned by Alembic (migrations/): nothing here creates tables.
"""
import fcntl
import os
import sqlite3
import threading

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from assessment.services.transactions import WRITE_LOCK

#: Seconds a write transaction waits for SQLite's write lock before the request answers "busy".
SQLITE_LOCK_TIMEOUT = 30


class _WriterLock:
    """One writer at a time on a SQLite file, across the threads and processes of this machine,
    handed over the moment the holder commits.

    SQLite's own busy handler polls with sleeps that grow to 100 ms, so under a burst of answer
    saves a waiting writer sleeps while the lock is free and newcomers overtake it: seconds of
    tail latency. A thread lock (in this process) and ``flock`` on a file beside the database
    (between processes) queue writers in the kernel instead. Only one thread per process waits
    on the ``flock``, so no two processes can each hold one lock and want the other."""

    def __init__(self, path: str):
        self._thread_lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._owner: int | None = None

    def acquire(self, timeout: float) -> None:
        if self._owner == threading.get_ident():
            raise RuntimeError("a second write transaction in the same thread would wait for itself")
        if not self._thread_lock.acquire(timeout=timeout):
            # Raised as the driver's "database is locked" would be: the web answers 503, retry.
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError(f"database is locked: no write lock within {timeout:.0f} s"))
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise
        self._owner = threading.get_ident()

    def release(self) -> None:
        self._owner = None
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


_WRITER_LOCKS: dict[tuple[int, str], _WriterLock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _writer_lock(database_path: str) -> _WriterLock:
    """This process's lock for a database file (a forked child opens its own descriptor: one
    shared with the parent would not exclude it)."""
    key = (os.getpid(), os.path.abspath(database_path))
    with _WRITER_LOCKS_GUARD:
        if key not in _WRITER_LOCKS:
            _WRITER_LOCKS[key] = _WriterLock(key[1] + "-writer.lock")
        return _WRITER_LOCKS[key]


class _SQLiteConnection(sqlite3.Connection):
    """A driver connection that holds the writer lock from its BEGIN IMMEDIATE until the
    commit or rollback has finished (also when the pool rolls back a connection handed back)."""

    writer_lock: _WriterLock | None = None
    holds_writer_lock = False

    def begin_write(self) -> None:
        if self.writer_lock is not None and not self.holds_writer_lock:
            self.writer_lock.acquire(SQLITE_LOCK_TIMEOUT)
            self.holds_writer_lock = True

    def release_writer(self) -> None:
        if self.holds_writer_lock:
            self.holds_writer_lock = False
            self.writer_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer()


#: What SQLite waits for at each commit. FULL (the default) syncs the write-ahead log to disk
#: before the commit returns, so an acknowledged answer survives a power cut; NORMAL leaves that
#: to the checkpoint: still safe against a killed process, but a power cut or kernel crash can
#: lose the last commits. NORMAL takes the fsync out of every answer save (see docs/deployment.md).
SQLITE_SYNCHRONOUS = ("full", "normal")


def make_engine(url: str, *, sqlite_synchronous: str = "full") -> Engine:
    if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"SQLITE_SYNCHRONOUS: {sqlite_synchronous!r} is not one of {', '.join(SQLITE_SYNCHRONOUS)}")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_LOCK_TIMEOUT,
                                                  "factory": _SQLiteConnection})
        database = engine.url.database
        writer_lock_path = database if database and database != ":memory:" and not database.startswith("file:") else None

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_LOCK_TIMEOUT * 1000}")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous.upper()}")
            cursor.close()
            if writer_lock_path:
                dbapi_connection.writer_lock = _writer_lock(writer_lock_path)
            # SQLAlchemy emits BEGIN itself (below) instead of the driver's implicit one, so
            # that a read-modify-write transaction can take SQLite's write lock first.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            if not connection.get_execution_options().get(WRITE_LOCK):
                connection.exec_driver_sql("BEGIN")
                return
            driver = connection.connection.dbapi_connection
            driver.begin_write()
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                driver.release_writer()
                raise

        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(app: Flask | None = None) -> Engine:
    app = app or current_app
    return app.extensions["assessment.engine"]


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    app.extensions["assessment.engine"] = make_engine(
        app.config["DATABASE_URL"], sqlite_synchronous=str(app.config["SQLITE_SYNCHRONOUS"]).lower())
    app.teardown_appcontext(close_session)
