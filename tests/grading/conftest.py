"""Fixtures for the grading tests: a private sandbox config, item folders, process checks."""
from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path

import pytest

from assessment.content.coding import Limits, load_coding_task
from assessment.grading.grader import grade
from assessment.grading.sandbox import Sandbox, SandboxConfig, _rmtree, default_work_root
from grading_support import SLOTS, SOFTMAX, TEST_BASE_UID, slot_processes


@pytest.fixture(scope="session")
def work_root():
    """A 0711 root for the run dirs, removed at the end of the session."""
    root = Path(tempfile.mkdtemp(prefix="assessment-grading-tests-", dir=default_work_root()))
    os.chmod(root, 0o711)
    yield root
    _rmtree(root)


@pytest.fixture(scope="session")
def sandbox(work_root) -> Sandbox:
    config = SandboxConfig(work_root=work_root, base_uid=TEST_BASE_UID, slots=SLOTS,
                           startup_s=5.0)
    sandbox = Sandbox(config)
    trial = sandbox.run({"t.py": b"import numpy, pandas\n"}, ["t.py"],
                        limits=Limits(time_s=10, memory_mb=512), wall_s=20)
    if trial.setup_error or trial.exit_code != 0:
        pytest.fail(f"the sandbox cannot run Python with numpy and pandas here (interpreter "
                    f"{sandbox.layers.python}): {trial.setup_error or trial.stderr[-500:]!r}; "
                    "run `assessment sandbox setup` as root first", pytrace=False)
    return sandbox


@pytest.fixture(autouse=True)
def no_slot_process_survives():
    """Every test: afterwards, no process of a slot uid may be alive."""
    yield
    assert slot_processes() == [], "a process of a slot uid survived the run"


@pytest.fixture(scope="session")
def softmax_task():
    return load_coding_task(SOFTMAX)


@pytest.fixture
def make_item(tmp_path):
    """Write a coding item folder; returns its loaded task."""
    def make(function="f", sample=None, hidden=None, limits=None, partial_credit=(0.5, 1.0),
             item_id="fx-attack"):
        d = tmp_path / item_id
        d.mkdir()
        limits = limits or {"time_s": 1.5, "memory_mb": 200, "output_kb": 16}
        lim = ", ".join(f"{k}: {v}" for k, v in limits.items())
        (d / "item.yaml").write_text(textwrap.dedent(f"""\
            id: {item_id}
            version: 1
            type: code
            band: developing
            skills: [testing]
            stem: test item
            function: {function}
            limits: {{{lim}}}
            partial_credit: {list(partial_credit)}
            """))
        for name in ("starter.py", "solution.py", "wrong.py"):
            (d / name).write_text(f"def {function}(x):\n    return x\n")
        default = 'CASES = [{"name": "one", "args": [1], "expected": 2}]\n'
        (d / "sample_tests.py").write_text(sample or default)
        (d / "hidden_tests.py").write_text(hidden or default)
        return load_coding_task(d)
    return make


@pytest.fixture
def run(sandbox):
    """Grade code (dedented) with the test sandbox; sample tests unless told otherwise."""
    def go(task, code, which="sample", slot=None):
        return grade(task, textwrap.dedent(code), which=which, slot=slot, sandbox=sandbox)
    return go
