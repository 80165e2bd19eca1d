"""Coding items over HTTP: sample runs, submit, background grading in the real sandbox,
GPCM scoring, rate limits, and what never reaches the browser."""
import html
import re

import pytest
from sqlmodel import select

import sandbox_layers
from assessment.models import CodeRun, Item, Response, SectionAttempt
from assessment.services import coding
from assessment.workers import grading_queue
from factories import make_assessment, make_invitation

pytestmark = [*sandbox_layers.requires("uid switching", "runtime")]

SOLUTION = "def double(x):\n    return 2 * x\n"
HALF_RIGHT = "def double(x):\n    return 4 if x == 2 else (6 if x == 3 else 0)\n"


@pytest.fixture
def token(app):
    with app.app_context():
        from assessment.db import get_session

        assessment = make_assessment(get_session(), sections=("gamma",), mode="fixed")
        _, token = make_invitation(get_session(), assessment)
    return token


def open_code_item(client, token) -> int:
    assert client.post(f"/t/{token}/begin").status_code == 302
    assert client.post(f"/t/{token}/sections/0/start").status_code == 302
    page = client.get(f"/t/{token}")
    assert 'data-editor="python"' in page.text and "def double(x):" in page.text
    return int(re.search(r'name="response_id" value="(\d+)"', page.text).group(1))


def test_page_shows_starter_and_samples_but_never_hidden_tests(client, token):
    open_code_item(client, token)
    page = html.unescape(client.get(f"/t/{token}").text)
    assert "<td>zero</td>" in page  # sample tests are visible
    assert "negative" not in page and "-10" not in page  # hidden tests are not
    assert "vendor/editor.js" in page


def test_sample_run_reports_each_test_and_saves_the_code(app, client, token):
    rid = open_code_item(client, token)
    r = client.post(f"/t/{token}/run", json={"response_id": rid, "seq": 1,
                                                  "code": "def double(x):\n    print('hi')\n    return x + 2\n"})
    assert r.status_code == 200, r.text
    data = r.get_json()
    assert (data["passed"], data["total"]) == (1, 2)
    statuses = {t["name"]: t["status"] for t in data["tests"]}
    assert statuses == {"two": "passed", "zero": "failed"}
    assert any("hi" in t.get("stdout", "") for t in data["tests"]) or "hi" in data.get("stdout", "")
    with app.app_context():
        from assessment.db import get_session

        response = get_session().get(Response, rid)
        assert response.answer["code"].startswith("def double") and response.status == "presented"
        assert response.save_seq == 1
        assert get_session().exec(select(CodeRun)).one().status == "done"
    # A run carrying an older seq than the last save runs, but does not overwrite the saved code.
    newer = client.post(f"/t/{token}/answer", json={"response_id": rid, "seq": 3, "final": False,
                                                    "answer": {"code": SOLUTION}})
    assert newer.status_code == 200
    assert client.post(f"/t/{token}/run", json={"response_id": rid, "seq": 2, "code": "x = 1"}).status_code == 200
    with app.app_context():
        from assessment.db import get_session

        assert get_session().get(Response, rid).answer["code"] == SOLUTION


def test_submit_grades_in_background_with_partial_credit(app, client, token):
    rid = open_code_item(client, token)
    r = client.post(f"/t/{token}/submit-code", json={"response_id": rid, "code": HALF_RIGHT})
    assert r.status_code == 200 and r.get_json()["final"] is True
    assert grading_queue(app).wait_idle(60)
    with app.app_context():
        from assessment.db import get_session

        response = get_session().get(Response, rid)
        assert response.status == "answered"
        assert response.score == 1.0  # 3 of 6 hidden tests: category 1 of 0/1/2
        hidden = get_session().exec(select(CodeRun).where(CodeRun.kind == "hidden")).one()
        assert hidden.result["passed"] == 3 and hidden.result["total"] == 6
    # The next item is already on screen, and submitting the same item again is refused.
    assert int(re.search(r'name="response_id" value="(\d+)"', client.get(f"/t/{token}").text).group(1)) != rid
    again = client.post(f"/t/{token}/submit-code", json={"response_id": rid, "code": SOLUTION})
    assert again.status_code == 409


def test_full_marks_and_the_section_score_uses_the_grade(app, client, token):
    rid = open_code_item(client, token)
    client.post(f"/t/{token}/submit-code", json={"response_id": rid, "code": SOLUTION})
    for _ in range(5):
        page = client.get(f"/t/{token}", follow_redirects=True)
        if page.request.path.endswith("/results"):
            break
        other = int(re.search(r'name="response_id" value="(\d+)"', page.text).group(1))
        client.post(f"/t/{token}/answer", json={"response_id": other, "seq": 1, "final": True, "answer": {"choice": "1"}})
    assert grading_queue(app).wait_idle(60)
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        assert session.get(Response, rid).score == 2.0
        part = session.exec(select(SectionAttempt)).one()
        assert part.status == "closed" and part.n_answered == 3  # the graded code joined the score


def test_saved_code_is_graded_when_time_runs_out(app, client, token):
    rid = open_code_item(client, token)
    assert client.post(f"/t/{token}/answer", json={"response_id": rid, "seq": 1, "final": False,
                                                   "answer": {"code": SOLUTION}}).status_code == 200
    with app.app_context():
        from assessment.db import get_session
        from assessment.services import delivery

        session = get_session()
        part = session.exec(select(SectionAttempt)).one()
        delivery.close_section(session=session, section_attempt=part, reason="time", now=delivery.utcnow())
        session.commit()
        assert session.get(Response, rid).status == "submitted"
    assert grading_queue(app).enqueue_pending() == 1
    assert grading_queue(app).wait_idle(60)
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        assert session.get(Response, rid).score == 2.0
        part = session.exec(select(SectionAttempt)).one()
        assert part.n_answered == 1 and part.score is not None


def test_sample_runs_are_rate_limited_per_attempt(app, client, token):
    rid = open_code_item(client, token)
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        attempt_id = session.exec(select(SectionAttempt)).one().attempt_id
        for _ in range(coding.RUNS_PER_MINUTE):
            session.add(CodeRun(attempt_id=attempt_id, response_id=rid, kind="sample", code_sha256="x" * 64))
        session.commit()
    r = client.post(f"/t/{token}/run", json={"response_id": rid, "code": SOLUTION})
    assert r.status_code == 429 and "Too many runs" in r.get_json()["error"]


def test_code_endpoints_reject_bad_input(app, client, token):
    rid = open_code_item(client, token)
    assert client.post(f"/t/{token}/run", json={"response_id": rid}).status_code == 400
    assert client.post(f"/t/{token}/run", json={"response_id": "x", "code": ""}).status_code == 400
    too_long = client.post(f"/t/{token}/submit-code", json={"response_id": rid, "code": "#" * 70_000})
    assert too_long.status_code == 413
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        item_rid = session.exec(select(Response).join(Item).where(Item.type != "code")).first()
        assert session.get(Response, rid).status == "presented"
    assert item_rid is None  # nothing else was presented


def test_a_grade_that_raced_the_close_is_picked_up_by_the_sweep(app, client, token):
    rid = open_code_item(client, token)
    client.post(f"/t/{token}/submit-code", json={"response_id": rid, "code": SOLUTION})
    assert grading_queue(app).wait_idle(60)
    with app.app_context():
        from assessment.db import get_session
        from assessment.services import delivery

        session = get_session()
        part = session.exec(select(SectionAttempt)).one()
        delivery.close_section(session=session, section_attempt=part, reason="time", now=delivery.utcnow())
        part.n_answered, part.score = 0, 1  # as if scored before the grade was visible
        session.commit()
        assert delivery.rescore_stale_sections(session=session) == 1
        assert part.n_answered == 1 and part.score > 1
        assert delivery.rescore_stale_sections(session=session) == 0


def test_results_page_says_when_code_is_still_being_graded(app, client, token):
    rid = open_code_item(client, token)
    with app.app_context():
        from assessment.db import get_session
        from assessment.services import coding

        session = get_session()
        attempt = session.exec(select(SectionAttempt)).one()
        from assessment.models import Attempt

        coding.submit_code(session=session, attempt=session.get(Attempt, attempt.attempt_id), response_id=rid,
                           code=SOLUTION, grace_seconds=3)  # not queued: stays "submitted"
        part = session.exec(select(SectionAttempt)).one()
        from assessment.services import delivery

        delivery.close_section(session=session, section_attempt=part, reason="time", now=delivery.utcnow())
        session.commit()
    page = client.get(f"/t/{token}/results")
    assert "1 coding answer is still" in page.text and 'http-equiv="refresh"' in page.text
    grading_queue(app).enqueue_pending()
    assert grading_queue(app).wait_idle(60)
    page = client.get(f"/t/{token}/results")
    assert "still being graded" not in page.text


def test_a_grade_recorded_while_the_section_closes_joins_the_score(app, client, token, monkeypatch):
    """Issue 8.7: the close read the responses, the grade committed, the close wrote a score
    without it. Now the grade waits for the close's lock and then re-scores the closed section."""
    import datetime as dt
    import threading

    from assessment.grading.grader import GradeResult
    from assessment.models import Attempt
    from assessment.services import adaptive, delivery

    rid = open_code_item(client, token)
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        part = session.exec(select(SectionAttempt)).one()
        coding.submit_code(session=session, attempt=session.get(Attempt, part.attempt_id), response_id=rid,
                           code=SOLUTION, grace_seconds=3)  # no queue: stays "submitted"
        part = session.exec(select(SectionAttempt)).one()
        part.deadline_at = delivery.utcnow() - dt.timedelta(minutes=1)
        session.commit()
    closing, go = threading.Event(), threading.Event()
    real_score = adaptive.score_section

    def slow_score(responses):
        if threading.current_thread().name == "closer":
            closing.set()
            go.wait(10)
        return real_score(responses)

    monkeypatch.setattr(adaptive, "score_section", slow_score)
    errors = []

    def run(fn):
        try:
            with app.app_context():
                from assessment.db import get_session

                fn(get_session())
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    closer = threading.Thread(target=run, name="closer",
                              args=(lambda s: delivery.sweep_expired(session=s, grace_seconds=3),))
    result = GradeResult(item_id="gamma-double", which="hidden", status="passed", passed=6, total=6, score=1.0,
                         category=2, time_ms=1.0)
    grader = threading.Thread(target=run, name="grader",
                              args=(lambda s: coding.record_grade(session=s, response_id=rid, result=result),))
    closer.start()
    assert closing.wait(10)  # the close has read the responses and is scoring
    grader.start()
    grader.join(0.5)
    assert grader.is_alive()  # the grade waits for the close's lock instead of slipping in
    go.set()
    closer.join(30)
    grader.join(30)
    assert errors == []
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        assert session.get(Response, rid).score == 2.0
        part = session.exec(select(SectionAttempt)).one()
        assert part.status == "closed" and part.n_answered == 1 and part.score is not None
        assert delivery.rescore_stale_sections(session=session) == 0  # nothing left for the sweep


def test_code_submissions_are_rate_limited_per_attempt(app, client, token):
    from assessment.models import Event

    rid = open_code_item(client, token)
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        attempt_id = session.exec(select(SectionAttempt)).one().attempt_id
        for _ in range(coding.SUBMISSIONS_PER_MINUTE):
            session.add(Event(attempt_id=attempt_id, kind="code.submitted", payload={}))
        session.commit()
    r = client.post(f"/t/{token}/submit-code", json={"response_id": rid, "code": SOLUTION})
    assert r.status_code == 429 and "Too many submissions" in r.get_json()["error"]
    with app.app_context():
        from assessment.db import get_session

        assert get_session().get(Response, rid).status == "presented"  # nothing was taken


def test_a_full_queue_answers_busy_retrying_and_loses_no_submission(app, client, token, monkeypatch):
    """Issue 8.5: a saturated grader must say so at once (503, Retry-After), not after 39 s."""
    from assessment.grading.pool import QueueFull

    queue = grading_queue(app)

    def full(*args, **kwargs):
        raise QueueFull("test: full")

    rid = open_code_item(client, token)
    monkeypatch.setattr(queue, "submit", full)
    run = client.post(f"/t/{token}/run", json={"response_id": rid, "seq": 1, "code": SOLUTION})
    assert run.status_code == 503 and "busy; retrying" in run.get_json()["error"]
    assert int(run.headers["Retry-After"]) >= 1
    submitted = client.post(f"/t/{token}/submit-code", json={"response_id": rid, "code": SOLUTION})
    assert submitted.status_code == 200  # taken; graded when the queue has room
    monkeypatch.undo()
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        assert session.get(Response, rid).status == "submitted"
        assert session.exec(select(CodeRun).where(CodeRun.kind == "sample")).one().status == "error"
    assert queue.enqueue_pending() == 1 and queue.wait_idle(60)
    with app.app_context():
        from assessment.db import get_session

        assert get_session().get(Response, rid).score == 2.0
