"""The company's assessments and invitations. Every function takes the acting company (an
Actor) and refuses another company's objects with the same 404 as a missing one, so ids
cannot be probed."""
import csv
import datetime as dt
import io
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from assessment.models import (
    Assessment,
    AssessmentProfile,
    AssessmentSection,
    Attempt,
    Invitation,
    Section,
    SectionAttempt,
    utcnow,
)
from assessment.services.accounts import AccountError, Actor, audit, normalize_email, send_mail
from assessment.services.delivery import TOKEN_BYTES, hash_token
from assessment.services.transactions import write_transaction

#: An invitation link is valid this long unless the company says otherwise.
DEFAULT_EXPIRY_DAYS = 14
MAX_EXPIRY_DAYS = 180
MAX_MULTIPLIER = 4.0
MAX_SECTION_MINUTES = 240
MAX_SECTION_ITEMS = 100
MAX_CSV_ROWS = 1000
SCORE_MIN, SCORE_MAX = 1, 300  # the reporting scale (assessment.scoring.scale)
NOT_FOUND = "Not found."


class CompanyError(AccountError):
    """Bad input or a refused request on the company side; `problems` lists every bad field."""

    def __init__(self, message: str, *, status: int | None = None, problems: list[str] | None = None):
        super().__init__(message, status=status)
        self.problems = problems or [message]


# --- the bank's catalogue and roles --------------------------------------------------------------

@lru_cache(maxsize=8)
def _roles_cached(path: str, mtime: float) -> dict:
    data = yaml.safe_load(Path(path).read_text()) or {}
    return {r["id"]: {"id": r["id"], "title": r.get("title", r["id"]), "targets": dict(r.get("targets") or {})}
            for r in data.get("roles") or [] if isinstance(r, dict) and "id" in r}


def load_roles(sections_dir: str) -> dict:
    """Role profiles from sections/roles.yaml (id -> title, per-section target band); {} if none."""
    path = Path(sections_dir) / "roles.yaml"
    if not path.is_file():
        return {}
    return _roles_cached(str(path), path.stat().st_mtime)


def _catalogue(session: Session) -> dict[str, Section]:
    return {s.id: s for s in session.exec(select(Section).order_by(Section.id)).all()}


# --- assessments ---------------------------------------------------------------------------------

@dataclass
class SectionChoice:
    section_id: str
    minutes: int
    min_items: int
    max_items: int
    cut_score: int | None = None


@dataclass
class AssessmentSpec:
    """A company's assessment as the form or the API sends it, before validation."""

    title: str
    mode: str
    sections: list[SectionChoice]
    target_role: str | None = None
    overall_cut: int | None = None


def _check_spec(session: Session, spec: AssessmentSpec, roles: dict) -> None:
    problems = []
    if not spec.title.strip() or len(spec.title) > 200:
        problems.append("title: 1 to 200 characters")
    if spec.mode not in ("adaptive", "fixed"):
        problems.append(f"mode: {spec.mode!r} is not adaptive or fixed")
    if spec.target_role and spec.target_role not in roles:
        problems.append(f"target_role: {spec.target_role!r} is not a role in sections/roles.yaml")
    if not spec.sections:
        problems.append("sections: choose at least one section")
    known = _catalogue(session)
    seen = set()
    for s in spec.sections:
        where = f"sections.{s.section_id}"
        if s.section_id not in known:
            problems.append(f"{where}: no such section in the bank")
            continue
        if s.section_id in seen:
            problems.append(f"{where}: chosen twice")
        seen.add(s.section_id)
        if not 1 <= s.minutes <= MAX_SECTION_MINUTES:
            problems.append(f"{where}.minutes: 1 to {MAX_SECTION_MINUTES}")
        if not 1 <= s.min_items <= s.max_items <= MAX_SECTION_ITEMS:
            problems.append(f"{where}.length: need 1 <= minimum <= maximum <= {MAX_SECTION_ITEMS}")
        if s.cut_score is not None and not SCORE_MIN <= s.cut_score <= SCORE_MAX:
            problems.append(f"{where}.cut_score: {SCORE_MIN} to {SCORE_MAX}")
    if spec.overall_cut is not None and not SCORE_MIN <= spec.overall_cut <= SCORE_MAX:
        problems.append(f"overall_cut: {SCORE_MIN} to {SCORE_MAX}")
    if problems:
        raise CompanyError(problems[0], problems=problems)


def _write_sections(session: Session, assessment: Assessment, spec: AssessmentSpec) -> None:
    for position, s in enumerate(spec.sections):
        session.add(AssessmentSection(assessment_id=assessment.id, section_id=s.section_id, position=position,
                                      time_limit_seconds=s.minutes * 60, min_items=s.min_items,
                                      max_items=s.max_items))


def _new_version(session: Session, actor: Actor, spec: AssessmentSpec, family_id: int | None,
                 version: int) -> Assessment:
    assessment = Assessment(title=spec.title.strip(), mode=spec.mode, company_id=actor.company_id,
                            target_role=spec.target_role or None)
    session.add(assessment)
    session.flush()
    _write_sections(session, assessment, spec)
    session.add(AssessmentProfile(assessment_id=assessment.id, company_id=actor.company_id,
                                  family_id=family_id or assessment.id, version=version,
                                  cut_scores={s.section_id: s.cut_score for s in spec.sections
                                              if s.cut_score is not None},
                                  overall_cut=spec.overall_cut))
    return assessment


def create_assessment(*, session: Session, actor: Actor, spec: AssessmentSpec, sections_dir: str) -> int:
    """A new company assessment; returns its id (the family's id)."""
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    _check_spec(session, spec, load_roles(sections_dir))
    assessment = _new_version(session, actor, spec, None, 1)
    audit(session, actor, "assessment.created", spec.title, assessment_id=assessment.id)
    session.commit()
    return assessment.id


def _own_profile(session: Session, actor: Actor, assessment_id, lock: bool = False) -> AssessmentProfile:
    """The current version of the company's assessment family `assessment_id` (any version's
    id is accepted); 404 for anything else, including another company's. `lock` row-locks the
    current version (PostgreSQL; SQLite holds its write lock through write_transaction)."""
    profile = session.get(AssessmentProfile, assessment_id) if isinstance(assessment_id, int) else None
    if profile is None or profile.company_id != actor.company_id:
        raise CompanyError(NOT_FOUND, status=404)
    current = select(AssessmentProfile).where(AssessmentProfile.family_id == profile.family_id,
                                              AssessmentProfile.is_current)
    if not lock:
        return session.exec(current).one()
    # PostgreSQL: if another editor made a new version while this one waited for the lock, the
    # locked row is no longer current and the query finds nothing; the next query sees the new one.
    for _ in range(3):
        found = session.exec(current.with_for_update()).first()
        if found is not None:
            return found
    raise CompanyError("Someone else is editing this assessment; reload and try again.", status=409)


def update_assessment(*, session: Session, actor: Actor, assessment_id: int, spec: AssessmentSpec,
                      sections_dir: str) -> int:
    """Edit in place while nobody has been invited; afterwards a new version takes the edit and
    new invitations, and the old version keeps serving the invitations it has. Returns the id
    of the version that now carries the settings."""
    _check_spec(session, spec, load_roles(sections_dir))
    # Two editors saving at once: the second waits for the first and edits the version it made.
    write_transaction(session)
    profile = _own_profile(session, actor, assessment_id, lock=True)
    current = session.get(Assessment, profile.assessment_id)
    invited = session.exec(select(Invitation.id).where(Invitation.assessment_id == current.id)).first()
    if invited is None:
        for row in session.exec(select(AssessmentSection).where(AssessmentSection.assessment_id == current.id)):
            session.delete(row)
        session.flush()
        current.title, current.mode, current.target_role = spec.title.strip(), spec.mode, spec.target_role or None
        _write_sections(session, current, spec)
        profile.cut_scores = {s.section_id: s.cut_score for s in spec.sections if s.cut_score is not None}
        profile.overall_cut = spec.overall_cut
        session.add_all([current, profile])
        audit(session, actor, "assessment.edited", spec.title, assessment_id=current.id, version=profile.version)
        session.commit()
        return current.id
    try:
        profile.is_current = False
        session.add(profile)
        session.flush()
        new = _new_version(session, actor, spec, profile.family_id, profile.version + 1)
        audit(session, actor, "assessment.new_version", spec.title, assessment_id=new.id,
              version=profile.version + 1, previous=current.id)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise CompanyError("Someone else edited this assessment at the same time; reload and try again.",
                           status=409) from None
    return new.id


def _sections_of(session: Session, assessment_id: int) -> list[dict]:
    rows = session.exec(select(AssessmentSection, Section).join(Section)
                        .where(AssessmentSection.assessment_id == assessment_id)
                        .order_by(AssessmentSection.position)).all()
    return [{"section_id": s.id, "title": s.title, "description": s.description,
             "minutes": round((p.time_limit_seconds or s.time_limit_seconds) / 60),
             "min_items": p.min_items or s.min_items, "max_items": p.max_items or s.max_items} for p, s in rows]


def _assessment_view(session: Session, profile: AssessmentProfile, roles: dict) -> dict:
    a = session.get(Assessment, profile.assessment_id)
    sections = _sections_of(session, a.id)
    for s in sections:
        s["cut_score"] = profile.cut_scores.get(s["section_id"])
    role = roles.get(a.target_role) if a.target_role else None
    return {"id": a.id, "family_id": profile.family_id, "version": profile.version, "title": a.title,
            "mode": a.mode, "target_role": a.target_role, "target_role_title": role["title"] if role else None,
            "overall_cut": profile.overall_cut, "sections": sections, "created_at": a.created_at,
            "total_minutes": sum(s["minutes"] for s in sections)}


def list_assessments(*, session: Session, actor: Actor, sections_dir: str) -> list[dict]:
    roles = load_roles(sections_dir)
    profiles = session.exec(select(AssessmentProfile).where(AssessmentProfile.company_id == actor.company_id,
                                                            AssessmentProfile.is_current)
                            .order_by(AssessmentProfile.created_at.desc())).all()
    out = []
    for p in profiles:
        view = _assessment_view(session, p, roles)
        view["invited"] = len(session.exec(select(Invitation.id).join(AssessmentProfile,
                                           AssessmentProfile.assessment_id == Invitation.assessment_id)
                                           .where(AssessmentProfile.family_id == p.family_id)).all())
        out.append(view)
    return out


def get_assessment(*, session: Session, actor: Actor, assessment_id: int, sections_dir: str) -> dict:
    return _assessment_view(session, _own_profile(session, actor, assessment_id), load_roles(sections_dir))


def assessment_form(*, session: Session, actor: Actor, assessment_id: int | None, sections_dir: str) -> dict:
    """What the create/edit form needs: the bank's sections, the roles, and the current settings."""
    roles = load_roles(sections_dir)
    current = (_assessment_view(session, _own_profile(session, actor, assessment_id), roles)
               if assessment_id is not None else None)
    catalogue = [{"id": s.id, "title": s.title, "minutes": round(s.time_limit_seconds / 60),
                  "min_items": s.min_items, "max_items": s.max_items} for s in _catalogue(session).values()]
    return {"catalogue": catalogue, "roles": list(roles.values()), "assessment": current}


def preview(*, session: Session, actor: Actor, assessment_id: int, sections_dir: str) -> dict:
    """The start page as a candidate sees it (no attempt is created)."""
    return get_assessment(session=session, actor=actor, assessment_id=assessment_id, sections_dir=sections_dir)


# --- invitations ---------------------------------------------------------------------------------

@dataclass
class NewInvitation:
    id: int
    name: str
    email: str
    token: str  # shown once


@dataclass
class CsvImport:
    """What a CSV upload did: the new invitations, and the lines skipped because that email
    already has an active invitation to the assessment (`line N: email: ... already invited`)."""

    created: list[NewInvitation]
    already_invited: list[str]


@dataclass
class InvitationOptions:
    expires_days: int = DEFAULT_EXPIRY_DAYS
    time_multiplier: float = 1.0
    base_url: str = ""
    mail_settings: dict = field(default_factory=dict)


def _check_options(options: InvitationOptions) -> None:
    if not 1 <= options.expires_days <= MAX_EXPIRY_DAYS:
        raise CompanyError(f"expires_days: 1 to {MAX_EXPIRY_DAYS}")
    if not 1.0 <= options.time_multiplier <= MAX_MULTIPLIER:
        raise CompanyError(f"time_multiplier: 1.0 to {MAX_MULTIPLIER}")


def _check_name(name: str, where: str = "name") -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise CompanyError(f"{where}: a name of 1 to 200 characters is required")
    return name


def _add_invitations(session: Session, actor: Actor, assessment_id: int, people: list[tuple[str, str]],
                     options: InvitationOptions, now: dt.datetime) -> list[NewInvitation]:
    created = []
    for name, email in people:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        inv = Invitation(assessment_id=assessment_id, token_hash=hash_token(token), email=email, name=name,
                         created_at=now, expires_at=now + dt.timedelta(days=options.expires_days),
                         time_multiplier=options.time_multiplier)
        session.add(inv)
        session.flush()
        created.append(NewInvitation(inv.id, name, email, token))
    return created


def _actively_invited(session: Session, profile: AssessmentProfile, emails: list[str],
                      now: dt.datetime) -> set[str]:
    """Which of `emails` already have an active (not revoked, not expired) invitation to any
    version of the assessment. Called with the family's current version row-locked (PostgreSQL)
    or the write lock held (SQLite), so two uploads cannot both find an email uninvited."""
    versions = select(AssessmentProfile.assessment_id).where(AssessmentProfile.family_id == profile.family_id)
    rows = session.exec(select(Invitation.email, Invitation.expires_at).where(
        Invitation.assessment_id.in_(versions), Invitation.email.in_(emails), Invitation.revoked_at.is_(None))).all()
    return {email for email, expires_at in rows if expires_at is None or _aware(expires_at) > now}


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _mail_links(created: list[NewInvitation], title: str, options: InvitationOptions) -> None:
    for inv in created:
        send_mail(options.mail_settings, inv.email, f"Your invitation: {title}",
                  f"Hello {inv.name},\n\nTake the test here:\n{options.base_url.rstrip('/')}/t/{inv.token}\n")


def invite(*, session: Session, actor: Actor, assessment_id: int, name: str, email: str,
           options: InvitationOptions, now: dt.datetime | None = None) -> NewInvitation:
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    now = now or utcnow()
    profile = _own_profile(session, actor, assessment_id, lock=True)
    name, email = _check_name(name), normalize_email(email)
    _check_options(options)
    if _actively_invited(session, profile, [email], now):
        raise CompanyError(f"email: {email} is already invited to this assessment (an active invitation: resend or "
                           "extend it from the candidate's page)", status=409)
    [created] = _add_invitations(session, actor, profile.assessment_id, [(name, email)], options, now)
    audit(session, actor, "invitation.created", email, invitation_id=created.id, assessment_id=profile.assessment_id,
          time_multiplier=options.time_multiplier)
    session.commit()
    _mail_links([created], session.get(Assessment, profile.assessment_id).title, options)
    return created


def parse_candidates_csv(text: str) -> list[tuple[int, str, str]]:
    """(line, name, email) of each row of name,email (a header line `name,email` is optional). Every bad line is reported
    as `line N: field: reason`; any problem refuses the whole file."""
    problems, people, seen = [], [], {}
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_CSV_ROWS + 1:
        raise CompanyError(f"file: at most {MAX_CSV_ROWS} candidates per upload")
    for number, row in enumerate(rows, start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if number == 1 and [c.strip().lower() for c in row] == ["name", "email"]:
            continue
        if len(row) != 2:
            problems.append(f"line {number}: expected 2 columns (name,email), found {len(row)}")
            continue
        try:
            name = _check_name(row[0])
            email = normalize_email(row[1])
        except AccountError as exc:
            problems.append(f"line {number}: {exc}")
            continue
        if email in seen:
            problems.append(f"line {number}: email: {email} is also on line {seen[email]}")
            continue
        seen[email] = number
        people.append((number, name, email))
    if problems:
        raise CompanyError(f"{len(problems)} line(s) of the file have problems; nobody was invited.",
                           status=422, problems=problems)
    if not people:
        raise CompanyError("file: no candidates found (expected lines of name,email)", status=422)
    return people


def invite_csv(*, session: Session, actor: Actor, assessment_id: int, data: bytes, options: InvitationOptions,
               now: dt.datetime | None = None) -> CsvImport:
    """All or nothing: one bad line and nobody is invited. Emails that already have an active
    invitation to the assessment are skipped and reported by line, so uploading the same file
    twice (or two uploads at once) invites each person once."""
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    now = now or utcnow()
    profile = _own_profile(session, actor, assessment_id, lock=True)
    _check_options(options)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CompanyError("file: not UTF-8 text (save the sheet as CSV UTF-8)", status=422) from None
    lines = parse_candidates_csv(text)
    invited = _actively_invited(session, profile, [email for _, _, email in lines], now)
    already = [f"line {number}: email: {email} is already invited (an active invitation)"
               for number, _, email in lines if email in invited]
    people = [(name, email) for _, name, email in lines if email not in invited]
    created = _add_invitations(session, actor, profile.assessment_id, people, options, now)
    audit(session, actor, "invitation.imported", f"{len(created)} candidates", assessment_id=profile.assessment_id,
          invitation_ids=[c.id for c in created], already_invited=len(already))
    session.commit()
    _mail_links(created, session.get(Assessment, profile.assessment_id).title, options)
    return CsvImport(created, already)


def _own_invitation(session: Session, actor: Actor, invitation_id) -> tuple[Invitation, AssessmentProfile]:
    inv = session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    profile = session.get(AssessmentProfile, inv.assessment_id) if inv is not None else None
    if profile is None or profile.company_id != actor.company_id:
        raise CompanyError(NOT_FOUND, status=404)
    return inv, profile


def invitation_status(inv: Invitation, attempt: Attempt | None, parts: list[SectionAttempt],
                      now: dt.datetime) -> str:
    """invited | started | in progress | completed | expired | revoked."""
    if inv.revoked_at is not None:
        return "revoked"
    if attempt is None:
        return "expired" if inv.expires_at is not None and now > inv.expires_at else "invited"
    if attempt.status == "completed" or (parts and all(p.status == "closed" for p in parts)):
        return "completed"
    return "in progress" if any(p.started_at is not None for p in parts) else "started"


def _attempt_of(session: Session, inv: Invitation) -> Attempt | None:
    return session.exec(select(Attempt).where(Attempt.invitation_id == inv.id)).first()


def resend_invitation(*, session: Session, actor: Actor, invitation_id: int, options: InvitationOptions,
                      now: dt.datetime | None = None) -> NewInvitation:
    """A new link (the old one stops working: only hashes are stored, so the old link cannot be
    shown again), mailed or logged, valid for another `expires_days` days."""
    _check_options(options)
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    now = now or utcnow()
    inv, profile = _own_invitation(session, actor, invitation_id)
    if inv.revoked_at is not None:
        raise CompanyError("This invitation was revoked.", status=409)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    inv.token_hash = hash_token(token)
    inv.expires_at = max(inv.expires_at or now, now + dt.timedelta(days=options.expires_days))
    session.add(inv)
    audit(session, actor, "invitation.resent", inv.email or "", invitation_id=inv.id)
    session.commit()
    created = NewInvitation(inv.id, inv.name or "", inv.email or "", token)
    _mail_links([created], session.get(Assessment, inv.assessment_id).title, options)
    return created


def revoke_invitation(*, session: Session, actor: Actor, invitation_id: int, now: dt.datetime | None = None) -> int:
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    inv, _ = _own_invitation(session, actor, invitation_id)
    if inv.revoked_at is None:
        inv.revoked_at = now or utcnow()
        session.add(inv)
        audit(session, actor, "invitation.revoked", inv.email or "", invitation_id=inv.id)
        session.commit()
    return inv.assessment_id


def extend_invitation(*, session: Session, actor: Actor, invitation_id: int, extra_days: int = 0,
                      time_multiplier: float | None = None, seen_expires_at: str | None = None,
                      now: dt.datetime | None = None) -> int:
    """More days to start, and/or more time per section (an accommodation). The multiplier is
    applied by the server clock when the candidate begins, so it can change only before then.

    `seen_expires_at` (required with `extra_days`: the form sends the expiry it showed, ISO 8601,
    "" for none) makes the extension idempotent: if the expiry is no longer that one (a double submit, another admin),
    nothing changes and the answer is 409 with the current expiry."""
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    now = now or utcnow()
    inv, _ = _own_invitation(session, actor, invitation_id)
    inv = session.exec(select(Invitation).where(Invitation.id == inv.id).with_for_update()
                       .execution_options(populate_existing=True)).one()  # PostgreSQL: wait for a parallel extend
    if inv.revoked_at is not None:
        raise CompanyError("This invitation was revoked.", status=409)
    if not 0 <= extra_days <= MAX_EXPIRY_DAYS:
        raise CompanyError(f"extra_days: 0 to {MAX_EXPIRY_DAYS}")
    if extra_days:
        if seen_expires_at is None:
            raise CompanyError("expires_seen: missing (the expiry the page showed); reload the page and extend again")
        try:
            seen = _aware(dt.datetime.fromisoformat(seen_expires_at)) if seen_expires_at else None
        except ValueError:
            raise CompanyError("expires_seen: not a date and time; reload the page") from None
        current = _aware(inv.expires_at) if inv.expires_at is not None else None
        if seen != current:
            shown = current.strftime("%Y-%m-%d %H:%M UTC") if current else "no expiry"
            raise CompanyError(f"extra_days: the link's expiry has changed since this page was loaded (now {shown}); "
                               "nothing was extended. Reload the page to extend it again.", status=409)
    if time_multiplier is not None:
        if not 1.0 <= time_multiplier <= MAX_MULTIPLIER:
            raise CompanyError(f"time_multiplier: 1.0 to {MAX_MULTIPLIER}")
        if _attempt_of(session, inv) is not None and time_multiplier != inv.time_multiplier:
            raise CompanyError("time_multiplier: the candidate has already begun; the time per section is fixed "
                               "when they begin", status=409)
        inv.time_multiplier = time_multiplier
    if extra_days:
        inv.expires_at = max(_aware(inv.expires_at) if inv.expires_at else now, now) + dt.timedelta(days=extra_days)
    session.add(inv)
    audit(session, actor, "invitation.extended", inv.email or "", invitation_id=inv.id, extra_days=extra_days,
          time_multiplier=inv.time_multiplier)
    session.commit()
    return inv.assessment_id
