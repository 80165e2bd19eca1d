"""Liveness, readiness and request logging: what a load balancer and a log pipeline rely on."""
import json
import logging

from assessment.ops import JsonFormatter, redact_path


def test_healthz_answers_without_touching_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_the_database_as_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert "queue" not in body["checks"]  # no REDIS_URL configured: no queue to check


def test_readyz_is_503_with_retry_advice_when_the_queue_is_unreachable(make_app):
    # Port 1 on the loopback: nothing listens, the connection is refused at once.
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["queue"]["ok"] is False
    assert "Connection" in body["checks"]["queue"]["error"]


def test_readyz_is_ready_with_the_real_redis(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:6379/15")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"]["queue"]["ok"] is True


def test_readyz_is_503_when_the_database_is_unreachable(make_app):
    app = make_app(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/test")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False


def test_every_response_carries_a_request_id_and_a_sane_one_is_kept(client):
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 16
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"}).headers["X-Request-ID"] == "lb-1234abcd"
    # A forged id that could break a log line is replaced, not echoed.
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" {"level":"ERROR"}'}).headers["X-Request-ID"]
    assert forged != 'x" {"level":"ERROR"}'
    assert len(forged) == 16


def test_access_log_is_json_with_the_token_redacted(make_app, caplog):
    app = make_app(ACCESS_LOG=True)
    with caplog.at_level(logging.INFO, logger="assessment.access"):
        app.test_client().get("/t/SECRET-TOKEN-abc123/anything", headers={"X-Request-ID": "req-00000001"})
    records = [r for r in caplog.records if r.name == "assessment.access"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    entry = json.loads(line)
    assert entry["request_id"] == "req-00000001"
    assert entry["path"] == "/t/<token>/anything"
    assert entry["status"] == 404
    assert "SECRET-TOKEN" not in line


def test_redact_path_leaves_other_paths_alone():
    assert redact_path("/t/abc/sections/1/start") == "/t/<token>/sections/1/start"
    assert redact_path("/practice/ai-skills") == "/practice/ai-skills"


def test_static_urls_are_fingerprinted_and_cached_for_a_year(app):
    with app.test_request_context():
        from flask import url_for

        url = url_for("static", filename="css/app.css")
    assert "?v=" in url and len(url.split("?v=")[1]) == 12
    with app.test_client().get(url) as response:
        assert response.status_code == 200
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.immutable
    # Without the fingerprint the URL may change content under it: no long lifetime.
    with app.test_client().get("/static/css/app.css") as plain:
        assert plain.cache_control.max_age != 365 * 24 * 3600


def test_a_database_outage_is_a_503_with_retry_advice_not_a_500(make_app):
    app = make_app(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/test")
    response = app.test_client().get("/practice/anything", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Everything you saved is safe" in response.get_json()["error"]


def test_trusted_proxy_headers_are_used_only_when_configured(make_app):
    from flask import request

    seen = []
    for hops in (0, 1):
        app = make_app(TRUSTED_PROXIES=hops)
        app.add_url_rule("/whoami", "whoami", lambda: seen.append(request.remote_addr) or "ok")
        app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["127.0.0.1", "203.0.113.9"]


def test_a_connection_lost_before_the_request_ends_leaves_its_response_standing(make_app, monkeypatch, caplog):
    """The request's session is closed at teardown, after the response was made; when the
    database dropped its connection meanwhile, that rollback fails. It must not replace the
    response with a bare 500 (the fault run's db-outage saw two)."""
    import sqlalchemy.exc
    from sqlmodel import Session

    app = make_app()
    lost = sqlalchemy.exc.OperationalError("ROLLBACK", None, Exception("server closed the connection unexpectedly"))

    real_close, failed_to_close = Session.close, []

    def close_on_a_lost_connection(self):
        failed_to_close.append(self)
        raise lost

    monkeypatch.setattr(Session, "close", close_on_a_lost_connection)
    response = app.test_client().get("/")
    monkeypatch.setattr(Session, "close", real_close)
    # Its pooled connection handed back now: left to the garbage collector, it would be rolled
    # back after the test's database is dropped, an error logged in whichever test runs then.
    for session in failed_to_close:
        session.close()
    assert response.status_code == 200 and failed_to_close
    assert "closed on a lost connection: OperationalError" in caplog.text
