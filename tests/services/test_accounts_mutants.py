"""services/accounts.py: what the mutation run of the module showed the other tests leave open
(docs/testing.md, "Mutation testing"): the PostgreSQL advisory lock, the sign-in limit checked
both before and after hashing, the reset requests' own prefixes, limit and log line, the audit
details of API keys, the key-length gate and the SMTP password."""
import datetime as dt
import logging

import pytest
from sqlmodel import select

from assessment.models import ApiKey, AuditEntry, LoginAttempt
from assessment.services import accounts
from assessment.services.accounts import AccountError, Actor
from assessment.services.transactions import WRITE_LOCK

NOW = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
SECRET = "s3cret-key"
PASSWORD = "correct horse battery"


@pytest.fixture
def admin(session):
    firm, user = accounts.create_company(session=session, name="Acme", admin_email="boss@acme.example")
    accounts.set_password(session=session, user=user, password=PASSWORD)
    return Actor(company_id=firm.id, company_name=firm.name, user_id=user.id, email=user.email, role="admin"), user


class _FakeSession:
    """Records what the advisory-lock code asks of a session on a given dialect."""

    def __init__(self, dialect):
        self.calls = []
        self.dialect = dialect

    def in_transaction(self):
        return False

    def expire_all(self):
        self.calls.append(("expire_all",))

    def get_bind(self):
        return type("Bind", (), {"dialect": type("Dialect", (), {"name": self.dialect})()})()

    def connection(self, **options):
        self.calls.append(("connection", options))
        return self

    def execute(self, statement, params):
        # SQL keywords and unquoted names are case-insensitive; the bind names must match the parameters
        self.calls.append(("execute", str(statement).lower(), sorted(statement._bindparams), params))


def test_postgresql_takes_the_login_advisory_lock_and_sqlite_does_not():
    pg = _FakeSession("postgresql")
    accounts._lock_attempts(pg)
    key = int.from_bytes(b"login", "big")  # the key spells "login"
    assert pg.calls == [("expire_all",), ("connection", {"execution_options": {WRITE_LOCK: True}}),
                        ("connection", {}), ("execute", "select pg_advisory_xact_lock(:key)", ["key"], {"key": key})]
    lite = _FakeSession("sqlite")
    accounts._lock_attempts(lite)
    assert lite.calls == [("expire_all",), ("connection", {"execution_options": {WRITE_LOCK: True}})]


def test_a_locked_out_sign_in_is_refused_before_any_password_is_hashed(session, admin, monkeypatch):
    for n in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        session.add(LoginAttempt(email_hash=accounts._hash_email("boss@acme.example"), client=f"c{n}",
                                 succeeded=False, created_at=NOW))
    session.commit()
    hashed = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda stored, given: hashed.append(given) or real(
        stored, given))
    with pytest.raises(AccountError) as locked:
        accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="new", now=NOW)
    assert (str(locked.value), locked.value.status) == (
        "Too many failed sign-in attempts. Wait 15 minutes and try again.", 429)
    assert hashed == []  # the first check, before the read and the hash
    assert session.exec(select(LoginAttempt).where(LoginAttempt.client == "new")).all() == []


def test_failures_landing_while_the_password_is_hashed_are_counted_again(session, admin, monkeypatch):
    real = accounts.check_password_hash
    email_hash = accounts._hash_email("boss@acme.example")

    def hash_while_others_fail(stored, given):
        # parallel wrong guesses for the same account are recorded while this one is hashed
        session.add_all([LoginAttempt(email_hash=email_hash, client=f"p{n}", succeeded=False, created_at=NOW)
                         for n in range(accounts.MAX_FAILURES_PER_ACCOUNT)])
        session.commit()
        return real(stored, given)

    monkeypatch.setattr(accounts, "check_password_hash", hash_while_others_fail)
    with pytest.raises(AccountError) as locked:
        accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="me", now=NOW)
    assert locked.value.status == 429
    # the correct password got no answer and no attempt of its own, and no last login
    assert session.exec(select(LoginAttempt).where(LoginAttempt.client == "me")).all() == []
    assert session.get(accounts.CompanyUser, admin[1].id).last_login_at is None


def test_the_client_limit_is_checked_again_after_hashing(session, admin, monkeypatch):
    monkeypatch.setattr(accounts, "MAX_FAILURES_PER_CLIENT", 2)
    real = accounts.check_password_hash

    def hash_while_the_client_floods(stored, given):
        session.add_all([LoginAttempt(email_hash=accounts._hash_email(f"u{n}@x.example"), client="bot",
                                      succeeded=False, created_at=NOW) for n in range(2)])
        session.commit()
        return real(stored, given)

    monkeypatch.setattr(accounts, "check_password_hash", hash_while_the_client_floods)
    with pytest.raises(AccountError, match="Too many failed sign-in attempts"):
        accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="bot", now=NOW)


def test_reset_requests_are_counted_under_their_own_prefixes(session, admin, monkeypatch, caplog):
    monkeypatch.setattr(accounts, "_mail_pool", type("Now", (), {"submit": lambda self, fn, *a: None})())
    kwargs = dict(session=session, secret_key=SECRET, base_url="https://x.example", mail_settings={}, now=NOW)
    assert accounts.request_password_reset(email="Boss@Acme.example", client="ip1", **kwargs) is True
    long_client = "9" * 100
    assert accounts.request_password_reset(email="boss@acme.example", client=long_client, **kwargs) is True
    assert accounts.request_password_reset(email="boss@acme.example", client="", **kwargs) is True
    rows = session.exec(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    reset_hash = accounts.hashlib.sha256(b"reset:boss@acme.example").hexdigest()
    assert [(r.email_hash, r.client, r.succeeded, r.created_at) for r in rows] == [
        (reset_hash, "reset:ip1", False, NOW), (reset_hash, "reset:" + "9" * 58, False, NOW),
        (reset_hash, "reset:unknown", False, NOW)]
    assert len(rows[1].client) == 64
    with caplog.at_level(logging.WARNING, logger="assessment.services.accounts"):
        assert accounts.request_password_reset(email="boss@acme.example", client="ip9", **kwargs) is False
    [record] = [r for r in caplog.records if r.name == "assessment.services.accounts"]
    assert (record.levelname, record.getMessage()) == ("WARNING", "password reset limit reached (client reset:ip9)")
    assert len(session.exec(select(LoginAttempt)).all()) == 3  # the refused request is not recorded
    # a sign-in's failures under the same email and client do not count towards resets, and back
    for n in range(accounts.MAX_RESETS_PER_CLIENT):
        session.add(LoginAttempt(email_hash=accounts._hash_email(f"u{n}@x.example"), client="ip2", succeeded=False,
                                 created_at=NOW))
    session.commit()
    assert accounts.request_password_reset(email="other@acme.example", client="ip2", **kwargs) is False  # no user
    assert session.exec(select(LoginAttempt).where(LoginAttempt.client == "reset:ip2")).one()


def test_the_reset_client_limit_is_its_own(session, admin, monkeypatch):
    monkeypatch.setattr(accounts, "_mail_pool", type("Now", (), {"submit": lambda self, fn, *a: None})())
    kwargs = dict(session=session, secret_key=SECRET, base_url="", mail_settings={}, now=NOW)
    for n in range(accounts.MAX_RESETS_PER_CLIENT - 1):
        assert accounts.request_password_reset(email=f"u{n}@x.example", client="flood", **kwargs) is False
    assert accounts.request_password_reset(email="boss@acme.example", client="flood", **kwargs) is True
    assert accounts.request_password_reset(email="boss@acme.example", client="flood", **kwargs) is False


def test_api_key_audit_entries_name_the_key(session, admin):
    actor, user = admin
    key, raw = accounts.create_api_key(session=session, actor=actor, name=" CI ")
    accounts.revoke_api_key(session=session, actor=actor, key_id=key.id, now=NOW)
    entries = session.exec(select(AuditEntry).where(AuditEntry.action.startswith("api_key"))
                           .order_by(AuditEntry.id)).all()
    assert [(e.action, e.target, e.detail, e.user_id, e.company_id, e.api_key_id) for e in entries] == [
        ("api_key.created", "CI", {"key_id": key.id, "prefix": raw[:10]}, user.id, actor.company_id, None),
        ("api_key.revoked", "CI", {"key_id": key.id, "prefix": raw[:10]}, user.id, actor.company_id, None)]
    assert raw[:3] == "ak_" and len(raw) == 3 + 43  # 32 random bytes in URL-safe base64, unpadded
    with pytest.raises(AccountError) as missing:
        accounts.revoke_api_key(session=session, actor=actor, key_id=key.id + 1000)
    assert (str(missing.value), missing.value.status) == ("No such API key.", 404)


@pytest.mark.parametrize("raw, accepted", [
    ("zz_" + "k" * 40, False),  # stored, but without the key prefix: refused before the lookup
    ("ak_" + "k" * 97, True),  # 100 characters: the longest accepted
    ("ak_" + "k" * 98, False),  # 101
])
def test_a_key_is_looked_up_only_with_its_prefix_and_length(session, admin, raw, accepted):
    actor, _ = admin
    session.add(ApiKey(company_id=actor.company_id, name="planted", prefix=raw[:10], key_hash=accounts._hash_key(raw)))
    session.commit()
    found = accounts.actor_for_api_key(session=session, raw=raw, now=NOW)
    assert (found is not None) == accepted
    if accepted:
        assert (found.company_id, found.role, found.user_id) == (actor.company_id, "member", None)


def test_the_smtp_login_uses_the_configured_password(monkeypatch):
    logins = []

    class SMTP:
        def __init__(self, host, port, timeout):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def login(self, user, password):
            logins.append((user, password))

        def send_message(self, message):
            logins.append(("sent", message["To"]))

    monkeypatch.setattr(accounts.smtplib, "SMTP", SMTP)
    accounts.send_mail({"MAIL_SERVER": "m.example", "MAIL_USERNAME": "u", "MAIL_PASSWORD": "pw"}, "a@x.example",
                       "Hi", "Body")
    assert logins == [("u", "pw"), ("sent", "a@x.example")]


def test_a_key_name_of_100_characters_is_accepted_and_101_refused_with_the_rule(session, admin):
    actor, _ = admin
    key, _ = accounts.create_api_key(session=session, actor=actor, name="n" * 100)
    assert key.name == "n" * 100
    with pytest.raises(AccountError) as refused:
        accounts.create_api_key(session=session, actor=actor, name="n" * 101)
    assert (str(refused.value), refused.value.status) == ("name: a key name of 1 to 100 characters is required", 400)


def test_a_setup_url_strips_only_trailing_slashes_of_the_base(admin):
    _, user = admin
    url = accounts.setup_url(user=user, secret_key=SECRET, base_url="https://x.example/appX//")
    assert url.startswith("https://x.example/appX/company/setup/")


def test_an_audit_entry_without_a_target_has_an_empty_one_and_members_are_told_why_not(session, admin):
    actor, _ = admin
    accounts.audit(session, actor, "thing.done")
    session.commit()
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "thing.done")).one()
    assert (entry.target, entry.detail) == ("", {})
    member = Actor(company_id=actor.company_id, company_name="Acme", role="member")
    with pytest.raises(AccountError) as denied:
        accounts.list_audit(session=session, actor=member)
    assert (str(denied.value), denied.value.status) == ("Only a company admin can do this.", 403)


def test_a_reset_request_without_a_client_counts_as_unknown(session, admin, monkeypatch):
    monkeypatch.setattr(accounts, "_mail_pool", type("Now", (), {"submit": lambda self, fn, *a: None})())
    assert accounts.request_password_reset(session=session, email="boss@acme.example", secret_key=SECRET,
                                           base_url="", mail_settings={}, now=NOW) is True
    assert session.exec(select(LoginAttempt.client)).all() == ["reset:unknown"]


def _sha(text):
    return accounts.hashlib.sha256(text.encode()).hexdigest()


def test_a_sign_in_records_the_hash_of_the_email_as_given_cut_to_254_and_an_unknown_client(session, admin):
    for email, client in ((None, None), ("A" * 300, ""), (" Boss@Acme.example ", "k" * 80)):
        with pytest.raises(AccountError, match="wrong"):
            accounts.authenticate(session=session, email=email, password="guess", client=client, now=NOW)
    rows = session.exec(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [(r.email_hash, r.client) for r in rows] == [
        (_sha(""), "unknown"), (_sha("a" * 254), "unknown"), (_sha("boss@acme.example"), "k" * 64)]


def test_a_client_locked_out_is_refused_before_any_password_is_hashed(session, admin, monkeypatch):
    monkeypatch.setattr(accounts, "MAX_FAILURES_PER_CLIENT", 2)
    session.add_all([LoginAttempt(email_hash=_sha(f"u{n}@x.example"), client="bot", succeeded=False, created_at=NOW)
                     for n in range(2)])
    session.commit()
    hashed = []
    monkeypatch.setattr(accounts, "check_password_hash", lambda stored, given: hashed.append(given))
    with pytest.raises(AccountError, match="Too many failed sign-in attempts"):
        accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="bot", now=NOW)
    assert hashed == []


@pytest.mark.parametrize("meanwhile", ["deactivated", "password changed", "deleted"])
def test_a_right_password_is_refused_if_the_account_changed_while_it_was_hashed(session, admin, monkeypatch,
                                                                              meanwhile):
    _, user = admin
    user_id, real = user.id, accounts.check_password_hash

    def hash_while_the_admin_acts(stored, given):
        other = session.get(accounts.CompanyUser, user_id)
        if meanwhile == "deactivated":
            other.is_active = False
        elif meanwhile == "password changed":
            other.password_hash = accounts.generate_password_hash("another long password")
        else:
            session.delete(other)
        session.commit()
        return real(stored, given)

    monkeypatch.setattr(accounts, "check_password_hash", hash_while_the_admin_acts)
    with pytest.raises(AccountError) as refused:
        accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="c", now=NOW)
    assert (str(refused.value), refused.value.status) == ("The email or password is wrong.", 401)


def test_a_reset_link_strips_only_trailing_slashes_and_the_mail_gets_the_settings(session, admin, monkeypatch):
    sent = []
    monkeypatch.setattr(accounts, "_mail_pool", type("Now", (), {"submit": lambda self, fn, *a: sent.append(a)})())
    settings = {"MAIL_SERVER": "m.example"}
    assert accounts.request_password_reset(session=session, email="boss@acme.example", secret_key=SECRET,
                                           base_url="https://x.example/appX/", mail_settings=settings, now=NOW)
    [(given, to, subject, body)] = sent
    assert given is settings and (to, subject) == ("boss@acme.example", "Reset your password")
    assert body.startswith("Set a new password within an hour:\nhttps://x.example/appX/company/reset/")


def test_successful_sign_ins_do_not_count_towards_the_limit(session, admin):
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT + 1):
        assert accounts.authenticate(session=session, email="boss@acme.example", password=PASSWORD, client="c",
                                     now=NOW).email == "boss@acme.example"


def test_a_company_needs_a_name(session):
    for name in (None, "", " "):
        with pytest.raises(AccountError) as refused:
            accounts.create_company(session=session, name=name, admin_email="boss@acme.example")
        assert (str(refused.value), refused.value.status) == (
            "name: a company name of 1 to 200 characters is required", 400)


def test_an_email_of_254_characters_is_the_longest_and_refusals_say_exactly_what(session):
    local = "a" * 64
    longest = local + "@" + ".".join(["d" * 60, "d" * 60, "d" * 59, "example"])
    assert len(longest) == 254 and accounts.normalize_email(longest) == longest
    too_long = local + "@" + ".".join(["d" * 60, "d" * 60, "d" * 60, "example"])  # 255, well-formed
    with pytest.raises(AccountError) as refused:
        accounts.normalize_email(too_long)
    assert str(refused.value) == f"email: {too_long[:60]!r}... is longer than 254 characters"
    with pytest.raises(AccountError) as refused:
        accounts.normalize_email("x" * 70 + "@host")
    assert str(refused.value) == (f"email: {'x' * 60!r} is not an email address (expected name@domain.example: one @, "
                                  "1 to 64 characters before it, a dotted domain, no spaces, quotes or angle brackets)")
    for missing in ("", None, 123, ["a@b.example"]):
        with pytest.raises(AccountError) as refused:
            accounts.normalize_email(missing)
        assert str(refused.value) == "email: an email address is required"


def test_an_empty_email_never_signs_in_even_if_a_row_has_one(session, admin):
    actor, _ = admin
    session.add(accounts.CompanyUser(company_id=actor.company_id, email="",
                                     password_hash=accounts.generate_password_hash(PASSWORD)))
    session.commit()
    for email in ("", None, "   "):
        with pytest.raises(AccountError, match="The email or password is wrong."):
            accounts.authenticate(session=session, email=email, password=PASSWORD, client="c", now=NOW)
