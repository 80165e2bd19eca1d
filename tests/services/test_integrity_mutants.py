"""Integrity signals and near-copies (assessment/services/integrity.py): each attempt's signals
capped and counted on their own, only `integrity.*` events counted, winnowing against a plain
reference where the last window matters, and the cohort query over graded and submitted code."""
import datetime as dt
import hashlib

from service_helpers import GRACE, SAMPLE_CODE, T0, on_first_item
from sqlmodel import select

from assessment.grading.grader import GradeResult
from assessment.models import Event, Invitation, Response
from assessment.services import coding, integrity


def _hashes(code, k=integrity.KGRAM):
    tokens = integrity.normalized_tokens(code)
    return [int.from_bytes(hashlib.blake2b(" ".join(tokens[i:i + k]).encode(), digest_size=8).digest(), "big")
            for i in range(len(tokens) - k + 1)]


def test_the_signal_cap_counts_only_the_attempts_own_signals(session, monkeypatch):
    mine, _, _ = on_first_item(session)
    theirs, _, _ = on_first_item(session)
    monkeypatch.setattr(integrity, "MAX_SIGNALS_PER_ATTEMPT", 2)
    assert integrity.record_signal(session=session, attempt=theirs, kind="focus_lost", now=T0) is True
    assert integrity.record_signal(session=session, attempt=theirs, kind="tab_hidden", now=T0) is True
    assert integrity.record_signal(session=session, attempt=theirs, kind="tab_hidden", now=T0) is False  # capped
    assert integrity.record_signal(session=session, attempt=mine, kind="paste", size=3, now=T0) is True
    assert integrity.record_signal(session=session, attempt=mine, kind="focus_lost", now=T0) is True
    assert integrity.record_signal(session=session, attempt=mine, kind="focus_lost", now=T0) is False


def test_signals_are_counted_per_attempt_and_only_from_integrity_events(session):
    mine, _, _ = on_first_item(session)
    theirs, _, _ = on_first_item(session)
    integrity.record_signal(session=session, attempt=theirs, kind="paste", size=40, now=T0)
    integrity.record_signal(session=session, attempt=theirs, kind="focus_lost", now=T0)
    integrity.record_signal(session=session, attempt=mine, kind="paste", size=7, now=T0)
    # an event outside the integrity.* kinds is no signal, even one named like a signal
    session.add(Event(attempt_id=mine.id, kind="paste", payload={"size": 1000}, created_at=T0))
    session.add(Event(attempt_id=mine.id, kind="tab_hidden", payload={}, created_at=T0))
    session.commit()
    assert integrity.signal_counts(session, [mine.id]) == {
        mine.id: {"focus_lost": 0, "tab_hidden": 0, "paste": 1, "paste_chars": 7, "largest_paste": 7}}


#: Its last k-gram hash window ends on a hash smaller than the w - 1 after it (checked below), so
#: a window past the end (only those w - 1 hashes) would add a fingerprint winnowing never picks.
TAIL = "if a > b:\n    c = a\nelse:\n    c = b\n"


def test_winnowing_takes_no_window_past_the_last_hash():
    hashes = _hashes(TAIL)
    w = integrity.WINDOW
    assert len(hashes) == 9 and hashes[-w] < min(hashes[-w + 1:])
    windows = [hashes[i:i + w] for i in range(len(hashes) - w + 1)]  # the 6 full windows
    assert integrity.fingerprints(TAIL) == {min(window) for window in windows}
    assert min(hashes[-w + 1:]) not in integrity.fingerprints(TAIL)


def test_exactly_w_hashes_are_one_window():
    code = "x = f(y)\nreturn x"
    hashes = _hashes(code)
    assert len(hashes) == integrity.WINDOW
    assert integrity.fingerprints(code) == {min(hashes)}


def _submit(session, code, seconds):
    attempt, _, state = on_first_item(session, sections=("gamma",))
    coding.submit_code(session=session, attempt=attempt, response_id=state.response.id, code=code,
                       grace_seconds=GRACE, now=T0 + dt.timedelta(seconds=seconds))
    return attempt, state.response.id


def test_graded_and_submitted_code_are_both_compared_and_nothing_else(session):
    graded, graded_id = _submit(session, SAMPLE_CODE, 0)
    coding.record_grade(session=session, response_id=graded_id, now=T0, result=GradeResult(
        item_id="gamma-double", which="hidden", status="passed", passed=2, total=2, score=1.0, category=2,
        time_ms=1.0))
    waiting, _ = _submit(session, SAMPLE_CODE.replace("result", "out"), 1)
    assert session.exec(select(Response.status).where(Response.id == graded_id)).one() == "answered"
    ids = [session.get(Invitation, a.invitation_id).assessment_id for a in (graded, waiting)]
    pairs = integrity.code_near_copies(session, ids)
    assert pairs == [{"a": graded.invitation_id, "b": waiting.invitation_id, "item": "gamma-double",
                      "similarity": 1.0}]


def test_six_fingerprints_on_either_side_are_enough_to_compare():
    six, ten = set(range(6)), set(range(10))
    assert integrity.similarity(ten, six) == 1.0 and integrity.similarity(six, ten) == 1.0
    assert integrity.similarity(ten, set(range(5))) == 0.0


def test_a_pair_of_one_owners_answers_does_not_stop_the_other_pairs():
    renamed = SAMPLE_CODE.replace("result", "out")
    pairs = integrity.near_copies([(1, "q", SAMPLE_CODE), (1, "q", renamed), (2, "q", SAMPLE_CODE)])
    assert pairs == [{"a": 1, "b": 2, "item": "q", "similarity": 1.0}, {"a": 1, "b": 2, "item": "q", "similarity": 1.0}]
