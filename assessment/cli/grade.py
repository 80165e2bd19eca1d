"""`assessment grade` and `assessment sandbox setup|check`: grade files and manage the sandbox.

Heavy modules (numpy, pandas, the grader) are imported inside the commands so that
`assessment --help` stays fast.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _print_json(data) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


@click.command()
@click.option("--item", "item", required=True, metavar="SECTION/ITEM",
              help="The coding item, e.g. deep-learning/dl-softmax-01.")
@click.option("--code", "code_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The Python file to grade.")
@click.option("--sample", is_flag=True, help="Run the sample tests instead of the hidden ones.")
@click.option("--sections-dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Bank folder [default: the configured SECTIONS_DIR].")
@click.option("--slot", type=int, default=None, help="Grading slot (default: any free one).")
def grade(item: str, code_file: Path, sample: bool, sections_dir: Path | None, slot: int | None) -> None:
    """Grade FILE against an item's hidden tests in the sandbox and print JSON.

    Exit status: 0 passed, 1 not passed, 2 the item or the sandbox is unusable."""
    from assessment.cli.app_commands import _bank_dir
    from assessment.content.coding import TaskError, load_coding_task
    from assessment.grading.grader import grade as grade_code
    from assessment.grading.sandbox import Sandbox

    section, _, item_id = item.partition("/")
    if not section or not item_id or "/" in item_id:
        raise click.BadParameter("expected SECTION/ITEM", param_hint="--item")
    from assessment.content.loader import item_folder

    item_dir = item_folder(_bank_dir(sections_dir), section, item_id)
    if not item_dir.is_dir():
        raise click.BadParameter(f"no coding item folder at {item_dir}", param_hint="--item")
    try:
        task = load_coding_task(item_dir)
    except TaskError as exc:
        _print_json({"status": "invalid item", "problems": [p.__dict__ for p in exc.problems]})
        sys.exit(2)
    result = grade_code(task, code_file.read_text(encoding="utf-8", errors="replace"),
                        which="sample" if sample else "hidden", slot=slot,
                        sandbox=Sandbox(_sandbox_config()))
    out = {"item": item, "which": result.which, "status": result.status,
           "passed": result.passed, "total": result.total, "score": result.score,
           "category": result.category, "time_ms": result.time_ms,
           "tests": [{"name": t.name, "status": t.status, "message": t.message,
                      "time_ms": t.time_ms, **({"stdout": t.stdout, "stderr": t.stderr}
                                               if sample else {})}
                     for t in result.tests],
           "stopped": result.stopped}
    if sample:
        out.update(stdout=result.stdout, stderr=result.stderr)
    _print_json(out)
    sys.exit(0 if result.status == "passed" else 2 if result.status == "sandbox error" else 1)


def _sandbox_config(production: bool | None = None):
    """The sandbox settings of the configured app; these tools enforce the production layers
    only when asked (--production or SANDBOX_PRODUCTION)."""
    import dataclasses

    from assessment.cli.app_commands import _app
    from assessment.config import sandbox_config

    app = _app(signs=False)
    config = sandbox_config(app)
    wanted = app.config["SANDBOX_PRODUCTION"] if production is None else production
    return dataclasses.replace(config, production=bool(wanted))


@click.group()
def sandbox() -> None:
    """Set up and check the sandbox that runs candidates' code."""


@sandbox.command()
@click.option("--runtime", "runtime_dir", type=click.Path(path_type=Path), default=None,
              help="Where to create the runtime venv [default: $ASSESSMENT_SANDBOX_RUNTIME "
                   "or /var/lib/assessment/sandbox-python].")
@click.option("--python", "python", default="/usr/bin/python3", show_default=True,
              help="The system interpreter the runtime is built from (readable by all).")
def setup(runtime_dir: Path | None, python: str) -> None:
    """Create the world-readable runtime venv (numpy, pandas) that sandboxed runs use."""
    from assessment.grading.runtime import RuntimeSetupError, setup_runtime

    path = runtime_dir or _sandbox_config().runtime_dir
    try:
        info = setup_runtime(path, python=python)
    except (RuntimeSetupError, OSError) as exc:
        raise click.ClickException(f"cannot set up the sandbox runtime at {path}: {exc}") from None
    _print_json({"runtime": str(path), **info})


@sandbox.command()
@click.option("--runtime", "runtime_dir", type=click.Path(path_type=Path), default=None)
@click.option("--production", is_flag=True, help="Exit 1 unless every layer production "
                                                 "requires is available.")
def check(runtime_dir: Path | None, production: bool) -> None:
    """Clear what a killed grader left in the slots, print which layers this machine offers
    and try one sandboxed run."""
    import dataclasses

    from assessment.grading.pool import sweep_leftovers
    from assessment.grading.runtime import check_sandbox
    from assessment.grading.sandbox import Sandbox

    config = _sandbox_config(production or None)
    if runtime_dir:
        config = dataclasses.replace(config, runtime_dir=runtime_dir)
    leftovers = sweep_leftovers(Sandbox(config))
    report = {**check_sandbox(config), "leftovers": leftovers}
    _print_json(report)
    if not report["trial_run"].get("ok") or (config.production
                                             and report["missing_for_production"]):
        sys.exit(1)
