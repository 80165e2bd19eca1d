"""grader.py without the sandbox, continued (test_grader_mutants.py has the rules): judging a
whole run (`_judge`: records, limits, signals and exit codes into verdicts), hidden runs that give
away none of the submission's detail, and `grade()` with a stand-in sandbox."""
from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

import pytest
from grader_runs import (
    LIMITS,
    LOGGER,
    MALFORMED,
    RIGHT,
    TASK,
    StandIn,
    Verdict,
    done,
    full_run,
    judge,
    line,
    names,
    outcome,
    ready,
    returned,
    start,
)

from assessment.content import codec
from assessment.content.coding import MAX_CODE_CHARS, CodingTask
from assessment.grading import grader
from assessment.grading.grader import (
    BUILTIN_ERRORS,
    HIDDEN_STOPPED,
    GradeResult,
    _judge,
    grade,
)
from assessment.grading.sandbox import Sandbox, SandboxUnavailable


def passed_tests(which, hidden):
    shown = (None, "") if hidden else (1.0, "o")
    return [Verdict(n, "passed", "", *shown, "") for n in names(which)]


def test_a_right_answer_passes_every_test():
    results = full_run(RIGHT["sample"], time_ms=1.0, stdout="o")
    result = judge(results, "sample", stdout=b"run out", stderr=b"run err")
    assert result == GradeResult("fx-grader", "sample", "passed", 2, 2, 1.0, 2, 12.25,
                                 passed_tests("sample", False), [], "run out", "run err")
    hidden = judge(full_run(RIGHT["hidden"], time_ms=1.0, stdout="o"), "hidden",
                   stdout=b"run out", stderr=b"run err")
    assert hidden == GradeResult("fx-grader", "hidden", "passed", 3, 3, 1.0, 2, 12.25,
                                 passed_tests("hidden", True), [], "", "")


def test_the_run_output_is_cut_like_a_tests():
    result = judge(full_run(RIGHT["sample"]), "sample", stdout=b"s" * 4100, stderr="é".encode() * 2049)
    assert result.stdout == "s" * 4096 + "\n... [4 more bytes cut]"
    assert result.stderr == "é" * 2048 + "\n... [2 more bytes cut]"


def test_score_is_rounded_to_6_places_and_the_category_uses_thresholds():
    # hidden: 2 of 3 right
    result = judge(full_run([2, 0.505, "y"]), "hidden")
    assert (result.status, result.passed, result.total) == ("failed", 2, 3)
    assert result.score == 0.666667 and result.category == 1
    assert [t.status for t in result.tests] == ["passed", "passed", "failed"]
    assert result.tests[2].message == "wrong answer"
    one = judge(full_run([2, 0.9, "y"]), "hidden")
    assert one.score == 0.333333 and one.category == 0
    none = judge(full_run([0, 0, 0]), "hidden")
    assert (none.status, none.passed, none.score, none.category) == ("failed", 0, 0.0, 0)
    half = judge(full_run([2, [0]]), "sample")
    assert (half.status, half.score, half.category) == ("failed", 0.5, 1)


def test_the_category_uses_the_tasks_partial_credit():
    task = CodingTask("fx-grader", "double", TASK.sources, LIMITS, (0.3, 0.6, 0.9))
    cases = task.cases("hidden")
    result = _judge(task, "hidden", cases, outcome(full_run([2, 0.505, "y"])))
    assert result.category == 2
    strict = CodingTask("fx-grader", "double", TASK.sources, LIMITS, (1 / 3 + 1e-8,))
    # 1/3 passed is short of 1/3 + 1e-8 (beyond the slack); the category reads the unrounded share
    assert _judge(strict, "hidden", cases, outcome(full_run([2, 0, 0]))).category == 0
    exact = CodingTask("fx-grader", "double", TASK.sources, LIMITS, (1 / 3 + 5e-10,))
    assert _judge(exact, "hidden", cases, outcome(full_run([2, 0, 0]))).category == 1


def test_no_cases_scores_zero():
    result = _judge(TASK, "sample", [], outcome(ready(0) + done()))
    assert (result.passed, result.total, result.score, result.category) == (0, 0, 0.0, 0)


@pytest.mark.parametrize("statuses, overall", [
    (["passed", "failed", "passed"], "failed"),
    (["error", "failed", "passed"], "error"),
    (["failed", "output", "raised"], "output limit"),
    (["raised", "memory", "output"], "memory limit"),
    (["output", "memory", "time"], "time limit"),
    (["time", "failed", "passed"], "time limit"),
    (["failed", "failed", "memory"], "memory limit"),
    (["passed", "passed", "passed"], "passed"),
])
def test_the_overall_status_is_the_worst_limit_then_error_then_failed(statuses, overall):
    records = ready(3)
    for i, status in enumerate(statuses):
        records += start(i)
        if status == "passed":
            records += returned(i, RIGHT["hidden"][i])
        elif status == "failed":
            records += returned(i, "wrong")
        elif status == "error":
            records += line(k="case", i=i, status="returned", value={"$t": "bad"})
        else:
            records += line(k="case", i=i, status=status, error="E: x")
    result = judge(records + done(), "hidden")
    assert result.status == overall
    assert result.passed == statuses.count("passed")


def test_a_failed_import_fails_every_test_with_its_error():
    error = "SyntaxError: invalid syntax (submission.py, line 1)"
    results = ready(2) + line(k="import", status="raised", error=error)
    result = judge(results, "sample", exit_code=0, stdout=b"o", stderr=b"e")
    message = "the code could not be loaded: " + error
    assert result == GradeResult("fx-grader", "sample", "error", 0, 2, 0.0, 0, 12.25,
                                 [Verdict("one", "error", message),
                                  Verdict("pair", "error", message)], [], "o", "e")
    hidden = judge(ready(3) + line(k="import", status="raised", error=error), "hidden",
                   stdout=b"o")
    assert [t.message for t in hidden.tests] == ["the code could not be loaded: SyntaxError"] * 3
    assert hidden.stopped == [] and hidden.stdout == "" and hidden.stderr == ""


@pytest.mark.parametrize("error, shown", [
    ("ModuleNotFoundError: No module named 'numpyy'", ": ModuleNotFoundError"),
    ("AttributeError", ": AttributeError"),
    ("Exception: x", ": Exception"),
    # a class made at import from task.json (every hidden input is in it)
    ("Leak_1_1_2_k_v: task.json", ""),
    ("h2=(1, 2): x", ""),
    ("SyntaxErrors: x", ""),
    ("object: x", ""),
    ("_OutputLimit: ", ""),
    ("", ""),
])
def test_a_failed_import_names_only_a_builtin_exception_on_hidden_tests(error, shown):
    hidden = judge(ready(3) + line(k="import", status="raised", error=error), "hidden")
    assert hidden.tests == [Verdict(n, "error", "the code could not be loaded" + shown)
                            for n in names("hidden")]
    sample = judge(ready(2) + line(k="import", status="raised", error=error), "sample")
    assert [t.message for t in sample.tests] == ["the code could not be loaded: " + error] * 2


def test_builtin_errors_are_the_builtin_exception_class_names():
    assert {"ValueError", "ZeroDivisionError", "SystemExit", "KeyboardInterrupt", "BaseException",
            "MemoryError", "UserWarning", "OSError", "IOError"} <= BUILTIN_ERRORS
    assert not {"int", "print", "object", "True", "_Timeout", "valueerror"} & BUILTIN_ERRORS


def test_hidden_results_show_nothing_of_a_class_named_after_the_hidden_data():
    leak = "Leak_h2_args_1_2_expected_0_505"
    records = (ready(3) + start(0) + line(k="case", i=0, status="raised", error=f"{leak}: 0.505")
               + start(1) + line(k="case", i=1, status="returned", value={"$t": leak})
               + start(2) + returned(2, "x") + done())
    result = judge(records, "hidden", stdout=leak.encode(), stderr=leak.encode())
    assert result.tests == [Verdict("h1", "error", "raised an exception"),
                            Verdict("h2", "error", "the returned value is malformed"),
                            Verdict("h3", "passed")]
    assert leak not in str(result.to_dict()) and "0.505" not in str(result.to_dict())


@pytest.mark.parametrize("status, expected", [
    ("time", "time limit"), ("memory", "memory limit"), ("output", "output limit"),
    ("raised", "error")])
def test_an_import_stopped_by_a_limit_has_that_status(status, expected):
    result = judge(ready(2) + line(k="import", status=status), "sample")
    assert result.status == expected
    assert result.tests == [Verdict(n, expected, "the code could not be loaded: ")
                            for n in names("sample")]


def test_an_import_error_without_a_colon_is_shown_whole_on_sample_tests_only():
    result = judge(ready(3) + line(k="import", status="raised", error=12), "hidden")
    assert result.tests[0].message == "the code could not be loaded"
    result = judge(ready(2) + line(k="import", status="raised", error=12), "sample")
    assert result.tests[0].message == "the code could not be loaded: 12"


@pytest.mark.parametrize("status, error, expected, message", [
    ("time", "_Timeout: ", "time limit", "the code could not be loaded"),
    ("memory", "MemoryError: ", "memory limit", "the code could not be loaded: MemoryError"),
    ("output", "_OutputLimit: ", "output limit", "the code could not be loaded"),
    ("output", "OSError: [Errno 27] File too large", "output limit",
     "the code could not be loaded: OSError"),
])
def test_an_import_stopped_by_a_limit_on_hidden_tests(status, error, expected, message):
    result = judge(ready(3) + line(k="import", status=status, error=error), "hidden")
    assert result.status == expected
    assert result.tests == [Verdict(n, expected, message) for n in names("hidden")]


def crash(which, **kw) -> GradeResult:
    """The hidden cases' run ending in the second case, judged as sample or hidden tests."""
    results = ready(3) + start(0) + returned(0, 2) + start(1)
    return _judge(TASK, which, TASK.cases("hidden"), outcome(results, **kw))


def test_a_crash_during_a_case_and_the_cases_not_run():
    result = crash("sample", exit_code=0, signal=None)
    assert result.tests[1:] == [
        Verdict("h2", "error", "the process ended during this test (exit code 0)"),
        Verdict("h3", "error", "not run: the run ended (exit code 0) earlier")]
    assert (result.status, result.passed, result.stopped) == ("error", 1, [])
    killed = crash("sample", exit_code=None, signal="SIGSEGV")
    assert [t.message for t in killed.tests[1:]] == [
        "the process ended during this test (signal SIGSEGV)",
        "not run: the run ended (signal SIGSEGV) earlier"]
    both = crash("sample", exit_code=-11, signal="SIGSEGV")
    assert both.tests[2].message == "not run: the run ended (signal SIGSEGV) earlier"
    code = crash("sample", exit_code=3, signal=None)
    assert code.tests[2].message == "not run: the run ended (exit code 3) earlier"


@pytest.mark.parametrize("exit_code, signal", [(0, None), (42, None), (None, "SIGUSR1"),
                                               (-11, "SIGSEGV")])
def test_a_crash_on_hidden_tests_gives_no_exit_code_or_signal(exit_code, signal):
    # the submission picks them (sys.exit(42), os.kill): a byte of hidden data per run
    result = crash("hidden", exit_code=exit_code, signal=signal)
    assert result.tests == [Verdict("h1", "passed", "", None, "", ""),
                            Verdict("h2", "error", "the process ended during this test"),
                            Verdict("h3", "error", "not run: the run ended earlier")]
    assert (result.status, result.passed, result.stopped) == ("error", 1, [])


def test_a_crash_with_memory_error_on_stderr_is_a_memory_limit():
    results = ready(2) + start(0) + returned(0, 2) + start(1)
    stderr = b"\xff Traceback ...\nMemoryError\n"
    result = judge(results, "sample", exit_code=1, stderr=stderr)
    assert result.tests[1] == Verdict("pair", "memory limit",
                                      "the process ended during this test (exit code 1)")
    assert result.status == "memory limit"
    assert result.stderr == "\ufffd Traceback ...\nMemoryError\n"
    other = judge(results, "sample", exit_code=1, stderr=b"\xff Traceback ...\nKeyError\n")
    assert other.tests[1].status == "error" and other.status == "error"


def test_a_crash_at_a_limit_has_the_limits_status_and_the_sandboxs_reason():
    results = ready(3) + start(0) + returned(0, 2) + start(1)
    stopped = [{"what": "process", "why": "ran past the wall clock"}, {"what": "x", "why": "other"}]
    result = judge(results, "hidden", limit="time limit", signal="SIGKILL", stopped=stopped,
                   stderr=b"MemoryError")
    assert result.tests[1:] == [
        Verdict("h2", "time limit", "ran past the wall clock"),
        Verdict("h3", "error", "not run: the run stopped by the time limit earlier")]
    assert result.status == "time limit" and result.stopped == stopped
    out = judge(results, "hidden", limit="output limit", stopped=stopped)
    assert [t.status for t in out.tests] == ["passed", "output limit", "error"]
    assert out.status == "output limit"


def test_a_limit_before_any_test_leaves_every_test_not_run():
    stopped = [{"what": "process", "why": "wall clock"}]
    result = judge(b"", "sample", limit="time limit", signal="SIGKILL", stopped=stopped)
    assert result == GradeResult(
        "fx-grader", "sample", "error", 0, 2, 0.0, 0, 12.25,
        [Verdict(n, "error", "not run: the run stopped by the time limit earlier")
         for n in names("sample")], stopped)


def test_a_process_that_ends_before_any_test_is_an_early_exit():
    for results in (b"", ready(2)):
        result = judge(results, "sample", exit_code=1, stopped=[{"what": "a", "why": "b"}])
        assert result == GradeResult(
            "fx-grader", "sample", "error", 0, 2, 0.0, 0, 12.25,
            [Verdict(n, "error", "not run: the run ended (exit code 1) earlier")
             for n in names("sample")],
            [{"what": "a", "why": "b"}, {"what": "early exit",
                                         "why": "the process ended before any test ran "
                                                "(exit code 1)"}])
    by_signal = judge(ready(2), "sample", signal="SIGKILL", exit_code=None)
    assert by_signal.stopped == [{"what": "early exit", "why": "the process ended before any "
                                                               "test ran (signal SIGKILL)"}]


def test_no_early_exit_once_a_test_started_or_the_import_failed():
    assert judge(ready(2) + start(0), "sample").stopped == []
    assert judge(ready(2) + line(k="import", status="raised"), "sample").stopped == []
    assert judge(full_run(RIGHT["sample"]), "sample").stopped == []


def test_a_setup_error_is_a_sandbox_error_for_every_test(caplog):
    before = [{"what": "uid", "why": "busy"}]
    run = outcome(full_run(RIGHT["sample"]), setup_error="cannot chown", stopped=before,
                  wall_ms=4.5, stdout=b"o")
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        result = _judge(TASK, "sample", TASK.cases("sample"), run)
    assert result == GradeResult(
        "fx-grader", "sample", "sandbox error", 0, 2, 0.0, 0, 4.5,
        [Verdict(n, "sandbox error", "the sandbox could not start") for n in names("sample")],
        [{"what": "uid", "why": "busy"}, {"what": "sandbox", "why": "cannot chown"}])
    assert run.stopped == [{"what": "uid", "why": "busy"}]          # the outcome is not changed
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (LOGGER, logging.ERROR, "sandbox setup failed: cannot chown")]


PROTOCOL = "the records did not follow the harness protocol"


@pytest.mark.parametrize("which, why, cut_why", [
    ("sample", "unexpected record 'done' (expected 'nothing')", "the last record is incomplete"),
    ("hidden", PROTOCOL, PROTOCOL)])
def test_malformed_records_are_an_error_for_every_test_never_a_pass(which, why, cut_why, caplog):
    n = len(names(which))
    tampered = full_run(RIGHT[which]) + done()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        result = judge(tampered, which, wall_ms=7.5, stopped=[{"what": "a", "why": "b"}],
                       stdout=b"o")
        cut = judge(full_run(RIGHT[which])[:-1], which)
    assert result == GradeResult(
        "fx-grader", which, "error", 0, n, 0.0, 0, 7.5,
        [Verdict(name, "error", MALFORMED) for name in names(which)],
        [{"what": "a", "why": "b"}, {"what": "result channel", "why": why}])
    assert cut.stopped == [{"what": "result channel", "why": cut_why}]
    logged = [(LOGGER, logging.WARNING, "grading fx-grader (hidden): result channel: "
                                        "unexpected record 'done' (expected 'nothing')"),
              (LOGGER, logging.WARNING, "grading fx-grader (hidden): result channel: "
                                        "the last record is incomplete")]
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == (
        logged if which == "hidden" else [])


def test_the_fixed_stopped_texts_of_hidden_runs():
    assert HIDDEN_STOPPED == {"result channel": "the records did not follow the harness protocol",
                              "early exit": "the process ended before any test ran",
                              "leftover processes": "killed processes still running after the run"}


def test_an_early_exit_on_hidden_tests_gives_no_exit_code_or_signal(caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        code = judge(ready(3), "hidden", exit_code=97)
        killed = judge(b"", "hidden", exit_code=None, signal="SIGUSR2")
    assert code == GradeResult(
        "fx-grader", "hidden", "error", 0, 3, 0.0, 0, 12.25,
        [Verdict(n, "error", "not run: the run ended earlier") for n in names("hidden")],
        [{"what": "early exit", "why": "the process ended before any test ran"}])
    assert killed.stopped == code.stopped
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (LOGGER, logging.WARNING, "grading fx-grader (hidden): early exit: the process ended "
                                  "before any test ran (exit code 97)"),
        (LOGGER, logging.WARNING, "grading fx-grader (hidden): early exit: the process ended "
                                  "before any test ran (signal SIGUSR2)")]


def test_the_sandboxs_entries_on_hidden_runs(caplog):
    # the leftover count is the submission's choice (how many children it leaves running); the
    # limit texts, the uid sweep and a setup error are the sandbox's own, kept as they are
    sandbox = [{"what": "time limit", "why": "wall clock of 12.6 s exceeded; killed the process "
                                             "group"},
               {"what": "leftover processes", "why": "killed 37 process(es) still running after "
                                                     "the run (e.g. a detached child)"},
               {"what": "uid sweep", "why": "the final kill of the slot uid failed"}]
    results = ready(3) + start(0) + returned(0, 2) + start(1)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        sample = _judge(TASK, "sample", TASK.cases("hidden"),
                        outcome(results, limit="time limit", stopped=sandbox))
        hidden = judge(results, "hidden", limit="time limit", stopped=sandbox)
        setup = judge(b"", "hidden", setup_error="cannot chown", stopped=sandbox[2:])
    assert sample.stopped == sandbox
    assert hidden.stopped == [sandbox[0], {"what": "leftover processes",
                                           "why": "killed processes still running after the run"},
                              sandbox[2]]
    assert hidden.tests[1] == Verdict("h2", "time limit", sandbox[0]["why"])
    assert setup.stopped == [sandbox[2], {"what": "sandbox", "why": "cannot chown"}]
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "grading fx-grader (hidden): leftover processes: killed 37 process(es) "
                          "still running after the run (e.g. a detached child)"),
        (logging.ERROR, "sandbox setup failed: cannot chown")]


def test_the_logged_detail_is_cut_at_500_characters(caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        judge(ready(3) + line(k="S" * 600), "hidden")
    message, = [r.getMessage() for r in caplog.records]
    assert message == ("grading fx-grader (hidden): result channel: "
                       + ("unexpected record '" + "S" * 600)[:500])


def test_a_hostile_hidden_run_stores_none_of_its_own_data():
    # the submission writes its own record holding h2's inputs and expected value to fd 3, sets
    # each test's time to a hidden value, and picks its exit code: none of it is in the result
    secret = "SECRET h2 (1, 2) {'k': 'v'} -> 0.505"
    timed = ready(3) + start(0) + returned(0, 2, time_ms=1.25) + start(1)
    runs = {"record": judge(timed + line(k=secret), "hidden", exit_code=97),
            "early exit": judge(ready(3), "hidden", exit_code=97),
            "times": judge(full_run(RIGHT["hidden"], time_ms=0.505), "hidden", exit_code=97),
            "crash": judge(timed, "hidden", exit_code=97)}
    for what, result in runs.items():
        stored = json.dumps(result.to_dict())
        assert "SECRET" not in stored and "0.505" not in stored and "1.25" not in stored, what
        assert "97" not in stored and "exit code" not in stored, what
        assert all(t.time_ms is None for t in result.tests), what
        assert result.time_ms == 12.25, what      # the sandbox's wall time of the run is kept
    assert runs["record"].stopped == [{"what": "result channel", "why": PROTOCOL}]
    assert runs["times"].status == "passed"
    # the same run on sample tests: the candidate sees its own run whole
    sample = _judge(TASK, "sample", TASK.cases("hidden"),
                    outcome(timed + line(k=secret), exit_code=97))
    assert sample.stopped == [{"what": "result channel",
                               "why": f"unexpected record {secret!r} (expected ('case', 1))"}]
    assert crash("sample", exit_code=97).tests[0].time_ms is None    # a run without times
    assert _judge(TASK, "sample", TASK.cases("hidden"), outcome(timed)).tests[0].time_ms == 1.25


def test_grade_sends_the_inputs_only_and_the_limits():
    sandbox = StandIn(outcome(full_run(RIGHT["hidden"])))
    code = "def double(x):\n    return 2 * x  # \ud800\n"
    result = grade(TASK, code, sandbox=sandbox)
    assert result.which == "hidden" and result.status == "passed" and result.total == 3
    call, = sandbox.calls
    files = call["files"]
    assert set(files) == {"_harness.py", "_codec.py", "submission.py", "task.json"}
    here = Path(grader.__file__).resolve().parent
    assert files["_harness.py"] == (here / "_harness.py").read_bytes()
    assert files["_codec.py"] == Path(codec.__file__).read_bytes()
    assert files["submission.py"] == b"def double(x):\n    return 2 * x  # ?\n"
    spec = {"function": "double", "time_s": 1.5, "import_s": 7.0, "output_cap": 16384,
            "cases": [{"args": [1], "kwargs": {"$t": "dict", "items": []}},
                      {"args": [{"$t": "tuple", "items": [1, 2]}],
                       "kwargs": {"$t": "dict", "items": [["k", "v"]]}},
                      {"args": [], "kwargs": {"$t": "dict", "items": []}}]}
    assert files["task.json"] == json.dumps(spec).encode()
    assert b"expected" not in files["task.json"] and b"0.5" not in files["task.json"]
    assert call["argv"] == ["_harness.py"]
    assert call["limits"] is LIMITS
    assert call["wall_s"] == 7.0 + 3 * (1.5 + 0.05) + 1.0
    assert call["slot"] is None


def test_grade_on_sample_tests_in_a_slot(caplog):
    sandbox = StandIn(outcome(full_run(RIGHT["sample"]), wall_ms=12.4))
    with caplog.at_level(logging.INFO, logger=LOGGER):
        result = grade(TASK, "code", which="sample", slot=1, sandbox=sandbox)
    assert result == _judge(TASK, "sample", TASK.cases("sample"),
                            outcome(full_run(RIGHT["sample"]), wall_ms=12.4))
    call, = sandbox.calls
    assert call["slot"] == 1 and call["wall_s"] == 7.0 + 2 * (1.5 + 0.05) + 1.0
    spec = json.loads(call["files"]["task.json"])
    assert spec["cases"][1] == {"args": [[3, 1, 2]],
                                "kwargs": {"$t": "dict", "items": [["scale", 1.5]]}}
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (LOGGER, logging.INFO, "graded fx-grader (sample): passed 2/2 in 12 ms")]


def test_grade_takes_the_startup_time_from_the_sandbox():
    sandbox = StandIn(outcome(full_run(RIGHT["sample"])))
    sandbox.config = type("config", (), {"startup_s": 0.5})
    grade(TASK, "code", which="sample", sandbox=sandbox)
    call, = sandbox.calls
    assert json.loads(call["files"]["task.json"])["import_s"] == 0.5
    assert call["wall_s"] == 0.5 + 2 * (1.5 + 0.05) + 1.0


def test_grade_logs_a_failed_grade(caplog):
    sandbox = StandIn(outcome(full_run([2, 0.505, "y"]), wall_ms=1234.56))
    with caplog.at_level(logging.INFO, logger=LOGGER):
        result = grade(TASK, "code", sandbox=sandbox)
    assert result.status == "failed"
    assert [r.getMessage() for r in caplog.records] == [
        "graded fx-grader (hidden): failed 2/3 in 1235 ms"]


def test_code_over_the_limit_is_refused_without_running():
    sandbox = StandIn(outcome(full_run(RIGHT["hidden"])))
    assert MAX_CODE_CHARS == 65536
    result = grade(TASK, "x" * (MAX_CODE_CHARS + 1), sandbox=sandbox)
    message = "the code is over 65536 characters"
    assert result == GradeResult("fx-grader", "hidden", "error", 0, 3, 0.0, 0, 0.0,
                                 [Verdict(n, "error", message) for n in names("hidden")], [])
    assert sandbox.calls == []
    sample = grade(TASK, "é" * (MAX_CODE_CHARS + 1), which="sample", sandbox=sandbox)
    assert sample.which == "sample" and sample.total == 2 and sandbox.calls == []


def test_code_at_the_limit_runs():
    sandbox = StandIn(outcome(full_run(RIGHT["hidden"])))
    code = "#" * MAX_CODE_CHARS
    assert grade(TASK, code, sandbox=sandbox).status == "passed"
    assert sandbox.calls[0]["files"]["submission.py"] == code.encode()


def test_an_unavailable_sandbox_is_a_sandbox_error(caplog):
    sandbox = StandIn(SandboxUnavailable("production mode refuses to grade without: seccomp"))
    with caplog.at_level(logging.INFO, logger=LOGGER):
        result = grade(TASK, "code", which="sample", sandbox=sandbox)
    message = "production mode refuses to grade without: seccomp"
    assert result == GradeResult("fx-grader", "sample", "sandbox error", 0, 2, 0.0, 0, 0.0,
                                 [Verdict(n, "sandbox error", message)
                                  for n in names("sample")], [])
    assert len(sandbox.calls) == 1
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (LOGGER, logging.ERROR, "grading fx-grader refused: " + message)]


def test_other_sandbox_failures_are_not_swallowed():
    with pytest.raises(OSError, match="disk full"):
        grade(TASK, "code", sandbox=StandIn(OSError("disk full")))


def test_the_default_sandbox_is_made_once():
    grader.default_sandbox.cache_clear()
    try:
        first = grader.default_sandbox()
        assert isinstance(first, Sandbox) and grader.default_sandbox() is first
    finally:
        grader.default_sandbox.cache_clear()


def test_the_support_files_are_read_once():
    grader._support_files.cache_clear()
    files = grader._support_files()
    assert grader._support_files() is files
    assert set(files) == {"_harness.py", "_codec.py"}
    assert asdict(Verdict("a", "passed")) == {"name": "a", "status": "passed", "message": "",
                                              "time_ms": None, "stdout": "", "stderr": ""}
