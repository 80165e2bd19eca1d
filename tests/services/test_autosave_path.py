"""The autosave's short path (`answering._save_draft`) decides exactly as the general path would.

Random scripts of saves (fresh, retried, stale and reused seqs; right, wrong and invalid answers;
final submits; times up to past the deadline plus grace) run twice on fresh attempts of the same
fixed form: once as served, once with the short path turned off. Every outcome (acknowledgement
or error, word for word) and the stored rows and events must be the same."""
import datetime as dt
import random

import pytest
from service_helpers import GRACE, T0, events, on_first_item, right, start, stored, wrong
from sqlmodel import Session, select

from assessment.models import Assessment, Invitation, Response
from assessment.services import answering, delivery
from assessment.services.transactions import write_transaction


def _script(rng: random.Random, deadline_offset: float) -> list[dict]:
    """Steps of one candidate on one item: seq, answer kind, final, seconds after T0 (never back)."""
    steps, seconds = [], 0.0
    for _ in range(rng.randint(3, 9)):
        seconds = max(seconds, rng.choice([seconds, seconds + 1, deadline_offset - 1,
                                           deadline_offset + GRACE - 0.5, deadline_offset + GRACE + 0.5]))
        steps.append({"seq": rng.choice([0, 1, 2, 2, 3, 4, 5]), "answer": rng.choice(["right", "wrong", "bad"]),
                      "final": rng.random() < 0.2, "seconds": seconds})
    return steps


def _run(session, steps: list[dict], by_link: bool = False) -> tuple[list, dict, list]:
    """The steps saved by attempt (`save_answer`) or by link (`save_answer_for_link`, the web's)."""
    attempt, token = start(session)
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    item, rid = state.item, state.response.id
    answers = {"right": right(item), "wrong": wrong(item), "bad": {"choice": "nope", "value": "x1", "choices": 3}}
    outcomes = []
    for step in steps:
        save = dict(session=session, response_id=rid, payload=answers[step["answer"]], seq=step["seq"],
                    final=step["final"], grace_seconds=GRACE, now=T0 + dt.timedelta(seconds=step["seconds"]))
        try:
            if by_link:
                saved = answering.save_answer_for_link(token=token, **save)
            else:
                saved = answering.save_answer(attempt=attempt, **save)
            outcomes.append(("saved", saved.answer, saved.saved_seq, saved.final, saved.saved_value))
        except Exception as error:  # noqa: BLE001 - the error itself is the outcome compared
            outcomes.append((type(error).__name__, str(error), getattr(error, "kind", None)))
    row = stored(session, rid)
    state_of_row = {"answer": row.answer, "seq": row.save_seq, "saved_at": row.saved_at, "status": row.status,
                    "score": row.score, "version": row.row_version}
    part_row = session.get(type(part), part.id)
    state_of_row["section"] = (part_row.status, part_row.closed_at is not None)
    late = [(e["seconds_late"], e["final"]) for e in events(session, "answer.late") if e["response_id"] == rid]
    return outcomes, state_of_row, late


@pytest.mark.parametrize("seed", range(12))
def test_the_short_path_and_the_general_path_decide_alike(session, monkeypatch, seed):
    _, part, _ = on_first_item(session)
    deadline_offset = (part.deadline_at - T0).total_seconds()
    steps = _script(random.Random(seed), deadline_offset)
    served = _run(session, steps)
    taken = []
    original = answering._save_draft

    def counting(*args):
        taken.append(args[4])  # its seq: every autosave is offered to the short path first
        return original(*args)

    monkeypatch.setattr(answering, "_save_draft", lambda *args: None)
    general = _run(session, steps)
    assert served == general, steps
    monkeypatch.setattr(answering, "_save_draft", counting)
    assert _run(session, steps) == served
    assert taken == [s["seq"] for s in steps if not s["final"]]


@pytest.mark.parametrize("seed", range(12))
def test_by_link_the_short_paths_and_the_general_path_decide_alike(session, monkeypatch, seed):
    """The web's save (by link): its autosaves take `_save_draft_by_link` first (on SQLite a read
    before the write lock and one UPDATE under it; on PostgreSQL under the attempt's row lock).
    Served, general path only, and by attempt: the same outcomes and rows."""
    _, part, _ = on_first_item(session)
    steps = _script(random.Random(seed), (part.deadline_at - T0).total_seconds())
    taken = []
    original = answering._save_draft_by_link

    def counting(*args):
        taken.append(args[4])  # its seq
        return original(*args)

    monkeypatch.setattr(answering, "_save_draft_by_link", counting)
    served = _run(session, steps, by_link=True)
    assert taken == [s["seq"] for s in steps if not s["final"]]
    assert _run(session, steps) == served, steps  # by attempt
    monkeypatch.setattr(answering, "_save_draft_by_link", lambda *args: None)
    monkeypatch.setattr(answering, "_save_draft", lambda *args: None)
    assert _run(session, steps, by_link=True) == served, steps


def test_a_fresh_draft_in_time_takes_the_short_path_and_is_stored(session, monkeypatch):
    attempt, _, state = on_first_item(session)
    monkeypatch.setattr(answering, "enforce_deadline", None)  # the general path would fail here
    saved = answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                                  payload=wrong(state.item), seq=4, final=False, grace_seconds=GRACE, now=T0)
    row = stored(session, state.response.id)
    assert (saved.saved_seq, saved.final, saved.answer) == (4, False, wrong(state.item))
    assert (row.answer, row.save_seq, row.saved_at, row.row_version) == (wrong(state.item), 4, T0, 2)


def test_the_short_path_refuses_another_attempts_item_like_the_general_path(session):
    mine, _, _ = on_first_item(session)
    _, _, theirs = on_first_item(session)
    with pytest.raises(delivery.DeliveryError, match="no such item in this attempt") as refused:
        answering.save_answer(session=session, attempt=mine, response_id=theirs.response.id,
                              payload=right(theirs.item), seq=1, final=False, grace_seconds=GRACE, now=T0)
    assert refused.value.kind == delivery.ErrorKind.NOT_FOUND
    assert stored(session, theirs.response.id).answer is None


def test_a_row_changed_without_the_attempts_lock_is_answered_busy_and_nothing_is_written(session, monkeypatch):
    attempt, _, state = on_first_item(session)
    read = answering._READ_DRAFT
    # The read sees an older row version than the table holds, as if a writer that did not take
    # the attempt's lock had changed the row between the read and the UPDATE.
    monkeypatch.setattr(answering, "_READ_DRAFT", read.with_only_columns(
        *[(Response.__table__.c.row_version - 1).label("row_version") if c.name == "row_version" else c
          for c in read.selected_columns]))
    with pytest.raises(delivery.DeliveryError, match="Another request changed this test") as busy:
        answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                              payload=wrong(state.item), seq=1, final=False, grace_seconds=GRACE, now=T0)
    assert busy.value.kind == delivery.ErrorKind.BUSY
    row = session.exec(select(Response).where(Response.id == state.response.id)).one()
    assert (row.answer, row.save_seq, row.row_version) == (None, 0, 1)


def test_a_save_by_link_takes_the_links_attempt_and_refuses_what_open_invitation_refuses(session):
    attempt, token = start(session)
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    save = dict(session=session, response_id=state.response.id, payload=wrong(state.item), grace_seconds=GRACE,
                now=T0)
    saved = answering.save_answer_for_link(token=token, seq=1, final=False, **save)
    assert (saved.response_id, saved.answer, stored(session, state.response.id).save_seq) == (
        state.response.id, wrong(state.item), 1)
    final = answering.save_answer_for_link(token=token, seq=2, final=True, **save)
    assert final.final and stored(session, state.response.id).status == "answered"
    assert session.get(type(part), part.id).attempt_id == attempt.id
    for bad in ("", token + "x", "x" * 129):
        with pytest.raises(delivery.DeliveryError) as refused:
            answering.save_answer_for_link(token=bad, seq=3, final=False, **save)
        assert (str(refused.value), refused.value.kind) == (delivery.INVALID_LINK, delivery.ErrorKind.NOT_FOUND)
    invitation = session.exec(select(Invitation).where(Invitation.id == attempt.invitation_id)).one()
    not_begun = delivery.create_invitation(session=session, assessment=session.get(Assessment, invitation.assessment_id),
                                           email="later@example.org")[1]
    with pytest.raises(delivery.DeliveryError, match="^Begin the test first.$") as early:
        answering.save_answer_for_link(token=not_begun, seq=3, final=False, **save)
    assert early.value.kind == delivery.ErrorKind.CONFLICT
    invitation = session.get(Invitation, invitation.id)
    invitation.revoked_at = T0
    session.commit()
    with pytest.raises(delivery.DeliveryError, match="This test link is not valid"):
        answering.save_answer_for_link(token=token, seq=3, final=False, **save)
    assert stored(session, state.response.id).save_seq == 2  # nothing written by the refusals
    # A refusal leaves no write transaction open: another connection can write at once.
    other = Session(session.get_bind())
    try:
        write_transaction(other)
        other.commit()
    finally:
        other.close()
