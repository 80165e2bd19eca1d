"""Hand-built sandbox runs for the grader tests (test_grader*_mutants.py): the fd-3 result
records a run writes (ready, start, returned, done), a ``RunOutcome`` around them, the fixture
task with its sample and hidden cases, and a stand-in sandbox that records what it was asked to
run. A module with a unique name, importable from tests."""
from __future__ import annotations

import json

from assessment.content import codec
from assessment.content.coding import CodingTask, Limits
from assessment.grading import grader
from assessment.grading.grader import (
    GradeResult,
    _judge,
)
from assessment.grading.sandbox import RunOutcome

Verdict = grader.TestResult  # a "Test*" name at module level would be collected by pytest


SAMPLE = """CASES = [
    {"name": "one", "args": [1], "expected": 2},
    {"name": "pair", "args": [[3, 1, 2]], "kwargs": {"scale": 1.5}, "expected": [1, 2, 3],
     "unordered": True},
]
"""


HIDDEN = """CASES = [
    {"name": "h1", "args": [1], "expected": 2},
    {"name": "h2", "args": [(1, 2)], "kwargs": {"k": "v"}, "expected": 0.5, "tol": 0.01},
    {"name": "h3", "args": [], "expected": "x"},
]
"""


LIMITS = Limits(time_s=1.5, memory_mb=200, output_kb=16)


TASK = CodingTask("fx-grader", "double", (("sample", SAMPLE), ("hidden", HIDDEN)), LIMITS, (0.5, 1.0))


RIGHT = {"sample": [2, [2, 3, 1]], "hidden": [2, 0.505, "x"]}  # what a correct function returns


MALFORMED = ("the results were malformed (the submission wrote to the result channel or broke "
             "the harness)")


LOGGER = "assessment.grading.grader"


def line(**record) -> bytes:
    return (json.dumps(record, separators=(",", ":")) + "\n").encode()


def ready(n: int) -> bytes:
    return line(k="ready", n=n)


def start(i: int) -> bytes:
    return line(k="start", i=i)


def returned(i: int, value, **extra) -> bytes:
    return line(k="case", i=i, status="returned", value=codec.encode(value), **extra)


def done() -> bytes:
    return line(k="done")


def full_run(values, **extra) -> bytes:
    """The records of a run in which every case returned."""
    body = b"".join(start(i) + returned(i, v, **extra) for i, v in enumerate(values))
    return ready(len(values)) + body + done()


def outcome(results: bytes = b"", *, limit=None, signal=None, exit_code=0, stopped=None,
            setup_error=None, wall_ms=12.25, stdout=b"", stderr=b"") -> RunOutcome:
    return RunOutcome(setup_error, exit_code, signal, list(stopped or []), limit, wall_ms, 3.0,
                      stdout, stderr, results)


def judge(results: bytes, which="sample", **kw) -> GradeResult:
    return _judge(TASK, which, TASK.cases(which), outcome(results, **kw))


def names(which):
    return [c.name for c in TASK.cases(which)]


class StandIn:
    """A stand-in sandbox: records each run's arguments, returns a prepared outcome (or raises)."""

    class config:  # noqa: N801 - the attribute the grader reads
        startup_s = 7.0

    def __init__(self, result):
        self.result, self.calls = result, []

    def run(self, files, argv, *, limits, wall_s, slot=None):
        self.calls.append({"files": files, "argv": argv, "limits": limits, "wall_s": wall_s,
                           "slot": slot})
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result
