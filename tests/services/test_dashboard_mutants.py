"""services/company_dashboard.py against survivors of its mutation run (issue 16.2): a row's
expiry, mid-rank percentiles with three tied scores (0.5 * tied, not 0.5 / tied), the clock
given to compare and to a candidate's detail, and the name sort folding case to lower case."""
import datetime as dt

import test_company_edges as edges
from service_helpers import SAMPLE_CODE
from sqlmodel import select
from test_company_edges import NOW, _assessment, _completed, _rows

from assessment.models import Attempt, AuditEntry, Invitation, SectionAttempt
from assessment.services import company, company_dashboard
from assessment.services.company import InvitationOptions

acme = edges.acme  # the company and its roles file (a fixture)


def _invite(session, acme, assessment_id, name, days=7, now=NOW):
    actor, _ = acme
    return company.invite(session=session, actor=actor, assessment_id=assessment_id, name=name,
                          email=f"{name.strip('_').lower()}@x.example", options=InvitationOptions(expires_days=days),
                          now=now).id


def _utc(value):
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_a_row_carries_its_invitations_expiry(session, acme):
    assessment_id = _assessment(session, acme)
    first = _invite(session, acme, assessment_id, "Ann", days=3)
    second = _invite(session, acme, assessment_id, "Bo", days=10, now=NOW - dt.timedelta(days=1))
    rows = _rows(session, acme, assessment_id)
    assert _utc(rows[first]["expires_at"]) == dt.datetime(2026, 6, 4, 12, 0, tzinfo=dt.UTC)
    assert _utc(rows[second]["expires_at"]) == dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


def test_mid_rank_percentiles_with_three_tied_scores(session, acme):
    """Five completed: three at 150, two at 100. Mid-rank by hand: a 150 has 2 below and 3 tied,
    100 * (2 + 3/2) / 5 = 70; a 100 has none below and 2 tied, 100 * (0 + 2/2) / 5 = 20.
    (With 0.5 / tied a 150 would get 100 * (2 + 1/6) / 5 = 43.)"""
    assessment_id = _assessment(session, acme)
    ids = [_invite(session, acme, assessment_id, name) for name in ("Ann", "Bo", "Cy", "Di", "Ed")]
    for invitation_id, score in zip(ids, (150, 100, 150, 150, 100)):
        _completed(session, invitation_id, {"alpha": (score, "developing")})
    rows = _rows(session, acme, assessment_id)
    assert [rows[i]["overall"] for i in ids] == [150, 100, 150, 150, 100]
    assert [rows[i]["percentile"] for i in ids] == [70, 20, 70, 70, 20]


def test_three_equal_scores_all_sit_at_the_median(session, acme):
    assessment_id = _assessment(session, acme)
    ids = [_invite(session, acme, assessment_id, name) for name in ("Ann", "Bo", "Cy")]
    for invitation_id in ids:
        _completed(session, invitation_id, {"alpha": (120, "developing")})
    rows = _rows(session, acme, assessment_id)
    assert [rows[i]["percentile"] for i in ids] == [50, 50, 50]  # 100 * (0 + 3/2) / 3


def test_compare_and_detail_use_the_clock_given(session, acme):
    """Invited on NOW for 14 days: still invited at NOW (the wall clock is months later, when
    the link has expired); an in-progress section started an hour before NOW has used 3600 s."""
    actor, sections_dir = acme
    assessment_id = _assessment(session, acme)
    waiting = _invite(session, acme, assessment_id, "Ann", days=14)
    working = _invite(session, acme, assessment_id, "Bo", days=14)
    attempt = Attempt(invitation_id=working, seed=1, status="in_progress", started_at=NOW - dt.timedelta(hours=1))
    session.add(attempt)
    session.flush()
    session.add(SectionAttempt(attempt_id=attempt.id, section_id="alpha", position=0, time_limit_seconds=7200,
                               min_items=1, max_items=5, se_target=0.3, status="active",
                               started_at=NOW - dt.timedelta(hours=1)))
    session.commit()
    pair = company_dashboard.compare(session=session, actor=actor, assessment_id=assessment_id, first=waiting,
                                     second=working, sections_dir=sections_dir, now=NOW)["pair"]
    assert [(r["status"], r["time_used_seconds"]) for r in pair] == [("invited", 0), ("in progress", 3600)]
    for invitation_id, expected in ((waiting, ("invited", 0)), (working, ("in progress", 3600))):
        row = company_dashboard.invitation_detail(session=session, actor=actor, invitation_id=invitation_id,
                                                  sections_dir=sections_dir, now=NOW)["candidate"]
        assert (row["status"], row["time_used_seconds"]) == expected
    later = company_dashboard.invitation_detail(session=session, actor=actor, invitation_id=waiting,
                                                sections_dir=sections_dir, now=NOW + dt.timedelta(days=15))
    assert later["candidate"]["status"] == "expired"


def test_the_name_sort_folds_case_to_lower(session, acme):
    """'_' (0x5F) sorts between 'Z' (0x5A) and 'a' (0x61): folded to lower case '_ann' comes
    before 'al', folded to upper case '_ANN' would come after 'ZED'; unfolded, 'Zed' < 'bo'."""
    assessment_id = _assessment(session, acme)
    for name in ("Zed", "bo", "_ann", "Al"):
        _invite(session, acme, assessment_id, name)
    rows = _rows(session, acme, assessment_id, sort="name", descending=False)
    assert [r["name"] for r in rows.values()] == ["_ann", "Al", "bo", "Zed"]


def test_an_anonymous_candidates_report_is_audited_with_an_empty_target(session, acme, monkeypatch, tmp_path):
    from assessment.services import reports as report_service

    actor, _ = acme
    assessment_id = _assessment(session, acme)
    bare = Invitation(assessment_id=assessment_id, token_hash="bare")  # a link without name or e-mail
    session.add(bare)
    session.commit()
    _completed(session, bare.id, {"alpha": (150, "developing")})
    monkeypatch.setattr(report_service.reports, "compose", lambda facts: facts)
    monkeypatch.setattr(report_service.reports, "render_pdf", lambda kind, composed, on_stage=None: b"%PDF")
    monkeypatch.chdir(tmp_path)
    assert company_dashboard.candidate_report(session=session, actor=actor, invitation_id=bare.id) == (
        f"report-{bare.id}.pdf", b"%PDF")
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "report.downloaded")).one()
    assert entry.target == "" and entry.detail == {"invitation_id": bare.id, "kind": "candidate"}


def test_a_started_attempt_without_sections_and_parts_stored_out_of_order(session, acme):
    """An attempt with no section yet is "started"; a row lists its sections in their order in
    the test (position), whatever order the rows were written in."""
    assessment_id = _assessment(session, acme)
    fresh, done = _invite(session, acme, assessment_id, "Ann"), _invite(session, acme, assessment_id, "Bo")
    session.add(Attempt(invitation_id=fresh, seed=1, status="in_progress", started_at=NOW))
    attempt = Attempt(invitation_id=done, seed=1, status="completed", started_at=NOW)
    session.add(attempt)
    session.flush()
    for section_id, position in (("gamma", 2), ("beta", 1), ("alpha", 0)):
        session.add(SectionAttempt(attempt_id=attempt.id, section_id=section_id, position=position,
                                   time_limit_seconds=60, min_items=1, max_items=5, se_target=0.3, status="closed",
                                   started_at=NOW, closed_at=NOW + dt.timedelta(seconds=30), score=150,
                                   band="developing"))
    session.commit()
    rows = _rows(session, acme, assessment_id)
    assert (rows[fresh]["status"], rows[fresh]["time_used_seconds"], rows[fresh]["sections"]) == ("started", 0, {})
    assert list(rows[done]["sections"]) == ["alpha", "beta", "gamma"] and rows[done]["time_used_seconds"] == 90


def test_a_band_the_dashboard_does_not_know_meets_no_target(session, acme):
    """Targets (the acme roles file): alpha developing, beta accomplished. A section band outside
    the three (a renamed band, say) ranks below every target: alpha "expert" does not meet
    "developing", beta "accomplished" meets "accomplished"."""
    assessment_id = _assessment(session, acme, target_role="analyst")
    invitation_id = _invite(session, acme, assessment_id, "Ann")
    _completed(session, invitation_id, {"alpha": (250, "expert"), "beta": (250, "accomplished")})
    assert _rows(session, acme, assessment_id)[invitation_id]["role_fit"] == {"met": 1, "of": 2, "share": 0.5}


def test_each_row_of_a_near_copy_pair_points_at_the_other(session, acme):
    assessment_id = _assessment(session, acme)
    first, second = _invite(session, acme, assessment_id, "Ann"), _invite(session, acme, assessment_id, "Bo")
    for invitation_id in (first, second):
        _completed(session, invitation_id, {"gamma": (100, "developing")}, code=SAMPLE_CODE)
    rows = _rows(session, acme, assessment_id)
    assert [(c["other"], c["other_id"]) for c in rows[first]["near_copies"]] == [("Bo", second)]
    assert [(c["other"], c["other_id"]) for c in rows[second]["near_copies"]] == [("Ann", first)]
