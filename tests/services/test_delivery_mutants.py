"""Delivery (assessment/services/delivery.py): the times the engine stores come from the clock it
is given, the item page carries its assessment, an adaptive attempt's choices follow its own seed,
and the autosave's short path (`_save_draft`) against its stored rows."""
import datetime as dt

import pytest
from service_helpers import GRACE, T0, on_first_item, right, start, stored, wrong
from sqlmodel import select

from assessment.models import Response, SectionAttempt
from assessment.services import answering, delivery


def test_the_item_page_carries_its_assessment(session):
    assessment = delivery.create_assessment(session=session, title="Carried", section_ids=["alpha"], mode="fixed")
    invitation, token = delivery.create_invitation(session=session, assessment=assessment)
    attempt = delivery.get_or_start_attempt(session=session, invitation=invitation, now=T0)
    delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    visit = delivery.open_invitation(session=session, token=token)
    item_page = delivery.page(session=session, visit=visit, grace_seconds=GRACE, now=T0)
    assert item_page.kind == "item"
    assert (item_page.assessment.id, item_page.assessment.title) == (assessment.id, "Carried")


def test_the_first_item_is_presented_at_the_sections_start_time(session):
    attempt, _ = start(session)
    started = T0 + dt.timedelta(seconds=37)
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=started)
    [first] = session.exec(select(Response).where(Response.section_attempt_id == part.id)).all()
    assert stored(session, first.id).presented_at.replace(tzinfo=dt.UTC) == started


def test_the_next_item_is_presented_at_the_final_saves_time(session):
    attempt, part, state = on_first_item(session)
    submitted = T0 + dt.timedelta(seconds=95)
    answering.save_answer(session=session, attempt=attempt, response_id=state.response.id, payload=right(state.item),
                          seq=1, final=True, grace_seconds=GRACE, now=submitted)
    following = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=submitted)
    assert following.response.id != state.response.id
    assert stored(session, following.response.id).presented_at.replace(tzinfo=dt.UTC) == submitted


def test_a_section_ended_by_its_stopping_rule_closes_at_the_last_answers_time(session):
    attempt, _ = start(session)
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    last = T0
    for seq in range(1, 6):  # the fixed form's maximum length is 5
        state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=last)
        last = T0 + dt.timedelta(seconds=60 * seq + 0.25)
        answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                              payload=right(state.item), seq=seq, final=True, grace_seconds=GRACE, now=last)
    session.expire_all()
    closed = session.get(SectionAttempt, part.id)
    assert (closed.status, closed.close_reason) == ("closed", "max-length")
    assert closed.closed_at.replace(tzinfo=dt.UTC) == T0 + dt.timedelta(seconds=300.25)


def _adaptive_sequence(session, seed, answers=("right", "wrong", "right", "right")):
    attempt, _ = start(session, mode="adaptive")
    attempt.seed = seed
    session.commit()
    delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    keys = []
    for seq, kind in enumerate(answers, start=1):
        state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
        if state.kind != "item":
            break
        keys.append(state.item.item_key)
        answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                              payload=right(state.item) if kind == "right" else wrong(state.item), seq=seq,
                              final=True, grace_seconds=GRACE, now=T0)
    return keys


def test_an_adaptive_attempt_chooses_its_items_from_its_own_seed(session):
    # the same seed and answers give the same items; the randomesque draw among the 3 most
    # informative items makes a fresh generator's sequence differ from them almost always
    for seed in (11, 12345, 2**30):
        first = _adaptive_sequence(session, seed)
        assert len(first) >= 3
        assert _adaptive_sequence(session, seed) == first
        assert _adaptive_sequence(session, seed) == first


def _general_path_forbidden(monkeypatch):
    """From here on, a save that leaves the short path fails loudly."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the general path was taken")

    monkeypatch.setattr(answering, "attempt_locked", forbidden)


def test_the_short_path_takes_a_fresh_draft_until_the_last_instant_of_grace(session, monkeypatch):
    attempt, part, state = on_first_item(session)
    other, other_part, other_state = on_first_item(session)
    _general_path_forbidden(monkeypatch)
    for who, its_part, its_state, seq in ((attempt, part, state, 1), (other, other_part, other_state, 2)):
        when = its_part.deadline_at + dt.timedelta(seconds=GRACE if seq == 2 else 0)  # the deadline; its grace's end
        saved = answering.save_answer(session=session, attempt=who, response_id=its_state.response.id,
                                      payload=wrong(its_state.item), seq=seq, final=False, grace_seconds=GRACE,
                                      now=when)
        row = stored(session, its_state.response.id)
        assert (saved.saved_seq, saved.final, row.answer, row.save_seq) == (seq, False, wrong(its_state.item), seq)
        assert row.saved_at.replace(tzinfo=dt.UTC) == when


def test_an_autosave_after_the_submit_is_refused_and_changes_nothing(session):
    attempt, _, state = on_first_item(session)
    answering.save_answer(session=session, attempt=attempt, response_id=state.response.id, payload=right(state.item),
                          seq=1, final=True, grace_seconds=GRACE, now=T0)
    version = stored(session, state.response.id).row_version
    with pytest.raises(delivery.DeliveryError, match="This item is already closed") as refused:
        answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                              payload=wrong(state.item), seq=2, final=False, grace_seconds=GRACE, now=T0)
    assert refused.value.kind == delivery.ErrorKind.CONFLICT
    row = stored(session, state.response.id)
    assert (row.status, row.answer, row.save_seq, row.row_version, row.score) == (
        "answered", right(state.item), 1, version, 1.0)


def test_the_short_paths_acknowledgement_names_the_response(session, monkeypatch):
    attempt, _, state = on_first_item(session)
    _general_path_forbidden(monkeypatch)
    saved = answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                                  payload=right(state.item), seq=3, final=False, grace_seconds=GRACE, now=T0)
    assert (saved.response_id, saved.answer, saved.saved_seq, saved.final) == (state.response.id, right(state.item),
                                                                                3, False)


def test_a_row_changed_under_the_short_path_is_refused_with_the_whole_message(session, monkeypatch):
    attempt, _, state = on_first_item(session)
    read = answering._READ_DRAFT
    # the read sees one row version less than the table holds: the UPDATE by version matches nothing
    monkeypatch.setattr(answering, "_READ_DRAFT", read.with_only_columns(
        *[(Response.__table__.c.row_version - 1).label("row_version") if c.name == "row_version" else c
          for c in read.selected_columns]))
    with pytest.raises(delivery.DeliveryError) as busy:
        answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                              payload=wrong(state.item), seq=1, final=False, grace_seconds=GRACE, now=T0)
    assert str(busy.value) == "Another request changed this test at the same moment; retrying."


def test_a_save_by_link_reads_the_pages_shown_positions(session):
    attempt, token = start(session)
    delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    assert state.item.type == "single_choice"
    order = stored(session, state.response.id).option_order
    # the short path reading the item, the short path on the item kept, the general path
    for seq, final in ((1, False), (2, False), (3, True)):
        position = 2 if seq % 2 else 1  # the second shown option, the first, the second
        saved = answering.save_answer_for_link(session=session, token=token, response_id=state.response.id,
                                               payload={"choice": str(position)}, seq=seq, final=final,
                                               grace_seconds=GRACE, shown=True, now=T0)
        assert saved.answer == {"choice": order[position - 1]} == stored(session, state.response.id).answer


def test_a_retried_code_autosave_is_acknowledged_with_its_code(session):
    attempt, _, state = on_first_item(session, sections=("gamma",))
    assert state.item.type == "code"
    code = {"code": "def double(x):\n    return 2 * x\n"}
    for _ in range(2):  # the second is a retry (same seq, same code): the general path answers it
        saved = answering.save_answer(session=session, attempt=attempt, response_id=state.response.id, payload=code,
                                      seq=1, final=False, grace_seconds=GRACE, now=T0)
        assert (saved.answer, saved.saved_seq, saved.final) == (code, 1, False)
    assert stored(session, state.response.id).answer == code


def test_a_retried_submit_is_acknowledged_with_the_answer_taken(session):
    attempt, _, state = on_first_item(session)
    for _ in range(2):
        saved = answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                                      payload=wrong(state.item), seq=1, final=True, grace_seconds=GRACE, now=T0)
        assert (saved.response_id, saved.answer, saved.saved_seq, saved.final) == (
            state.response.id, wrong(state.item), 1, True)


def test_a_save_names_a_bad_response_id_as_such(session):
    attempt, _, state = on_first_item(session)
    for bad, message in (("7", "response_id: must be a whole number"),
                         (0, "response_id: out of range (1 to 2147483647)")):
        with pytest.raises(delivery.DeliveryError) as refused:
            answering.save_answer(session=session, attempt=attempt, response_id=bad, payload=right(state.item), seq=1,
                                  final=False, grace_seconds=GRACE, now=T0)
        assert str(refused.value) == message


def test_seq_1_used_again_for_another_answer_is_refused_and_a_retry_keeps_its_first_time(session):
    attempt, _, state = on_first_item(session)
    save = dict(session=session, attempt=attempt, response_id=state.response.id, seq=1, final=False,
                grace_seconds=GRACE)
    answering.save_answer(payload=wrong(state.item), now=T0, **save)
    later = T0 + dt.timedelta(seconds=20)
    again = answering.save_answer(payload=wrong(state.item), now=later, **save)  # a retry: acknowledged, not rewritten
    assert (again.answer, again.saved_seq) == (wrong(state.item), 1)
    with pytest.raises(delivery.DeliveryError, match="^seq: 1 was already used for a different answer; reload the page.$"):
        answering.save_answer(payload=right(state.item), now=later, **save)
    row = stored(session, state.response.id)
    assert (row.answer, row.save_seq, row.saved_at.replace(tzinfo=dt.UTC)) == (wrong(state.item), 1, T0)
