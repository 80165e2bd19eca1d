"""Grade a coding submission on an item's sample or hidden tests, in the sandbox.

The verdict cannot be forged from inside: only the cases' inputs enter the sandbox; the harness
reports what the function returned as JSON on fd 3 (never stdout); the grader decodes those
values without unpickling, checks the records' order, and compares with the expected values
here.  Missing, duplicate or malformed records are errors, never passes.  Hidden-test results
carry names and statuses only: no inputs, expected values, exception messages, output or per-test
times.  Their messages are fixed texts: an exception's type is named only when it is a Python
builtin's, and no exit code, signal or malformed value's reason is given; so are the `stopped`
entries whose detail the submission chooses (the detail goes to the log).
"""
from __future__ import annotations

import builtins
import functools
import json
import logging
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from assessment.content import codec
from assessment.content.coding import MAX_CODE_CHARS, CodingTask
from assessment.grading.compare import compare
from assessment.grading.sandbox import RunOutcome, Sandbox, SandboxUnavailable

log = logging.getLogger(__name__)

SHOWN_OUTPUT = 4096  # bytes of stdout/stderr kept per test and per run (sample runs only)
_HERE = Path(__file__).resolve().parent


class GradeStatus(StrEnum):
    """A test's or a grade's status. SIMULATED marks grades made up by synthetic candidates
    (services/synthetic_candidates.py), never by the sandbox."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIME_LIMIT = "time limit"
    MEMORY_LIMIT = "memory limit"
    OUTPUT_LIMIT = "output limit"
    SANDBOX_ERROR = "sandbox error"
    SIMULATED = "simulated"


STATUSES = tuple(GradeStatus)
LIMIT_STATUS = {"time": GradeStatus.TIME_LIMIT, "memory": GradeStatus.MEMORY_LIMIT,
                "output": GradeStatus.OUTPUT_LIMIT, "raised": GradeStatus.ERROR}
BUILTIN_ERRORS = frozenset(name for name, obj in vars(builtins).items()
                           if isinstance(obj, type) and issubclass(obj, BaseException))
# `stopped` texts on hidden runs for the entries whose detail the submission chooses (logged
# instead): a result-channel reason repeats a record it wrote (which can hold the hidden inputs),
# an early exit names its exit code or signal, the leftover-process count is how many processes
# it left running (0 to RLIMIT_NPROC).  The sandbox's other entries are kept: a limit's text
# (wall clock, output or result cap, CPU or file size rlimit, out of memory) holds configured
# numbers only; a submission can pick which limit it hits, one of a few fixed texts, as it picks
# its statuses.  A setup error and a failed uid sweep are the sandbox's own texts.
HIDDEN_STOPPED = {"result channel": "the records did not follow the harness protocol",
                  "early exit": "the process ended before any test ran",
                  "leftover processes": "killed processes still running after the run"}


@dataclass
class TestResult:
    name: str
    status: str                  # a GradeStatus
    message: str = ""
    time_ms: float | None = None
    stdout: str = ""
    stderr: str = ""


@dataclass
class GradeResult:
    item_id: str
    which: str                   # "sample" or "hidden"
    status: str                  # passed / failed / error / time limit / ... / sandbox error
    passed: int
    total: int
    score: float                 # share of tests passed
    category: int                # GPCM score category from the item's partial_credit
    time_ms: float
    tests: list[TestResult] = field(default_factory=list)
    stopped: list[dict] = field(default_factory=list)  # [{"what", "why"}] from the sandbox
    stdout: str = ""
    stderr: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@functools.lru_cache(maxsize=1)
def default_sandbox() -> Sandbox:
    """The process-wide sandbox, configured from ASSESSMENT_SANDBOX_* variables."""
    return Sandbox()


@functools.lru_cache(maxsize=1)
def _support_files() -> dict[str, bytes]:
    return {"_harness.py": (_HERE / "_harness.py").read_bytes(),
            "_codec.py": Path(codec.__file__).read_bytes()}


def category_for(score: float, thresholds: tuple[float, ...]) -> int:
    """GPCM category: how many partial-credit thresholds the share passed reaches."""
    return sum(score >= t - 1e-9 for t in thresholds)


def grade(task: CodingTask, code: str, *, which: str = "hidden", slot: int | None = None,
          sandbox: Sandbox | None = None) -> GradeResult:
    """Run ``code`` on the task's tests in the sandbox and judge it.  Blocking; safe to call
    from any thread or from a queue job (RQ)."""
    cases = task.cases(which)
    sandbox = sandbox or default_sandbox()
    names = [c.name for c in cases]
    if len(code) > MAX_CODE_CHARS:
        return _uniform(task, which, names, "error", f"the code is over {MAX_CODE_CHARS} characters")
    limits = task.limits
    spec = {"function": task.function, "time_s": limits.time_s,
            "import_s": sandbox.config.startup_s, "output_cap": limits.output_kb * 1024,
            "cases": [{"args": codec.encode(c.args), "kwargs": codec.encode(c.kwargs)}
                      for c in cases]}
    files = {**_support_files(), "submission.py": code.encode("utf-8", "replace"),
             "task.json": json.dumps(spec).encode()}
    wall_s = sandbox.config.startup_s + len(cases) * (limits.time_s + 0.05) + 1.0
    try:
        outcome = sandbox.run(files, ["_harness.py"], limits=limits, wall_s=wall_s, slot=slot)
    except SandboxUnavailable as exc:
        log.error("grading %s refused: %s", task.item_id, exc)
        return _uniform(task, which, names, "sandbox error", str(exc))
    result = _judge(task, which, cases, outcome)
    log.info("graded %s (%s): %s %d/%d in %.0f ms", task.item_id, which, result.status,
             result.passed, result.total, result.time_ms)
    return result


def _uniform(task, which, names, status, message, outcome: RunOutcome | None = None,
             stopped=()) -> GradeResult:
    tests = [TestResult(n, "sandbox error" if status == "sandbox error" else "error", message)
             for n in names]
    return GradeResult(task.item_id, which, status, 0, len(names), 0.0, 0,
                       outcome.wall_ms if outcome else 0.0, tests, list(stopped))


def _text(data: bytes | str, limit: int = SHOWN_OUTPUT) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    text = data[:limit].decode("utf-8", "replace")
    return text + (f"\n... [{len(data) - limit} more bytes cut]" if len(data) > limit else "")


def _builtin_error(error: str) -> str:
    """The type name cut from "<Type>: <text>" if it is a builtin exception's, else ""."""
    # A submission can name its own exception class anything (e.g. after the hidden inputs).
    name = error.split(":")[0]
    return name if name in BUILTIN_ERRORS else ""


def _stopped(item_id: str, hidden: bool, what: str, why: str) -> dict:
    """A `stopped` entry; on hidden runs a fixed text for a detail the submission chooses."""
    if hidden and what in HIDDEN_STOPPED:
        log.warning("grading %s (hidden): %s: %.500s", item_id, what, why)
        why = HIDDEN_STOPPED[what]
    return {"what": what, "why": why}


class _Tampered(ValueError):
    """The result channel does not follow the harness protocol."""


def _records(outcome: RunOutcome, n: int) -> tuple[dict | None, dict[int, dict], set, bool]:
    """Parse and check fd-3 records: (import record, case records, started, done)."""
    lines = outcome.results.split(b"\n")
    if lines[-1] and outcome.limit:
        lines = lines[:-1]  # a record cut short by the kill
    elif lines[-1]:
        raise _Tampered("the last record is incomplete")
    else:
        lines = lines[:-1]
    imported, cases, started, done, expect = None, {}, set(), False, "ready"
    for line in lines:
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            raise _Tampered("a record is not JSON") from None
        kind = rec.get("k") if isinstance(rec, dict) else None
        i = rec.get("i") if isinstance(rec, dict) else None
        if kind == "ready" and expect == "ready" and rec.get("n") == n:
            expect = 0
        elif kind == "import" and expect == 0 and rec.get("status") in LIMIT_STATUS:
            imported, expect = rec, "nothing"
        elif kind == "start" and isinstance(expect, int) and i == expect and i < n \
                and not isinstance(i, bool):
            started.add(i)
            expect = ("case", i)
        elif kind == "case" and expect == ("case", i) and (
                rec.get("status") == "returned" and "value" in rec
                or rec.get("status") in LIMIT_STATUS):
            cases[i], expect = rec, i + 1
        elif kind == "done" and expect == n:
            done, expect = True, "nothing"
        else:
            raise _Tampered(f"unexpected record {kind!r} (expected {expect!r})")
    return imported, cases, started, done


def _judge(task: CodingTask, which: str, cases, outcome: RunOutcome) -> GradeResult:
    hidden, names = which == "hidden", [c.name for c in cases]
    stopped = [_stopped(task.item_id, hidden, s["what"], s["why"]) for s in outcome.stopped]
    if outcome.setup_error:
        stopped.append({"what": "sandbox", "why": outcome.setup_error})
        log.error("sandbox setup failed: %s", outcome.setup_error)
        return _uniform(task, which, names, "sandbox error", "the sandbox could not start",
                        outcome, stopped)
    try:
        imported, records, started, done = _records(outcome, len(cases))
    except _Tampered as exc:
        stopped.append(_stopped(task.item_id, hidden, "result channel", str(exc)))
        return _uniform(task, which, names, "error",
                        "the results were malformed (the submission wrote to the result "
                        "channel or broke the harness)", outcome, stopped)
    how = (f"signal {outcome.signal}" if outcome.signal
           else f"exit code {outcome.exit_code}")
    ended = "" if hidden else f" ({how})"  # the submission picks its exit code or signal
    stderr_text = outcome.stderr.decode("utf-8", "replace")
    crash_status = outcome.limit or ("memory limit" if "MemoryError" in stderr_text
                                     else "error")
    tests = []
    for i, case in enumerate(cases):
        rec = records.get(i)
        if rec is not None:
            tests.append(_judge_case(case, rec, hidden))
        elif imported is not None:
            status = LIMIT_STATUS[imported["status"]]
            error = str(imported.get("error", ""))
            if hidden:
                name = _builtin_error(error)
                msg = "the code could not be loaded" + (f": {name}" if name else "")
            else:
                msg = f"the code could not be loaded: {error}"
            tests.append(TestResult(case.name, status, msg))
        elif i in started:
            msg = (outcome.stopped[0]["why"] if outcome.limit
                   else f"the process ended during this test{ended}")
            tests.append(TestResult(case.name, crash_status, msg))
        else:
            reason = f"stopped by the {outcome.limit}" if outcome.limit else f"ended{ended}"
            tests.append(TestResult(case.name, "error", f"not run: the run {reason} earlier"))
    if not done and imported is None and not started and not outcome.limit:
        stopped.append(_stopped(task.item_id, hidden, "early exit",
                                f"the process ended before any test ran ({how})"))
    passed = sum(t.status == "passed" for t in tests)
    score = passed / len(tests) if tests else 0.0
    statuses = {t.status for t in tests}
    status = "passed" if passed == len(tests) else next(
        (s for s in ("time limit", "memory limit", "output limit", "error") if s in statuses),
        "failed")
    return GradeResult(task.item_id, which, status, passed, len(tests), round(score, 6),
                       category_for(score, task.partial_credit), outcome.wall_ms, tests,
                       stopped, "" if hidden else _text(outcome.stdout),
                       "" if hidden else _text(outcome.stderr))


def _judge_case(case, rec: dict, hidden: bool) -> TestResult:
    # the time comes from the record, which the submission can write: sample tests only
    time_ms = rec.get("time_ms")
    time_ms = time_ms if isinstance(time_ms, (int, float)) and not hidden else None
    out = "" if hidden else _text(str(rec.get("stdout", "")))
    err = "" if hidden else _text(str(rec.get("stderr", "")))
    if rec["status"] != "returned":
        error = str(rec.get("error", ""))
        status = LIMIT_STATUS[rec["status"]]
        if status == "error":
            msg = f"raised {_builtin_error(error) or 'an exception'}" if hidden else error
        else:
            msg = {"time limit": "ran past the time limit",
                   "memory limit": "ran out of memory (MemoryError)",
                   "output limit": "wrote a file over the file size limit"
                   if "File too large" in error else "printed more than the output limit"}[status]
        return TestResult(case.name, status, msg, time_ms, out, err)
    try:
        got = codec.decode(rec["value"])
    except (codec.CodecError, RecursionError) as exc:
        # the reason can be submission-made (it may patch _codec in its process): sample only
        msg = "the returned value is malformed" + ("" if hidden else f": {exc}")
        return TestResult(case.name, "error", msg, time_ms, out, err)
    reason = compare(got, case.expected, case.tol, case.unordered)
    if reason is None:
        return TestResult(case.name, "passed", "", time_ms, out, err)
    return TestResult(case.name, "failed", "wrong answer" if hidden else reason, time_ms,
                      out, err)
