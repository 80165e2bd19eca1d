"""services/integrity.py called directly: page signals (validated, capped, counted) and the
winnowing fingerprints behind near-copy flags among coding answers."""
import datetime as dt

import pytest
from service_helpers import GRACE, SAMPLE_CODE, T0, on_first_item
from sqlmodel import select

from assessment.models import Attempt, Event, Invitation
from assessment.services import answering, coding, integrity

SOLUTION = SAMPLE_CODE
#: The same code renamed, re-spaced, commented and with another literal.
RENAMED = (SOLUTION.replace("double(values)", "twice(xs):   # mine").replace("):   # mine:", "):   # mine")
           .replace("result", "out").replace("values", "xs").replace("value", "x").replace("* 2", "*  3"))
OTHER = """def double(values):
    return [v + v for v in values if v is not None and v != 0]
"""


def test_signals_are_validated_capped_and_ignored_without_a_running_attempt(session, monkeypatch):
    attempt, _, _ = on_first_item(session)
    assert integrity.record_signal(session=session, attempt=attempt, kind="paste", size=12, now=T0) is True
    assert integrity.record_signal(session=session, attempt=attempt, kind="focus_lost") is True
    stored = session.exec(select(Event).where(Event.kind.startswith("integrity.")).order_by(Event.id)).all()
    assert [(e.kind, e.payload) for e in stored] == [("integrity.paste", {"size": 12}), ("integrity.focus_lost", {})]
    assert stored[0].created_at == T0
    for kind, size, message in (("copy", None, "kind: 'copy' is not one of focus_lost, tab_hidden, paste"),
                                ("paste", None, "size: the pasted length"), ("paste", -1, "size"),
                                ("paste", True, "size"), ("paste", integrity.MAX_PASTE_CHARS + 1, "size"),
                                ("paste", "5", "size")):
        with pytest.raises(ValueError, match=message):
            integrity.record_signal(session=session, attempt=attempt, kind=kind, size=size)
    assert integrity.record_signal(session=session, attempt=attempt, kind="paste", size=integrity.MAX_PASTE_CHARS)
    assert integrity.record_signal(session=session, attempt=attempt, kind="paste", size=0)
    assert integrity.record_signal(session=session, attempt=None, kind="tab_hidden") is False
    monkeypatch.setattr(integrity, "MAX_SIGNALS_PER_ATTEMPT", 5)
    assert integrity.record_signal(session=session, attempt=attempt, kind="tab_hidden") is True
    assert integrity.record_signal(session=session, attempt=attempt, kind="tab_hidden") is False
    session.add(Event(attempt_id=attempt.id, kind="section.started", payload={}))  # not a signal: not counted
    session.commit()
    counts = integrity.signal_counts(session, [attempt.id, 10**6])
    assert counts[attempt.id] == {"focus_lost": 1, "tab_hidden": 1, "paste": 3,
                                  "paste_chars": 12 + integrity.MAX_PASTE_CHARS, "largest_paste":
                                      integrity.MAX_PASTE_CHARS}
    assert counts[10**6] == {"focus_lost": 0, "tab_hidden": 0, "paste": 0, "paste_chars": 0, "largest_paste": 0}
    assert integrity.signal_counts(session, []) == {}
    finished = session.get(Attempt, attempt.id)
    finished.status = "completed"
    session.commit()
    monkeypatch.setattr(integrity, "MAX_SIGNALS_PER_ATTEMPT", 500)
    assert integrity.record_signal(session=session, attempt=finished, kind="focus_lost") is False


def test_tokens_keep_the_structure_and_erase_names_literals_and_layout():
    assert integrity.normalized_tokens("total = count + 1.5  # note\nif x is None: y = 'a'") == [
        "V", "=", "V", "+", "L", "if", "V", "is", "L", ":", "V", "=", "L"]
    assert integrity.normalized_tokens("f(True, False, b'x', 0x1F)") == ["V", "(", "L", ",", "L", ",", "L", ",", "L",
                                                                         ")"]
    assert integrity.normalized_tokens('msg = f"{a} and {b}"') == ["V", "=", "L"]  # an f-string is one literal
    assert integrity.normalized_tokens("'a' 'b'") == ["L"]  # adjacent literals are one


def test_unfinished_code_is_lexed_plainly_with_the_same_tokens():
    broken = "def f(x:\n    return x + 1 # c\n  s = 'it''s' + None"
    assert integrity.normalized_tokens(broken) == ["def", "V", "(", "V", ":", "return", "V", "+", "L", "V", "=",
                                                   "L", "L", "+", "L"]
    assert integrity.normalized_tokens("x = (") == ["V", "=", "("]
    assert integrity.normalized_tokens('if _a: "unterminated') == ["if", "V", ":", "V"]


def test_fingerprints_are_the_window_minima_of_kgram_hashes():
    assert integrity.fingerprints("a = b") == set()  # fewer tokens than a k-gram
    five = integrity.fingerprints("a = b + c")
    assert len(five) == 1
    longer = integrity.fingerprints(SOLUTION)
    assert len(longer) == 13 and len(integrity.normalized_tokens(SOLUTION)) == 31
    assert integrity.fingerprints(SOLUTION) == integrity.fingerprints(RENAMED)
    assert integrity.fingerprints(SOLUTION, k=3, w=2) != longer
    assert all(isinstance(h, int) and 0 <= h < 2**64 for h in longer)


def test_similarity_is_the_shared_share_of_the_smaller_set():
    big, small = set(range(10)), {0, 1, 2, 3, 4, 5, 99, 98}
    assert integrity.similarity(big, small) == 6 / 8 and integrity.similarity(small, big) == 6 / 8
    assert integrity.similarity(set(range(5)), big) == 0.0  # too short to compare
    assert integrity.similarity(set(range(6)), big) == 1.0


def test_near_copies_pair_different_owners_on_the_same_item_highest_first():
    pairs = integrity.near_copies([(1, "q", SOLUTION), (2, "q", RENAMED), (3, "q", OTHER), (1, "r", SOLUTION),
                                   (4, "r", SOLUTION), (4, "q", SOLUTION), (5, "s", SOLUTION)])
    assert pairs == [{"a": 1, "b": 2, "item": "q", "similarity": 1.0}, {"a": 1, "b": 4, "item": "q", "similarity": 1.0},
                     {"a": 2, "b": 4, "item": "q", "similarity": 1.0}, {"a": 1, "b": 4, "item": "r", "similarity": 1.0}]
    assert integrity.near_copies([(1, "q", SOLUTION), (1, "q", RENAMED)]) == []  # one owner
    assert integrity.near_copies([(1, "q", SOLUTION), (2, "q", OTHER)]) == []
    assert integrity.near_copies([(1, "q", SOLUTION), (2, "q", OTHER)], threshold=0.1) == [
        {"a": 1, "b": 2, "item": "q", "similarity": 0.143}]


def test_the_threshold_is_inclusive():
    a = integrity.fingerprints(SOLUTION)
    partial = SOLUTION.replace("        result.append(value * 2)\n", "        print(value)\n")
    score = integrity.similarity(a, integrity.fingerprints(partial))
    assert 0 < score < 1
    pairs = integrity.near_copies([(1, "q", SOLUTION), (2, "q", partial)], threshold=score)
    assert [p["similarity"] for p in pairs] == [round(score, 3)]
    assert integrity.near_copies([(1, "q", SOLUTION), (2, "q", partial)], threshold=score + 1e-9) == []
    ranked = integrity.near_copies([(1, "q", SOLUTION), (2, "q", partial), (3, "q", RENAMED)], threshold=score)
    assert [(p["a"], p["b"]) for p in ranked] == [(1, 3), (1, 2), (2, 3)]  # the closest pair first


def test_near_copies_among_a_cohorts_coding_answers(session):
    owners = []
    for code in (SOLUTION, RENAMED, OTHER):
        attempt, _, state = on_first_item(session, sections=("gamma",))
        coding.submit_code(session=session, attempt=attempt, response_id=state.response.id, code=code,
                           grace_seconds=GRACE, now=T0 + dt.timedelta(seconds=len(owners)))
        owners.append(attempt.invitation_id)
    attempt, _, state = on_first_item(session, sections=("gamma",))  # saved, never submitted: not compared
    answering.save_answer(session=session, attempt=attempt, response_id=state.response.id, payload={"code": SOLUTION},
                          seq=1, final=False, grace_seconds=GRACE, now=T0)
    assessment_ids = [session.get(Invitation, i).assessment_id for i in owners + [attempt.invitation_id]]
    pairs = integrity.code_near_copies(session, assessment_ids)
    assert [(p["a"], p["b"], p["item"]) for p in pairs] == [(owners[0], owners[1], "gamma-double")]
    assert integrity.code_near_copies(session, []) == []
    assert integrity.code_near_copies(session, assessment_ids[:1]) == []  # one cohort per assessment


def _reference_fingerprints(code, k=integrity.KGRAM, w=integrity.WINDOW):
    """Winnowing as the paper defines it, written out plainly: the minimum of every window of w
    consecutive k-gram hashes."""
    import hashlib

    tokens = integrity.normalized_tokens(code)
    grams = [" ".join(tokens[i:i + k]) for i in range(len(tokens) - k + 1)]
    hashes = [int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big") for g in grams]
    if not hashes:
        return set()
    return {min(hashes[i:i + w]) for i in range(max(1, len(hashes) - w + 1))}


@pytest.mark.parametrize("code", ["a = b + c", "a = b + c + d", "x = f(y)\nreturn x", SOLUTION, OTHER])
def test_fingerprints_match_the_reference_definition(code):
    assert integrity.fingerprints(code) == _reference_fingerprints(code)


def test_the_plain_lexer_keeps_private_names_as_names():
    assert integrity.normalized_tokens("def f(:\n    return _total + 1") == ["def", "V", "(", ":", "return", "V",
                                                                            "+", "L"]
