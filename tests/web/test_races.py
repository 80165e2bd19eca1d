"""Requests that race (double clicks, two tabs, retried requests, a grade while the section
closes, the sweep): exactly one wins each state change, the others see its result. Run on
SQLite and on PostgreSQL (TEST_DATABASE_URL)."""
import datetime as dt

import pytest
from sqlmodel import func, select
from web_helpers import answer, begin, current_item, db, in_parallel, right_answer

from assessment.models import Attempt, Event, Response, SectionAttempt
from assessment.services import delivery
from factories import make_assessment, make_invitation

N = 8


def started_events(app) -> int:
    with db(app) as session:
        return session.exec(select(func.count()).select_from(Event).where(Event.kind == "section.started")).one()


def expire_first_section(app) -> None:
    with db(app) as session:
        part = session.exec(select(SectionAttempt).where(SectionAttempt.position == 0)).one()
        part.deadline_at = delivery.utcnow() - dt.timedelta(minutes=1)
        session.commit()


def test_parallel_starts_start_the_section_once(app, token):
    """Issue 8.1: 8 parallel starts presented up to 12 of 16 items and rewrote the deadline."""
    assert app.test_client().post(f"/t/{token}/begin").status_code == 302
    statuses = in_parallel(N, lambda i: app.test_client().post(f"/t/{token}/sections/0/start").status_code)
    assert statuses == [302] * N
    with db(app) as session:
        responses = session.exec(select(Response)).all()
        part = session.exec(select(SectionAttempt).where(SectionAttempt.position == 0)).one()
        assert len(responses) == 1 and responses[0].status == "presented"
        assert part.status == "active"
        deadline = part.deadline_at
    assert started_events(app) == 1
    # A later start (a retried request) changes nothing either.
    assert app.test_client().post(f"/t/{token}/sections/0/start").status_code == 302
    with db(app) as session:
        assert session.exec(select(SectionAttempt).where(SectionAttempt.position == 0)).one().deadline_at == deadline
        assert len(session.exec(select(Response)).all()) == 1


def test_parallel_begins_make_one_attempt(app, token):
    statuses = in_parallel(N, lambda i: app.test_client().post(f"/t/{token}/begin").status_code)
    assert statuses == [302] * N
    with db(app) as session:
        assert len(session.exec(select(Attempt)).all()) == 1
        assert session.exec(select(func.count()).select_from(SectionAttempt)).one() == 2


def test_parallel_final_answers_present_one_next_item(app, client, token):
    """Two tabs (and retries) submitting the item on screen: one next item, one answer stored."""
    begin(client, token)
    rid = current_item(client, token)
    key = right_answer(app, rid)
    other = {"choice": "2", "choices": ["2"], "value": "12345"}
    results = in_parallel(N, lambda i: answer(app.test_client(), token, rid, seq=1 + i % 2,
                                              **(key if i % 2 else other)).status_code)
    assert 200 in results and set(results) <= {200, 409}
    with db(app) as session:
        rows = session.exec(select(Response).order_by(Response.position)).all()
        assert [r.status for r in rows] in (["answered", "presented"], ["answered"])
        assert len(rows) == 2  # the answered item and exactly one next item
        assert rows[0].save_seq in (1, 2)


def test_parallel_autosaves_keep_the_newest(app, client, token):
    begin(client, token)
    rid = current_item(client, token)
    results = in_parallel(N, lambda i: answer(app.test_client(), token, rid, seq=i + 1, final=False,
                                              choice="1", choices=["1"], value=str(i)).status_code)
    assert results == [200] * N
    with db(app) as session:
        assert session.get(Response, rid).save_seq == N


def test_parallel_page_views_after_the_deadline_close_the_section_once(app, client, token):
    begin(client, token)
    expire_first_section(app)
    statuses = in_parallel(N, lambda i: app.test_client().get(f"/t/{token}").status_code)
    assert statuses == [200] * N
    with db(app) as session:
        closes = session.exec(select(Event).where(Event.kind == "section.closed")).all()
        assert len(closes) == 1


def test_sweep_and_requests_close_a_section_once(app, client, token):
    begin(client, token)
    expire_first_section(app)

    def hit(i):
        if i % 2:
            with db(app) as session:
                return delivery.sweep_expired(session=session, grace_seconds=3)
        return app.test_client().get(f"/t/{token}").status_code

    results = in_parallel(N, hit)
    assert not [r for r in results if isinstance(r, Exception)], results
    with db(app) as session:
        assert len(session.exec(select(Event).where(Event.kind == "section.closed")).all()) == 1


def test_parallel_starts_of_a_fixed_form_on_many_attempts(app):
    """Many candidates starting at once (not the same attempt): every one gets one item."""
    with db(app) as session:
        assessment = make_assessment(session, sections=("alpha",), mode="fixed")
        tokens = [make_invitation(session, assessment)[1] for _ in range(N)]

    def start(i):
        c = app.test_client()
        c.post(f"/t/{tokens[i]}/begin")
        return c.post(f"/t/{tokens[i]}/sections/0/start").status_code

    assert in_parallel(N, start) == [302] * N
    with db(app) as session:
        assert session.exec(select(func.count()).select_from(Response)).one() == N


@pytest.mark.parametrize("n", [2])
def test_two_parallel_starts_through_the_service(app, token, n):
    """The same race below the web layer, each on its own session."""
    from sqlmodel import Session

    app.test_client().post(f"/t/{token}/begin")
    engine = app.extensions["assessment.engine"]

    def start(i):
        with Session(engine, expire_on_commit=False) as session:
            invitation = delivery.find_invitation(session=session, token=token)
            attempt = session.exec(select(Attempt).where(Attempt.invitation_id == invitation.id)).one()
            return delivery.start_section(session=session, attempt=attempt, position=0).deadline_at

    deadlines = in_parallel(n, start)
    assert len(set(deadlines)) == 1, deadlines
    assert started_events(app) == 1
