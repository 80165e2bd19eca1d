"""Can this process serve a candidate right now? Each dependency checked with a short timeout."""
import time

from sqlalchemy import text
from sqlalchemy.engine import Engine

#: A readiness probe must answer fast even when a dependency hangs: a load balancer's own
#: probe timeout is typically 1-5 s.
PROBE_TIMEOUT_SECONDS = 2.0


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # noqa: BLE001  any failure means "not ready", with its reason
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300],
                "ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_readiness(*, engine: Engine, redis_url: str | None) -> dict[str, dict]:
    """{"database": {...}, "queue": {...}} with ok, ms and the error when not ok."""

    def database() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    checks = {"database": _timed(database)}
    if redis_url:
        def queue() -> None:
            import redis

            client = redis.Redis.from_url(redis_url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
                                          socket_timeout=PROBE_TIMEOUT_SECONDS)
            try:
                client.ping()
            finally:
                client.close()

        checks["queue"] = _timed(queue)
    return checks
