"""grader.py without the sandbox: the verdicts, messages and limits around a run, pinned word for word.

The sandbox itself (processes, limits, the harness writing fd 3) is tested in test_grading.py,
test_attacks.py and test_forging.py.  Here a ``RunOutcome`` is built by hand (the fd-3 record bytes,
the limit hit, the signal or exit code, the captured output) and given to the judging functions, and
``grade()`` runs with a stand-in sandbox that records what it was asked to run: the verdict logic
is pure, so every branch can be reached exactly.  Rules from the module docstring: only the cases'
inputs enter the sandbox; records must follow the protocol ready / (import | (start, case)* done);
missing, duplicate or malformed records are errors, never passes; hidden results carry names and
statuses only, their messages fixed texts (an exception's type named only when it is a builtin's:
a submission can give its own class any name, e.g. one built from the hidden inputs), no per-test
times (the record's time is the submission's to write), and fixed ``stopped`` texts where the
detail is the submission's (a record it wrote, its exit code or signal, its leftover processes).
"""
from __future__ import annotations

import json
import sys

import pytest
from grader_runs import (
    TASK,
    Verdict,
    done,
    full_run,
    line,
    outcome,
    ready,
    returned,
    start,
)

from assessment.content import codec
from assessment.grading.grader import (
    SHOWN_OUTPUT,
    GradeResult,
    _judge_case,
    _records,
    _Tampered,
    _text,
    _uniform,
    category_for,
)


@pytest.mark.parametrize("score, thresholds, category", [
    (0.0, (0.5, 1.0), 0),
    (0.49, (0.5, 1.0), 0),
    (0.5, (0.5, 1.0), 1),
    (0.5 - 1e-9, (0.5, 1.0), 1),        # exactly at the slack: still reached
    (0.5 - 5e-10, (0.5, 1.0), 1),
    (0.5 - 2e-9, (0.5, 1.0), 0),        # beyond the slack: not reached
    (0.5 - 1.5e-9, (0.5, 1.0), 0),
    (0.99, (0.5, 1.0), 1),
    (1.0, (0.5, 1.0), 2),
    (2 / 3, (1 / 3, 2 / 3, 1.0), 2),    # 2 of 3 passed reaches the 2/3 threshold
    (1 / 3, (1 / 3, 2 / 3, 1.0), 1),
    (1.0, (1.0,), 1),
    (0.75, (), 0),
])
def test_category_counts_the_thresholds_reached_with_a_1e_9_slack(score, thresholds, category):
    assert category_for(score, thresholds) == category


def test_text_keeps_short_output_whole():
    assert _text(b"abc") == "abc"
    assert _text("abc") == "abc"
    assert _text(b"") == "" and _text("") == ""


def test_text_cuts_at_shown_output_and_counts_the_bytes_cut():
    assert SHOWN_OUTPUT == 4096
    assert _text(b"a" * 4096) == "a" * 4096                       # exactly the cap: whole
    assert _text(b"a" * 4097) == "a" * 4096 + "\n... [1 more bytes cut]"
    assert _text("b" * 5000) == "b" * 4096 + "\n... [904 more bytes cut]"
    assert _text(b"x" * 10, limit=4) == "xxxx\n... [6 more bytes cut]"
    assert _text(b"x" * 4, limit=4) == "xxxx"


def test_text_counts_bytes_not_characters_and_replaces_what_cannot_be_shown():
    # "é" is 2 bytes in UTF-8: 3000 of them are 6000 bytes, 2048 fit in 4096
    assert _text("é" * 3000) == "é" * 2048 + "\n... [1904 more bytes cut]"
    assert _text("aé", limit=2) == "a\ufffd\n... [1 more bytes cut]"   # a character cut in two
    assert _text("a\ud800b") == "a?b"                                  # a lone surrogate
    assert _text(b"\xffok") == "\ufffdok"                              # bytes that are not UTF-8


def test_uniform_gives_every_test_the_same_error():
    result = _uniform(TASK, "sample", ["a", "b"], "error", "the message")
    assert result == GradeResult("fx-grader", "sample", "error", 0, 2, 0.0, 0, 0.0,
                                 [Verdict("a", "error", "the message"),
                                  Verdict("b", "error", "the message")], [], "", "")
    assert result.stopped == [] and isinstance(result.stopped, list)


def test_uniform_sandbox_error_marks_the_tests_as_sandbox_errors_and_keeps_the_wall_time():
    stopped = ({"what": "sandbox", "why": "no"},)
    result = _uniform(TASK, "hidden", ["x"], "sandbox error", "down", outcome(wall_ms=81.5),
                      stopped)
    assert result == GradeResult("fx-grader", "hidden", "sandbox error", 0, 1, 0.0, 0, 81.5,
                                 [Verdict("x", "sandbox error", "down")],
                                 [{"what": "sandbox", "why": "no"}])
    assert isinstance(result.stopped, list)
    # any other status: the tests are plain errors
    other = _uniform(TASK, "hidden", ["x"], "time limit", "m")
    assert other.status == "time limit" and other.tests == [Verdict("x", "error", "m")]


def test_results_convert_to_plain_dicts():
    result = _uniform(TASK, "sample", ["a"], "error", "m", outcome(wall_ms=2.0))
    assert result.to_dict() == {
        "item_id": "fx-grader", "which": "sample", "status": "error", "passed": 0, "total": 1,
        "score": 0.0, "category": 0, "time_ms": 2.0,
        "tests": [{"name": "a", "status": "error", "message": "m", "time_ms": None, "stdout": "",
                   "stderr": ""}],
        "stopped": [], "stdout": "", "stderr": ""}


def test_records_of_a_complete_run():
    results = full_run([1, 2])
    imported, cases, started, finished = _records(outcome(results), 2)
    assert imported is None and started == {0, 1} and finished is True
    assert cases == {0: json.loads(returned(0, 1)), 1: json.loads(returned(1, 2))}


def test_records_of_nothing_at_all():
    assert _records(outcome(b""), 3) == (None, {}, set(), False)
    assert _records(outcome(b"", limit="time limit"), 3) == (None, {}, set(), False)


def test_records_of_a_failed_import():
    rec = {"k": "import", "status": "raised", "error": "SyntaxError: bad"}
    assert _records(outcome(ready(2) + line(**rec)), 2) == (rec, {}, set(), False)
    for status in ("time", "memory", "output"):
        rec = {"k": "import", "status": status}
        assert _records(outcome(ready(2) + line(**rec)), 2)[0] == rec


def test_records_of_a_run_that_stopped_in_the_second_case():
    results = ready(3) + start(0) + returned(0, 5) + start(1)
    imported, cases, started, finished = _records(outcome(results), 3)
    assert (imported, set(cases), started, finished) == (None, {0}, {0, 1}, False)


def test_a_case_ending_at_a_limit_is_a_record_without_value():
    rec = {"k": "case", "i": 0, "status": "time", "error": "_Timeout: "}
    assert _records(outcome(ready(1) + start(0) + line(**rec) + done()), 1) == (
        None, {0: rec}, {0}, True)


def test_a_last_record_cut_by_a_limit_is_dropped():
    cut = ready(2) + start(0) + b'{"k":"case","i":0,"status":"retu'
    for limit in ("output limit", "time limit", "memory limit"):
        assert _records(outcome(cut, limit=limit), 2) == (None, {}, {0}, False)
    # even a last record that happens to be whole JSON: without its newline it was cut
    assert _records(outcome(ready(1) + start(0)[:-1], limit="time limit"), 1) == (
        None, {}, set(), False)


def test_a_last_record_cut_without_a_limit_is_tampering():
    with pytest.raises(_Tampered, match=r"^the last record is incomplete$"):
        _records(outcome(ready(2) + start(0) + b'{"k":"case"'), 2)
    with pytest.raises(_Tampered, match=r"^the last record is incomplete$"):
        _records(outcome(ready(1)[:-1]), 1)
    with pytest.raises(_Tampered, match=r"^the last record is incomplete$"):
        _records(outcome(full_run([1])[:-1]), 1)


@pytest.mark.parametrize("results, message", [
    (b"not json\n", "a record is not JSON"),
    (b"\n", "a record is not JSON"),                                    # an empty line
    (ready(1) + b"\n" + start(0), "a record is not JSON"),
    (b"[" * 100000 + b"]" * 100000 + b"\n", "a record is not JSON"),   # RecursionError in json
    (b"\xff\xfe\n", "a record is not JSON"),
])
def test_records_that_are_not_json_are_tampering(results, message):
    with pytest.raises(_Tampered) as info:
        _records(outcome(results), 1)
    assert str(info.value) == message
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize("results, n, message", [
    # anything before "ready"
    (start(0), 1, "unexpected record 'start' (expected 'ready')"),
    (done(), 1, "unexpected record 'done' (expected 'ready')"),
    (line(k="import", status="raised"), 1, "unexpected record 'import' (expected 'ready')"),
    (line(k="start", i="ready"), 1, "unexpected record 'start' (expected 'ready')"),
    (b"[1]\n", 1, "unexpected record None (expected 'ready')"),             # not a dict
    (b'"ready"\n', 1, "unexpected record None (expected 'ready')"),
    (b"5\n", 1, "unexpected record None (expected 'ready')"),
    (line(kind="ready", n=1), 1, "unexpected record None (expected 'ready')"),
    # "ready" with the wrong number of cases, or twice
    (ready(2), 1, "unexpected record 'ready' (expected 'ready')"),
    (line(k="ready"), 1, "unexpected record 'ready' (expected 'ready')"),
    (ready(1) + ready(1), 1, "unexpected record 'ready' (expected 0)"),
    # "import" only right after "ready", with a known status
    (ready(1) + line(k="import", status="returned"), 1,
     "unexpected record 'import' (expected 0)"),
    (ready(1) + line(k="import"), 1, "unexpected record 'import' (expected 0)"),
    (ready(2) + start(0) + line(k="import", status="raised"), 2,
     "unexpected record 'import' (expected ('case', 0))"),
    (ready(2) + start(0) + returned(0, 1) + line(k="import", status="raised"), 2,
     "unexpected record 'import' (expected 1)"),
    (ready(1) + line(k="import", status="raised") + start(0), 1,
     "unexpected record 'start' (expected 'nothing')"),
    (ready(1) + line(k="import", status="raised") + line(k="import", status="raised"), 1,
     "unexpected record 'import' (expected 'nothing')"),
    (ready(1) + line(k="import", status="raised") + done(), 1,
     "unexpected record 'done' (expected 'nothing')"),
    # "start" of the next case only, never past the last, never a bool
    (ready(2) + start(1), 2, "unexpected record 'start' (expected 0)"),
    (ready(2) + line(k="start"), 2, "unexpected record 'start' (expected 0)"),
    (ready(2) + line(k="start", i=False), 2, "unexpected record 'start' (expected 0)"),
    (ready(2) + start(0) + returned(0, 1) + line(k="start", i=True), 2,
     "unexpected record 'start' (expected 1)"),
    (ready(2) + start(0) + start(0), 2, "unexpected record 'start' (expected ('case', 0))"),
    (ready(2) + start(0) + start(1), 2, "unexpected record 'start' (expected ('case', 0))"),
    (ready(1) + start(0) + returned(0, 1) + start(1), 1,
     "unexpected record 'start' (expected 1)"),
    (ready(1) + start(0) + returned(0, 1) + start(0), 1,
     "unexpected record 'start' (expected 1)"),
    # "case" of the case started only, returned with a value or stopped with a known status
    (ready(2) + returned(0, 1), 2, "unexpected record 'case' (expected 0)"),
    (ready(2) + start(0) + returned(1, 1), 2, "unexpected record 'case' (expected ('case', 0))"),
    (ready(2) + start(0) + line(k="case", status="returned", value=1), 2,
     "unexpected record 'case' (expected ('case', 0))"),
    (ready(2) + start(0) + line(k="case", i=0, status="returned"), 2,
     "unexpected record 'case' (expected ('case', 0))"),
    (ready(2) + start(0) + line(k="case", i=0, status="weird", value=1), 2,
     "unexpected record 'case' (expected ('case', 0))"),
    (ready(2) + start(0) + line(k="case", i=0, value=1), 2,
     "unexpected record 'case' (expected ('case', 0))"),
    (ready(2) + start(0) + returned(0, 1) + returned(0, 1), 2,
     "unexpected record 'case' (expected 1)"),
    # "done" after the last case only, once, and nothing after it
    (ready(2) + done(), 2, "unexpected record 'done' (expected 0)"),
    (ready(2) + start(0) + returned(0, 1) + done(), 2, "unexpected record 'done' (expected 1)"),
    (ready(2) + start(0) + done(), 2, "unexpected record 'done' (expected ('case', 0))"),
    (full_run([1]) + done(), 1, "unexpected record 'done' (expected 'nothing')"),
    (full_run([1]) + start(1), 1, "unexpected record 'start' (expected 'nothing')"),
    (full_run([1]) + ready(1), 1, "unexpected record 'ready' (expected 'nothing')"),
    (ready(1) + start(0) + returned(0, 1) + line(k="finished"), 1,
     "unexpected record 'finished' (expected 1)"),
])
def test_records_out_of_order_are_tampering(results, n, message):
    with pytest.raises(_Tampered) as info:
        _records(outcome(results), n)
    assert str(info.value) == message
    with pytest.raises(_Tampered):  # a limit only forgives an unfinished last line
        _records(outcome(results, limit="time limit"), n)


CASE = TASK.cases("sample")[0]          # "one": f(1) == 2


def case_rec(**fields) -> dict:
    return {"k": "case", "i": 0, **fields}


def test_a_returned_right_value_passes_with_its_time_and_output_on_sample_tests_only():
    rec = case_rec(status="returned", value=2, time_ms=3.25, stdout="out", stderr="err")
    assert _judge_case(CASE, rec, False) == Verdict("one", "passed", "", 3.25, "out", "err")
    # the submission can write the record's time (any float per hidden test): none on hidden tests
    assert _judge_case(CASE, rec, True) == Verdict("one", "passed", "", None, "", "")
    rec = case_rec(status="returned", value=2, time_ms=4)
    assert _judge_case(CASE, rec, False) == Verdict("one", "passed", "", 4, "", "")
    assert _judge_case(CASE, rec, True).time_ms is None


@pytest.mark.parametrize("time_ms", ["5", None, [1], {"a": 1}])
def test_a_time_that_is_not_a_number_is_dropped(time_ms):
    rec = case_rec(status="returned", value=2, time_ms=time_ms)
    assert _judge_case(CASE, rec, False).time_ms is None
    assert _judge_case(CASE, case_rec(status="returned", value=2), False).time_ms is None


def test_output_of_a_case_is_text_cut_at_the_cap():
    rec = case_rec(status="returned", value=2, stdout="a" * 5000, stderr=17)
    result = _judge_case(CASE, rec, False)
    assert result.stdout == "a" * 4096 + "\n... [904 more bytes cut]" and result.stderr == "17"
    assert _judge_case(CASE, rec, True).stdout == ""


def test_a_wrong_value_fails_with_the_reason_on_sample_tests_only():
    rec = case_rec(status="returned", value=3, time_ms=1.5, stdout="o", stderr="e")
    assert _judge_case(CASE, rec, False) == Verdict("one", "failed", "expected 2, got 3", 1.5,
                                                    "o", "e")
    assert _judge_case(CASE, rec, True) == Verdict("one", "failed", "wrong answer", None, "", "")


def test_the_case_tolerance_and_order_rules_apply():
    pair, = [c for c in TASK.cases("sample") if c.name == "pair"]
    ok = case_rec(status="returned", value=codec.encode([3, 2, 1]))
    assert _judge_case(pair, ok, True).status == "passed"        # unordered
    h2 = TASK.cases("hidden")[1]
    assert _judge_case(h2, case_rec(status="returned", value=0.505), True).status == "passed"
    assert _judge_case(h2, case_rec(status="returned", value=0.52), True).status == "failed"


def test_a_returned_value_is_decoded_not_taken_as_json():
    tup = case_rec(status="returned", value={"$t": "tuple", "items": [2]})
    assert _judge_case(CASE, tup, False).message == "expected 2, got (2,)"


def test_a_malformed_returned_value_is_an_error_with_the_codec_reason_on_sample_tests_only():
    rec = case_rec(status="returned", value={"$t": "pickle", "data": "gASV"}, time_ms=2.0,
                   stdout="o", stderr="e")
    expected = Verdict("one", "error", "the returned value is malformed: unknown tag 'pickle'",
                       2.0, "o", "e")
    assert _judge_case(CASE, rec, False) == expected
    hidden = _judge_case(CASE, rec, True)
    assert hidden == Verdict("one", "error", "the returned value is malformed", None, "", "")


def test_a_malformed_value_made_from_hidden_data_does_not_show_it_on_hidden_tests():
    # the tag is submission-made: here it carries h2's inputs and expected value
    rec = case_rec(status="returned", value={"$t": "h2 (1, 2) {'k': 'v'} -> 0.505"})
    sample = _judge_case(CASE, rec, False).message
    assert sample == "the returned value is malformed: unknown tag \"h2 (1, 2) {'k': 'v'} -> 0.505\""
    h2 = TASK.cases("hidden")[1]
    assert _judge_case(h2, rec, True) == Verdict("h2", "error", "the returned value is malformed")


def test_a_recursion_error_while_decoding_is_an_error_too():
    value = 1
    for _ in range(60):
        value = [value]
    rec = case_rec(status="returned", value=value)
    depth = len(_frames())
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 40)   # room for the call, not for 60 levels of decode
    try:
        sample, hidden = _judge_case(CASE, rec, False), _judge_case(CASE, rec, True)
    finally:
        sys.setrecursionlimit(old)
    assert sample.status == "error"
    assert sample.message.startswith("the returned value is malformed: maximum recursion depth")
    assert hidden == Verdict("one", "error", "the returned value is malformed")


def _frames():
    import inspect
    return inspect.stack(0)


@pytest.mark.parametrize("status, error, hidden, expected_status, message", [
    ("raised", "ValueError: bad: x", False, "error", "ValueError: bad: x"),
    ("raised", "ValueError: bad: x", True, "error", "raised ValueError"),
    ("raised", "SystemExit: 0", True, "error", "raised SystemExit"),
    ("raised", "ZeroDivisionError: division by zero", True, "error", "raised ZeroDivisionError"),
    ("raised", "KeyboardInterrupt", True, "error", "raised KeyboardInterrupt"),
    ("raised", None, False, "error", ""),
    ("raised", None, True, "error", "raised an exception"),
    # a class the submission made: its name can carry the hidden inputs or expected values
    ("raised", "Secret_input_42: 42", False, "error", "Secret_input_42: 42"),
    ("raised", "Secret_input_42: 42", True, "error", "raised an exception"),
    ("raised", "expected 0.505 for (1, 2): x", True, "error", "raised an exception"),
    ("raised", "Secret_input_42", True, "error", "raised an exception"),
    # only a builtin exception's exact name; nothing is evaluated
    ("raised", "ValueError2: x", True, "error", "raised an exception"),
    ("raised", "valueerror: x", True, "error", "raised an exception"),
    ("raised", " ValueError: x", True, "error", "raised an exception"),
    ("raised", "builtins.ValueError: x", True, "error", "raised an exception"),
    ("raised", "int: 42", True, "error", "raised an exception"),
    ("raised", "print: x", True, "error", "raised an exception"),
    ("raised", "_Timeout: ", True, "error", "raised an exception"),
    ("raised", "__import__('builtins').ValueError: x", True, "error", "raised an exception"),
    ("raised", "unsupported return value: unsupported type 'set'", True, "error",
     "raised an exception"),
    ("time", "_Timeout: ", False, "time limit", "ran past the time limit"),
    ("time", None, True, "time limit", "ran past the time limit"),
    ("memory", "MemoryError: ", True, "memory limit", "ran out of memory (MemoryError)"),
    ("memory", None, False, "memory limit", "ran out of memory (MemoryError)"),
    ("output", "_OutputLimit: ", False, "output limit", "printed more than the output limit"),
    ("output", None, True, "output limit", "printed more than the output limit"),
    ("output", "OSError: [Errno 27] File too large", False, "output limit",
     "wrote a file over the file size limit"),
    ("output", "OSError: [Errno 27] File too large", True, "output limit",
     "wrote a file over the file size limit"),
])
def test_a_case_that_did_not_return(status, error, hidden, expected_status, message):
    rec = case_rec(status=status, time_ms=9.5, stdout="o", stderr="e",
                   **({"error": error} if error is not None else {}))
    shown = (None, "", "") if hidden else (9.5, "o", "e")
    assert _judge_case(CASE, rec, hidden) == Verdict("one", expected_status, message, *shown)


def test_a_raised_case_with_a_value_is_still_an_error():
    rec = case_rec(status="raised", error="KeyError: 'a'", value=2)
    assert _judge_case(CASE, rec, False) == Verdict("one", "error", "KeyError: 'a'", None)
