"""Commands that work on the application and its database: db, sections, demo, serve, sweep."""
import logging
import os
import secrets
import socket
import sys
from pathlib import Path

import click

log = logging.getLogger(__name__)


def _app(*, signs: bool = True, **overrides):
    """The app for a command. ``signs=False``: the command signs no session or token, so it runs
    without a secret key (a new user's `assessment db upgrade` comes before any key)."""
    from assessment import create_app

    if not signs:
        overrides["SECRET_KEY_REQUIRED"] = False
    try:
        return create_app(overrides or None)
    except RuntimeError as exc:  # configuration refused (e.g. no SECRET_KEY): say why, no traceback
        _fail(str(exc))


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

    app = _app(signs=False)
    migrate.upgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"database at {_redact(app.config['DATABASE_URL'])} is at {revision}")


@db.command("downgrade")
@click.option("--revision", default="-1", show_default=True)
def db_downgrade(revision: str) -> None:
    """Step the schema back (default: one migration)."""
    from assessment import migrate

    app = _app(signs=False)
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
    """--dir if given, else the configured SECTIONS_DIR (instance config, environment)."""
    from assessment.config import sections_dir

    return Path(path) if path else sections_dir(_app(signs=False))


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
    from assessment.content.loader import key_position_warnings

    bank = load_bank(_bank_dir(bank_dir))
    for warning in key_position_warnings(bank):
        click.echo(warning)
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
    app = _app(signs=False)
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
    """`preferred` if a server can listen there now, else any free port. The probe sets
    SO_REUSEADDR like the server does: after a crash the old connections linger in TIME_WAIT,
    and links already handed out must keep working on the same port."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, preferred))
            return preferred
        except OSError:
            probe.bind((host, 0))
            return probe.getsockname()[1]


def _serve(app, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from assessment import workers
    from assessment.security import QuietRequestHandler

    workers.start_background(app)
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False,
               request_handler=QuietRequestHandler)  # no token in its log, no versions in Server


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set everything up and print the links, but do not start the server.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Everything for a first look: database, bank, a demo assessment with links, the server."""
    from flask import Flask

    from assessment import config, migrate
    from assessment.config import SECRET_KEY_FILE
    from assessment.content import BankError, load_bank
    from assessment.services import demo as demo_service
    from assessment.services.bank import sync_bank

    instance = Path(os.environ.get("ASSESSMENT_INSTANCE_PATH")
                    or Flask("assessment", instance_relative_config=True).instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    secret_file = instance / SECRET_KEY_FILE
    if not secret_file.exists():
        secret_file.write_text(secrets.token_hex(32))
        secret_file.chmod(0o600)
    # Plain http on the loopback: a Secure cookie would never come back from the browser.
    # The demo has every sandbox layer it can get but does not refuse to grade without them.
    app = _app(SESSION_COOKIE_SECURE=False, SANDBOX_PRODUCTION=False)
    migrate.upgrade(app.config["DATABASE_URL"])
    try:
        bank = load_bank(config.sections_dir(app))
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
    from assessment.workers import sandbox_summary

    click.echo(f"\nCode grading: {sandbox_summary(app)}")
    if no_serve:
        return
    click.echo(f"\nServing on {base}  (Ctrl+C to stop)")
    _serve(app, host, port)


@click.command()
def sweep() -> None:
    """Close every section whose time is up (the server does this itself every 30 s too)."""
    app = _app(signs=False)
    with app.app_context():
        from assessment.db import get_session
        from assessment.services.delivery import sweep_expired

        closed = sweep_expired(session=get_session(), grace_seconds=app.config["ANSWER_GRACE_SECONDS"])
    click.echo(f"closed {closed} section(s)")


@click.command()
@click.option("--candidates", "n", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--assessment", "slug", default="ai-skills", show_default=True,
              help="Public slug of the assessment to take (the demo creates 'ai-skills').")
@click.option("--seed", default=None, type=int, help="Seed for reproducible candidates.")
def simulate(n: int, slug: str, seed: int | None) -> None:
    """Synthetic candidates through the real engine; prints the attempt ids."""
    import numpy as np
    from sqlmodel import select

    from assessment.models import Assessment
    from assessment.services.synthetic_candidates import simulate_candidate

    app = _app(signs=False)
    rng = np.random.default_rng(seed)
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        assessment = session.exec(select(Assessment).where(Assessment.public_slug == slug)).first()
        if assessment is None:
            _fail(f"no assessment with slug {slug!r}: run `assessment demo --no-serve` first, or pass --assessment")
        with click.progressbar(range(n), label="simulating", file=sys.stderr) as bar:
            ids = [simulate_candidate(session=session, assessment=assessment, rng=rng)[0].id for _ in bar]
    click.echo("\n".join(str(i) for i in ids))


@click.command()
@click.option("--section", "section_ids", multiple=True, help="Section id (repeatable; default: every section).")
@click.option("--min-responses", default=None, type=click.IntRange(10), help="Responses an item needs to be re-estimated.")
@click.option("--write", is_flag=True, help="Write the new parameters into the bank files (new versions). Default: dry run.")
def calibrate(section_ids: tuple, min_responses: int | None, write: bool) -> None:
    """Re-estimate item parameters from the responses in the database (MML, EM).

    Without --write this is a dry run: it prints old and new parameters, standard errors and
    fit. With --write, review the diff, then `assessment sections load`.
    """
    from assessment.content import load_bank
    from assessment.services import live_calibration

    app = _app(signs=False)
    from assessment import config

    bank = load_bank(config.sections_dir(app))
    minimum = min_responses or live_calibration.DEFAULT_MIN_RESPONSES
    import pandas as pd

    with app.app_context(), pd.option_context("display.width", 160, "display.max_columns", 20):
        from assessment.db import get_session

        for section_id in section_ids or bank.sections:
            if section_id not in bank.sections:
                _fail(f"unknown section {section_id!r}")
            try:
                report = live_calibration.calibrate_section(session=get_session(), section_id=section_id,
                                                            min_responses=minimum)
            except ValueError as exc:
                _fail(f"{section_id}: {exc}")
            click.echo(f"\n== {section_id}: {report.n_persons} candidates, {len(report.changes)} items re-estimated, "
                       f"{len(report.skipped)} kept as they are")
            if report.loglik is not None:
                click.echo(f"loglik: {report.loglik:.3f}  reliability: {report.reliability:.3f}")
                shown = [c for c in ("model", "n", "a_old", "a_new", "se_a", "b_old", "b_new", "se_b", "c_old",
                                     "c_new", "infit", "outfit", "misfit") if c in report.changes]
                click.echo(report.changes[shown].round(3).to_string())
            if write and not report.changes.empty:
                for path in live_calibration.write_parameters(bank=bank, report=report):
                    click.echo(f"wrote {path}")
    if write:
        click.echo("\nReview the changes (git diff sections/), then: assessment sections validate && assessment sections load")


COMMANDS = [db, sections, demo, sweep, simulate, calibrate]
