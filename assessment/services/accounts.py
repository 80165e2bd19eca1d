"""Company accounts: companies and their users, passwords (scrypt), login with a rate limit,
signed expiring password-reset links, API keys and the audit log.

Nothing here tells an outsider whether an email has an account: a login with an unknown email
costs the same password check and gets the same answer as a wrong password, and a reset request
always gets the same reply.
"""
import datetime as dt
import hashlib
import logging
import re
import secrets
import smtplib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import text
from sqlmodel import Session, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from assessment.models import ApiKey, AuditEntry, Company, CompanyUser, LoginAttempt, utcnow
from assessment.services.failures import ErrorKind, ServiceError
from assessment.services.transactions import write_transaction

log = logging.getLogger(__name__)
mail_log = logging.getLogger("assessment.mail")

#: scrypt (werkzeug's parameters: N=2**15, r=8, p=1): memory-hard, in the standard library.
PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
#: The rate limit: this many failed logins for one account, or from one client address, within
#: the window lock further tries out until the window has passed (answer 429).
LOGIN_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 30
#: Password-reset requests: at most this many per email, and from one client address, within
#: LOGIN_WINDOW; more get the same reply but no mail (the reply never says which).
MAX_RESETS_PER_ACCOUNT = 3
MAX_RESETS_PER_CLIENT = 10
RESET_MAX_AGE = dt.timedelta(hours=1)
SETUP_MAX_AGE = dt.timedelta(days=7)
API_KEY_PREFIX = "ak_"
#: A key's "last used" is written at most this often: a busy integration does not turn every
#: read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
ROLES = ("admin", "member")
#: A hash of a random password, checked when the email is unknown so that both answers take
#: as long (no account enumeration by timing).
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)
#: Mail goes out on this bounded pool (a request never starts a thread of its own): a flood of
#: requests queues behind two SMTP connections instead of holding a thread each.
_mail_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")


class AccountError(ServiceError):
    """A company-side request that cannot be honoured. Its kind is set as for every service
    error; `status` also says 401 (not signed in / wrong password) and 403 (not an admin),
    which the company and API blueprints answer with."""

    _KINDS = {404: ErrorKind.NOT_FOUND, 409: ErrorKind.CONFLICT, 410: ErrorKind.GONE, 413: ErrorKind.TOO_LARGE,
              429: ErrorKind.RATE_LIMITED}

    def __init__(self, message: str, *, status: int | None = None):
        self.status = status or 400
        super().__init__(message, kind=self._KINDS.get(self.status, ErrorKind.INVALID))


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user or an API key, always of exactly one company."""

    company_id: int
    company_name: str
    user_id: int | None = None
    email: str | None = None
    role: str = "member"
    api_key_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


#: local@domain (ASCII): one @; a local part of 1-64 letters, digits and .!#$%&'*+/=?^_`{|}~-
#: (no quotes, spaces or angle brackets); a domain of at least two dot-separated labels of
#: letters, digits and inner hyphens, the last of 2-63 letters. At most 254 characters in all.
#: The same pattern is in the API's OpenAPI document.
EMAIL_PATTERN = (r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
                 r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_EMAIL = re.compile(EMAIL_PATTERN)


def normalize_email(email: str) -> str:
    """The address lower-cased, or AccountError naming the field and what is wrong."""
    email = (email or "").strip().lower() if isinstance(email, str) else ""
    shown = f"{email[:60]!r}"
    if not email:
        raise AccountError("email: an email address is required")
    if len(email) > 254:
        raise AccountError(f"email: {shown}... is longer than 254 characters")
    if _EMAIL.fullmatch(email) is None:
        raise AccountError(f"email: {shown} is not an email address (expected name@domain.example: one @, "
                           "1 to 64 characters before it, a dotted domain, no spaces, quotes or angle brackets)")
    return email


def _hash_email(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def session_stamp(user: CompanyUser) -> str:
    """Changes when the password does: a new password ends every other session and reset link."""
    return hashlib.sha256((user.password_hash or f"unset:{user.id}").encode()).hexdigest()[:16]


def check_password_rules(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"password: at most {MAX_PASSWORD_LENGTH} characters")


# --- companies and users -----------------------------------------------------------------------

def create_company(*, session: Session, name: str, admin_email: str) -> tuple[Company, CompanyUser]:
    """A company and its first admin, who has no password yet (they set it through a setup link)."""
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise AccountError("name: a company name of 1 to 200 characters is required")
    email = normalize_email(admin_email)
    if session.exec(select(Company).where(Company.name == name)).first() is not None:
        raise AccountError(f"name: a company called {name!r} already exists", status=409)
    if session.exec(select(CompanyUser).where(CompanyUser.email == email)).first() is not None:
        raise AccountError(f"email: {email} already has an account", status=409)
    company = Company(name=name)
    session.add(company)
    session.flush()
    user = CompanyUser(company_id=company.id, email=email, role="admin")
    session.add(user)
    session.flush()
    session.add(AuditEntry(company_id=company.id, user_id=None, action="company.created", target=name,
                           detail={"admin": email}))
    session.commit()
    return company, user


def find_company(*, session: Session, name: str) -> Company | None:
    return session.exec(select(Company).where(Company.name == name)).first()


def set_password(*, session: Session, user: CompanyUser, password: str) -> None:
    check_password_rules(password)
    write_transaction(session)
    _store_password(session, user, password)
    session.commit()


def _store_password(session: Session, user: CompanyUser, password: str) -> None:
    check_password_rules(password)
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    session.add(user)


def users_page(*, session: Session, actor: Actor, invite_email: str | None = None, role: str = "member",
               secret_key: str = "", base_url: str = "", mail_settings: dict | None = None) -> dict:
    """The company's users; with `invite_email`, first add that user and mail them a one-time
    setup link (valid for SETUP_MAX_AGE; logged when no mail server is configured).

    An address that already has an account with another company gets the same answer (`added`)
    and a mail telling its owner, so the admin learns nothing about other companies' users."""
    _require_admin(actor)
    added = None
    if invite_email is not None:
        write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
        if role not in ROLES:
            raise AccountError(f"role: {role!r} is not admin or member")
        email = normalize_email(invite_email)
        existing = session.exec(select(CompanyUser).where(CompanyUser.email == email)).first()
        if existing is not None and existing.company_id == actor.company_id:
            raise AccountError(f"email: {email} is already a user of this company", status=409)
        audit(session, actor, "user.added", email, role=role)
        if existing is None:
            user = CompanyUser(company_id=actor.company_id, email=email, role=role)
            session.add(user)
            session.flush()
            session.commit()
            body = (f"{actor.company_name} added you to its screening workspace. Set your password within "
                    f"{SETUP_MAX_AGE.days} days:\n{setup_url(user=user, secret_key=secret_key, base_url=base_url)}\n")
        else:
            session.commit()
            body = (f"{actor.company_name} tried to add this address to its screening workspace, but it already "
                    "has an account with another company. Ask them to add a different address.\n")
        _mail_pool.submit(send_mail, mail_settings or {}, email, "Your screening workspace account", body)
        added = email
    users = session.exec(select(CompanyUser).where(CompanyUser.company_id == actor.company_id)
                         .order_by(CompanyUser.email)).all()
    return {"users": [{"email": u.email, "role": u.role, "active": u.is_active, "has_password": bool(u.password_hash),
                       "last_login_at": u.last_login_at} for u in users], "added": added}


def setup_url(*, user: CompanyUser, secret_key: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/company/setup/{make_password_token(user=user, secret_key=secret_key, purpose='setup')}"


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise AccountError("Only a company admin can do this.", status=403)


# --- login -------------------------------------------------------------------------------------

def authenticate(*, session: Session, email: str, password: str, client: str,
                 now: dt.datetime | None = None) -> CompanyUser:
    """The user, or AccountError (401 for a wrong email or password, same text either way;
    429 once the rate limit is reached).

    The password hash (scrypt, ~0.1-0.4 s) is checked with no transaction open, so sign-ins never
    hold the database's write lock while hashing (candidates' answer saves wait for that lock);
    the lock is taken afterwards, only to re-check the limit and record the attempt. A burst of
    parallel guesses may all be hashed, but only those within the limit get an answer."""
    now = now or utcnow()
    email = (email or "").strip().lower()[:254]
    email_hash, client = _hash_email(email), (client or "unknown")[:64]
    _check_login_limit(session, email_hash, client, now)
    user = session.exec(select(CompanyUser).where(CompanyUser.email == email)).first() if email else None
    stored = user.password_hash if user is not None and user.is_active and user.password_hash else _DUMMY_HASH
    user_id = user.id if user is not None else None
    session.rollback()  # end the read transaction: nothing is locked while hashing
    ok = check_password_hash(stored, password or "") and stored is not _DUMMY_HASH
    _lock_attempts(session)
    _check_login_limit(session, email_hash, client, now)  # parallel failures may have landed meanwhile
    session.add(LoginAttempt(email_hash=email_hash, client=client, succeeded=ok, created_at=now))
    if ok:
        user = session.get(CompanyUser, user_id)
        ok = user is not None and user.is_active and user.password_hash == stored
    if ok:
        user.last_login_at = now
        session.add(user)
    session.commit()
    if not ok:
        raise AccountError("The email or password is wrong.", status=401)
    return user


#: The PostgreSQL advisory-lock key that serialises counting and recording login/reset attempts.
_ATTEMPTS_LOCK_KEY = 0x6C6F67696E  # "login"


def _lock_attempts(session: Session) -> None:
    """Begin a write transaction in which no other request counts or records attempts until this
    one commits: SQLite's write lock, or a transaction-level advisory lock on PostgreSQL (there
    is no row to lock for an unknown email or a client)."""
    write_transaction(session)
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ATTEMPTS_LOCK_KEY})


def _recent(session: Session, now: dt.datetime, *, email_hash: str, client: str, succeeded: bool) -> tuple[int, int]:
    """How many attempts of this outcome, for this email hash and from this client, in the window."""
    attempts = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.created_at > now - LOGIN_WINDOW, LoginAttempt.succeeded.is_(succeeded))
    return (session.exec(attempts.where(LoginAttempt.email_hash == email_hash)).one(),
            session.exec(attempts.where(LoginAttempt.client == client)).one())


def _check_login_limit(session: Session, email_hash: str, client: str, now: dt.datetime) -> None:
    by_account, by_client = _recent(session, now, email_hash=email_hash, client=client, succeeded=False)
    if by_account >= MAX_FAILURES_PER_ACCOUNT or by_client >= MAX_FAILURES_PER_CLIENT:
        session.rollback()
        raise AccountError("Too many failed sign-in attempts. Wait 15 minutes and try again.", status=429)


def actor_for_session(*, session: Session, user_id, stamp) -> Actor | None:
    """The signed-in user's Actor if the session is still valid (user active, password unchanged)."""
    if not isinstance(user_id, int) or not isinstance(stamp, str):
        return None
    user = session.get(CompanyUser, user_id)
    if user is None or not user.is_active or user.password_hash is None or session_stamp(user) != stamp:
        return None
    company = session.get(Company, user.company_id)
    return Actor(company_id=company.id, company_name=company.name, user_id=user.id, email=user.email, role=user.role)


# --- password reset and setup links -------------------------------------------------------------

def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"company-{purpose}")


def make_password_token(*, user: CompanyUser, secret_key: str, purpose: str = "reset") -> str:
    """A signed link token, valid until the password changes (one use) or it expires."""
    return _serializer(secret_key, purpose).dumps({"u": user.id, "s": session_stamp(user)})


def redeem_password_token(*, session: Session, token: str, password: str, secret_key: str,
                          purpose: str = "reset") -> CompanyUser:
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    max_age = SETUP_MAX_AGE if purpose == "setup" else RESET_MAX_AGE
    try:
        data = _serializer(secret_key, purpose).loads(token or "", max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise AccountError("This link has expired. Ask for a new one.", status=410) from None
    except BadSignature:
        raise AccountError("This link is not valid.", status=404) from None
    user = session.get(CompanyUser, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.is_active or session_stamp(user) != data.get("s"):
        raise AccountError("This link has already been used or is not valid.", status=404)
    _store_password(session, user, password)
    session.add(AuditEntry(company_id=user.company_id, user_id=user.id, action=f"password.{purpose}",
                           target=user.email))
    session.commit()
    return user


def check_password_token(*, token: str, secret_key: str, purpose: str = "reset") -> bool:
    max_age = SETUP_MAX_AGE if purpose == "setup" else RESET_MAX_AGE
    try:
        _serializer(secret_key, purpose).loads(token or "", max_age=int(max_age.total_seconds()))
    except BadSignature:
        return False
    return True


def request_password_reset(*, session: Session, email: str, secret_key: str, base_url: str,
                           mail_settings: dict, client: str = "", now: dt.datetime | None = None) -> bool:
    """Send a reset link if the account exists and the limits allow. The caller answers the same
    either way (the return value, whether a mail was queued, is for tests and logs only).

    Every request is counted (in `login_attempt`, under a "reset:"-prefixed email hash and client
    so sign-in limits are not touched): at most MAX_RESETS_PER_ACCOUNT per email and
    MAX_RESETS_PER_CLIENT per client address within LOGIN_WINDOW. The mail goes out on a bounded
    pool, so the answer takes as long whether or not the account exists."""
    try:
        email = normalize_email(email)
    except AccountError:
        return False
    now = now or utcnow()
    email_hash, client = _hash_email("reset:" + email), "reset:" + (client or "unknown")[:58]
    _lock_attempts(session)  # count, then record: serialised, so a parallel flood is limited too
    by_account, by_client = _recent(session, now, email_hash=email_hash, client=client, succeeded=False)
    if by_account >= MAX_RESETS_PER_ACCOUNT or by_client >= MAX_RESETS_PER_CLIENT:
        session.rollback()
        log.warning("password reset limit reached (client %s)", client)
        return False
    session.add(LoginAttempt(email_hash=email_hash, client=client, succeeded=False, created_at=now))
    user = session.exec(select(CompanyUser).where(CompanyUser.email == email)).first()
    session.commit()
    if user is None or not user.is_active:
        return False
    link = f"{base_url.rstrip('/')}/company/reset/{make_password_token(user=user, secret_key=secret_key)}"
    _mail_pool.submit(send_mail, mail_settings, email, "Reset your password",
                      f"Set a new password within an hour:\n{link}\n")
    return True


def send_mail(settings: dict, to: str, subject: str, body: str) -> None:
    """SMTP when MAIL_SERVER is configured; otherwise the message goes to the log (the demo)."""
    if not settings.get("MAIL_SERVER"):
        mail_log.warning("no MAIL_SERVER configured; mail to %s: %s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = settings.get("MAIL_FROM") or "no-reply@localhost"
    message["To"], message["Subject"] = to, subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings["MAIL_SERVER"], int(settings.get("MAIL_PORT") or 25), timeout=20) as smtp:
            if settings.get("MAIL_USE_TLS"):
                smtp.starttls()
            if settings.get("MAIL_USERNAME"):
                smtp.login(settings["MAIL_USERNAME"], settings.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send mail to %s", to)


# --- API keys ----------------------------------------------------------------------------------

def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_key(*, session: Session, actor: Actor, name: str) -> tuple[ApiKey, str]:
    """A new key; the raw key is returned once and only its hash is stored."""
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    _require_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AccountError("name: a key name of 1 to 100 characters is required")
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(company_id=actor.company_id, name=name, prefix=raw[:10], key_hash=_hash_key(raw))
    session.add(key)
    session.flush()
    audit(session, actor, "api_key.created", name, key_id=key.id, prefix=key.prefix)
    session.commit()
    return key, raw


def api_keys_page(*, session: Session, actor: Actor, create_name: str | None = None) -> dict:
    """The company's keys; with `create_name`, first create one: its raw value is in
    `new_key`, this once."""
    new_key = create_api_key(session=session, actor=actor, name=create_name)[1] if create_name is not None else None
    keys = session.exec(select(ApiKey).where(ApiKey.company_id == actor.company_id)
                        .order_by(ApiKey.created_at.desc())).all()
    return {"keys": [{"id": k.id, "name": k.name, "prefix": k.prefix, "created_at": k.created_at,
                      "revoked_at": k.revoked_at, "last_used_at": k.last_used_at} for k in keys], "new_key": new_key}


def revoke_api_key(*, session: Session, actor: Actor, key_id: int, now: dt.datetime | None = None) -> ApiKey:
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    _require_admin(actor)
    key = session.get(ApiKey, key_id)
    if key is None or key.company_id != actor.company_id:
        raise AccountError("No such API key.", status=404)
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
        session.add(key)
        audit(session, actor, "api_key.revoked", key.name, key_id=key.id, prefix=key.prefix)
        session.commit()
    return key


def actor_for_api_key(*, session: Session, raw: str, now: dt.datetime | None = None) -> Actor | None:
    if not raw or not raw.startswith(API_KEY_PREFIX) or len(raw) > 100:
        return None
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == _hash_key(raw))).first()
    if key is None or key.revoked_at is not None:
        return None
    now = now or utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        write_transaction(session)
        key = session.get(ApiKey, key.id)
        key.last_used_at = now
        session.add(key)
        session.commit()
    company = session.get(Company, key.company_id)
    return Actor(company_id=company.id, company_name=company.name, role="member", api_key_id=key.id)


# --- audit ---------------------------------------------------------------------------------------

def audit(session: Session, actor: Actor, action: str, target: str = "", **detail) -> None:
    """Record an admin action in the caller's transaction (the caller commits)."""
    session.add(AuditEntry(company_id=actor.company_id, user_id=actor.user_id, api_key_id=actor.api_key_id,
                           action=action, target=str(target)[:200], detail=detail))


def list_audit(*, session: Session, actor: Actor, limit: int = 200) -> list[dict]:
    _require_admin(actor)
    rows = session.exec(select(AuditEntry, CompanyUser, ApiKey)
                        .join(CompanyUser, CompanyUser.id == AuditEntry.user_id, isouter=True)
                        .join(ApiKey, ApiKey.id == AuditEntry.api_key_id, isouter=True)
                        .where(AuditEntry.company_id == actor.company_id)
                        .order_by(AuditEntry.id.desc()).limit(limit)).all()
    return [{"when": e.created_at, "who": u.email if u else (f"API key {k.name} ({k.prefix}…)" if k else "system"),
             "action": e.action, "target": e.target, "detail": e.detail} for e, u, k in rows]
