"""The small service modules called directly: readiness probes, service errors, write
transactions, and synthetic candidates' answers."""
import threading

import numpy as np
import pytest
from sqlalchemy import text
from sqlmodel import Session

from assessment.db import make_engine
from assessment.models import Item
from assessment.services import readiness, synthetic_candidates
from assessment.services.failures import ErrorKind, ServiceError
from assessment.services.transactions import WRITE_LOCK, write_transaction


def test_readiness_reports_each_dependency_with_its_time(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ready.db'}")
    try:
        checks = readiness.check_readiness(engine=engine, redis_url=None)
        assert list(checks) == ["database"] and checks["database"]["ok"] is True
        assert set(checks["database"]) == {"ok", "ms"} and 0 <= checks["database"]["ms"] < 60_000
    finally:
        engine.dispose()


def test_a_failing_dependency_is_not_ready_with_its_reason(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'ready.db'}")  # the folder does not exist
    try:
        checks = readiness.check_readiness(engine=engine, redis_url="redis://127.0.0.1:1/13")
    finally:
        engine.dispose()
    assert checks["database"]["ok"] is False and checks["database"]["error"].startswith("OperationalError: ")
    assert checks["queue"]["ok"] is False and checks["queue"]["error"].startswith("ConnectionError: ")
    assert len(checks["queue"]["error"]) <= 300 and checks["queue"]["ms"] >= 0


def test_a_long_failure_message_is_cut_to_300_characters():
    def fails():
        raise ValueError("x" * 1000)

    result = readiness._timed(fails)
    assert result["error"] == ("ValueError: " + "x" * 1000)[:300] and result["ok"] is False


def test_a_service_error_carries_its_kind_and_retry_time():
    plain = ServiceError("bad")
    assert (str(plain), plain.kind, plain.retry_after) == ("bad", ErrorKind.INVALID, None)
    busy = ServiceError("later", kind=ErrorKind.BUSY, retry_after=2.5)
    assert (busy.kind, busy.retry_after) == (ErrorKind.BUSY, 2.5)

    class Gone(ServiceError):
        kind = ErrorKind.GONE

    assert Gone("x").kind == ErrorKind.GONE and Gone("x", kind=ErrorKind.CONFLICT).kind == ErrorKind.CONFLICT
    assert [k.value for k in ErrorKind] == ["invalid", "not found", "conflict", "gone", "too large", "rate limited",
                                            "busy"]


def test_a_write_transaction_holds_the_write_lock_and_sees_the_latest_commit(tmp_path):
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    first, second = Session(engine), Session(engine)
    try:
        assert first.execute(text("SELECT n FROM t")).scalar() == 1  # a read transaction is open
        write_transaction(first)
        assert first.in_transaction() and first.connection().get_execution_options().get(WRITE_LOCK) is True
        blocked = make_engine(url)
        with blocked.connect() as other:
            other.exec_driver_sql("PRAGMA busy_timeout=50")
            with pytest.raises(Exception, match="locked"):
                other.exec_driver_sql("BEGIN IMMEDIATE")
        blocked.dispose()
        first.execute(text("UPDATE t SET n = 2"))
        first.commit()
        write_transaction(second)
        assert second.execute(text("SELECT n FROM t")).scalar() == 2
        second.commit()
    finally:
        first.close()
        second.close()
        engine.dispose()


def test_a_write_transaction_first_ends_the_sessions_read_transaction(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    reader = Session(engine)
    try:
        assert reader.execute(text("SELECT n FROM t")).scalar() == 1
        done = threading.Event()

        def writer():
            with engine.begin() as connection:
                connection.execute(text("UPDATE t SET n = 5"))
            done.set()

        threading.Thread(target=writer).start()
        assert done.wait(10)
        write_transaction(reader)  # the old snapshot ends; the new transaction reads the commit
        assert reader.execute(text("SELECT n FROM t")).scalar() == 5
        reader.rollback()
    finally:
        reader.close()
        engine.dispose()


def _item(kind, **body):
    return Item(item_key="k", version=1, section_id="s", type=kind, band="beginning", skills=["x"], irt={},
                content_hash="", body=body)


def test_synthetic_answers_are_right_for_a_positive_category_and_wrong_otherwise():
    rng = np.random.default_rng(1)
    options = [{"id": i} for i in "abcd"]
    single = _item("single_choice", options=options, key=["b"])
    assert synthetic_candidates._answer_for(single, 1, rng) == {"choice": "b"}
    assert {synthetic_candidates._answer_for(single, 0, rng)["choice"] for _ in range(40)} == {"a", "c", "d"}
    multiple = _item("multiple_choice", options=options, key=["a", "c"])
    assert synthetic_candidates._answer_for(multiple, 2, rng) == {"choices": ["a", "c"]}
    wrong = [synthetic_candidates._answer_for(multiple, 0, rng)["choices"] for _ in range(60)]
    assert all(w != ["a", "c"] and w == sorted(w) and w for w in wrong)
    assert {tuple(w) for w in wrong} == {("c",), ("a",), ("a", "b", "c"), ("a", "c", "d")}
    one_key = _item("multiple_choice", options=[{"id": "a"}, {"id": "b"}], key=["a"])
    assert {tuple(synthetic_candidates._answer_for(one_key, 0, rng)["choices"]) for _ in range(40)} == {
        ("b",), ("a", "b")}
    numeric = _item("numeric", answer=10.0)
    assert synthetic_candidates._answer_for(numeric, 1, rng) == {"value": 10.0}
    assert synthetic_candidates._answer_for(numeric, 0, rng) == {"value": 15.0}
    assert synthetic_candidates._answer_for(_item("numeric", answer=0.5), 0, rng) == {"value": 1.5}
    assert synthetic_candidates._answer_for(_item("numeric", answer=-4.0), 0, rng) == {"value": -2.0}
    with pytest.raises(ValueError, match="code"):
        synthetic_candidates._answer_for(_item("code"), 0, rng)


def test_readiness_times_each_check_in_milliseconds_to_a_tenth(monkeypatch):
    ticks = iter([10.0, 10.12345, 20.0, 20.5])
    monkeypatch.setattr(readiness.time, "perf_counter", lambda: next(ticks))
    assert readiness._timed(lambda: None) == {"ok": True, "ms": 123.5}

    def fails():
        raise OSError("down")

    assert readiness._timed(fails) == {"ok": False, "error": "OSError: down", "ms": 500.0}


def test_a_synthetic_candidate_finishes_every_section_through_the_real_engine(session):
    from sqlmodel import select

    from assessment.models import Attempt, CodeRun, Invitation, Response, SectionAttempt
    from assessment.services import delivery

    assessment = delivery.create_assessment(session=session, title="Simulated", section_ids=["gamma", "alpha"],
                                            mode="fixed")
    rng = np.random.default_rng(3)
    attempt, truth = synthetic_candidates.simulate_candidate(session=session, assessment=assessment, rng=rng)
    assert set(truth) == {"gamma", "alpha"} and all(np.isfinite(v) for v in truth.values())
    assert session.get(Attempt, attempt.id).status == "completed"
    parts = session.exec(select(SectionAttempt).where(SectionAttempt.attempt_id == attempt.id)).all()
    assert all(p.status == "closed" and p.n_answered == p.max_items for p in parts)
    responses = session.exec(select(Response).join(SectionAttempt)
                             .where(SectionAttempt.attempt_id == attempt.id)).all()
    assert all(r.status == "answered" and r.score is not None for r in responses)
    invitation = session.get(Invitation, session.get(Attempt, attempt.id).invitation_id)
    assert invitation.email.startswith("simulated-") and invitation.email.endswith("@example.invalid")
    [graded] = session.exec(select(CodeRun).where(CodeRun.attempt_id == attempt.id, CodeRun.kind == "hidden")).all()
    assert graded.result["status"] == "simulated" and graded.result["total"] == 2
