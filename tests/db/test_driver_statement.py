"""A statement run on the driver's own connection (assessment/services/transactions.py
`DriverStatement`, the autosave's UPDATE): the same values stored as SQLAlchemy's own execution
would store them, as a transaction of its own, SQLAlchemy's errors, and a pool that recovers
from a connection the server dropped. On SQLite and on the real PostgreSQL service."""
import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError

from assessment.db import make_engine
from assessment.services.transactions import DriverStatement
from support import fresh_postgres_database

METADATA = sa.MetaData()
ROWS = sa.Table("rows", METADATA, sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("state", sa.String(16)), sa.Column("answer", sa.JSON),
                sa.Column("saved_at", sa.DateTime(timezone=True)), sa.Column("version", sa.Integer))
SAVE = (ROWS.update().where(ROWS.c.id == sa.bindparam("row_id"), ROWS.c.state == "open",
                            ROWS.c.saved_at < sa.bindparam("new_saved_at"))
        .values(answer=sa.bindparam("new_answer"), saved_at=sa.bindparam("new_saved_at"), version=ROWS.c.version + 1))
T0 = dt.datetime(2026, 11, 29, 12, 0, 0, 123456, tzinfo=dt.timezone.utc)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path}/driver.db", lambda: None
    else:
        url, drop = fresh_postgres_database()
    engine = make_engine(url)
    METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(ROWS.insert(), [{"id": n, "state": state, "answer": None, "saved_at": T0, "version": 1}
                                           for n, state in ((1, "open"), (2, "open"), (3, "closed"))])
    yield engine
    engine.dispose()
    drop()


def _rows(engine) -> dict:
    with engine.connect() as connection:
        return {row.id: row for row in connection.execute(sa.select(ROWS).order_by(ROWS.c.id))}


def test_the_values_stored_are_sqlalchemys_own(engine):
    """Row 1 by the driver, row 2 by SQLAlchemy's execution, the same values: the same row back."""
    later = T0 + dt.timedelta(seconds=3, microseconds=7)
    values = {"new_answer": {"choices": ["b", "é"], "n": 1.5}, "new_saved_at": later}
    assert DriverStatement(SAVE).rowcount(engine, {"row_id": 1, **values}) == 1
    with engine.begin() as connection:
        assert connection.execute(SAVE, {"row_id": 2, **values}).rowcount == 1
    rows = _rows(engine)
    by_driver, by_sqlalchemy = rows[1], rows[2]
    assert dict(by_driver._mapping) | {"id": 0} == dict(by_sqlalchemy._mapping) | {"id": 0}
    assert (by_driver.answer, by_driver.version) == ({"choices": ["b", "é"], "n": 1.5}, 2)
    assert by_driver.saved_at.replace(tzinfo=dt.timezone.utc) == later


def test_its_conditions_and_literals_hold(engine):
    update = DriverStatement(SAVE)
    assert update.rowcount(engine, {"row_id": 3, "new_answer": 1, "new_saved_at": T0 + dt.timedelta(1)}) == 0  # closed
    assert update.rowcount(engine, {"row_id": 1, "new_answer": 1, "new_saved_at": T0}) == 0  # not newer
    assert update.rowcount(engine, {"row_id": 1, "new_answer": 2, "new_saved_at": T0 + dt.timedelta(1)}) == 1
    assert [(row.answer, row.version) for row in _rows(engine).values()] == [(2, 2), (None, 1), (None, 1)]


def test_it_commits_on_its_own_and_leaves_the_pooled_connection_as_it_found_it(engine):
    DriverStatement(SAVE).rowcount(engine, {"row_id": 1, "new_answer": "x", "new_saved_at": T0 + dt.timedelta(1)})
    other = sa.create_engine(engine.url)  # another connection sees it committed
    with other.connect() as connection:
        assert connection.execute(sa.select(ROWS.c.answer).where(ROWS.c.id == 1)).scalar() == "x"
    other.dispose()
    _pool_works_as_usual(engine)


def _pool_works_as_usual(engine) -> None:
    """The pool's connections hold transactions as usual (not autocommit, no lock left held)."""
    for _ in range(2):
        with engine.connect() as connection:
            driver = connection.connection.dbapi_connection
            if engine.dialect.name == "postgresql":
                assert driver.autocommit is False
            else:
                assert not driver.in_transaction and not driver.holds_writer_lock
            connection.execute(ROWS.update().where(ROWS.c.id == 2).values(answer="y"))
            connection.rollback()
    assert _rows(engine)[2].answer is None


def test_an_error_is_sqlalchemys_and_the_next_statement_runs(engine):
    """SQLite keeps the connection (the failed statement rolled itself back); PostgreSQL's is
    discarded (it was left in autocommit)."""
    with engine.connect() as connection:
        before = connection.connection.dbapi_connection
    broken = DriverStatement(sa.text("UPDATE no_such_table SET x = :x"))
    with pytest.raises(DBAPIError) as failed:
        broken.rowcount(engine, {"x": 1})
    assert "no_such_table" in str(failed.value) and not failed.value.connection_invalidated
    assert failed.value.statement.startswith("UPDATE no_such_table") and failed.value.params in ([1], {"x": 1})
    with engine.connect() as connection:
        assert (connection.connection.dbapi_connection is before) == (engine.dialect.name == "sqlite")
    _pool_works_as_usual(engine)
    assert DriverStatement(SAVE).rowcount(engine, {"row_id": 1, "new_answer": 1,
                                                   "new_saved_at": T0 + dt.timedelta(1)}) == 1


def test_an_interruption_in_the_middle_leaves_no_connection_in_autocommit(engine, monkeypatch):
    """Anything raised on the way (a worker's timeout, a bug), not only the driver's errors."""
    from assessment import db
    from assessment.services import transactions

    def interrupted(driver, *_):
        if engine.dialect.name == "postgresql":
            driver.autocommit = True  # as far as the real one gets before its statement
        raise KeyboardInterrupt

    monkeypatch.setattr(transactions, "_autocommit_rowcount", interrupted)
    monkeypatch.setattr(db._SQLiteConnection, "write_alone", interrupted)
    with pytest.raises(KeyboardInterrupt):
        DriverStatement(SAVE).rowcount(engine, {"row_id": 1, "new_answer": 1, "new_saved_at": T0 + dt.timedelta(1)})
    _pool_works_as_usual(engine)


@pytest.mark.postgres
def test_on_postgresql_a_server_restart_fails_one_statement_then_the_pool_is_replaced():
    """Every pooled connection is dead after a restart, and one used a moment ago goes out
    unpinged (`db._ping_when_idle`): the first failure discards them all, as SQLAlchemy's own
    execution does, so the next statement gets a new one instead of the next dead one."""
    url, drop = fresh_postgres_database()
    engine = make_engine(url)
    try:
        METADATA.create_all(engine)
        with engine.begin() as connection:
            connection.execute(ROWS.insert(), {"id": 1, "state": "open", "saved_at": T0, "version": 1})
        with engine.connect() as one, engine.connect() as two:  # two connections in the pool
            pids = [c.execute(sa.text("SELECT pg_backend_pid()")).scalar() for c in (one, two)]
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for pid in pids:
                assert connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        admin.dispose()
        save = DriverStatement(SAVE)
        with pytest.raises(OperationalError) as failed:  # the web's 503, retried by the page
            save.rowcount(engine, {"row_id": 1, "new_answer": 1, "new_saved_at": T0 + dt.timedelta(1)})
        assert failed.value.connection_invalidated
        assert save.rowcount(engine, {"row_id": 1, "new_answer": 2, "new_saved_at": T0 + dt.timedelta(2)}) == 1
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar() not in pids
    finally:
        engine.dispose()
        drop()
