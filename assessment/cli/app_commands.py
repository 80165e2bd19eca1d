"""Commands that work on the application and its database: db, sections, demo, serve, sweep."""
import logging
import secrets
import socket
import sys
from pathlib import Path

import click

log = logging.getLogger(__name__)


def _app(**overrides):
    from assessment import create_app

    return create_app(overrides or None)


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


# --- db --------------------------------------------------------------------------------------

@click.group()
def db() -> None:
    """Schema migrations (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or update the schema to the latest migration."""
    from assessment import migrate

    app = _app()
    migrate.upgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"database at {_redact(app.config['DATABASE_URL'])} is at {revision}")


@db.command("downgrade")
@click.option("--revision", default="-1", show_default=True)
def db_downgrade(revision: str) -> None:
    """Step the schema back (default: one migration)."""
    from assessment import migrate

    app = _app()
    migrate.downgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"database downgraded to {revision}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- sections --------------------------------------------------------------------------------

@click.group()
def sections() -> None:
    """The item bank in sections/: validate, load into the database, statistics."""


def _bank_dir(path: str | None) -> Path:
    from assessment.config import Defaults

    return Path(path or Defaults.SECTIONS_DIR)


@sections.command("validate")
@click.option("--dir", "bank_dir", type=click.Path(file_okay=False), help="Bank folder (default: sections/).")
def sections_validate(bank_dir: str | None) -> None:
    """Check every file of the bank; print every problem with file, line and field."""
    from assessment.content import validate_bank

    problems = validate_bank(_bank_dir(bank_dir))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        _fail(f"{len(problems)} problem(s) found")
    from assessment.content import load_bank

    bank = load_bank(_bank_dir(bank_dir))
    click.echo(f"ok: {len(bank.sections)} sections, {len(bank.items)} items, {len(bank.roles)} roles")


@sections.command("load")
@click.option("--dir", "bank_dir", type=click.Path(file_okay=False), help="Bank folder (default: sections/).")
def sections_load(bank_dir: str | None) -> None:
    """Validate, then upsert sections and item versions into the database (idempotent)."""
    from assessment.content import BankError, load_bank
    from assessment.services.bank import VersionConflict, sync_bank

    try:
        bank = load_bank(_bank_dir(bank_dir))
    except BankError as exc:
        _fail(str(exc))
    app = _app()
    with app.app_context():
        from assessment.db import get_session

        try:
            report = sync_bank(bank, session=get_session())
        except VersionConflict as exc:
            _fail(f"nothing was loaded:\n{exc}")
    click.echo(report.summary())


@sections.command("stats")
@click.option("--dir", "bank_dir", type=click.Path(file_okay=False), help="Bank folder (default: sections/).")
def sections_stats(bank_dir: str | None) -> None:
    """Items per section, per skill, per band and per type."""
    from assessment.content import BankError, load_bank
    from assessment.content.stats import bank_tables

    try:
        bank = load_bank(_bank_dir(bank_dir))
    except BankError as exc:
        _fail(str(exc))
    for title, table in bank_tables(bank):
        click.echo(f"\n{title}\n{table.to_string()}")


@sections.command("review-export")
@click.argument("section_id")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Markdown sheet to write.")
@click.option("--dir", "bank_dir", type=click.Path(file_okay=False), help="Bank folder (default: sections/).")
def sections_review_export(section_id: str, out: str, bank_dir: str | None) -> None:
    """Write a blind review sheet: stems and options, no keys, explanations or misconceptions."""
    from assessment.content import load_bank
    from assessment.content.review import blind_sheet

    bank = load_bank(_bank_dir(bank_dir))
    if section_id not in bank.sections:
        _fail(f"unknown section {section_id!r}; sections: {', '.join(bank.sections)}")
    Path(out).write_text(blind_sheet(bank, section_id), encoding="utf-8")
    click.echo(f"wrote {out}")


@sections.command("review-compare")
@click.argument("section_id")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False))
@click.option("--dir", "bank_dir", type=click.Path(file_okay=False), help="Bank folder (default: sections/).")
def sections_review_compare(section_id: str, answers: str, bank_dir: str | None) -> None:
    """Compare a blind reviewer's answers (CSV item,answer,...) with the stored keys."""
    from assessment.content import load_bank
    from assessment.content.review import compare_answers

    bank = load_bank(_bank_dir(bank_dir))
    try:
        checked, disagreements, missing = compare_answers(bank, section_id, Path(answers))
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"{checked} items answered, {len(disagreements)} disagreement(s), {len(missing)} not answered")
    for d in disagreements:
        click.echo(f"  {d.item}: reviewer {d.reviewer!r}, key {d.key!r}  {d.comment}")
    for item in missing:
        click.echo(f"  {item}: not answered")


# --- running ---------------------------------------------------------------------------------

def _free_port(host: str, preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind((host, preferred))
            return preferred
        except OSError:
            probe.bind((host, 0))
            return probe.getsockname()[1]


def _serve(app, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from assessment import workers

    workers.start_background(app)
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set everything up and print the links, but do not start the server.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Everything for a first look: database, bank, a demo assessment with links, the server."""
    from assessment import migrate
    from assessment.content import BankError, load_bank
    from assessment.services import demo as demo_service
    from assessment.services.bank import sync_bank

    instance = Path(__file__).resolve().parents[2] / "instance"
    instance.mkdir(exist_ok=True)
    secret_file = instance / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_hex(32))
        secret_file.chmod(0o600)
    # Plain http on the loopback: a Secure cookie would never come back from the browser.
    app = _app(SECRET_KEY=secret_file.read_text().strip(), SESSION_COOKIE_SECURE=False)
    migrate.upgrade(app.config["DATABASE_URL"])
    try:
        bank = load_bank(Path(app.config["SECTIONS_DIR"]))
    except BankError as exc:
        _fail(str(exc))
    port = _free_port(host, port)
    base = f"http://{host}:{port}"
    with app.app_context():
        from assessment.db import get_session

        report = sync_bank(bank, session=get_session())
        links = demo_service.ensure_demo(session=get_session(), bank=bank)
    click.echo(f"Database: {_redact(app.config['DATABASE_URL'])}")
    click.echo(f"Item bank: {report.summary()}")
    click.echo("\nOpen one of these in your browser:")
    for label, path in links:
        click.echo(f"  {label}:\n    {base}{path}")
    if no_serve:
        return
    click.echo(f"\nServing on {base}  (Ctrl+C to stop)")
    _serve(app, host, port)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the app with the embedded server and in-process workers (for scale-out use gunicorn)."""
    _serve(_app(), host, port)


@click.command()
def sweep() -> None:
    """Close every section whose time is up (the server does this itself every 30 s too)."""
    app = _app()
    with app.app_context():
        from assessment.db import get_session
        from assessment.services.delivery import sweep_expired

        closed = sweep_expired(session=get_session(), grace_seconds=app.config["ANSWER_GRACE_SECONDS"])
    click.echo(f"closed {closed} section(s)")


COMMANDS = [db, sections, demo, serve, sweep]
