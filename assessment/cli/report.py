"""`assessment report ...`: a study plan or a candidate report for one attempt, as a PDF file."""
from pathlib import Path

import click

from assessment.cli.app_commands import _app, _fail


@click.group()
def report() -> None:
    """Render reports: the candidate's study plan or the company's candidate report."""


def _render(kind: str, attempt_id: int, out: Path) -> None:
    from assessment.db import get_engine, get_session
    from assessment.services import reports

    app = _app(signs=False)
    try:
        with app.app_context():
            try:
                data = reports.report_pdf(session=get_session(), attempt_id=attempt_id, kind=kind)
            except reports.ReportError as exc:
                _fail(exc.message)
    finally:
        get_engine(app).dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    click.echo(f"wrote {out} ({len(data) // 1024} KB)")


def _command(name: str, kind: str, help_text: str) -> None:
    @report.command(name, help=help_text)
    @click.argument("attempt_id", type=click.IntRange(1))
    @click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
                  help="The PDF file to write.")
    def command(attempt_id: int, out: Path) -> None:
        _render(kind, attempt_id, out)


_command("study-plan", "study_plan", "The candidate's personalized study plan for ATTEMPT_ID.")
_command("candidate", "candidate", "The hiring company's candidate report for ATTEMPT_ID.")
