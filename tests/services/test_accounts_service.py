"""services/accounts.py called directly: companies and users, sign-in and its limits, sessions,
password links, reset requests, API keys and the audit log. Mail is captured as it is handed
to the mail pool (run at once here)."""
import datetime as dt

import pytest
from sqlmodel import select

from assessment.models import ApiKey, AuditEntry, CompanyUser, LoginAttempt
from assessment.services import accounts
from assessment.services.accounts import AccountError, Actor
from assessment.services.failures import ErrorKind

NOW = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
SECRET = "s3cret-key"
PASSWORD = "correct horse battery"



@pytest.fixture
def mails(monkeypatch):
    sent = []

    class Now:
        def submit(self, fn, *args):
            return fn(*args)

    monkeypatch.setattr(accounts, "_mail_pool", Now())
    monkeypatch.setattr(accounts, "send_mail", lambda settings, to, subject, body: sent.append((to, subject, body)))
    return sent


@pytest.fixture
def admin(session):
    firm, user = accounts.create_company(session=session, name=" Acme ", admin_email="Boss@Acme.example")
    accounts.set_password(session=session, user=user, password=PASSWORD)
    return Actor(company_id=firm.id, company_name=firm.name, user_id=user.id, email=user.email, role="admin"), user


@pytest.mark.parametrize("raw, message", [
    ("", "email: an email address is required"), (None, "email: an email address is required"),
    (" a b@x.example", "is not an email address"), ("a@x", "is not an email address"),
    ("a" * 65 + "@x.example", "is not an email address"), ("a@" + "b" * 250 + ".example", "is longer than 254")])
def test_an_email_must_be_an_address(raw, message):
    with pytest.raises(AccountError, match=message) as raised:
        accounts.normalize_email(raw)
    assert raised.value.status == 400 and raised.value.kind == ErrorKind.INVALID


def test_an_email_is_stored_lower_cased():
    assert accounts.normalize_email("  Ann.O'Neil+tag@Mail.X-Y.example ") == "ann.o'neil+tag@mail.x-y.example"
    assert accounts.normalize_email("a" * 64 + "@x.example").startswith("a" * 64)


def test_password_rules():
    for bad, message in (("short", "at least 10"), ("x" * 257, "at most 256"), (None, "at least 10")):
        with pytest.raises(AccountError, match=f"password: {message} characters"):
            accounts.check_password_rules(bad)
    assert accounts.check_password_rules("x" * 10) is None and accounts.check_password_rules("x" * 256) is None


def test_a_company_starts_with_an_admin_without_password(session):
    firm, user = accounts.create_company(session=session, name="  Initech ", admin_email="Boss@Initech.example")
    assert (firm.name, user.email, user.role, user.password_hash) == ("Initech", "boss@initech.example", "admin", None)
    assert accounts.find_company(session=session, name="Initech").id == firm.id
    assert accounts.find_company(session=session, name="initech") is None
    entry = session.exec(select(AuditEntry).where(AuditEntry.company_id == firm.id)).one()
    assert (entry.action, entry.target, entry.detail, entry.user_id) == (
        "company.created", "Initech", {"admin": "boss@initech.example"}, None)
    for name, email, message, status in (("Initech", "x@y.example", "a company called 'Initech' already exists", 409),
                                         ("Other", "BOSS@initech.example", "boss@initech.example already has an", 409),
                                         (" ", "x@y.example", "a company name of 1 to 200 characters", 400),
                                         ("x" * 201, "x@y.example", "a company name of 1 to 200 characters", 400)):
        with pytest.raises(AccountError, match=message) as raised:
            accounts.create_company(session=session, name=name, admin_email=email)
        assert raised.value.status == status
    assert accounts.create_company(session=session, name="x" * 200, admin_email="y@y.example")[0].id


def test_sign_in_records_each_attempt_and_the_last_login(session, admin):
    _, user = admin
    signed = accounts.authenticate(session=session, email=" BOSS@acme.example ", password=PASSWORD, client="1.1.1.1",
                                   now=NOW)
    assert signed.id == user.id and signed.last_login_at == NOW
    for email, password in (("boss@acme.example", "wrong password"), ("nobody@acme.example", PASSWORD),
                            ("", PASSWORD), ("boss@acme.example", None)):
        with pytest.raises(AccountError, match="The email or password is wrong.") as raised:
            accounts.authenticate(session=session, email=email, password=password, client="1.1.1.1", now=NOW)
        assert raised.value.status == 401
    attempts = session.exec(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [a.succeeded for a in attempts] == [True, False, False, False, False]
    assert attempts[0].email_hash == accounts._hash_email("boss@acme.example") and attempts[0].client == "1.1.1.1"
    assert attempts[0].created_at == NOW
    user.is_active = False
    session.add(user)
    session.commit()
    with pytest.raises(AccountError, match="wrong"):
        accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="c", now=NOW)


def test_failed_sign_ins_lock_an_account_and_a_client_for_the_window(session, admin, monkeypatch):
    for n in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(AccountError, match="wrong"):
            accounts.authenticate(session=session, email="boss@acme.example", password="guess", client=f"c{n}",
                                  now=NOW)
    with pytest.raises(AccountError, match="Too many failed sign-in attempts") as locked:
        accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="new", now=NOW)
    assert (locked.value.status, locked.value.kind) == (429, ErrorKind.RATE_LIMITED)
    later = NOW + accounts.LOGIN_WINDOW
    assert accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="new",
                                 now=later).email == "boss@acme.example"
    monkeypatch.setattr(accounts, "MAX_FAILURES_PER_CLIENT", 2)
    for n in range(2):
        with pytest.raises(AccountError, match="wrong"):
            accounts.authenticate(session=session, email=f"u{n}@x.example", password="guess", client="bot", now=later)
    with pytest.raises(AccountError, match="Too many"):
        accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="bot", now=later)
    long_client = "z" * 100
    with pytest.raises(AccountError, match="wrong"):
        accounts.authenticate(session=session, email="q@x.example", password="guess", client=long_client, now=later)
    assert session.exec(select(LoginAttempt).where(LoginAttempt.client == "z" * 64)).one()


def test_a_session_ends_when_the_password_changes_or_the_user_leaves(session, admin):
    actor, user = admin
    stamp = accounts.session_stamp(user)
    assert len(stamp) == 16
    assert accounts.actor_for_session(session=session, user_id=user.id, stamp=stamp) == Actor(
        company_id=actor.company_id, company_name="Acme", user_id=user.id, email="boss@acme.example", role="admin")
    for user_id, given in ((str(user.id), stamp), (user.id, None), (user.id, stamp[:-1] + "x"), (10**6, stamp)):
        assert accounts.actor_for_session(session=session, user_id=user_id, stamp=given) is None
    accounts.set_password(session=session, user=user, password="another long password")
    assert accounts.session_stamp(user) != stamp
    assert accounts.actor_for_session(session=session, user_id=user.id, stamp=stamp) is None
    fresh = accounts.session_stamp(user)
    user.is_active = False
    session.commit()
    assert accounts.actor_for_session(session=session, user_id=user.id, stamp=fresh) is None
    no_password = CompanyUser(company_id=actor.company_id, email="new@acme.example")
    session.add(no_password)
    session.commit()
    assert accounts.actor_for_session(session=session, user_id=no_password.id,
                                      stamp=accounts.session_stamp(no_password)) is None
    assert accounts.session_stamp(no_password) != accounts.session_stamp(user)


def test_a_password_link_works_once_for_its_purpose(session, admin):
    _, user = admin
    token = accounts.make_password_token(user=user, secret_key=SECRET)
    assert accounts.check_password_token(token=token, secret_key=SECRET)
    assert not accounts.check_password_token(token=token, secret_key=SECRET, purpose="setup")
    assert not accounts.check_password_token(token=token, secret_key="other")
    assert not accounts.check_password_token(token="", secret_key=SECRET)
    with pytest.raises(AccountError, match="This link is not valid.") as forged:
        accounts.redeem_password_token(session=session, token=token, password="new long password", secret_key=SECRET,
                                       purpose="setup")
    assert forged.value.status == 404
    redeemed = accounts.redeem_password_token(session=session, token=token, password="new long password",
                                              secret_key=SECRET)
    assert redeemed.id == user.id
    assert accounts.authenticate(session=session, email=user.email, password="new long password", client="c",
                                 now=NOW).id == user.id
    with pytest.raises(AccountError, match="already been used") as used:
        accounts.redeem_password_token(session=session, token=token, password="third long password",
                                       secret_key=SECRET)
    assert used.value.status == 404
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "password.reset")).one()
    assert (entry.user_id, entry.target) == (user.id, user.email)
    with pytest.raises(AccountError, match="at least 10"):
        accounts.redeem_password_token(session=session, token=accounts.make_password_token(
            user=user, secret_key=SECRET), password="short", secret_key=SECRET)


def test_links_expire_after_their_purposes_age(session, admin, monkeypatch):
    _, user = admin
    clock = {"now": 0.0}
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: clock["now"] + 10**9)
    reset = accounts.make_password_token(user=user, secret_key=SECRET)
    setup = accounts.make_password_token(user=user, secret_key=SECRET, purpose="setup")
    clock["now"] = accounts.RESET_MAX_AGE.total_seconds() + 1
    assert not accounts.check_password_token(token=reset, secret_key=SECRET)
    assert accounts.check_password_token(token=setup, secret_key=SECRET, purpose="setup")
    with pytest.raises(AccountError, match="This link has expired. Ask for a new one.") as expired:
        accounts.redeem_password_token(session=session, token=reset, password="new long password", secret_key=SECRET)
    assert expired.value.status == 410
    clock["now"] = accounts.SETUP_MAX_AGE.total_seconds() + 1
    assert not accounts.check_password_token(token=setup, secret_key=SECRET, purpose="setup")
    clock["now"] = accounts.SETUP_MAX_AGE.total_seconds() - 1
    assert accounts.redeem_password_token(session=session, token=setup, password="new long password",
                                          secret_key=SECRET, purpose="setup").id == user.id


def test_reset_requests_are_mailed_and_limited_without_saying_which(session, admin, mails):
    kwargs = dict(session=session, secret_key=SECRET, base_url="https://x.example/", mail_settings={}, now=NOW)
    assert accounts.request_password_reset(email=" BOSS@acme.example", client="ip1", **kwargs) is True
    [(to, subject, body)] = mails
    assert (to, subject) == ("boss@acme.example", "Reset your password")
    assert "https://x.example/company/reset/" in body and "within an hour" in body
    token = body.split("/company/reset/")[1].split()[0]
    assert accounts.check_password_token(token=token, secret_key=SECRET)
    assert accounts.request_password_reset(email="nobody@acme.example", client="ip1", **kwargs) is False
    assert accounts.request_password_reset(email="not an email", client="ip1", **kwargs) is False
    for _ in range(accounts.MAX_RESETS_PER_ACCOUNT - 1):
        assert accounts.request_password_reset(email="boss@acme.example", client="ip2", **kwargs)
    assert accounts.request_password_reset(email="boss@acme.example", client="ip3", **kwargs) is False
    assert len(mails) == accounts.MAX_RESETS_PER_ACCOUNT
    later = dict(kwargs, now=NOW + accounts.LOGIN_WINDOW)
    assert accounts.request_password_reset(email="boss@acme.example", client="ip3", **later) is True
    for n in range(accounts.MAX_RESETS_PER_CLIENT):
        accounts.request_password_reset(email=f"u{n}@x.example", client="flood", **later)
    assert accounts.request_password_reset(email="boss@acme.example", client="flood", **dict(
        later, now=NOW + accounts.LOGIN_WINDOW + dt.timedelta(seconds=1))) is False
    # reset requests are not sign-in failures
    assert accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="ip1",
                                 now=NOW).last_login_at == NOW


def test_adding_users_mails_a_setup_link_and_tells_nothing_of_other_companies(session, admin, mails):
    actor, _ = admin
    other, _ = accounts.create_company(session=session, name="Rival", admin_email="boss@rival.example")
    page = accounts.users_page(session=session, actor=actor, invite_email=" New@Acme.example", role="admin",
                               secret_key=SECRET, base_url="https://x.example")
    assert page["added"] == "new@acme.example"
    assert [(u["email"], u["role"], u["has_password"], u["active"]) for u in page["users"]] == [
        ("boss@acme.example", "admin", True, True), ("new@acme.example", "admin", False, True)]
    to, subject, body = mails[-1]
    assert (to, subject) == ("new@acme.example", "Your screening workspace account")
    assert body.startswith("Acme added you") and "within 7 days:\nhttps://x.example/company/setup/" in body
    taken = accounts.users_page(session=session, actor=actor, invite_email="boss@rival.example", secret_key=SECRET)
    assert taken["added"] == "boss@rival.example" and len(taken["users"]) == 2
    assert "already has an account with another company" in mails[-1][2]
    with pytest.raises(AccountError, match="new@acme.example is already a user of this company") as twice:
        accounts.users_page(session=session, actor=actor, invite_email="new@acme.example")
    assert twice.value.status == 409
    with pytest.raises(AccountError, match="role: 'owner' is not admin or member"):
        accounts.users_page(session=session, actor=actor, invite_email="x@acme.example", role="owner")
    assert accounts.users_page(session=session, actor=actor)["added"] is None
    member = Actor(company_id=actor.company_id, company_name="Acme", user_id=None, role="member")
    with pytest.raises(AccountError, match="Only a company admin can do this.") as denied:
        accounts.users_page(session=session, actor=member)
    assert denied.value.status == 403
    details = [e.detail for e in session.exec(select(AuditEntry).where(AuditEntry.action == "user.added"))]
    assert details == [{"role": "admin"}, {"role": "member"}]
    assert other.id != actor.company_id


def test_api_keys_are_shown_once_stored_hashed_and_revocable(session, admin):
    actor, _ = admin
    page = accounts.api_keys_page(session=session, actor=actor, create_name="  CI  ")
    raw = page["new_key"]
    assert raw.startswith("ak_") and len(raw) > 40
    [listed] = page["keys"]
    assert (listed["name"], listed["prefix"], listed["revoked_at"], listed["last_used_at"]) == ("CI", raw[:10], None,
                                                                                               None)
    stored = session.get(ApiKey, listed["id"])
    assert stored.key_hash == accounts._hash_key(raw) and raw not in stored.key_hash
    assert accounts.api_keys_page(session=session, actor=actor)["new_key"] is None
    key_actor = accounts.actor_for_api_key(session=session, raw=raw, now=NOW)
    assert key_actor == Actor(company_id=actor.company_id, company_name="Acme", role="member",
                              api_key_id=listed["id"])
    assert session.get(ApiKey, listed["id"]).last_used_at == NOW
    accounts.actor_for_api_key(session=session, raw=raw, now=NOW + accounts.LAST_USED_RESOLUTION)
    assert session.get(ApiKey, listed["id"]).last_used_at == NOW  # written at most once a minute
    accounts.actor_for_api_key(session=session, raw=raw, now=NOW + dt.timedelta(minutes=1, seconds=1))
    assert session.get(ApiKey, listed["id"]).last_used_at == NOW + dt.timedelta(minutes=1, seconds=1)
    for bad in ("", raw[3:], raw + "x", "ak_" + "x" * 98):
        assert accounts.actor_for_api_key(session=session, raw=bad, now=NOW) is None
    revoked = accounts.revoke_api_key(session=session, actor=actor, key_id=listed["id"], now=NOW)
    assert revoked.revoked_at == NOW
    assert accounts.revoke_api_key(session=session, actor=actor, key_id=listed["id"],
                                   now=NOW + dt.timedelta(days=1)).revoked_at == NOW
    assert accounts.actor_for_api_key(session=session, raw=raw, now=NOW) is None
    actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.action.startswith("api_key")))]
    assert actions == ["api_key.created", "api_key.revoked"]
    with pytest.raises(AccountError, match="No such API key.") as missing:
        accounts.revoke_api_key(session=session, actor=actor, key_id=10**6)
    assert missing.value.status == 404
    for name in ("", " ", "x" * 101):
        with pytest.raises(AccountError, match="a key name of 1 to 100 characters"):
            accounts.create_api_key(session=session, actor=actor, name=name)
    member = Actor(company_id=actor.company_id, company_name="Acme", role="member")
    with pytest.raises(AccountError, match="Only a company admin"):
        accounts.create_api_key(session=session, actor=member, name="x")
    rival, _ = accounts.create_company(session=session, name="Rival", admin_email="boss@rival.example")
    rival_admin = Actor(company_id=rival.id, company_name="Rival", role="admin")
    with pytest.raises(AccountError, match="No such API key."):
        accounts.revoke_api_key(session=session, actor=rival_admin, key_id=listed["id"])


def test_the_audit_log_says_who_did_what_newest_first(session, admin):
    actor, user = admin
    _, raw = accounts.create_api_key(session=session, actor=actor, name="CI")
    key_actor = accounts.actor_for_api_key(session=session, raw=raw, now=NOW)
    accounts.audit(session, key_actor, "thing.done", "x" * 300, n=1)
    session.commit()
    log = accounts.list_audit(session=session, actor=actor)
    assert [e["action"] for e in log] == ["thing.done", "api_key.created", "company.created"]
    assert log[0]["who"] == f"API key CI ({raw[:10]}…)" and log[0]["target"] == "x" * 200
    assert log[0]["detail"] == {"n": 1} and log[1]["who"] == "boss@acme.example" and log[2]["who"] == "system"
    assert [e["action"] for e in accounts.list_audit(session=session, actor=actor, limit=1)] == ["thing.done"]
    with pytest.raises(AccountError, match="Only a company admin"):
        accounts.list_audit(session=session, actor=key_actor)


def test_an_account_errors_kind_follows_its_status():
    kinds = {status: AccountError("x", status=status).kind for status in (400, 401, 403, 404, 409, 410, 413, 429)}
    assert kinds == {400: ErrorKind.INVALID, 401: ErrorKind.INVALID, 403: ErrorKind.INVALID,
                     404: ErrorKind.NOT_FOUND, 409: ErrorKind.CONFLICT, 410: ErrorKind.GONE,
                     413: ErrorKind.TOO_LARGE, 429: ErrorKind.RATE_LIMITED}
    assert AccountError("x").status == 400


class _SMTP:
    """Stands in for smtplib.SMTP and records what the mail code does with it."""

    log: list = []
    fail = False

    def __init__(self, host, port, timeout):
        self.log.append(("connect", host, port, timeout))
        if self.fail:
            raise OSError("refused")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        self.log.append(("starttls",))

    def login(self, user, password):
        self.log.append(("login", user, password))

    def send_message(self, message):
        self.log.append(("send", message["From"], message["To"], message["Subject"], message.get_content()))


@pytest.fixture
def smtp(monkeypatch):
    monkeypatch.setattr(_SMTP, "log", [])
    monkeypatch.setattr(_SMTP, "fail", False)
    monkeypatch.setattr(accounts.smtplib, "SMTP", _SMTP)
    return _SMTP


def test_mail_without_a_server_goes_to_the_log(smtp, caplog):
    accounts.send_mail({}, "a@x.example", "Hello", "Body text")
    assert smtp.log == []
    [record] = [r for r in caplog.records if r.name == "assessment.mail"]
    assert record.levelname == "WARNING"
    assert record.getMessage() == "no MAIL_SERVER configured; mail to a@x.example: Hello\nBody text"


def test_mail_through_a_plain_server_with_the_defaults(smtp):
    accounts.send_mail({"MAIL_SERVER": "mail.example"}, "a@x.example", "Hello", "Body text")
    assert smtp.log == [("connect", "mail.example", 25, 20),
                        ("send", "no-reply@localhost", "a@x.example", "Hello", "Body text\n")]


def test_mail_through_a_server_with_tls_and_a_login(smtp):
    accounts.send_mail({"MAIL_SERVER": "mail.example", "MAIL_PORT": "587", "MAIL_USE_TLS": True,
                        "MAIL_USERNAME": "u", "MAIL_PASSWORD": None, "MAIL_FROM": "hr@acme.example"},
                       "a@x.example", "Hello", "Body")
    assert smtp.log == [("connect", "mail.example", 587, 20), ("starttls",), ("login", "u", ""),
                        ("send", "hr@acme.example", "a@x.example", "Hello", "Body\n")]


def test_a_mail_server_that_fails_is_logged_not_raised(smtp, caplog):
    smtp.fail = True
    accounts.send_mail({"MAIL_SERVER": "mail.example", "MAIL_PASSWORD": "p"}, "a@x.example", "Hello", "Body")
    [record] = [r for r in caplog.records if r.name == "assessment.services.accounts"]
    assert record.getMessage() == "could not send mail to a@x.example" and record.exc_info[0] is OSError


def test_a_setup_link_without_settings_and_the_users_list(session, admin, monkeypatch):
    actor, _ = admin
    sent = []

    class Now:
        def submit(self, fn, *args):
            return fn(*args)

    monkeypatch.setattr(accounts, "_mail_pool", Now())
    monkeypatch.setattr(accounts, "send_mail", lambda settings, to, subject, body: sent.append((settings, body)))
    accounts.users_page(session=session, actor=actor, invite_email="zed@acme.example")
    settings, body = sent[-1]
    token = body.split("\n/company/setup/")[1].strip()
    assert settings == {} and accounts.check_password_token(token=token, secret_key="", purpose="setup")
    accounts.create_company(session=session, name="Rival", admin_email="boss@rival.example")
    accounts.users_page(session=session, actor=actor, invite_email="boss@rival.example",
                        mail_settings={"MAIL_SERVER": "m.example"})
    assert sent[-1][0] == {"MAIL_SERVER": "m.example"}
    assert sent[-1][1].endswith("already has an account with another company. Ask them to add a different "
                                "address.\n")
    accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="c", now=NOW)
    page = accounts.users_page(session=session, actor=actor, invite_email="aaa@acme.example")
    assert [u["email"] for u in page["users"]] == ["aaa@acme.example", "boss@acme.example", "zed@acme.example"]
    assert page["users"][1]["last_login_at"] == NOW and page["users"][0]["last_login_at"] is None
    targets = [e.target for e in session.exec(select(AuditEntry).where(AuditEntry.action == "user.added"))]
    assert targets == ["zed@acme.example", "boss@rival.example", "aaa@acme.example"]


def test_a_setup_url_joins_the_base_and_is_a_setup_token(admin):
    _, user = admin
    url = accounts.setup_url(user=user, secret_key=SECRET, base_url="https://x.example/")
    assert url.startswith("https://x.example/company/setup/")
    token = url.rsplit("/", 1)[1]
    assert accounts.check_password_token(token=token, secret_key=SECRET, purpose="setup")
    assert not accounts.check_password_token(token=token, secret_key=SECRET)


def test_password_links_refuse_exactly(session, admin, monkeypatch):
    _, user = admin
    with pytest.raises(AccountError) as forged:
        accounts.redeem_password_token(session=session, token="nonsense", password="new long password",
                                       secret_key=SECRET)
    assert str(forged.value) == "This link is not valid."
    odd = accounts._serializer(SECRET, "reset").dumps([user.id])  # signed, but not a link's payload
    with pytest.raises(AccountError) as shape:
        accounts.redeem_password_token(session=session, token=odd, password="new long password", secret_key=SECRET)
    assert str(shape.value) == "This link has already been used or is not valid."
    gone = CompanyUser(company_id=user.company_id, email="gone@acme.example", password_hash="x")
    session.add(gone)
    session.commit()
    token = accounts.make_password_token(user=gone, secret_key=SECRET)
    session.delete(gone)
    session.commit()
    with pytest.raises(AccountError) as missing:
        accounts.redeem_password_token(session=session, token=token, password="new long password", secret_key=SECRET)
    assert (str(missing.value), missing.value.status) == ("This link has already been used or is not valid.", 404)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: 0.0)
    old = accounts.make_password_token(user=user, secret_key=SECRET)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: accounts.RESET_MAX_AGE.total_seconds() + 1)
    with pytest.raises(AccountError) as expired:
        accounts.redeem_password_token(session=session, token=old, password="new long password", secret_key=SECRET)
    assert str(expired.value) == "This link has expired. Ask for a new one."


def test_keys_newest_first_and_the_audit_log_bounded(session, admin):
    actor, _ = admin
    first, _ = accounts.create_api_key(session=session, actor=actor, name="first")
    second, _ = accounts.create_api_key(session=session, actor=actor, name="second")
    second.created_at = first.created_at + dt.timedelta(seconds=1)
    session.commit()
    keys = accounts.api_keys_page(session=session, actor=actor)["keys"]
    assert [k["name"] for k in keys] == ["second", "first"] and keys[1]["created_at"] == first.created_at
    session.add_all([AuditEntry(company_id=actor.company_id, action="bulk", target=str(n)) for n in range(205)])
    session.commit()
    log = accounts.list_audit(session=session, actor=actor)
    assert len(log) == 200 and log[0]["target"] == "204" and log[0]["when"] is not None
    entry = session.exec(select(AuditEntry).where(AuditEntry.target == "204")).one()
    assert log[0]["when"] == entry.created_at
