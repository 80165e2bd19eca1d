"""PostgreSQL connections (assessment/db.py). The pool (`_ping_when_idle`): a connection handed
back a moment ago goes out again without a ping (a round trip saved on every request); one that
sat in the pool longer than `PING_AFTER_IDLE_SECONDS` is pinged first, and a dead one is
replaced before the caller sees it. Against the real PostgreSQL service: the server ends a
connection's backend (`pg_terminate_backend`), as a restart or a dropped network path would.
And every connection's TCP keepalives (`CLIENT_KEEPALIVES`)."""
import pytest
from sqlalchemy import create_engine, text

from assessment import db
from assessment.db import make_engine
from support import fresh_postgres_database


@pytest.fixture
def engine_and_pings(monkeypatch):
    url, drop = fresh_postgres_database()
    engine = make_engine(url)
    pings = []
    real_ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection):
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted_ping)
    yield engine, pings, url
    engine.dispose()
    drop()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar()


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()


@pytest.mark.postgres
def test_a_connection_used_a_moment_ago_goes_out_without_a_ping(engine_and_pings, monkeypatch):
    engine, pings, _ = engine_and_pings
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 60)
    first = _backend_pid(engine)  # a new connection: not pinged either
    assert [_backend_pid(engine) for _ in range(5)] == [first] * 5  # the same pooled connection
    assert pings == []


@pytest.mark.postgres
def test_an_idle_connection_is_pinged_and_a_dead_one_replaced_before_anyone_uses_it(engine_and_pings, monkeypatch):
    engine, pings, url = engine_and_pings
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0)  # every handed-back connection counts as idle
    first = _backend_pid(engine)
    pinged = len(pings)
    assert _backend_pid(engine) == first and len(pings) == pinged + 1  # alive: pinged, kept
    _terminate(url, first)
    replaced = _backend_pid(engine)  # no error reaches the caller
    assert replaced != first and len(pings) >= pinged + 2


@pytest.mark.postgres
def test_without_the_ping_a_dead_connection_fails_one_request_and_the_pool_recovers(engine_and_pings, monkeypatch):
    """What a restart within the no-ping window costs: the one request on the dead connection
    fails (a 503 for the page to retry); SQLAlchemy then replaces the pool's connections."""
    engine, pings, url = engine_and_pings
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 60)
    first = _backend_pid(engine)
    _terminate(url, first)
    with pytest.raises(Exception) as failed:
        _backend_pid(engine)
    assert getattr(failed.value, "connection_invalidated", False)
    assert _backend_pid(engine) != first and pings == []


@pytest.mark.postgres
def test_server_connections_probe_a_silent_peer_unless_the_url_says_otherwise():
    url, drop = fresh_postgres_database()
    try:
        for query, idle in (("", "10"), ("?keepalives_idle=60", "60")):
            engine = make_engine(url + query)
            with engine.connect() as connection:
                given = connection.connection.dbapi_connection.info.get_parameters()
            engine.dispose()
            assert (given["keepalives_idle"], given["keepalives_count"], given["tcp_user_timeout"]) == (idle, "3", "30000")
    finally:
        drop()
