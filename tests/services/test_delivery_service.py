"""services/delivery.py called directly (no web layer): invitations and practice links, attempts
and their clock, presenting and closing sections, saving answers, the sweep and the re-score.
Every `now` is given explicitly, so the clock rules are checked to the second."""
import datetime as dt

import pytest
from service_helpers import GRACE, T0, answer_until, events, on_first_item, right, start, stored, submit, wrong
from sqlmodel import select

from assessment.content.answers import AnswerError
from assessment.content.coding import MAX_CODE_CHARS
from assessment.models import AssessmentSection, Invitation, Item, Response, SectionAttempt
from assessment.services import answering, delivery
from assessment.services.delivery import DeliveryError, ErrorKind, LateAnswer

# --- assessments, invitations, practice -------------------------------------------------------

def test_an_assessment_keeps_its_sections_in_order_with_their_overrides(session):
    assessment = delivery.create_assessment(session=session, title="Two", section_ids=["beta", "alpha"],
                                            overrides={"alpha": {"time_limit_seconds": 90, "max_items": 4}})
    rows = session.exec(select(AssessmentSection).where(AssessmentSection.assessment_id == assessment.id)
                        .order_by(AssessmentSection.position)).all()
    assert [(r.section_id, r.position, r.time_limit_seconds, r.max_items) for r in rows] == [
        ("beta", 0, None, None), ("alpha", 1, 90, 4)]
    assert assessment.mode == "adaptive" and not assessment.is_public_practice
    assert delivery.overview(session=session, assessment=assessment, time_multiplier=1.5) == [
        {"title": "Section Beta", "description": "A small section for tests.", "minutes": 15,
         "min_items": 3, "max_items": 5},
        {"title": "Section Alpha", "description": "A small section for tests.", "minutes": 2,
         "min_items": 3, "max_items": 4}]


@pytest.mark.parametrize("kwargs, message", [
    ({"section_ids": ["alpha"], "mode": "random"}, "mode: 'random' is not adaptive or fixed"),
    ({"section_ids": []}, "sections: an assessment needs at least one section"),
    ({"section_ids": ["alpha", "nope"]}, "sections: unknown section 'nope' (run `assessment sections load`)"),
])
def test_an_assessment_needs_a_known_mode_and_known_sections(session, kwargs, message):
    with pytest.raises(DeliveryError) as raised:
        delivery.create_assessment(session=session, title="Bad", **kwargs)
    assert str(raised.value) == message and raised.value.kind == ErrorKind.INVALID


def test_only_the_tokens_hash_is_stored_and_finds_the_invitation(session):
    assessment = delivery.create_assessment(session=session, title="T", section_ids=["alpha"])
    invitation, token = delivery.create_invitation(session=session, assessment=assessment, email="a@b.org",
                                                   name="Ann")
    assert len(token) >= 43 and token not in invitation.token_hash
    assert invitation.token_hash == delivery.hash_token(token) and len(invitation.token_hash) == 64
    assert (invitation.email, invitation.name, invitation.is_practice) == ("a@b.org", "Ann", False)
    assert delivery.find_invitation(session=session, token=token).id == invitation.id
    assert delivery.find_invitation(session=session, token="") is None
    assert delivery.find_invitation(session=session, token=token + "x") is None
    assert delivery.find_invitation(session=session, token="x" * 129) is None
    visit = delivery.open_invitation(session=session, token=token)
    assert (visit.invitation.id, visit.assessment.id, visit.attempt) == (invitation.id, assessment.id, None)
    invitation.revoked_at = T0
    session.commit()
    assert delivery.find_invitation(session=session, token=token) is None
    with pytest.raises(DeliveryError, match="This test link is not valid") as raised:
        delivery.open_invitation(session=session, token=token)
    assert raised.value.kind == ErrorKind.NOT_FOUND


def test_a_token_of_128_characters_is_still_looked_up(session):
    assessment = delivery.create_assessment(session=session, title="T", section_ids=["alpha"])
    token = "t" * 128
    session.add(Invitation(assessment_id=assessment.id, token_hash=delivery.hash_token(token)))
    session.commit()
    assert delivery.find_invitation(session=session, token=token) is not None


def test_practice_links_are_limited_per_client_and_hour(session):
    delivery.create_assessment(session=session, title="P", section_ids=["alpha"], public_slug="try")
    assert [a.public_slug for a in delivery.practice_assessments(session=session)] == ["try"]
    now = delivery.utcnow()
    tokens = [delivery.create_practice_invitation(session=session, slug="try", client_key="1.2.3.4", now=now)
              for _ in range(delivery.PRACTICE_PER_HOUR)]
    assert len(set(tokens)) == delivery.PRACTICE_PER_HOUR
    invitation = delivery.find_invitation(session=session, token=tokens[0])
    assert invitation.is_practice
    created = events(session, "practice.created")
    assert created[0] == {"client": delivery.hash_token("1.2.3.4")[:32], "invitation_id": invitation.id}
    with pytest.raises(DeliveryError) as raised:
        delivery.create_practice_invitation(session=session, slug="try", client_key="1.2.3.4", now=now)
    assert raised.value.kind == ErrorKind.RATE_LIMITED and raised.value.retry_after == 600
    assert f"at most {delivery.PRACTICE_PER_HOUR} per hour" in str(raised.value)
    assert delivery.create_practice_invitation(session=session, slug="try", client_key="5.6.7.8", now=now)
    later = now + dt.timedelta(hours=1, seconds=1)
    assert delivery.create_practice_invitation(session=session, slug="try", client_key="1.2.3.4", now=later)
    with pytest.raises(DeliveryError, match="no practice test at this address") as missing:
        delivery.create_practice_invitation(session=session, slug="nope", client_key="1.2.3.4", now=now)
    assert missing.value.kind == ErrorKind.NOT_FOUND


def test_a_company_assessment_is_not_a_practice_test(session):
    delivery.create_assessment(session=session, title="Private", section_ids=["alpha"])
    assert delivery.practice_assessments(session=session) == []
    with pytest.raises(DeliveryError):
        delivery.find_practice(session=session, slug="")


# --- attempts and sections --------------------------------------------------------------------

def test_an_attempt_copies_each_sections_limits_with_the_accommodation(session):
    attempt, token = start(session, sections=("alpha", "gamma"), multiplier=1.5,
                            overrides={"gamma": {"min_items": 1, "max_items": 2, "time_limit_seconds": 100}})
    parts = delivery.section_attempts(session=session, attempt=attempt)
    assert [(p.section_id, p.position, p.time_limit_seconds, p.min_items, p.max_items, p.se_target, p.status)
            for p in parts] == [("alpha", 0, 900, 3, 5, 0.3, "pending"), ("gamma", 1, 150, 1, 2, 0.3, "pending")]
    assert attempt.started_at == T0 and 0 <= attempt.seed < 2**31
    assert events(session, "attempt.started") == [{}]
    visit = delivery.open_invitation(session=session, token=token)
    assert visit.attempt.id == attempt.id
    again = delivery.get_or_start_attempt(session=session, invitation=visit.invitation, now=T0)
    assert again.id == attempt.id and len(events(session, "attempt.started")) == 1


def test_an_expired_invitation_cannot_begin(session):
    assessment = delivery.create_assessment(session=session, title="T", section_ids=["alpha"])
    invitation, _ = delivery.create_invitation(session=session, assessment=assessment)
    invitation.expires_at = T0
    session.commit()
    with pytest.raises(DeliveryError, match="expired") as raised:
        delivery.get_or_start_attempt(session=session, invitation=invitation, now=T0 + dt.timedelta(seconds=1))
    assert raised.value.kind == ErrorKind.GONE
    assert delivery.get_or_start_attempt(session=session, invitation=invitation, now=T0).invitation_id == invitation.id


def test_sections_start_in_order_once_and_show_an_item(session):
    attempt, _ = start(session, sections=("alpha", "beta"))
    with pytest.raises(DeliveryError, match="no section 3") as missing:
        delivery.start_section(session=session, attempt=attempt, position=2, now=T0)
    assert missing.value.kind == ErrorKind.NOT_FOUND
    with pytest.raises(DeliveryError, match="finish the current section first") as early:
        delivery.start_section(session=session, attempt=attempt, position=1, now=T0)
    assert early.value.kind == ErrorKind.CONFLICT
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    assert (part.status, part.started_at, part.deadline_at) == ("active", T0, T0 + dt.timedelta(seconds=600))
    assert events(session, "section.started") == [
        {"section": "alpha", "deadline": (T0 + dt.timedelta(seconds=600)).isoformat()}]
    later = T0 + dt.timedelta(seconds=30)
    assert delivery.start_section(session=session, attempt=attempt, position=0, now=later).started_at == T0
    with pytest.raises(DeliveryError, match="finish the current section first"):
        delivery.start_section(session=session, attempt=attempt, position=1, now=later)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=later)
    assert state.kind == "item" and state.section.id == part.id and state.just_closed == []
    assert state.item.item_key == "alpha-q00" and state.response.position == 0  # the fixed form's first


def test_options_are_shuffled_per_attempt_and_shown_by_position_only(session):
    attempt, _, state = on_first_item(session)
    order = state.response.option_order
    assert sorted(order) == ["a", "b", "c"]
    texts = {o["id"]: o["text"] for o in state.item.body["options"]}
    shown = delivery.shown_options(state.item, state.response)
    assert shown == [{"value": str(n), "text": texts[oid], "checked": False} for n, oid in enumerate(order, 1)]
    position_of_key = str(order.index("a") + 1)
    result = answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                                   payload={"choice": position_of_key}, seq=1, final=False, shown=True,
                                   grace_seconds=GRACE, now=T0)
    assert result.answer == stored(session, state.response.id).answer == {"choice": "a"}
    assert result.saved_value is None
    assert [o["checked"] for o in delivery.shown_options(state.item, stored(session, state.response.id))] == [
        oid == "a" for oid in order]
    for bad in ("0", "4", "a", 1):
        with pytest.raises(AnswerError, match="is not an option of this item"):
            answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                                  payload={"choice": bad}, seq=2, final=False, shown=True, grace_seconds=GRACE, now=T0)


def test_multiple_choice_positions_map_back_to_option_ids(session):
    attempt, _ = start(session)
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    response = answer_until(session, attempt, part, "multiple_choice")
    order = response.option_order
    item = session.get(Item, response.item_id)
    save = dict(session=session, attempt=attempt, response_id=response.id, final=False, shown=True,
                grace_seconds=GRACE, now=T0)
    one = answering.save_answer(payload={"choices": str(order.index("c") + 1)}, seq=1, **save)
    assert one.answer == stored(session, response.id).answer == {"choices": ["c"]}
    both = answering.save_answer(payload={"choices": [str(order.index(k) + 1) for k in ("c", "a")]}, seq=2, **save)
    assert both.answer == stored(session, response.id).answer == {"choices": ["a", "c"]}
    assert sum(o["checked"] for o in delivery.shown_options(item, stored(session, response.id))) == 2
    with pytest.raises(AnswerError, match="must be a list of options"):
        answering.save_answer(payload={"choices": {"1": True}}, seq=3, **save)
    unchanged = answering.save_answer(payload={"other": 1}, seq=3, **save)
    assert unchanged.answer == stored(session, response.id).answer == {"choices": []}


# --- saving answers ---------------------------------------------------------------------------

def test_saves_are_idempotent_ordered_and_final_answers_are_scored(session):
    attempt, _, state = on_first_item(session)
    rid, item = state.response.id, state.item
    save = dict(session=session, attempt=attempt, response_id=rid, grace_seconds=GRACE, now=T0)
    first = answering.save_answer(payload=wrong(item), seq=2, final=False, **save)
    row = stored(session, rid)
    assert (first.saved_seq, first.final, row.save_seq, row.saved_at, row.answer) == (2, False, 2, T0, wrong(item))
    stale = answering.save_answer(payload=right(item), seq=1, final=False, **save)
    assert stale.saved_seq == 2 and stale.answer == stored(session, rid).answer == wrong(item)
    retried = answering.save_answer(payload=wrong(item), seq=2, final=False, **save)
    assert retried.saved_seq == 2 and not retried.final
    with pytest.raises(DeliveryError, match="seq: 2 was already used for a different answer") as reused:
        answering.save_answer(payload=right(item), seq=2, final=False, **save)
    assert reused.value.kind == ErrorKind.CONFLICT
    final = answering.save_answer(payload=right(item), seq=3, final=True, **save)
    row = stored(session, rid)
    assert final.final and row.status == "answered" and row.score == 1.0 and row.answered_at == T0
    again = answering.save_answer(payload=right(item), seq=3, final=True, **save)  # the submit, retried
    assert again.final and again.saved_seq == 3
    for payload, seq, is_final in ((right(item), 4, True), (wrong(item), 3, True), (right(item), 3, False)):
        with pytest.raises(DeliveryError, match="already closed") as closed:
            answering.save_answer(payload=payload, seq=seq, final=is_final, **save)
        assert closed.value.kind == ErrorKind.CONFLICT
    following = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    assert following.response.position == 1 and following.item.item_key == "alpha-q03"


def test_a_final_save_with_the_same_seq_as_the_last_autosave_submits_it(session):
    attempt, _, state = on_first_item(session)
    save = dict(session=session, attempt=attempt, response_id=state.response.id, grace_seconds=GRACE, now=T0)
    answering.save_answer(payload=wrong(state.item), seq=1, final=False, **save)
    final = answering.save_answer(payload=wrong(state.item), seq=1, final=True, **save)
    row = stored(session, state.response.id)
    assert final.final and row.status == "answered" and row.score == 0.0
    seq0 = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    zero = answering.save_answer(session=session, attempt=attempt, response_id=seq0.response.id,
                                 payload=right(seq0.item), seq=0, final=False, grace_seconds=GRACE, now=T0)
    assert seq0.item.type == "numeric" and zero.saved_value == float(seq0.item.body["answer"])
    assert stored(session, seq0.response.id).saved_at == T0


@pytest.mark.parametrize("seq", [-1, delivery.MAX_ID + 1, True, "1", 1.0])
def test_a_sequence_number_must_be_a_whole_number_in_range(session, seq):
    attempt, _ = start(session)
    with pytest.raises(DeliveryError, match="seq: out of range"):
        answering.save_answer(session=session, attempt=attempt, response_id=1, payload={}, seq=seq, final=False,
                              grace_seconds=GRACE, now=T0)


def test_the_largest_sequence_number_is_accepted(session):
    attempt, _, state = on_first_item(session)
    result = answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                                   payload=right(state.item), seq=delivery.MAX_ID, final=False,
                                   grace_seconds=GRACE, now=T0)
    assert result.saved_seq == delivery.MAX_ID


@pytest.mark.parametrize("value, message", [
    (True, "response_id: must be a whole number"), ("3", "response_id: must be a whole number"),
    (0, f"response_id: out of range (1 to {delivery.MAX_ID})"),
    (delivery.MAX_ID + 1, f"response_id: out of range (1 to {delivery.MAX_ID})")])
def test_ids_from_requests_are_checked_before_the_database(value, message):
    with pytest.raises(DeliveryError) as raised:
        answering.check_id(value, "response_id")
    assert str(raised.value) == message and raised.value.kind == ErrorKind.INVALID
    assert answering.check_id(1, "x") == 1 and answering.check_id(delivery.MAX_ID, "x") == delivery.MAX_ID


def test_another_attempts_response_is_not_found(session):
    mine, _ = start(session)
    theirs, _ = start(session)
    delivery.start_section(session=session, attempt=theirs, position=0, now=T0)
    their_response = delivery.current_state(session=session, attempt=theirs, grace_seconds=GRACE, now=T0).response
    for response_id in (their_response.id, delivery.MAX_ID):
        with pytest.raises(DeliveryError, match="no such item in this attempt") as raised:
            answering.find_response(session=session, attempt=mine, response_id=response_id)
        assert raised.value.kind == ErrorKind.NOT_FOUND
    response, part, item = answering.find_response(session=session, attempt=theirs, response_id=their_response.id)
    assert (response.id, part.attempt_id, item.id) == (their_response.id, theirs.id, their_response.item_id)


def test_an_answer_after_the_deadline_and_grace_is_refused_and_closes_the_section(session):
    attempt, part, state = on_first_item(session)
    deadline = part.deadline_at
    save = dict(session=session, attempt=attempt, response_id=state.response.id, grace_seconds=GRACE)
    on_time = answering.save_answer(payload=right(state.item), seq=1, final=False,
                                    now=deadline + dt.timedelta(seconds=GRACE), **save)
    assert on_time.saved_seq == 1
    with pytest.raises(LateAnswer, match="Time is up for this section") as late:
        answering.save_answer(payload=wrong(state.item), seq=2, final=True,
                              now=deadline + dt.timedelta(seconds=GRACE + 0.5), **save)
    assert late.value.kind == ErrorKind.CONFLICT
    assert events(session, "answer.late") == [{"response_id": state.response.id, "section": "alpha",
                                                "seconds_late": 5.5, "final": True}]
    session.expire_all()
    part = session.get(SectionAttempt, part.id)
    assert (part.status, part.close_reason) == ("closed", "time")
    response = session.get(Response, state.response.id)
    assert (response.status, response.score, response.answer) == ("answered", 1.0, right(state.item))
    with pytest.raises(DeliveryError, match="This section is closed") as closed:
        answering.enforce_deadline(session=session, section_attempt=part, response=response, grace_seconds=GRACE,
                                   now=T0, final=False)
    assert closed.value.kind == ErrorKind.CONFLICT


@pytest.mark.parametrize("payload, error, message", [
    ({"code": 3}, AnswerError, "answer.code: must be text"),
    ("def f(): pass", AnswerError, "answer.code: must be text"),
    ({"code": "x" * (MAX_CODE_CHARS + 1)}, DeliveryError, f"answer.code: longer than {MAX_CODE_CHARS} characters"),
])
def test_code_answers_are_text_of_bounded_size(session, payload, error, message):
    attempt, _ = start(session, sections=("gamma",))
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    response = answer_until(session, attempt, part, "code")
    with pytest.raises(error) as raised:
        answering.save_answer(session=session, attempt=attempt, response_id=response.id, payload=payload, seq=9,
                              final=False, grace_seconds=GRACE, now=T0)
    assert str(raised.value) == message
    if error is DeliveryError:
        assert raised.value.kind == ErrorKind.TOO_LARGE


def test_code_is_saved_but_not_submitted_by_the_answer_form(session):
    attempt, _ = start(session, sections=("gamma",))
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    response = answer_until(session, attempt, part, "code")
    code = "x" * MAX_CODE_CHARS
    saved = answering.save_answer(session=session, attempt=attempt, response_id=response.id, payload={"code": code},
                                  seq=9, final=False, grace_seconds=GRACE, now=T0)
    assert saved.answer == stored(session, response.id).answer == {"code": code} and saved.saved_value is None
    with pytest.raises(DeliveryError, match="submitted with the Submit button"):
        answering.save_answer(session=session, attempt=attempt, response_id=response.id, payload={"code": code},
                              seq=10, final=True, grace_seconds=GRACE, now=T0)


# --- closing, scoring, pages ------------------------------------------------------------------

def test_closing_scores_saved_answers_and_drops_unanswered_items(session):
    attempt, part, state = on_first_item(session)
    submit(session, attempt, state, right(state.item))
    second = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    saved_at = T0 + dt.timedelta(seconds=20)
    answering.save_answer(session=session, attempt=attempt, response_id=second.response.id,
                          payload=right(second.item), seq=1, final=False, grace_seconds=GRACE, now=saved_at)
    end = T0 + dt.timedelta(seconds=600 + GRACE + 1)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=end)
    assert state.kind == "finished" and [p.id for p in state.just_closed] == [part.id]
    session.expire_all()
    responses = session.exec(select(Response).where(Response.section_attempt_id == part.id)
                             .order_by(Response.position)).all()
    assert [(r.status, r.score) for r in responses] == [("answered", 1.0), ("answered", 1.0)]
    assert responses[1].answered_at == saved_at
    part = session.get(SectionAttempt, part.id)
    assert (part.status, part.close_reason, part.closed_at, part.n_answered) == ("closed", "time", end, 2)
    assert part.theta > 0 and part.score_low <= part.score <= part.score_high and part.band
    assert events(session, "section.closed") == [{"section": "alpha", "reason": "time", "score": part.score,
                                                   "n_answered": 2}]
    assert events(session, "attempt.completed") == [{}]
    assert session.get(type(attempt), attempt.id).status == "completed"
    assert session.get(type(attempt), attempt.id).finished_at == end


def test_a_blank_answer_on_screen_is_not_administered(session):
    attempt, part, state = on_first_item(session)
    answering.save_answer(session=session, attempt=attempt, response_id=state.response.id, payload={"choice": ""},
                          seq=1, final=False, grace_seconds=GRACE, now=T0)
    delivery.sweep_expired(session=session, grace_seconds=GRACE, now=T0 + dt.timedelta(seconds=700))
    session.expire_all()
    response = session.get(Response, state.response.id)
    assert (response.status, response.score) == ("unanswered", None)
    part = session.get(SectionAttempt, part.id)
    assert part.n_answered == 0 and part.theta == 0.0


def test_a_fixed_section_stops_at_its_maximum_length(session):
    attempt, _ = start(session)
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    for seq in range(1, 6):
        state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
        assert state.kind == "item"
        answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                              payload=wrong(state.item) if seq % 2 else right(state.item), seq=seq, final=True,
                              grace_seconds=GRACE, now=T0)
    assert delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0).kind == "finished"
    session.expire_all()
    part = session.get(SectionAttempt, part.id)
    assert (part.close_reason, part.n_answered) == ("max-length", 5)


def test_pages_and_clock_follow_the_attempt(session):
    assessment = delivery.create_assessment(session=session, title="Paged", section_ids=["alpha", "beta"],
                                            mode="fixed")
    invitation, token = delivery.create_invitation(session=session, assessment=assessment)
    visit = delivery.open_invitation(session=session, token=token)
    start_page = delivery.page(session=session, visit=visit, grace_seconds=GRACE, now=T0)
    assert start_page.kind == "start" and start_page.time_multiplier == 1.0 and len(start_page.sections) == 2
    assert delivery.clock(session=session, visit=visit, grace_seconds=GRACE, now=T0) == {"status": "not-started"}
    assert delivery.results(session=session, visit=visit, grace_seconds=GRACE) is None
    delivery.get_or_start_attempt(session=session, invitation=invitation, now=T0)
    visit = delivery.open_invitation(session=session, token=token)
    intro = delivery.page(session=session, visit=visit, grace_seconds=GRACE, now=T0)
    assert intro.kind == "section-intro" and intro.part.position == 0
    assert intro.titles == {"alpha": "Section Alpha", "beta": "Section Beta"} and intro.just_closed == []
    assert delivery.clock(session=session, visit=visit, grace_seconds=GRACE, now=T0) == {
        "status": "section-intro", "section_closed": True}
    delivery.start_section(session=session, attempt=visit.attempt, position=0, now=T0)
    now = T0 + dt.timedelta(seconds=100.25)
    item = delivery.page(session=session, visit=visit, grace_seconds=GRACE, now=now)
    assert item.kind == "item" and item.remaining == 499.75 and len(item.options) == 3
    assert item.item.item_key == "alpha-q00" and item.response.item_id == item.item.id
    assert delivery.clock(session=session, visit=visit, grace_seconds=GRACE, now=now) == {
        "status": "active", "section": 0, "response_id": item.response.id, "remaining_seconds": 499.75}
    late = T0 + dt.timedelta(seconds=601)  # past the deadline, inside the grace: still the item
    assert delivery.clock(session=session, visit=visit, grace_seconds=GRACE, now=late)["remaining_seconds"] == 0.0
    closed = delivery.page(session=session, visit=visit, grace_seconds=GRACE, now=T0 + dt.timedelta(seconds=606))
    assert closed.kind == "section-intro" and closed.part.position == 1
    assert [p.section_id for p in closed.just_closed] == ["alpha"]
    assert delivery.results(session=session, visit=visit, grace_seconds=GRACE) is None
    delivery.start_section(session=session, attempt=visit.attempt, position=1, now=T0 + dt.timedelta(seconds=700))
    delivery.sweep_expired(session=session, grace_seconds=GRACE, now=T0 + dt.timedelta(seconds=1400))
    assert delivery.page(session=session, visit=visit, grace_seconds=GRACE).kind == "finished"
    done = delivery.results(session=session, visit=visit, grace_seconds=GRACE)
    assert [p.section_id for p in done["parts"]] == ["alpha", "beta"] and done["grading"] == 0
    assert set(done["sections"]) == {"alpha", "beta"}
    assert done["skill_titles_by_section"]["alpha"] == {"arithmetic": "Arithmetic", "algebra": "Algebra"}
    assert done["assessment"].id == assessment.id
    assert delivery.clock(session=session, visit=visit, grace_seconds=GRACE) == {
        "status": "finished", "section_closed": True}


def test_remaining_time_before_the_start_is_the_whole_limit(session):
    attempt, _ = start(session)
    part = delivery.section_attempts(session=session, attempt=attempt)[0]
    assert delivery.remaining_seconds(part, T0) == 600.0
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    assert delivery.remaining_seconds(part, T0 + dt.timedelta(seconds=700)) == 0.0


def test_the_sweep_closes_only_sections_past_deadline_and_grace(session):
    first, _ = start(session)
    second, _ = start(session)
    delivery.start_section(session=session, attempt=first, position=0, now=T0)
    delivery.start_section(session=session, attempt=second, position=0, now=T0 + dt.timedelta(seconds=60))
    edge = T0 + dt.timedelta(seconds=600 + GRACE)
    assert delivery.sweep_expired(session=session, grace_seconds=GRACE, now=edge) == 0
    assert delivery.sweep_expired(session=session, grace_seconds=GRACE, now=edge + dt.timedelta(seconds=1)) == 1
    assert delivery.sweep_expired(session=session, grace_seconds=GRACE, now=edge + dt.timedelta(seconds=1)) == 0
    assert delivery.sweep_expired(session=session, grace_seconds=GRACE, now=edge + dt.timedelta(seconds=61)) == 1
    session.expire_all()
    parts = session.exec(select(SectionAttempt).order_by(SectionAttempt.id)).all()
    assert [(p.status, p.close_reason) for p in parts] == [("closed", "time")] * 2


def test_a_grade_recorded_after_the_close_is_picked_up_by_the_rescore(session):
    attempt, part, state = on_first_item(session)
    submit(session, attempt, state, right(state.item))
    now = delivery.utcnow()
    closed_at = now - dt.timedelta(minutes=5)
    delivery.sweep_expired(session=session, grace_seconds=GRACE, now=closed_at)
    assert delivery.rescore_stale_sections(session=session, now=now) == 0
    session.expire_all()
    part = session.get(SectionAttempt, part.id)
    before = (part.n_answered, part.theta)
    # a late grade: the unanswered second item turns into a right answer after the close
    late = session.exec(select(Response).where(Response.section_attempt_id == part.id, Response.position == 1)).one()
    late.status, late.score = "answered", 1.0
    session.commit()
    assert delivery.rescore_stale_sections(session=session, now=now) == 1
    session.expire_all()
    part = session.get(SectionAttempt, part.id)
    assert before[0] == 1 and part.n_answered == 2 and part.theta > before[1]
    assert delivery.rescore_stale_sections(session=session, now=now) == 0
    # outside the window nothing is looked at again
    late.score = 0.0
    first = session.exec(select(Response).where(Response.section_attempt_id == part.id, Response.position == 0)).one()
    first.status = "unanswered"
    session.commit()
    assert delivery.rescore_stale_sections(session=session, now=closed_at + delivery.RESCORE_WINDOW) == 0
    assert delivery.rescore_stale_sections(session=session, now=closed_at + delivery.RESCORE_WINDOW
                                           - dt.timedelta(seconds=1)) == 1
