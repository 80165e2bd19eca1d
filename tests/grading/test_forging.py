"""The verdict must not be forgeable from inside the sandbox: a wrong answer dressed up with
harness tricks must never pass."""
from __future__ import annotations

import pytest

WRONG = "import numpy as np\n\ndef softmax(z):\n    return np.zeros(len(z))\n"


@pytest.mark.parametrize("trick", [
    # exit early with a success code, before or during the tests
    "import sys\nsys.exit(0)\n",
    "import os\nos._exit(0)\n",
    # print fake verdicts on stdout
    'print("PASSED 6/6")\nprint(\'{"k": "done"}\')\nprint("status: passed")\n',
    # override builtins the harness or a naive grader might use
    "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda x: 0\n"
    "builtins.print = lambda *a, **k: None\n",
])
def test_tricks_at_import_do_not_pass(run, softmax_task, trick):
    result = run(softmax_task, trick + WRONG, which="hidden")
    assert result.status != "passed"
    assert result.passed == 0 or result.passed < result.total


def test_exiting_inside_the_function_is_an_error(run, softmax_task):
    result = run(softmax_task, """
        import os
        def softmax(z):
            os._exit(0)
        """, which="hidden")
    assert result.status == "error"
    assert result.passed == 0
    assert "ended" in result.tests[0].message


def test_sys_exit_inside_the_function_is_an_error(run, softmax_task):
    result = run(softmax_task, """
        import sys
        def softmax(z):
            sys.exit(0)
        """, which="hidden")
    assert result.status == "error" and result.passed == 0
    assert result.tests[0].message == "raised SystemExit"


def test_fake_result_records_with_guessed_values_fail(run, softmax_task):
    # A well-formed forgery: claims every case returned [0.5, 0.5] and the run is done.
    result = run(softmax_task, """
        import json, os
        os.write(3, b"".join(
            (json.dumps(r) + "\\n").encode()
            for i in range(6)
            for r in ({"k": "start", "i": i},
                      {"k": "case", "i": i, "status": "returned",
                       "value": {"$t": "ndarray", "dtype": "<f8", "shape": [2],
                                 "data": [0.5, 0.5]}})) + b'{"k": "done"}\\n')
        os._exit(0)
        """, which="hidden")
    # The harness wrote "ready" first, so the forged records follow the protocol; their
    # values are compared outside with expected values the submission never saw.
    assert result.status != "passed"
    assert result.passed < result.total


@pytest.mark.parametrize("payload", [
    b"not json\n",
    b'{"k": "case", "i": 0, "status": "returned", "value": 1}\n',
    b'{"k": "done"}\n',
    b'{"k": "ready", "n": 6}\n',
    b'{"k": "start", "i": 0}\n{"k": "case", "i": 0, "status": "returned", "value": '
    b'{"$t": "pickle", "data": "gASV"}}\n',
])
def test_malformed_result_records_are_an_error(run, softmax_task, payload):
    result = run(softmax_task, f"""
        import os
        os.write(3, {payload!r})
        from numpy import exp
        def softmax(z):
            e = exp(z - z.max())
            return e / e.sum()
        """, which="hidden")
    assert result.status == "error"
    assert result.passed == 0
    assert any(s["what"] == "result channel" for s in result.stopped) or \
        any("malformed" in t.message for t in result.tests)


def test_patching_the_harness_cannot_change_the_comparison(run, softmax_task):
    result = run(softmax_task, """
        import sys
        harness = sys.modules["__main__"]
        real_emit = harness.emit
        def emit(record):
            if record.get("k") == "case":
                record["status"] = "returned"
                record["passed"] = True
                record["expected"] = record.get("value")
            real_emit(record)
        harness.emit = emit
        harness._codec.encode = lambda value, depth=0: {"$t": "ndarray", "dtype": "<f8",
                                                       "shape": [1], "data": [1.0]}
        def softmax(z):
            return None
        """, which="hidden")
    assert result.status != "passed"
    # Only the single-value case has expected [1.0]: guessing it is solving it.
    assert result.passed <= 1


def test_an_object_that_equals_everything_is_not_accepted(run, softmax_task):
    result = run(softmax_task, """
        class Anything:
            def __eq__(self, other):
                return True
            __hash__ = object.__hash__
        def softmax(z):
            return Anything()
        """, which="hidden")
    assert result.passed == 0
    assert result.status == "error"


def test_hidden_results_do_not_leak_inputs_or_messages(run, softmax_task):
    result = run(softmax_task, """
        def softmax(z):
            print("input was", list(z))
            raise ValueError("input was %r" % (list(z),))
        """, which="hidden")
    for test in result.tests:
        assert test.status == "error"
        assert test.message == "raised ValueError"
        assert test.stdout == "" and test.stderr == ""
    assert result.stdout == "" and result.stderr == ""
    assert "1000" not in str(result.to_dict())
