"""The `assessment` command line: one click group, one module per family of commands."""
import logging

import click


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log at INFO level.")
def main(verbose: bool) -> None:
    """Skills-assessment engine: tests, IRT scoring, grading and reports."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    # Subcommand modules are imported lazily here so `assessment --help` stays fast
    # and a family's heavy imports (scipy, weasyprint) load only when it runs.
    from assessment.cli import app_commands, grade, irt  # noqa: F401

    main.add_command(irt.irt)
    main.add_command(grade.grade)
    main.add_command(grade.sandbox)
    for command in app_commands.COMMANDS:
        main.add_command(command)


_register()
