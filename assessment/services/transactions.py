"""Transactions for state changes that two requests can race on (double clicks, two tabs, a
grade landing while the section closes, the sweep): take the write lock, then read, then write.

`with_for_update` does nothing on SQLite, so there the transaction itself starts with the
database's write lock (BEGIN IMMEDIATE, emitted by `assessment.db` when the connection carries
`WRITE_LOCK`); on PostgreSQL the caller row-locks what it reads (SELECT ... FOR UPDATE).
"""
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

#: Connection execution option asking for a transaction that holds SQLite's write lock from its
#: first statement (read by the engine's "begin" hook in assessment/db.py).
WRITE_LOCK = "assessment_write_lock"


def write_transaction(session: Session) -> None:
    """End the session's current (read) transaction and begin one in which no other writer can
    interleave before this one commits. Objects loaded before are expired, so every read in the
    new transaction sees the latest committed state."""
    if session.in_transaction():
        session.commit()
    session.expire_all()
    session.connection(execution_options={WRITE_LOCK: True})


class DriverStatement:
    """A Core statement compiled once per dialect and run on the driver's own connection, as a
    transaction of its own (autocommit).

    For the one statement most requests are (an autosave's UPDATE, `services.answering`),
    SQLAlchemy's per-execution machinery (a Connection, its transaction, events, a result)
    cost more CPU than the statement. The values are converted by SQLAlchemy's own bind
    processors, a failure is raised as SQLAlchemy's error (an OperationalError is a 503), and a
    connection the database dropped is discarded with the rest of the pool, as SQLAlchemy does."""

    def __init__(self, statement):
        self.statement = statement
        self._compiled: dict[str, tuple] = {}

    def _compile(self, dialect) -> tuple:
        compiled = self.statement.compile(dialect=dialect)
        names = set(compiled.bind_names.values())  # `binds` also holds internal keys the SQL never names
        binds = {name: bind for name, bind in compiled.binds.items() if name in names}
        processors = {name: process for name, bind in binds.items()
                      if (process := bind.type.dialect_impl(dialect).bind_processor(dialect))}
        fixed = {name: bind.effective_value for name, bind in binds.items() if not bind.required}
        return compiled.string, compiled.positiontup, processors, fixed

    def rowcount(self, engine: Engine, params: dict) -> int:
        """Run with `params` (by bind name); the number of rows it changed."""
        dialect = engine.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        sql, order, processors, fixed = compiled
        values = {**fixed, **params}
        for name, process in processors.items():
            values[name] = process(values[name])
        args = [values[name] for name in order] if order else values
        pooled = engine.raw_connection()
        driver = pooled.dbapi_connection
        try:
            if dialect.name == "sqlite":
                return driver.write_alone(sql, args)  # the writer lock and group commit: assessment/db.py
            return _autocommit_rowcount(driver, sql, args)
        except BaseException as exc:
            from_driver = isinstance(exc, dialect.loaded_dbapi.Error)
            disconnected = from_driver and dialect.is_disconnect(exc, driver, None)
            if disconnected:
                engine.dispose()  # every pooled connection is as dead as this one: closed, replaced
            if disconnected or dialect.name != "sqlite":
                # Its state (autocommit left on, or gone) is not the pool's; SQLite's statement
                # rolled itself back and left the connection as it was.
                pooled.invalidate(exc if isinstance(exc, Exception) else None)
            if not from_driver:
                raise
            raise DBAPIError.instance(sql, args, exc, dialect.loaded_dbapi.Error,
                                      connection_invalidated=disconnected, dialect=dialect) from exc
        finally:
            pooled.close()


def _autocommit_rowcount(driver, sql: str, args) -> int:
    """psycopg: one statement in autocommit (no BEGIN, no COMMIT: one round trip)."""
    driver.autocommit = True
    with driver.cursor() as cursor:
        cursor.execute(sql, args)
        changed = cursor.rowcount
    driver.autocommit = False
    return changed
