"""`assessment company ...`: create a company with its first admin, create API keys."""
import click

from assessment.cli.app_commands import _app, _fail


@click.group()
def company() -> None:
    """Companies that screen candidates: accounts and API keys."""


@company.command("create")
@click.argument("name")
@click.option("--admin", "admin_email", required=True, help="Email of the company's first admin.")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
              help="Where the server is reached, for the setup link.")
def create(name: str, admin_email: str, base_url: str) -> None:
    """Create company NAME and print its admin's one-time setup link (valid 7 days)."""
    from assessment.services import accounts

    app = _app()
    with app.app_context():
        from assessment.db import get_session

        try:
            _, user = accounts.create_company(session=get_session(), name=name, admin_email=admin_email)
        except accounts.AccountError as exc:
            _fail(str(exc))
        link = accounts.setup_url(user=user, secret_key=app.config["SECRET_KEY"], base_url=base_url)
    app.extensions["assessment.engine"].dispose()
    click.echo(f"Company {name!r} created; admin {user.email}.")
    click.echo(f"One-time setup link (the admin chooses a password there; valid 7 days):\n  {link}")


@company.command("api-key")
@click.argument("name")
@click.option("--label", default="cli", show_default=True, help="A name for the key, shown in lists.")
def api_key(name: str, label: str) -> None:
    """Create an API key for company NAME and print it (shown once; only its hash is stored)."""
    from assessment.services import accounts

    app = _app()
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        found = accounts.find_company(session=session, name=name)
        if found is None:
            _fail(f"no company called {name!r} (create it with `assessment company create`)")
        actor = accounts.Actor(company_id=found.id, company_name=found.name, role="admin")
        _, raw = accounts.create_api_key(session=session, actor=actor, name=label)
    app.extensions["assessment.engine"].dispose()
    click.echo(raw)
