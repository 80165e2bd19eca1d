"""Regression tests for the outside probe's open company defects (docs/probe.md): reset-mail
floods, repeated and parallel CSV uploads, double-submitted extensions, sloppy email addresses,
cross-company user enumeration, and sign-in hashing under the write lock."""
import datetime as dt
import io
import re
import threading
import time

import pytest
from sqlmodel import Session, select
from web.web_helpers import in_parallel

from assessment.db import get_engine
from assessment.models import AuditEntry, CompanyUser, Invitation
from assessment.services import accounts, company
from assessment.services.company import CompanyError, InvitationOptions


@pytest.fixture
def sent(monkeypatch):
    """Mails handed to send_mail (to, subject, body), and a wait for the mail pool to drain."""
    mails = []
    monkeypatch.setattr(accounts, "send_mail", lambda settings, to, subject, body: mails.append((to, subject, body)))

    def wait(count, timeout=5.0):
        deadline = time.time() + timeout
        while len(mails) < count and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)  # anything beyond `count` would land now
        return mails
    return wait


# --- 1. password-reset floods ------------------------------------------------------------------

def test_forgot_password_is_limited_per_account_with_the_same_reply(app, client, tenants, sent):
    a, _ = tenants
    replies = {client.post("/company/forgot", data={"email": a.email}).text for _ in range(12)}
    replies.add(client.post("/company/forgot", data={"email": "nobody@nowhere.example"}).text)
    assert len(replies) == 1  # limited or not, known or not: one answer
    mails = sent(accounts.MAX_RESETS_PER_ACCOUNT)
    assert [to for to, _, _ in mails] == [a.email] * accounts.MAX_RESETS_PER_ACCOUNT


def test_forgot_password_is_limited_per_client_address(app, client, tenants, sent):
    a, b = tenants
    for n in range(accounts.MAX_RESETS_PER_CLIENT):
        client.post("/company/forgot", data={"email": f"nobody{n}@nowhere.example"})
    client.post("/company/forgot", data={"email": a.email})  # same client: over its limit, no mail
    other = app.test_client()
    other.post("/company/forgot", data={"email": b.email}, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert [to for to, _, _ in sent(1)] == [b.email]


def test_a_parallel_reset_flood_sends_at_most_the_limit_on_a_bounded_pool(app, tenants, sent):
    a, _ = tenants
    before = threading.active_count()

    def ask(_):
        with app.app_context(), Session(get_engine()) as session:
            return accounts.request_password_reset(session=session, email=a.email, secret_key="s", base_url="",
                                                   mail_settings={}, client="10.0.0.1")

    results = in_parallel(12, ask)
    assert results.count(True) == accounts.MAX_RESETS_PER_ACCOUNT, results
    assert len(sent(accounts.MAX_RESETS_PER_ACCOUNT)) == accounts.MAX_RESETS_PER_ACCOUNT
    mail_threads = [t for t in threading.enumerate() if t.name.startswith("mail")]
    assert len(mail_threads) <= 2 and threading.active_count() <= before + 2


# --- 2. the same CSV twice, or four uploads at once ----------------------------------------------

def _csv(n=50):
    return ("name,email\n" + "".join(f"Person {i},person{i}@csv.example\n" for i in range(n))).encode()


def _invitations_to(app, assessment_id, domain="@csv.example"):
    with app.app_context(), Session(get_engine()) as session:
        return session.exec(select(Invitation).where(Invitation.assessment_id == assessment_id,
                                                     Invitation.email.like(f"%{domain}"))).all()


def test_uploading_the_same_csv_again_reports_who_is_already_invited(client, app, tenants, login):
    a, _ = tenants
    login(client, a.email)
    url = f"/company/assessments/{a.assessment_id}/invite-csv"
    first = client.post(url, data={"file": (io.BytesIO(_csv(3)), "c.csv")}, content_type="multipart/form-data")
    assert first.status_code == 200 and first.text.count('class="invite-link"') == 3
    again = client.post(url, data={"file": (io.BytesIO(_csv(4)), "c.csv")}, content_type="multipart/form-data")
    assert again.status_code == 200 and again.text.count('class="invite-link"') == 1  # only the new person
    for line, i in ((2, 0), (3, 1), (4, 2)):
        assert f"line {line}: email: person{i}@csv.example is already invited" in again.text
    assert len(_invitations_to(app, a.assessment_id)) == 4


def test_a_revoked_or_expired_invitation_does_not_block_a_new_one(db_session, tenants):
    a, _ = tenants
    options = InvitationOptions()
    first = company.invite(session=db_session, actor=a.actor, assessment_id=a.assessment_id, name="P",
                           email="p@csv.example", options=options)
    with pytest.raises(CompanyError) as refused:
        company.invite(session=db_session, actor=a.actor, assessment_id=a.assessment_id, name="P",
                       email="P@csv.example", options=options)
    assert refused.value.status == 409 and "already invited" in str(refused.value)
    company.revoke_invitation(session=db_session, actor=a.actor, invitation_id=first.id)
    second = company.invite(session=db_session, actor=a.actor, assessment_id=a.assessment_id, name="P",
                            email="p@csv.example", options=options)
    inv = db_session.get(Invitation, second.id)
    inv.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db_session.add(inv)
    db_session.commit()
    result = company.invite_csv(session=db_session, actor=a.actor, assessment_id=a.assessment_id,
                                data=b"P,p@csv.example\n", options=options)
    assert len(result.created) == 1 and result.already_invited == []


def test_four_parallel_uploads_of_one_file_invite_each_person_once(app, tenants):
    a, _ = tenants
    data = _csv(50)

    def upload(_):
        with app.app_context(), Session(get_engine(), expire_on_commit=False) as session:
            return company.invite_csv(session=session, actor=a.actor, assessment_id=a.assessment_id, data=data,
                                      options=InvitationOptions())

    results = in_parallel(4, upload)
    assert all(isinstance(r, company.CsvImport) for r in results), results
    assert sorted(len(r.created) for r in results) == [0, 0, 0, 50]
    assert sorted(len(r.already_invited) for r in results) == [0, 50, 50, 50]
    invitations = _invitations_to(app, a.assessment_id)
    assert len(invitations) == 50 and len({i.email for i in invitations}) == 50


# --- 3. extend is idempotent ---------------------------------------------------------------------

def test_two_parallel_extensions_from_one_page_extend_once(app, client, tenants, login, db_session):
    a, _ = tenants
    waiting = a.invitation_ids[1]
    login(client, a.email)
    page = client.get(f"/company/candidates/{waiting}").text
    seen = re.search(r'name="expires_seen" value="([^"]*)"', page).group(1)
    before = db_session.get(Invitation, waiting).expires_at

    def extend(_):
        with app.app_context(), Session(get_engine()) as session:
            return company.extend_invitation(session=session, actor=a.actor, invitation_id=waiting, extra_days=5,
                                             seen_expires_at=seen)

    results = in_parallel(2, extend)
    refused = [r for r in results if isinstance(r, CompanyError)]
    assert len(refused) == 1 and refused[0].status == 409 and "nothing was extended" in str(refused[0]), results
    db_session.rollback()  # end the read snapshot
    after = db_session.get(Invitation, waiting).expires_at
    assert (after - before) == dt.timedelta(days=5)
    # the web form: a resubmit of the same page is a 409 that says why
    again = client.post(f"/company/candidates/{waiting}/extend", data={"extra_days": "5", "expires_seen": seen})
    assert again.status_code == 409 and "expiry has changed" in again.text
    missing = client.post(f"/company/candidates/{waiting}/extend", data={"extra_days": "5"})
    assert missing.status_code == 400 and "expires_seen" in missing.text
    extended = [e for e in db_session.exec(select(AuditEntry).where(AuditEntry.action == "invitation.extended"))]
    assert len(extended) == 1


# --- 4. email addresses --------------------------------------------------------------------------

BAD_EMAILS = ["a@@b.example", "a@b", "<script>@b.example", "a b@c.example", "a@b.example>", "\"a\"@b.example",
              "a@b..example", "a@-b.example", "a@b.c", "x" * 65 + "@b.example", "a@" + "b" * 250 + ".example"]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_unsound_email_addresses_are_refused(email):
    with pytest.raises(accounts.AccountError) as refused:
        accounts.normalize_email(email)
    assert str(refused.value).startswith("email: ")


@pytest.mark.parametrize("email", ["Ann.Lee+screen@Mail.Example.COM", "o'brien@b-c.example", "x@sub.domain.io"])
def test_ordinary_email_addresses_are_accepted_lower_cased(email):
    assert accounts.normalize_email(email) == email.lower()


def test_bad_emails_are_reported_by_line_and_field(client, tenants, login):
    a, _ = tenants
    login(client, a.email)
    data = b"name,email\nOk,ok@b.example\nTwo,a@@b.example\nThree,<script>@b.example\nFour,a@b\n"
    response = client.post(f"/company/assessments/{a.assessment_id}/invite-csv",
                           data={"file": (io.BytesIO(data), "c.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    for line in (3, 4, 5):
        assert f"line {line}: email: " in response.text
    assert "&lt;script&gt;" in response.text and "<script>@" not in response.text
    single = client.post(f"/company/assessments/{a.assessment_id}/invite", data={"name": "X", "email": "a@b"})
    assert single.status_code == 400 and "email: " in single.text


# --- 5. no cross-company enumeration when adding a user -----------------------------------------

def test_adding_another_companys_user_answers_like_a_new_user(client, tenants, login, db_session, sent):
    a, b = tenants
    login(client, a.email)
    new = client.post("/company/users", data={"email": "fresh@acme.example", "role": "member"})
    taken = client.post("/company/users", data={"email": b.email, "role": "member"})
    assert new.status_code == taken.status_code == 200
    notice = lambda r: re.search(r'<p class="notice" role="status" id="user-added">(.*?)</p>', r.text).group(1)  # noqa: E731
    assert notice(new).replace("fresh@acme.example", "X") == notice(taken).replace(b.email, "X")
    mails = {to: body for to, _, body in sent(2)}
    assert "/company/setup/" in mails["fresh@acme.example"]
    assert "already has an account with another company" in mails[b.email] and "/company/" not in mails[b.email]
    db_session.rollback()
    other = db_session.exec(select(CompanyUser).where(CompanyUser.email == b.email)).one()
    assert other.company_id == b.company_id  # untouched
    same = client.post("/company/users", data={"email": "fresh@acme.example", "role": "member"})
    assert same.status_code == 409  # one's own users are no secret


# --- 6. sign-in does not hash under the write lock ----------------------------------------------

def test_sign_in_checks_the_password_with_no_transaction_open(db_session, tenants, monkeypatch):
    a, _ = tenants
    real, checks = accounts.check_password_hash, []

    def spy(stored, password):
        checks.append(db_session.in_transaction())
        return real(stored, password)

    monkeypatch.setattr(accounts, "check_password_hash", spy)
    user = accounts.authenticate(session=db_session, email=a.email, password="correct horse battery", client="t")
    assert user.email == a.email and user.last_login_at is not None
    with pytest.raises(accounts.AccountError):
        accounts.authenticate(session=db_session, email=a.email, password="wrong password!", client="t")
    with pytest.raises(accounts.AccountError):
        accounts.authenticate(session=db_session, email="nobody@x.example", password="wrong password!", client="t")
    assert checks == [False, False, False]


def test_parallel_wrong_passwords_get_at_most_the_limit_of_answers(app, tenants):
    a, _ = tenants

    def guess(i):
        with app.app_context(), Session(get_engine()) as session:
            try:
                accounts.authenticate(session=session, email=a.email, password=f"guess number {i}", client=f"c{i}")
            except accounts.AccountError as exc:
                return exc.status

    statuses = in_parallel(8, guess)
    assert statuses.count(401) <= accounts.MAX_FAILURES_PER_ACCOUNT and statuses.count(429) >= 3, statuses
