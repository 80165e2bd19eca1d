"""Engine per app and a Session per request (on g), closed at teardown.

The schema is owned by Alembic (migrations/): nothing here creates tables.
"""
import fcntl
import logging
import os
import sqlite3
import threading
import time

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
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


class _GroupSync:
    """Group commit for SQLite: a commit returns once its write-ahead log frames are on disk, and
    one fsync covers every commit of this process that finished before the fsync began.

    SQLite's own FULL mode syncs the log inside each commit, while the commit still holds the
    write lock: every other writer waits for the disk, one save at a time. Here the connection
    runs with synchronous=NORMAL (SQLite still syncs at checkpoints) and syncs the log itself after
    the commit, outside the lock: the next writer goes on meanwhile, and the commits that finish
    during one fsync share the next. A commit is acknowledged only after an fsync that began after
    it, so an acknowledged answer survives a power cut as with FULL."""

    def __init__(self, database_path: str):
        self._wal_path = database_path + "-wal"
        self._folder = os.path.dirname(database_path) or "."
        self._tickets = threading.Lock()
        self._syncing = threading.Lock()  # one fsync at a time; the others wait for its result
        self._committed = 0  # commits (of this process) that have returned
        self._synced = 0  # every commit numbered up to this one is on disk
        self._wal_file: tuple[int, int] | None = None  # (device, inode) of the log last synced
        self._wal_fd: int | None = None
        self.fsyncs = 0

    def after_commit(self) -> None:
        with self._tickets:
            self._committed += 1
            ticket = self._committed
        with self._syncing:
            if self._synced >= ticket:
                return  # an fsync that began after this commit has finished
            with self._tickets:
                covered = self._committed  # each of these wrote its frames before the fsync below
            self._sync_wal()
            self._synced = covered

    def _sync_wal(self) -> None:
        try:
            status = os.stat(self._wal_path)
        except FileNotFoundError:
            return  # no log: the last checkpoint copied it into the database file and synced that
        new_file = (status.st_dev, status.st_ino) != self._wal_file
        if new_file:
            # Held open until the log is replaced: while it is, its inode number cannot be given
            # to the next log file, so a changed number always means a new file.
            fd = os.open(self._wal_path, os.O_RDONLY)
            if self._wal_fd is not None:
                os.close(self._wal_fd)
            opened = os.fstat(fd)
            self._wal_fd, self._wal_file = fd, (opened.st_dev, opened.st_ino)
        os.fsync(self._wal_fd)
        self.fsyncs += 1
        if new_file:
            # Its directory entry must reach the disk too, or a power cut could lose the file with
            # the frames synced in it.
            folder = os.open(self._folder, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)


_WRITER_LOCKS: dict[tuple[int, str], _WriterLock] = {}
_GROUP_SYNCS: dict[tuple[int, str], _GroupSync] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _writer_lock(database_path: str) -> _WriterLock:
    """This process's lock for a database file (a forked child opens its own descriptor: one
    shared with the parent would not exclude it)."""
    key = (os.getpid(), os.path.abspath(database_path))
    with _WRITER_LOCKS_GUARD:
        if key not in _WRITER_LOCKS:
            _WRITER_LOCKS[key] = _WriterLock(key[1] + "-writer.lock")
        return _WRITER_LOCKS[key]


def _group_sync(database_path: str) -> _GroupSync:
    """This process's group commit for a database file (per process, like `_writer_lock`)."""
    key = (os.getpid(), os.path.abspath(database_path))
    with _WRITER_LOCKS_GUARD:
        if key not in _GROUP_SYNCS:
            _GROUP_SYNCS[key] = _GroupSync(key[1])
        return _GROUP_SYNCS[key]


class _SQLiteConnection(sqlite3.Connection):
    """A driver connection that holds the writer lock from its BEGIN IMMEDIATE until the
    commit or rollback has finished (also when the pool rolls back a connection handed back)."""

    writer_lock: _WriterLock | None = None
    holds_writer_lock = False
    group_sync: _GroupSync | None = None
    _changes_synced = 0

    def begin_write(self) -> None:
        if self.writer_lock is not None and not self.holds_writer_lock:
            self.writer_lock.acquire(SQLITE_LOCK_TIMEOUT)
            self.holds_writer_lock = True

    def release_writer(self) -> None:
        if self.holds_writer_lock:
            self.holds_writer_lock = False
            self.writer_lock.release()

    def commit(self) -> None:
        ended = self.in_transaction
        try:
            super().commit()
        finally:
            self.release_writer()
        if ended and self.group_sync is not None and self.total_changes != self._changes_synced:
            self._changes_synced = self.total_changes  # a transaction that wrote rows: on disk first
            self.group_sync.after_commit()

    def write_alone(self, statement: str, args) -> int:
        """One writing statement as a transaction of its own (SQLite's autocommit), under the
        writer lock, and on disk before it returns (group commit) if it changed a row: BEGIN
        IMMEDIATE and COMMIT as statements of their own add nothing to a single UPDATE. The
        number of rows it changed."""
        if self.in_transaction:
            raise RuntimeError("write_alone inside a transaction would commit the caller's work")
        self.begin_write()
        try:
            changed = self.execute(statement, args).rowcount
        finally:
            self.release_writer()
        if changed > 0 and self.group_sync is not None:
            self._changes_synced = self.total_changes
            self.group_sync.after_commit()
        return changed

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


#: What SQLite waits for at each commit. "full" (the default): the write-ahead log is on disk
#: before the commit returns, so an acknowledged answer survives a power cut (by `_GroupSync`
#: when the database is a file in WAL mode, else by SQLite's own FULL); "normal" leaves that to
#: the checkpoint: still safe against a killed process, but a power cut or kernel crash can lose
#: the last commits (see docs/deployment.md).
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
            # Readers never block the writer (a database that cannot use WAL keeps SQLite's FULL).
            wal = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_LOCK_TIMEOUT * 1000}")
            group_sync = wal and writer_lock_path is not None and sqlite_synchronous == "full"
            cursor.execute(f"PRAGMA synchronous={'NORMAL' if group_sync else sqlite_synchronous.upper()}")
            cursor.close()
            if writer_lock_path:
                dbapi_connection.writer_lock = _writer_lock(writer_lock_path)
            if group_sync:
                dbapi_connection.group_sync = _group_sync(writer_lock_path)
            # SQLAlchemy emits BEGIN itself (below) instead of the driver's implicit one, so
            # that a read-modify-write transaction can take SQLite's write lock first.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # On the driver's connection: SQLAlchemy's statement machinery around a bare BEGIN
            # cost more than the statement, and with the writer lock held.
            driver = connection.connection.dbapi_connection
            statement = "BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE_LOCK) else "BEGIN"
            if statement == "BEGIN IMMEDIATE":
                driver.begin_write()
            try:
                driver.execute(statement)
            except BaseException as exc:
                driver.release_writer()
                if isinstance(exc, sqlite3.OperationalError):  # wrapped as SQLAlchemy's own would be: a 503
                    raise OperationalError(statement, None, exc) from exc
                raise

        return engine
    given = make_url(url).query  # the operator's own settings in DATABASE_URL stand
    engine = create_engine(url, connect_args={k: v for k, v in CLIENT_KEEPALIVES.items() if k not in given})
    _ping_when_idle(engine)
    return engine


#: libpq's settings for every server connection: probe a silent server after 10 s (every 5 s, 3
#: times), and give up on data the server has not acknowledged for 30 s. Without them a
#: connection whose network path died (no reset, no FIN) hangs its caller for the operating
#: system's 15 minutes of retransmissions.
CLIENT_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
                     "tcp_user_timeout": 30_000}


#: A pooled server connection handed back within this many seconds is handed out again without
#: a ping first (see `_ping_when_idle`).
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pre-ping, only for a connection that sat in the pool for a while.

    A ping on every checkout is a round trip on every request (a third of an autosave's on
    PostgreSQL). A connection used a moment ago is alive but for a restart in that moment,
    whose request then fails once (a 503 the page retries) and makes SQLAlchemy replace the
    whole pool; a connection that sat idle, through a restart or a network drop, is pinged, and
    a dead one is replaced before any request sees it (DisconnectionError: the pool retries)."""
    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _fresh_or_handed_back(_dbapi_connection, record):
        if record is not None:
            record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("checked_in_at", float("-inf")) <= PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError(f"a pooled connection is gone: {exc}") from exc
            raise


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
        try:
            session.close()
        except DBAPIError as exc:
            # Its rollback on a connection the database dropped (an outage): nothing is left to roll
            # back, and raising here, after the response was made, would turn it into a bare 500.
            logging.getLogger(__name__).warning("request's database session closed on a lost connection: %s",
                                                type(exc).__name__)


def init_app(app: Flask) -> None:
    app.extensions["assessment.engine"] = make_engine(
        app.config["DATABASE_URL"], sqlite_synchronous=str(app.config["SQLITE_SYNCHRONOUS"]).lower())
    app.teardown_appcontext(close_session)
