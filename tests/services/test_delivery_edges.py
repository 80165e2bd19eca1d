"""services/delivery.py at its edges (the survivors of a mutation run): link lengths and practice
windows to the second, a crash that left a section without an item, code on screen at the close,
shown positions at both ends, results while grading, and the sweep and re-score counting."""
import datetime as dt

import pytest
from service_helpers import GRACE, T0, on_first_item, right, start, stored, submit
from sqlmodel import select, update

from assessment.content.answers import AnswerError
from assessment.models import (
    Assessment,
    AssessmentSection,
    Attempt,
    Event,
    Invitation,
    Response,
    SectionAttempt,
)
from assessment.services import answering, coding, delivery
from assessment.services.delivery import DeliveryError


def _event_rows(session, kind):
    return session.exec(select(Event).where(Event.kind == kind).order_by(Event.id)).all()


def test_a_token_longer_than_128_characters_is_never_looked_up(session):
    assessment = delivery.create_assessment(session=session, title="T", section_ids=["alpha"])
    token = "t" * 129
    session.add(Invitation(assessment_id=assessment.id, token_hash=delivery.hash_token(token)))
    session.commit()
    assert delivery.find_invitation(session=session, token=token) is None
    with pytest.raises(DeliveryError) as raised:
        delivery.open_invitation(session=session, token=token)
    assert str(raised.value) == "This test link is not valid. Check that you copied the whole link."


def test_a_slug_that_is_not_a_public_practice_test_is_not_found(session):
    session.add(Assessment(title="Hidden", public_slug="hidden", is_public_practice=False))
    session.commit()
    with pytest.raises(DeliveryError) as raised:
        delivery.find_practice(session=session, slug="hidden")
    assert str(raised.value) == "There is no practice test at this address."


def test_the_practice_limit_counts_only_practice_links_of_the_last_hour(session):
    delivery.create_assessment(session=session, title="P", section_ids=["alpha"], public_slug="try")
    client = delivery.hash_token("9.9.9.9")[:32]
    now = delivery.utcnow()
    session.add_all([Event(kind="practice.resumed", payload={"client": client}, created_at=now)
                     for _ in range(delivery.PRACTICE_PER_HOUR)])
    session.commit()
    assert delivery.create_practice_invitation(session=session, slug="try", client_key="9.9.9.9", now=now)
    for _ in range(delivery.PRACTICE_PER_HOUR - 1):
        delivery.create_practice_invitation(session=session, slug="try", client_key="9.9.9.9", now=now)
    with pytest.raises(DeliveryError) as raised:
        delivery.create_practice_invitation(session=session, slug="try", client_key="9.9.9.9", now=now)
    assert str(raised.value) == ("Too many practice tests started from here: at most 10 per hour. Continue one you "
                                 "already started, or try again later.")
    stamp = now - dt.timedelta(minutes=5)
    session.exec(update(Event).where(Event.kind == "practice.created").values(created_at=stamp))
    session.commit()
    with pytest.raises(DeliveryError):
        delivery.create_practice_invitation(session=session, slug="try", client_key="9.9.9.9",
                                            now=stamp + dt.timedelta(hours=1, microseconds=-1))
    assert delivery.create_practice_invitation(session=session, slug="try", client_key="9.9.9.9",
                                               now=stamp + dt.timedelta(hours=1))  # an hour old: no longer counted


def test_the_start_page_lists_sections_by_position_in_whole_minutes(session):
    assessment = Assessment(title="Stored out of order")
    session.add(assessment)
    session.flush()
    session.add_all([AssessmentSection(assessment_id=assessment.id, section_id="beta", position=1),
                     AssessmentSection(assessment_id=assessment.id, section_id="alpha", position=0,
                                       time_limit_seconds=210)])
    session.commit()
    listed = delivery.overview(session=session, assessment=assessment)
    assert [(s["title"], s["minutes"]) for s in listed] == [("Section Alpha", 4), ("Section Beta", 10)]


def test_a_section_left_without_an_item_by_a_crash_gets_one_on_the_next_request(session):
    attempt, part, state = on_first_item(session)
    session.delete(session.get(Response, state.response.id))
    session.commit()
    later = T0 + dt.timedelta(seconds=10)
    recovered = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=later)
    assert recovered.kind == "item" and recovered.section.id == part.id
    assert recovered.response.presented_at == later and recovered.item.item_key == "alpha-q00"


def test_the_attempt_completes_only_when_its_last_section_closes(session):
    attempt, token = start(session, sections=("alpha", "beta"))
    delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    first_close = T0 + dt.timedelta(seconds=600 + GRACE + 1)
    assert delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE,
                                  now=first_close).kind == "section-intro"
    session.expire_all()
    assert session.get(Attempt, attempt.id).status == "in_progress" and _event_rows(session, "attempt.completed") == []
    assert [e.attempt_id for e in _event_rows(session, "section.closed")] == [attempt.id]
    delivery.start_section(session=session, attempt=attempt, position=1, now=first_close)
    end = first_close + dt.timedelta(seconds=600 + GRACE + 1)
    assert delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=end).kind == "finished"
    assert [e.attempt_id for e in _event_rows(session, "attempt.completed")] == [attempt.id]
    visit = delivery.open_invitation(session=session, token=token)
    finished = delivery.page(session=session, visit=visit, grace_seconds=GRACE, now=end)
    assert finished.kind == "finished" and finished.assessment.id == visit.assessment.id


def test_code_saved_on_screen_at_the_close_is_submitted_for_grading(session):
    attempt, part, state = on_first_item(session, sections=("gamma",))
    saved_at = T0 + dt.timedelta(seconds=30)
    answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                          payload={"code": "def double(x):\n    return 2 * x\n"}, seq=1, final=False,
                          grace_seconds=GRACE, now=saved_at)
    assert delivery.sweep_expired(session=session, grace_seconds=GRACE, now=T0 + dt.timedelta(hours=1)) == 1
    session.expire_all()
    response = session.get(Response, state.response.id)
    assert (response.status, response.answered_at, response.score) == ("submitted", saved_at, None)
    queue = _Recorder()
    assert coding.queue_pending_grading(session=session, queue=queue) == 1
    assert queue.keys == [(attempt.id, state.response.id)]


class _Recorder:
    def __init__(self):
        self.keys = []

    def submit(self, job, attempt_id, key=None):
        self.keys.append((attempt_id, key))


def test_pages_carry_the_assessment_the_accommodation_and_the_sections(session):
    assessment = delivery.create_assessment(session=session, title="T", section_ids=["alpha", "beta"], mode="fixed")
    invitation, token = delivery.create_invitation(session=session, assessment=assessment)
    invitation.time_multiplier = 1.5
    session.commit()
    visit = delivery.open_invitation(session=session, token=token)
    start_page = delivery.page(session=session, visit=visit, grace_seconds=GRACE, now=T0)
    assert start_page.assessment.id == visit.assessment.id and start_page.time_multiplier == 1.5
    assert [s["minutes"] for s in start_page.sections] == [15, 15]
    delivery.get_or_start_attempt(session=session, invitation=visit.invitation, now=T0)
    visit = delivery.open_invitation(session=session, token=token)
    intro = delivery.page(session=session, visit=visit, grace_seconds=GRACE, now=T0)
    assert intro.assessment.id == visit.assessment.id and [p.position for p in intro.parts] == [0, 1]
    delivery.start_section(session=session, attempt=visit.attempt, position=0, now=T0)
    item = delivery.page(session=session, visit=visit, grace_seconds=GRACE, now=T0)
    assert [p.position for p in item.parts] == [0, 1] and item.titles["beta"] == "Section Beta"
    assert item.part.position == 0 and item.just_closed == [] and item.remaining == 900.0
    clock = delivery.clock(session=session, visit=visit, grace_seconds=GRACE,
                           now=T0 + dt.timedelta(seconds=100, microseconds=123456))
    assert clock["remaining_seconds"] == 799.877


def test_results_close_an_expired_section_and_count_only_this_attempts_pending_grades(session):
    other, _, other_state = on_first_item(session, sections=("gamma",))
    coding.submit_code(session=session, attempt=other, response_id=other_state.response.id, code="x = 1",
                       grace_seconds=GRACE, now=T0)
    attempt, token = start(session, sections=("gamma",))
    delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    coding.submit_code(session=session, attempt=attempt, response_id=state.response.id, code="y = 2",
                       grace_seconds=GRACE, now=T0)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    submit(session, attempt, state, right(state.item))
    visit = delivery.open_invitation(session=session, token=token)
    results = delivery.results(session=session, visit=visit, grace_seconds=GRACE)  # the clock has long passed
    assert results is not None and results["grading"] == 1


def test_shown_positions_at_both_ends_and_what_the_errors_name(session):
    attempt, _, state = on_first_item(session)
    order = state.response.option_order
    save = dict(session=session, attempt=attempt, response_id=state.response.id, final=False, shown=True,
                grace_seconds=GRACE, now=T0)
    assert answering.save_answer(payload={"choice": "3"}, seq=1, **save).answer == {"choice": order[2]}
    assert answering.save_answer(payload={"choice": "1"}, seq=2, **save).answer == {"choice": order[0]}
    assert stored(session, state.response.id).answer == {"choice": order[0]}
    blank = answering.save_answer(payload={"choice": ""}, seq=3, **save)
    assert blank.answer == stored(session, state.response.id).answer == {"choice": None}
    long_value = "9" * 50
    with pytest.raises(AnswerError) as raised:
        answering.save_answer(payload={"choice": long_value}, seq=4, **save)
    assert str(raised.value) == f"answer.choice: {'9' * 40!r} is not an option of this item"
    assert delivery.shown_options(state.item, stored(session, state.response.id)) == [
        {"value": str(n), "text": o, "checked": False}
        for n, o in enumerate((next(x["text"] for x in state.item.body["options"] if x["id"] == oid)
                               for oid in order), start=1)]


def test_multiple_choice_errors_name_their_field(session):
    attempt, _, state = on_first_item(session)
    submit(session, attempt, state, right(state.item))
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    submit(session, attempt, state, right(state.item))  # numeric
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    assert state.item.type == "multiple_choice"
    save = dict(session=session, attempt=attempt, response_id=state.response.id, final=False, shown=True,
                grace_seconds=GRACE, now=T0)
    with pytest.raises(AnswerError) as raised:
        answering.save_answer(payload={"choices": ["1", "7"]}, seq=1, **save)
    assert str(raised.value) == "answer.choices: '7' is not an option of this item"
    with pytest.raises(AnswerError) as not_list:
        answering.save_answer(payload={"choices": 3}, seq=1, **save)
    assert str(not_list.value) == "answer.choices: must be a list of options"


def test_a_numeric_answer_from_the_page_ignores_a_stray_choice_field(session):
    attempt, _, state = on_first_item(session)
    submit(session, attempt, state, right(state.item))
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    assert state.item.type == "numeric" and delivery.shown_options(state.item, state.response) == []
    saved = answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                                  payload={"value": "6", "choice": "2"}, seq=1, final=False, shown=True,
                                  grace_seconds=GRACE, now=T0)
    assert saved.answer == stored(session, state.response.id).answer == {"value": 6.0}


def test_one_sweep_closes_every_expired_section_and_counts_them(session):
    for _ in range(3):
        attempt, _ = start(session)
        delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    assert delivery.sweep_expired(session=session, grace_seconds=GRACE, now=T0 + dt.timedelta(hours=1)) == 3


def test_the_rescore_looks_only_at_closed_sections_and_rescores_each(session):
    now = delivery.utcnow()
    parts = []
    for _ in range(2):
        attempt, _, state = on_first_item(session)
        submit(session, attempt, state, right(state.item))
        parts.append(state.section.id)
    assert delivery.rescore_stale_sections(session=session, now=now) == 0  # still active: not re-scored
    session.expire_all()
    assert [session.get(SectionAttempt, p).n_answered for p in parts] == [None, None]
    delivery.sweep_expired(session=session, grace_seconds=GRACE, now=now - dt.timedelta(minutes=1))
    session.exec(update(SectionAttempt).values(n_answered=None))  # rows scored before the count was kept
    session.commit()
    assert delivery.rescore_stale_sections(session=session, now=now) == 2
    session.expire_all()
    assert [session.get(SectionAttempt, p).n_answered for p in parts] == [1, 1]


def test_refusals_say_exactly_what_is_wrong(session):
    attempt, part, state = on_first_item(session, sections=("alpha", "beta"))
    with pytest.raises(DeliveryError) as early:
        delivery.start_section(session=session, attempt=attempt, position=1, now=T0)
    assert str(early.value) == "section: finish the current section first"
    with pytest.raises(DeliveryError) as seq:
        answering.save_answer(session=session, attempt=attempt, response_id=state.response.id, payload={}, seq=-1,
                              final=False, grace_seconds=GRACE, now=T0)
    assert str(seq.value) == "seq: out of range"
    for bad, message in ((True, "response_id: must be a whole number"),
                         (delivery.MAX_ID, "response_id: no such item in this attempt")):
        with pytest.raises(DeliveryError) as raised:
            answering.find_response(session=session, attempt=attempt, response_id=bad)
        assert str(raised.value) == message
    submit(session, attempt, state, right(state.item))
    with pytest.raises(DeliveryError) as closed_item:
        submit(session, attempt, state, right(state.item), seq=2)
    assert str(closed_item.value) == "This item is already closed; its answer can no longer change."
    nxt = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    late_at = part.deadline_at + dt.timedelta(seconds=GRACE + 0.12345)
    with pytest.raises(DeliveryError) as late:
        answering.save_answer(session=session, attempt=attempt, response_id=nxt.response.id, payload=right(nxt.item),
                              seq=1, final=False, grace_seconds=GRACE, now=late_at)
    assert str(late.value) == ("Time is up for this section: the answer arrived after the deadline and was not "
                               "counted.")
    [event] = _event_rows(session, "answer.late")
    assert event.attempt_id == attempt.id and event.payload["seconds_late"] == 5.123
    session.expire_all()
    closed = session.get(SectionAttempt, part.id)
    assert closed.closed_at == late_at
    with pytest.raises(DeliveryError) as section_closed:
        answering.enforce_deadline(session=session, section_attempt=closed, response=nxt.response,
                                   grace_seconds=GRACE, now=late_at, final=False)
    assert str(section_closed.value) == "This section is closed."
    assert [e.attempt_id for e in _event_rows(session, "attempt.started")] == [attempt.id]
    assert [e.attempt_id for e in _event_rows(session, "section.started")] == [attempt.id]


def test_a_section_is_open_until_exactly_its_deadline_plus_grace(session):
    attempt, part, _ = on_first_item(session)
    edge = part.deadline_at + dt.timedelta(seconds=GRACE)
    assert delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=edge).kind == "item"
    after = edge + dt.timedelta(microseconds=1)
    assert delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=after).kind == "finished"


def test_an_expired_invitation_says_so(session):
    assessment = delivery.create_assessment(session=session, title="T", section_ids=["alpha"], company_id=None)
    invitation, _ = delivery.create_invitation(session=session, assessment=assessment, practice=True)
    assert invitation.is_practice is True
    invitation.expires_at = T0
    session.commit()
    with pytest.raises(DeliveryError) as raised:
        delivery.get_or_start_attempt(session=session, invitation=invitation, now=T0 + dt.timedelta(seconds=1))
    assert str(raised.value) == "This invitation has expired."


def test_a_company_assessment_belongs_to_its_company(session):
    from assessment.services import accounts

    firm, _ = accounts.create_company(session=session, name="Acme", admin_email="boss@acme.example")
    assessment = delivery.create_assessment(session=session, title="T", section_ids=["alpha"], company_id=firm.id)
    assert session.get(Assessment, assessment.id).company_id == firm.id


def test_saves_acknowledge_with_the_response_and_whether_it_was_final(session):
    attempt, _, state = on_first_item(session)
    save = dict(session=session, attempt=attempt, response_id=state.response.id, grace_seconds=GRACE, now=T0)
    answering.save_answer(payload=right(state.item), seq=2, final=False, **save)
    stale = answering.save_answer(payload=right(state.item), seq=1, final=True, **save)
    assert stale.response_id == state.response.id and stale.final is False
    retried = answering.save_answer(payload=right(state.item), seq=2, final=False, **save)
    assert retried.response_id == state.response.id and retried.final is False
    final = answering.save_answer(payload=right(state.item), seq=3, final=True, **save)
    again = answering.save_answer(payload=right(state.item), seq=3, final=True, **save)
    assert again.response_id == final.response_id == state.response.id and again.final is True
    code_attempt, _, code_state = on_first_item(session, sections=("gamma",))
    with pytest.raises(DeliveryError) as code:
        answering.save_answer(session=session, attempt=code_attempt, response_id=code_state.response.id,
                              payload={"code": "x = 1"}, seq=1, final=True, grace_seconds=GRACE, now=T0)
    assert str(code.value) == "Code is submitted with the Submit button, which grades it."


def test_the_option_shuffle_is_the_attempts_own_and_other_items_have_none(session):
    attempt, _, state = on_first_item(session)
    order = state.response.option_order
    session.delete(session.get(Response, state.response.id))
    session.commit()
    again = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    assert again.response.option_order == order  # the same attempt and item: the same order
    submit(session, attempt, again, right(again.item))
    numeric = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    assert numeric.item.type == "numeric" and numeric.response.option_order is None
