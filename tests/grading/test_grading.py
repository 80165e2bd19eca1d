"""Functional grading: verdicts, partial credit, limits, numpy/pandas inside, pool, CLI."""
from __future__ import annotations

import dataclasses
import json
import logging

import pytest
from click.testing import CliRunner

import sandbox_layers
from assessment.content.coding import load_coding_task
from assessment.grading import grader
from assessment.grading.grader import category_for
from assessment.grading.pool import GradingPool
from assessment.grading.sandbox import Layers, Sandbox, SandboxConfig, detect_layers
from grading_support import FIXTURES, SOFTMAX

FRAME = FIXTURES / "sections" / "fixtures" / "items" / "fx-frame"


@pytest.mark.parametrize("item", [SOFTMAX, FRAME])
def test_reference_solution_passes_and_wrong_one_fails(run, item):
    task = load_coding_task(item)
    good = run(task, (item / "solution.py").read_text(), which="hidden")
    assert (good.status, good.passed, good.total, good.score) == ("passed", 6, 6, 1.0)
    assert good.category == len(task.partial_credit)
    bad = run(task, (item / "wrong.py").read_text(), which="hidden")
    assert bad.status == "failed" and 0 < bad.passed < bad.total
    starter = run(task, (item / "starter.py").read_text(), which="hidden")
    assert starter.passed == 0 and starter.category == 0


def test_partial_credit_categories(run):
    task = load_coding_task(FRAME)  # thresholds 0.25 / 0.5 / 0.75 / 1.0
    result = run(task, (FRAME / "wrong.py").read_text(), which="hidden")
    assert (result.passed, result.category) == (2, 1)
    assert [category_for(s, (0.5, 1.0)) for s in (0, 0.49, 0.5, 0.99, 1.0)] == [0, 0, 1, 1, 2]


def test_sample_run_shows_messages_and_output(run, softmax_task):
    result = run(softmax_task, """
        import numpy as np
        print("loading")
        def softmax(z):
            print("called with", len(z))
            return np.ones(len(z))
        """)
    assert result.which == "sample" and result.status == "failed"
    assert result.stdout.strip() == "loading"
    assert result.tests[0].stdout.strip() == "called with 4"
    assert "values differ" in result.tests[0].message


def test_numpy_and_pandas_are_importable_inside(run, softmax_task):
    result = run(softmax_task, """
        import numpy as np, pandas as pd, math, collections, itertools, functools, heapq, re
        def softmax(z):
            s = pd.Series(np.exp(z - np.max(z)))
            return (s / s.sum()).to_numpy()
        """, which="hidden")
    assert result.status == "passed"


def test_errors_at_load_time_are_reported(run, softmax_task):
    syntax = run(softmax_task, "def softmax(z) return z\n")
    assert syntax.status == "error" and "SyntaxError" in syntax.tests[0].message
    missing = run(softmax_task, "def soft_max(z):\n    return z\n")
    assert missing.status == "error" and "does not define softmax()" in missing.tests[0].message


def test_each_limit_has_its_own_status(make_item, run):
    cases = 'CASES = [{"name": "a", "args": [1], "expected": 2}]\n'
    task = make_item(sample=cases, limits={"time_s": 0.5, "memory_mb": 200, "output_kb": 4})
    bodies = {"time limit": "while True: pass", "memory limit": "return bytearray(10 ** 9)",
              "output limit": "print('z' * 10000)", "error": "return 1 / 0",
              "failed": "return x", "passed": "return x + 1"}
    for status, body in bodies.items():
        result = run(task, f"def f(x):\n    {body}\n")
        assert result.status == status, (status, result)


def test_grade_uses_the_process_sandbox_by_default(monkeypatch, sandbox, softmax_task):
    monkeypatch.setattr(grader, "default_sandbox", lambda: sandbox)
    result = grader.grade(softmax_task, (SOFTMAX / "solution.py").read_text())
    assert result.status == "passed"
    assert json.loads(json.dumps(result.to_dict()))["tests"][0]["status"] == "passed"


def test_pool_grades_concurrently_in_separate_slots(sandbox, softmax_task):
    good, bad = (SOFTMAX / "solution.py").read_text(), (SOFTMAX / "wrong.py").read_text()
    with GradingPool(slots=2, sandbox=sandbox) as pool:
        futures = [pool.submit(softmax_task, code, "hidden") for code in [good, bad] * 3]
        statuses = [f.result(timeout=60).status for f in futures]
    assert statuses == ["passed", "failed"] * 3


def test_production_mode_refuses_without_the_layers(sandbox, softmax_task, caplog):
    config = dataclasses.replace(sandbox.config, production=True)
    strict = Sandbox(config)
    strict.layers = Layers(root=False, landlock_abi=3, seccomp=False, python="/usr/bin/python3",
                           runtime=False)
    with caplog.at_level(logging.ERROR):
        result = grader.grade(softmax_task, "def softmax(z):\n    return z\n", sandbox=strict)
    assert result.status == "sandbox error"
    assert "production mode refuses" in result.tests[0].message
    assert "Landlock ABI >= 6" in result.tests[0].message


def test_layers_are_logged_at_start_up(sandbox, caplog):
    config = dataclasses.replace(sandbox.config, startup_s=4.5)  # a new config logs again
    with caplog.at_level(logging.INFO, logger="assessment.grading.sandbox"):
        Sandbox(config)
    assert "sandbox layers:" in caplog.text


@pytest.fixture
def cli(monkeypatch, sandbox):
    monkeypatch.setenv("ASSESSMENT_SANDBOX_BASE_UID", str(sandbox.config.base_uid))
    monkeypatch.setenv("ASSESSMENT_SANDBOX_WORK", str(sandbox.config.work_root))
    monkeypatch.setenv("ASSESSMENT_SANDBOX_SLOTS", str(sandbox.config.slots))
    grader.default_sandbox.cache_clear()
    from assessment.cli import main

    yield lambda *args: CliRunner().invoke(main, list(args))
    grader.default_sandbox.cache_clear()


def test_cli_grades_a_file(cli):
    sections = str(FIXTURES / "sections")
    result = cli("grade", "--item", "fixtures/fx-softmax", "--code",
                 str(SOFTMAX / "wrong.py"), "--sections-dir", sections)
    assert result.exit_code == 1, result.output
    out = json.loads(result.output)
    assert (out["status"], out["passed"], out["total"]) == ("failed", 4, 6)
    assert set(out) >= {"status", "passed", "total", "score", "time_ms", "tests", "stopped"}
    assert out["tests"][4] == {"name": "large values are stable", "status": "failed",
                               "message": "wrong answer", "time_ms": out["tests"][4]["time_ms"]}
    sample = cli("grade", "--item", "fixtures/fx-softmax", "--code",
                 str(SOFTMAX / "solution.py"), "--sections-dir", sections, "--sample")
    assert sample.exit_code == 0 and json.loads(sample.output)["which"] == "sample"
    missing = cli("grade", "--item", "fixtures/nope", "--code", str(SOFTMAX / "wrong.py"),
                  "--sections-dir", sections)
    assert missing.exit_code == 2 and "no coding item folder" in missing.output


def test_cli_sandbox_check(cli):
    result = cli("sandbox", "check")
    report = json.loads(result.output)
    assert report["trial_run"]["ok"], report
    assert "'reads_etc_shadow': False" in report["trial_run"]["stdout"]
    assert report["layers"]["rlimits"] is True


@sandbox_layers.needs("uid switching", "rlimits", "landlock", "seccomp", "runtime")
def test_every_sandbox_layer_is_active_where_required():
    """CI and scripts/test.sh (root): the production layer set is complete, or this fails
    naming what is missing (also printed in the run's header and summary)."""
    layers = detect_layers(SandboxConfig())
    assert layers.missing_for_production() == []
    assert layers.describe()["network"] and layers.describe()["scoping"]
