"""Accounts: scrypt hashes, sign-in and out, expiring sessions, the login rate limit, reset links,
CSRF on every form, and no account enumeration by message or timing."""
import datetime as dt
import logging
import re
import time

import pytest
from company_fixtures import PASSWORD
from sqlmodel import select

from assessment.models import AuditEntry, CompanyUser, LoginAttempt
from assessment.services import accounts


@pytest.mark.production_password_hash  # the other tests hash with cheap parameters (tests/conftest.py)
def test_password_is_stored_as_scrypt_hash(tenants, db_session):
    a, _ = tenants
    user = db_session.exec(select(CompanyUser).where(CompanyUser.email == a.email)).one()
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


def test_sign_in_and_out(client, tenants, login):
    a, _ = tenants
    assert client.get("/company/").status_code == 302
    login(client, a.email)
    page = client.get("/company/")
    assert page.status_code == 200 and "Backend screen" in page.text and a.email in page.text
    assert client.post("/company/logout").status_code == 302
    assert client.get("/company/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, tenants):
    a, _ = tenants
    wrong = client.post("/company/login", data={"email": a.email, "password": "not the password"})
    unknown = client.post("/company/login", data={"email": "nobody@nowhere.example", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    message = lambda r: re.search(r'id="login-error">([^<]+)<', r.text).group(1)  # noqa: E731
    assert message(wrong) == message(unknown) == "The email or password is wrong."


@pytest.mark.production_password_hash
def test_unknown_email_costs_as_much_time_as_a_wrong_password(db_session, tenants, monkeypatch):
    """Both paths run exactly one password check, against a hash with the same scrypt parameters
    as a user's (the work, not the wall time: timed on a loaded machine, the two paths' medians
    drifted apart by more than a factor of two in the stress run)."""
    a, _ = tenants
    checked = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda stored, password: checked.append(stored.split("$")[0]) or real_check(stored, password))

    def checks(email):
        checked.clear()
        with pytest.raises(accounts.AccountError):
            accounts.authenticate(session=db_session, email=email, password="wrong", client=f"c{email}",
                                  now=dt.datetime.now(dt.UTC))
        return list(checked)

    user = db_session.exec(select(CompanyUser).where(CompanyUser.email == a.email)).one()
    production = user.password_hash.split("$")[0]
    assert production == "scrypt:32768:8:1"  # werkzeug's scrypt parameters, as stored for a user
    assert checks(a.email) == checks("nobody@nowhere.example") == [production]


def test_login_is_rate_limited_per_account(client, tenants):
    a, _ = tenants
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        assert client.post("/company/login", data={"email": a.email, "password": "bad guess!"}).status_code == 401
    locked = client.post("/company/login", data={"email": a.email, "password": PASSWORD})
    assert locked.status_code == 429 and "Too many" in locked.text


def test_rate_limit_window_passes(db_session, tenants):
    a, _ = tenants
    old = dt.datetime.now(dt.UTC) - accounts.LOGIN_WINDOW - dt.timedelta(minutes=1)
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(accounts.AccountError):
            accounts.authenticate(session=db_session, email=a.email, password="bad guess!", client="x", now=old)
    assert accounts.authenticate(session=db_session, email=a.email, password=PASSWORD, client="x").email == a.email
    assert db_session.exec(select(LoginAttempt).where(LoginAttempt.succeeded)).first() is not None


def test_session_expires_when_idle_and_after_its_lifetime(make_app, bank, tenants, login):
    app = make_app(COMPANY_SESSION_IDLE_SECONDS=1)
    client = app.test_client()
    a, _ = tenants
    login(client, a.email)
    assert client.get("/company/").status_code == 200
    time.sleep(1.2)
    assert client.get("/company/").status_code == 302
    app = make_app(COMPANY_SESSION_MAX_SECONDS=1)
    client = app.test_client()
    login(client, a.email)
    time.sleep(1.2)
    assert client.get("/company/").status_code == 302


def test_password_change_ends_other_sessions(client, tenants, login, db_session):
    a, _ = tenants
    login(client, a.email)
    user = db_session.exec(select(CompanyUser).where(CompanyUser.email == a.email)).one()
    accounts.set_password(session=db_session, user=user, password="another long password")
    assert client.get("/company/").status_code == 302


def test_reset_link_is_logged_works_once_and_says_nothing_about_existence(app, client, tenants, caplog):
    a, _ = tenants
    with caplog.at_level(logging.WARNING, logger="assessment.mail"):
        known = client.post("/company/forgot", data={"email": a.email})
        unknown = client.post("/company/forgot", data={"email": "nobody@nowhere.example"})
        deadline = time.time() + 5
        while "/company/reset/" not in caplog.text and time.time() < deadline:
            time.sleep(0.05)
    assert known.status_code == unknown.status_code == 200 and known.text == unknown.text
    link = re.search(r"http://localhost(/company/reset/\S+)", caplog.text).group(1)
    assert client.get(link).status_code == 200
    assert client.post(link, data={"password": "a brand new password", "confirm": "a brand new password"}).status_code == 302
    assert client.post("/company/login", data={"email": a.email, "password": "a brand new password"}).status_code == 302
    again = client.post(link, data={"password": "yet another password", "confirm": "yet another password"})
    assert again.status_code == 404 and "already been used" in again.text


def test_expired_and_forged_reset_links_are_refused(app, db_session, tenants, monkeypatch):
    a, _ = tenants
    user = db_session.exec(select(CompanyUser).where(CompanyUser.email == a.email)).one()
    token = accounts.make_password_token(user=user, secret_key=app.config["SECRET_KEY"])
    with pytest.raises(accounts.AccountError, match="not valid"):
        accounts.redeem_password_token(session=db_session, token=token + "x", password="whatever long",
                                       secret_key=app.config["SECRET_KEY"])
    with pytest.raises(accounts.AccountError, match="not valid"):
        accounts.redeem_password_token(session=db_session, token=token, password="whatever long",
                                       secret_key="another key")
    # A link signed two hours ago (one hour is the limit) is refused as expired.
    import itsdangerous.timed

    old = int(time.time() - accounts.RESET_MAX_AGE.total_seconds() - 60)
    with monkeypatch.context() as m:
        m.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: old)
        stale = accounts.make_password_token(user=user, secret_key=app.config["SECRET_KEY"])
    with pytest.raises(accounts.AccountError, match="expired"):
        accounts.redeem_password_token(session=db_session, token=stale, password="whatever long",
                                       secret_key=app.config["SECRET_KEY"])


def test_setup_link_from_company_create_lets_the_admin_set_a_password(app, client, db_session):
    _, user = accounts.create_company(session=db_session, name="Initech", admin_email="Boss@Initech.example")
    assert user.email == "boss@initech.example" and user.password_hash is None
    url = accounts.setup_url(user=user, secret_key=app.config["SECRET_KEY"], base_url="http://localhost")
    path = url.removeprefix("http://localhost")
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 10" in short.text
    assert client.post(path, data={"password": "initech password", "confirm": "initech password"}).status_code == 302
    assert client.post("/company/login", data={"email": "boss@initech.example",
                                               "password": "initech password"}).status_code == 302
    assert db_session.exec(select(AuditEntry).where(AuditEntry.action == "password.setup")).first() is not None


def test_company_create_refuses_duplicates_and_bad_email(db_session, tenants):
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create_company(session=db_session, name="Acme", admin_email="x@y.example")
    with pytest.raises(accounts.AccountError, match="email"):
        accounts.create_company(session=db_session, name="Other", admin_email="not-an-email")


def test_open_redirect_after_login_is_refused(client, tenants):
    a, _ = tenants
    response = client.post("/company/login", data={"email": a.email, "password": PASSWORD,
                                                    "next": "https://evil.example/"})
    assert response.location.endswith("/company/")


def test_every_company_form_needs_the_csrf_token(make_app, bank, tenants):
    """With CSRF on, every POST route of the company workspace refuses a request without the token."""
    from test_isolation import COMPANY_ROUTES, _ids

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    a, _ = tenants
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/company/login").text).group(1)
    refused = client.post("/company/login", data={"email": a.email, "password": PASSWORD})
    assert refused.status_code == 400 and "security token" in refused.text
    assert client.post("/company/login", data={"email": a.email, "password": PASSWORD,
                                               "csrf_token": token}).status_code == 302
    posts = [(e, p) for e, (m, p, _) in COMPANY_ROUTES.items() if m == "POST"]
    posts += [("company.logout", "/company/logout"), ("company.forgot", "/company/forgot"),
              ("company.users", "/company/users"), ("company.api_keys", "/company/api-keys"),
              ("company.new_assessment", "/company/assessments/new")]
    for endpoint, path in posts:
        response = client.post(path.format(**_ids(a)), data={"name": "x"})
        assert response.status_code == 400 and "security token" in response.text, endpoint


def test_mail_goes_through_the_configured_smtp_server(monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            sent.append(("send", message["To"], message["From"], message["Subject"], message.get_content()))

    monkeypatch.setattr(accounts.smtplib, "SMTP", FakeSMTP)
    accounts.send_mail({"MAIL_SERVER": "smtp.example", "MAIL_PORT": 587, "MAIL_USE_TLS": True, "MAIL_USERNAME": "u",
                        "MAIL_PASSWORD": "p", "MAIL_FROM": "hr@acme.example"}, "x@y.example", "Hello", "Body\n")
    assert sent == [("connect", "smtp.example", 587), ("starttls",), ("login", "u", "p"),
                    ("send", "x@y.example", "hr@acme.example", "Hello", "Body\n")]


def test_audit_log_page_says_who_did_what(client, tenants, login):
    a, _ = tenants
    login(client, a.email)
    client.get(f"/company/assessments/{a.assessment_id}/export.csv")
    client.post(f"/company/candidates/{a.invitation_ids[1]}/revoke")
    page = client.get("/company/audit").text
    for action in ("results.exported", "invitation.revoked", "invitation.created", "api_key.created"):
        assert action in page
    assert page.count(a.email) >= 4 and "cand1@acme.example" in page
