"""services/company_dashboard.py on a cohort written row by row (scores, bands, times chosen by
the test): statuses, overall scores, percentiles, cut results, role fit, time used, signals,
sorting and filtering, the histogram, compare, the CSV export and a candidate's detail."""
import csv
import datetime as dt
import io

import pytest
from sqlmodel import select

from assessment.models import Attempt, AuditEntry, Event, SectionAttempt
from assessment.services import accounts, company, company_dashboard
from assessment.services.company import AssessmentSpec, CompanyError, InvitationOptions, SectionChoice
from assessment.services.company_dashboard import DashboardQuery

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)



def _part(attempt, section_id, position, score=None, band=None, status="closed", minutes=None):
    started = NOW - dt.timedelta(hours=2) if minutes is not None else None
    closed = started + dt.timedelta(minutes=minutes) if minutes is not None and status == "closed" else None
    return SectionAttempt(attempt_id=attempt.id, section_id=section_id, position=position, time_limit_seconds=600,
                          min_items=1, max_items=5, se_target=0.3, status=status, started_at=started,
                          closed_at=closed, score=score, score_low=score and score - 10,
                          score_high=score and score + 10, band=band)


@pytest.fixture
def cohort(session, tmp_path):
    """An assessment (cuts: alpha 140, overall 150; role target alpha developing) and six
    candidates: Ann and Bo completed, Cy in progress, Di invited, Ed revoked, Fay completed low."""
    (tmp_path / "roles.yaml").write_text("roles:\n  - id: analyst\n    title: Analyst\n"
                                         "    targets: {alpha: developing, beta: accomplished}\n")
    firm, user = accounts.create_company(session=session, name="Acme", admin_email="boss@acme.example")
    actor = accounts.Actor(company_id=firm.id, company_name=firm.name, user_id=user.id, role="admin")
    spec = AssessmentSpec(title="Screen", mode="fixed", target_role="analyst", overall_cut=150,
                          sections=[SectionChoice("alpha", 10, 1, 5, cut_score=140), SectionChoice("beta", 10, 1, 5)])
    assessment_id = company.create_assessment(session=session, actor=actor, spec=spec, sections_dir=str(tmp_path))
    ids = {}
    for n, name in enumerate(("Ann", "Bo", "Cy", "Di", "Ed", "Fay")):
        ids[name] = company.invite(session=session, actor=actor, assessment_id=assessment_id, name=name,
                                   email=f"{name.lower()}@x.example", options=InvitationOptions(),
                                   now=NOW - dt.timedelta(days=6 - n)).id

    def attempt(name, status="in_progress"):
        row = Attempt(invitation_id=ids[name], seed=1, status=status, started_at=NOW - dt.timedelta(hours=3))
        session.add(row)
        session.flush()
        return row

    ann, bo, cy, fay = attempt("Ann", "completed"), attempt("Bo", "completed"), attempt("Cy"), attempt("Fay", "completed")
    session.add_all([_part(ann, "alpha", 0, 160, "accomplished", minutes=8), _part(ann, "beta", 1, 150, "developing",
                                                                                    minutes=9),
                     _part(bo, "alpha", 0, 130, "developing", minutes=10), _part(bo, "beta", 1, 200, "accomplished",
                                                                                 minutes=10),
                     _part(cy, "alpha", 0, 100, "beginning", minutes=5), _part(cy, "beta", 1, status="active",
                                                                               minutes=0),
                     _part(fay, "alpha", 0, 20, "beginning", minutes=1), _part(fay, "beta", 1, 30, "beginning",
                                                                               minutes=1)])
    session.add_all([Event(attempt_id=cy.id, kind="integrity.paste", payload={"size": 40}),
                     Event(attempt_id=cy.id, kind="integrity.paste", payload={"size": 2}),
                     Event(attempt_id=cy.id, kind="integrity.focus_lost", payload={}),
                     Event(attempt_id=ann.id, kind="integrity.tab_hidden", payload={})])
    session.commit()
    company.revoke_invitation(session=session, actor=actor, invitation_id=ids["Ed"], now=NOW)
    return actor, assessment_id, ids, str(tmp_path)


def _board(session, cohort, **query):
    actor, assessment_id, _, sections_dir = cohort
    return company_dashboard.dashboard(session=session, actor=actor, assessment_id=assessment_id,
                                       query=DashboardQuery(**query), sections_dir=sections_dir, now=NOW)


def test_each_candidates_row(session, cohort):
    board = _board(session, cohort)
    rows = {r["name"]: r for r in board["rows"]}
    assert {n: r["status"] for n, r in rows.items()} == {"Ann": "completed", "Bo": "completed", "Cy": "in progress",
                                                        "Di": "invited", "Ed": "revoked", "Fay": "completed"}
    ann, bo, cy, fay = rows["Ann"], rows["Bo"], rows["Cy"], rows["Fay"]
    assert (ann["overall"], bo["overall"], fay["overall"], cy["overall"]) == (155, 165, 25, None)
    assert (ann["percentile"], bo["percentile"], fay["percentile"], cy["percentile"]) == (50, 83, 17, None)
    assert (ann["passed"], bo["passed"], fay["passed"], cy["passed"]) == (True, False, False, None)
    assert ann["role_fit"] == {"met": 1, "of": 2, "share": 0.5} and bo["role_fit"] == {"met": 2, "of": 2,
                                                                                       "share": 1.0}
    assert fay["role_fit"] == {"met": 0, "of": 2, "share": 0.0} and cy["role_fit"] is None
    assert ann["sections"]["alpha"] == {"score": 160, "band": "accomplished", "low": 150, "high": 170}
    assert set(cy["sections"]) == {"alpha"}  # the active section has no score yet
    assert (ann["time_used_seconds"], cy["time_used_seconds"], rows["Di"]["time_used_seconds"]) == (1020, 7500, 0)
    assert cy["signals"] == {"focus_lost": 1, "tab_hidden": 0, "paste": 2, "paste_chars": 42, "largest_paste": 40}
    assert (cy["signal_count"], ann["signal_count"], rows["Di"]["signal_count"]) == (3, 1, 0)
    assert rows["Di"]["signals"] == {} and rows["Di"]["attempt_id"] is None and ann["attempt_id"]
    assert (ann["version"], ann["email"], ann["time_multiplier"], ann["near_copies"]) == (1, "ann@x.example", 1.0, [])
    assert board["total"] == 6
    assert board["cohort"] == {"completed": 3, "mean": 115, "passed": 1,
                               "by_status": {"invited": 1, "started": 0, "in progress": 1, "completed": 3,
                                             "expired": 0, "revoked": 1}}
    assert [b["count"] for b in board["histogram"]] == [1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]
    assert board["histogram"][0] == {"low": 1, "high": 25, "count": 1}
    assert board["histogram"][-1] == {"low": 276, "high": 300, "count": 0}


def test_sorting_filtering_and_search(session, cohort):
    names = lambda **q: [r["name"] for r in _board(session, cohort, **q)["rows"]]  # noqa: E731
    assert names()[:3] == ["Bo", "Ann", "Fay"] and set(names()[3:]) == {"Cy", "Di", "Ed"}
    assert names(descending=False)[-3:] == ["Fay", "Ann", "Bo"]
    assert names(sort="name", descending=False) == ["Ann", "Bo", "Cy", "Di", "Ed", "Fay"]
    assert names(sort="name") == ["Fay", "Ed", "Di", "Cy", "Bo", "Ann"]
    assert names(sort="status", descending=False) == ["Di", "Cy", "Ann", "Bo", "Fay", "Ed"]
    assert names(sort="time_used")[:2] == ["Cy", "Bo"]
    assert names(sort="invited_at", descending=False) == ["Ann", "Bo", "Cy", "Di", "Ed", "Fay"]
    assert names(sort="signals")[:2] == ["Cy", "Ann"]
    assert names(status="completed", sort="name", descending=False) == ["Ann", "Bo", "Fay"]
    assert names(q=" BO@X ") == ["Bo"] and names(q="ann") == ["Ann"] and len(names(q="example")) == 6
    assert set(names(q="Y")) == {"Cy", "Fay"} and names(q="zz") == []
    for query, message in (({"status": "gone"}, "status: 'gone' is not one of invited, started"),
                           ({"sort": "age"}, "sort: 'age' is not one of overall, name")):
        with pytest.raises(CompanyError, match=message):
            _board(session, cohort, **query)


def test_compare_two_candidates_and_one_candidates_detail(session, cohort):
    actor, assessment_id, ids, sections_dir = cohort
    pair = company_dashboard.compare(session=session, actor=actor, assessment_id=assessment_id, first=ids["Bo"],
                                     second=ids["Ann"], sections_dir=sections_dir, now=NOW)
    assert [r["name"] for r in pair["pair"]] == ["Bo", "Ann"] and pair["assessment"]["title"] == "Screen"
    for first, second in ((ids["Bo"], 10**6), (10**6, ids["Ann"])):
        with pytest.raises(CompanyError, match="Not found."):
            company_dashboard.compare(session=session, actor=actor, assessment_id=assessment_id, first=first,
                                      second=second, sections_dir=sections_dir, now=NOW)
    detail = company_dashboard.invitation_detail(session=session, actor=actor, invitation_id=ids["Cy"],
                                                 sections_dir=sections_dir, now=NOW)
    assert detail["candidate"]["name"] == "Cy" and detail["assessment"]["id"] == assessment_id
    assert company_dashboard.assessment_title(session, assessment_id) == "Screen"


def test_the_export_has_the_dashboards_columns_and_is_audited(session, cohort):
    actor, assessment_id, ids, sections_dir = cohort
    name, body = company_dashboard.export_csv(session=session, actor=actor, assessment_id=assessment_id,
                                              query=DashboardQuery(status="completed", sort="name", descending=False),
                                              sections_dir=sections_dir, now=NOW)
    assert name == f"assessment-{assessment_id}-results.csv"
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert list(rows[0]) == ["name", "email", "status", "version", "overall", "percentile", "passed", "role_fit",
                             "time_used_minutes", "time_multiplier", "alpha_score", "alpha_band", "beta_score",
                             "beta_band", "focus_lost", "tab_hidden", "pastes", "pasted_chars",
                             "near_copy_max_similarity"]
    assert [(r["name"], r["overall"], r["percentile"], r["passed"], r["role_fit"], r["time_used_minutes"])
            for r in rows] == [("Ann", "155", "50", "pass", "1/2", "17.0"), ("Bo", "165", "83", "fail", "2/2", "20.0"),
                               ("Fay", "25", "17", "fail", "0/2", "2.0")]
    assert (rows[0]["alpha_score"], rows[0]["beta_band"], rows[0]["tab_hidden"]) == ("160", "developing", "1")
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "results.exported")).one()
    assert audit.detail == {"assessment_id": assessment_id, "rows": 3} and audit.target == "Screen"


def test_export_cells_that_a_spreadsheet_would_run_are_quoted():
    view = {"sections": [{"section_id": "alpha"}]}
    row = {"name": "=HYPERLINK(1)", "email": "+1@x.example", "status": "completed", "version": 1, "overall": None,
           "percentile": None, "passed": None, "role_fit": None, "time_used_seconds": 90, "time_multiplier": 1.5,
           "sections": {}, "signals": {"paste": 2, "paste_chars": 7},
           "near_copies": [{"similarity": 0.85}, {"similarity": 0.9}]}
    frame = company_dashboard.export_frame(view, [row, {**row, "name": "-x", "email": "@x"}])
    assert list(frame["name"]) == ["'=HYPERLINK(1)", "'-x"] and list(frame["email"]) == ["'+1@x.example", "'@x"]
    assert frame["time_used_minutes"][0] == 1.5 and frame["pastes"][0] == 2 and frame["pasted_chars"][0] == 7
    assert frame["near_copy_max_similarity"][0] == 0.9 and frame["focus_lost"][0] == 0
    assert str(frame["overall"].dtype) == "Int64" and str(frame["alpha_score"].dtype) == "Int64"
    assert str(frame["percentile"].dtype) == "Int64" and frame["passed"].isna().all()
    quiet = company_dashboard.export_frame(view, [{**row, "time_used_seconds": 1000, "signals": {},
                                                   "near_copies": [], "passed": False},
                                                  {**row, "signals": {"focus_lost": 3, "tab_hidden": 4}}])
    assert quiet["time_used_minutes"][0] == 16.7 and quiet["passed"][0] == "fail"
    assert [quiet[c][0] for c in ("focus_lost", "tab_hidden", "pastes", "pasted_chars")] == [0, 0, 0, 0]
    assert (quiet["focus_lost"][1], quiet["tab_hidden"][1]) == (3, 4)
    assert quiet["near_copy_max_similarity"].isna()[0]
    for value in ("\tx", "\rx"):
        assert company_dashboard._safe_cell(value) == "'" + value
    assert company_dashboard._safe_cell("a=b") == "a=b" and company_dashboard._safe_cell(-3) == -3


def test_an_invitation_of_a_later_version_shows_its_version(session, cohort):
    actor, assessment_id, ids, sections_dir = cohort
    spec = AssessmentSpec(title="Screen v2", mode="fixed",
                          sections=[SectionChoice("alpha", 10, 1, 5, cut_score=140)])
    second = company.update_assessment(session=session, actor=actor, assessment_id=assessment_id, spec=spec,
                                       sections_dir=sections_dir)
    late = company.invite(session=session, actor=actor, assessment_id=second, name="Gus", email="gus@x.example",
                          options=InvitationOptions(), now=NOW)
    board = _board(session, cohort)
    rows = {r["name"]: r for r in board["rows"]}
    assert rows["Gus"]["version"] == 2 and rows["Ann"]["version"] == 1 and board["total"] == 7
    assert rows["Gus"]["id"] == late.id and board["assessment"]["version"] == 2


def test_a_report_needs_a_started_attempt(session, cohort):
    actor, _, ids, _ = cohort
    with pytest.raises(CompanyError, match="has not taken the test yet") as raised:
        company_dashboard.candidate_report(session=session, actor=actor, invitation_id=ids["Di"])
    assert raised.value.status == 409
    with pytest.raises(CompanyError, match="is not finished yet") as unfinished:
        company_dashboard.candidate_report(session=session, actor=actor, invitation_id=ids["Cy"])
    assert unfinished.value.status == 409


def test_the_export_of_every_row_uses_the_clock_given(session, cohort):
    actor, assessment_id, ids, sections_dir = cohort
    _, body = company_dashboard.export_csv(session=session, actor=actor, assessment_id=assessment_id,
                                           query=DashboardQuery(sort="name", descending=False),
                                           sections_dir=sections_dir, now=NOW)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(body.decode()))}
    assert rows["Cy"]["time_used_minutes"] == "125.0" and rows["Cy"]["passed"] == ""
    assert [r["status"] for r in rows.values()] == ["completed", "completed", "in progress", "invited", "revoked",
                                                    "completed"]


def test_a_finished_candidates_report_is_rendered_for_the_company_and_audited(session, cohort, monkeypatch, tmp_path):
    from assessment.services import reports as report_service

    actor, _, ids, _ = cohort
    monkeypatch.setattr(report_service.reports, "compose", lambda facts: facts)
    monkeypatch.setattr(report_service.reports, "render_pdf",
                        lambda kind, composed, on_stage=None: f"%PDF {kind} {composed['candidate']['name']}".encode())
    monkeypatch.chdir(tmp_path)  # the default cache: ./instance/reports (tmp_path holds SQLite's file, if any)
    name, pdf = company_dashboard.candidate_report(session=session, actor=actor, invitation_id=ids["Ann"])
    assert (name, pdf) == (f"report-{ids['Ann']}.pdf", b"%PDF candidate Ann")
    _, plan = company_dashboard.candidate_report(session=session, actor=actor, invitation_id=ids["Ann"],
                                                 kind="study_plan")
    assert plan == b"%PDF study_plan Ann"
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "report.downloaded")
                         .order_by(AuditEntry.id)).all()
    assert [(a.target, a.detail) for a in audit] == [
        ("ann@x.example", {"invitation_id": ids["Ann"], "kind": "candidate"}),
        ("ann@x.example", {"invitation_id": ids["Ann"], "kind": "study_plan"})]
    with pytest.raises(CompanyError, match="kind: 'transcript' is not a report") as bad:
        company_dashboard.candidate_report(session=session, actor=actor, invitation_id=ids["Ann"], kind="transcript")
    assert bad.value.status == 400
    with pytest.raises(CompanyError) as missing:
        company_dashboard.candidate_report(session=session, actor=actor, invitation_id=ids["Di"])
    assert str(missing.value) == "This candidate has not taken the test yet."
