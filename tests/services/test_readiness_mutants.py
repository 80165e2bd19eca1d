"""services/readiness.py, the survivors of its mutation run: the failure's time to a tenth of a
millisecond, and the Redis probe bounded by PROBE_TIMEOUT_SECONDS against a server that accepts
the connection and never answers (a hung Redis)."""
import socket
import threading

import pytest
import redis

from assessment.services import readiness


def test_a_failed_check_is_timed_to_a_tenth_of_a_millisecond(monkeypatch):
    ticks = iter([20.0, 20.01234])  # 12.34 ms: to a tenth 12.3, not 12 nor 12.34

    def fails():
        raise OSError("down")

    monkeypatch.setattr(readiness.time, "perf_counter", lambda: next(ticks))
    result = readiness._timed(fails)
    assert result == {"ok": False, "error": "OSError: down", "ms": 12.3}
    assert isinstance(result["ms"], float)


@pytest.fixture
def hung_redis():
    """A TCP server that accepts connections and never answers: (url, accepted sockets)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted, stop = [], threading.Event()

    def serve():
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", accepted
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()  # a probe still waiting (no read timeout) gets its answer: end of stream
    server.close()


def test_a_hung_redis_is_not_ready_after_the_probe_timeout(monkeypatch, hung_redis, tmp_path):
    from assessment.db import make_engine

    url, accepted = hung_redis
    monkeypatch.setattr(readiness, "PROBE_TIMEOUT_SECONDS", 0.3)
    made = []
    real_from_url = redis.Redis.from_url

    def from_url(*args, **kwargs):
        made.append(real_from_url(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(redis.Redis, "from_url", from_url)
    engine = make_engine(f"sqlite:///{tmp_path / 'ready.db'}")
    result = {}
    probe = threading.Thread(target=lambda: result.update(readiness.check_readiness(engine=engine, redis_url=url)),
                             daemon=True)
    try:
        probe.start()
        probe.join(5)  # without a read timeout the ping waits until the fixture hangs up
        assert not probe.is_alive(), "the probe waited for the hung server past its timeout"
    finally:
        for conn in accepted:
            conn.close()
        probe.join(10)
        engine.dispose()
    assert result["database"]["ok"] is True
    queue = result["queue"]
    assert queue["ok"] is False and queue["error"].startswith("TimeoutError: ")
    assert 250 <= queue["ms"] < 3000  # the 0.3 s read timeout, not redis's default 5 s
    assert len(accepted) >= 1
    # the connection it makes gives up connecting after the same bound (sock.settimeout before connect)
    connection = made[0].connection_pool.make_connection()
    assert (connection.socket_connect_timeout, connection.socket_timeout) == (0.3, 0.3)
