"""The `assessment` command line: one click group, one module per family of commands."""
import logging
import os

# One BLAS thread per process: the web workers and grading slots already use every core, and
# two BLAS threads on two cores made the same calibration 4x slower in benchmarks.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log at INFO level.")
def main(verbose: bool) -> None:
    """Skills-assessment engine: tests, IRT scoring, grading and reports."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    # Subcommand modules are imported lazily here so `assessment --help` stays fast
    # and a family's heavy imports (scipy, weasyprint) load only when it runs.
    from assessment.cli import app_commands, company, grade, irt  # noqa: F401

    main.add_command(irt.irt)
    main.add_command(grade.grade)
    main.add_command(grade.sandbox)
    main.add_command(company.company)
    for command in app_commands.COMMANDS:
        main.add_command(command)
    from assessment.cli import ops_commands, report

    main.add_command(report.report)

    for command in ops_commands.COMMANDS:
        main.add_command(command)


_register()
