"""The company's view of its candidates: status, scores, bands, percentile in the cohort, role
fit, pass or fail against the cut scores, time used and integrity signals; the cohort's score
distribution; the CSV export; a candidate's report PDF."""
import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session, select

from assessment.models import Assessment, AssessmentProfile, Attempt, Invitation, SectionAttempt, utcnow
from assessment.services import integrity
from assessment.services.accounts import Actor, audit
from assessment.services.company import (
    NOT_FOUND,
    CompanyError,
    _assessment_view,
    _own_invitation,
    _own_profile,
    invitation_status,
    load_roles,
)
from assessment.services.transactions import write_transaction

BAND_RANK = {"beginning": 0, "developing": 1, "accomplished": 2}
STATUSES = ("invited", "started", "in progress", "completed", "expired", "revoked")
SORTS = ("overall", "name", "status", "time_used", "invited_at", "signals")
#: The distribution chart's bins on the 1-300 scale.
HISTOGRAM_BIN = 25


@dataclass
class DashboardQuery:
    q: str = ""
    status: str = ""
    sort: str = "overall"
    descending: bool = True


def _family_ids(session: Session, profile: AssessmentProfile) -> list[int]:
    return list(session.exec(select(AssessmentProfile.assessment_id)
                             .where(AssessmentProfile.family_id == profile.family_id)).all())


def _rows(session: Session, profile: AssessmentProfile, roles: dict, now: dt.datetime) -> tuple[dict, list[dict]]:
    """Every invitation of the assessment's family, with its scores and signals."""
    view = _assessment_view(session, profile, roles)
    ids = _family_ids(session, profile)
    versions = {p.assessment_id: p for p in session.exec(select(AssessmentProfile)
                                                         .where(AssessmentProfile.assessment_id.in_(ids))).all()}
    targets = (roles.get(view["target_role"]) or {}).get("targets", {}) if view["target_role"] else {}
    invitations = session.exec(select(Invitation, Attempt).join(Attempt, Attempt.invitation_id == Invitation.id,
                                                                isouter=True)
                               .where(Invitation.assessment_id.in_(ids)).order_by(Invitation.id)).all()
    attempt_ids = [a.id for _, a in invitations if a is not None]
    parts_by_attempt: dict[int, list[SectionAttempt]] = {}
    if attempt_ids:
        for part in session.exec(select(SectionAttempt).where(SectionAttempt.attempt_id.in_(attempt_ids))
                                 .order_by(SectionAttempt.position)).all():
            parts_by_attempt.setdefault(part.attempt_id, []).append(part)
    signals = integrity.signal_counts(session, attempt_ids)
    copies = integrity.code_near_copies(session, ids)
    names = {inv.id: inv.name or inv.email or f"#{inv.id}" for inv, _ in invitations}
    rows = []
    for inv, attempt in invitations:
        parts = parts_by_attempt.get(attempt.id, []) if attempt else []
        status = invitation_status(inv, attempt, parts, now)
        version = versions[inv.assessment_id]
        sections = {p.section_id: {"score": p.score, "band": p.band, "low": p.score_low, "high": p.score_high}
                    for p in parts if p.status == "closed"}
        scored = [s["score"] for s in sections.values() if s["score"] is not None]
        overall = round(sum(scored) / len(scored)) if scored and status == "completed" else None
        used = sum(((p.closed_at or now) - p.started_at).total_seconds() for p in parts if p.started_at)
        passed = None
        if status == "completed" and (version.cut_scores or version.overall_cut is not None):
            passed = all((sections.get(sid) or {}).get("score") is not None
                         and sections[sid]["score"] >= cut for sid, cut in version.cut_scores.items())
            if version.overall_cut is not None:
                passed = passed and overall is not None and overall >= version.overall_cut
        fit = None
        if targets and status == "completed":
            judged = [sid for sid in sections if sid in targets and sections[sid]["band"]]
            if judged:
                met = sum(BAND_RANK.get(sections[s]["band"], -1) >= BAND_RANK.get(targets[s], 9) for s in judged)
                fit = {"met": met, "of": len(judged), "share": round(met / len(judged), 2)}
        counts = signals.get(attempt.id) if attempt else None
        mine = [{"other": names.get(c["b"] if c["a"] == inv.id else c["a"]),
                 "other_id": c["b"] if c["a"] == inv.id else c["a"], "item": c["item"],
                 "similarity": c["similarity"]} for c in copies if inv.id in (c["a"], c["b"])]
        n_signals = (sum(counts[k] for k in integrity.SIGNAL_KINDS) if counts else 0) + len(mine)
        rows.append({"id": inv.id, "name": inv.name or "", "email": inv.email or "", "status": status,
                     "version": version.version, "invited_at": inv.created_at, "expires_at": inv.expires_at,
                     "time_multiplier": inv.time_multiplier, "attempt_id": attempt.id if attempt else None,
                     "sections": sections, "overall": overall, "percentile": None, "passed": passed,
                     "role_fit": fit, "time_used_seconds": round(used), "signals": counts or {},
                     "near_copies": mine, "signal_count": n_signals})
    _percentiles(rows)
    return view, rows


def _percentiles(rows: list[dict]) -> None:
    """Percentile rank within the cohort of completed candidates: share scoring below, plus half
    of those tied (the mid-rank definition, so a cohort of one sits at 50)."""
    scores = [r["overall"] for r in rows if r["overall"] is not None]
    for r in rows:
        if r["overall"] is not None:
            below = sum(s < r["overall"] for s in scores)
            tied = sum(s == r["overall"] for s in scores)
            r["percentile"] = round(100 * (below + 0.5 * tied) / len(scores))


def _apply(rows: list[dict], query: DashboardQuery) -> list[dict]:
    if query.status and query.status not in STATUSES:
        raise CompanyError(f"status: {query.status!r} is not one of {', '.join(STATUSES)}")
    if query.sort not in SORTS:
        raise CompanyError(f"sort: {query.sort!r} is not one of {', '.join(SORTS)}")
    needle = query.q.strip().lower()
    out = [r for r in rows if (not query.status or r["status"] == query.status)
           and (not needle or needle in r["name"].lower() or needle in r["email"].lower())]
    key = {"overall": lambda r: (r["overall"] is not None, r["overall"] or 0),
           "name": lambda r: r["name"].lower(), "status": lambda r: STATUSES.index(r["status"]),
           "time_used": lambda r: r["time_used_seconds"], "invited_at": lambda r: r["invited_at"],
           "signals": lambda r: r["signal_count"]}[query.sort]
    out.sort(key=key, reverse=query.descending)
    if query.sort == "overall" and query.descending:  # never-scored rows last either way
        out.sort(key=lambda r: r["overall"] is None)
    return out


def histogram(rows: list[dict]) -> list[dict]:
    """Counts of completed overall scores per bin of the 1-300 scale."""
    bins = [{"low": low, "high": min(low + HISTOGRAM_BIN - 1, 300), "count": 0} for low in range(1, 301, HISTOGRAM_BIN)]
    for r in rows:
        if r["overall"] is not None:
            bins[min((r["overall"] - 1) // HISTOGRAM_BIN, len(bins) - 1)]["count"] += 1
    return bins


def dashboard(*, session: Session, actor: Actor, assessment_id: int, query: DashboardQuery, sections_dir: str,
              now: dt.datetime | None = None) -> dict:
    profile = _own_profile(session, actor, assessment_id)
    view, rows = _rows(session, profile, load_roles(sections_dir), now or utcnow())
    shown = _apply(rows, query)
    completed = [r for r in rows if r["overall"] is not None]
    return {"assessment": view, "rows": shown, "total": len(rows), "histogram": histogram(rows),
            "cohort": {"completed": len(completed),
                       "mean": round(sum(r["overall"] for r in completed) / len(completed)) if completed else None,
                       "passed": sum(1 for r in completed if r["passed"]),
                       "by_status": {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES}}}


def compare(*, session: Session, actor: Actor, assessment_id: int, first: int, second: int, sections_dir: str,
            now: dt.datetime | None = None) -> dict:
    profile = _own_profile(session, actor, assessment_id)
    view, rows = _rows(session, profile, load_roles(sections_dir), now or utcnow())
    by_id = {r["id"]: r for r in rows}
    if first not in by_id or second not in by_id:
        raise CompanyError(NOT_FOUND, status=404)
    return {"assessment": view, "pair": [by_id[first], by_id[second]]}


def _safe_cell(value):
    """Spreadsheets run a cell starting with = + - @ as a formula: quote those (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_frame(view: dict, rows: list[dict]) -> pd.DataFrame:
    """The dashboard's columns, one row per candidate."""
    records = []
    for r in rows:
        rec = {"name": r["name"], "email": r["email"], "status": r["status"], "version": r["version"],
               "overall": r["overall"], "percentile": r["percentile"],
               "passed": None if r["passed"] is None else ("pass" if r["passed"] else "fail"),
               "role_fit": f'{r["role_fit"]["met"]}/{r["role_fit"]["of"]}' if r["role_fit"] else None,
               "time_used_minutes": round(r["time_used_seconds"] / 60, 1), "time_multiplier": r["time_multiplier"]}
        for s in view["sections"]:
            part = r["sections"].get(s["section_id"]) or {}
            rec[f'{s["section_id"]}_score'] = part.get("score")
            rec[f'{s["section_id"]}_band'] = part.get("band")
        signals = r["signals"]
        rec.update({"focus_lost": signals.get("focus_lost", 0), "tab_hidden": signals.get("tab_hidden", 0),
                    "pastes": signals.get("paste", 0), "pasted_chars": signals.get("paste_chars", 0),
                    "near_copy_max_similarity": max((c["similarity"] for c in r["near_copies"]), default=None)})
        records.append({k: _safe_cell(v) for k, v in rec.items()})
    frame = pd.DataFrame.from_records(records)
    for column in ("overall", "percentile") + tuple(f'{s["section_id"]}_score' for s in view["sections"]):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


def export_csv(*, session: Session, actor: Actor, assessment_id: int, query: DashboardQuery, sections_dir: str,
               now: dt.datetime | None = None) -> tuple[str, bytes]:
    """(file name, CSV bytes) of the dashboard as filtered; the export is audited."""
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    profile = _own_profile(session, actor, assessment_id)
    view, rows = _rows(session, profile, load_roles(sections_dir), now or utcnow())
    shown = _apply(rows, query)
    frame = export_frame(view, shown)
    audit(session, actor, "results.exported", view["title"], assessment_id=view["id"], rows=len(shown))
    session.commit()
    return f"assessment-{view['family_id']}-results.csv", frame.to_csv(index=False).encode()


def candidate_report(*, session: Session, actor: Actor, invitation_id: int, kind: str = "candidate") -> tuple[str, bytes]:
    """(file name, PDF) of a finished candidate's report, for the company that invited them."""
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    inv, _ = _own_invitation(session, actor, invitation_id)
    attempt = session.exec(select(Attempt).where(Attempt.invitation_id == inv.id)).first()
    if attempt is None:
        raise CompanyError("This candidate has not taken the test yet.", status=409)
    from assessment.services import reports  # weasyprint loads only when a report is asked for

    try:
        pdf = reports.report_pdf(session=session, attempt_id=attempt.id, kind=kind)
    except reports.ReportError as exc:
        raise CompanyError(str(exc), status=getattr(exc, "status", 409)) from None
    audit(session, actor, "report.downloaded", inv.email or "", invitation_id=inv.id, kind=kind)
    session.commit()
    return f"report-{inv.id}.pdf", pdf


def invitation_detail(*, session: Session, actor: Actor, invitation_id: int, sections_dir: str,
                      now: dt.datetime | None = None) -> dict:
    """One candidate's row (as on the dashboard) with the assessment it belongs to."""
    _, profile = _own_invitation(session, actor, invitation_id)
    view, rows = _rows(session, _own_profile(session, actor, profile.assessment_id), load_roles(sections_dir),
                       now or utcnow())
    return {"assessment": view, "candidate": next(r for r in rows if r["id"] == invitation_id)}


def assessment_title(session: Session, assessment_id: int) -> str:
    return session.get(Assessment, assessment_id).title
