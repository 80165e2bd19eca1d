"""The dashboard (scores, percentile, pass/fail, sort, filter, search, compare, cohort chart,
CSV export, report PDF) and the integrity signals (page events, near-copy code)."""
import io

import pandas as pd
import pytest
from company_fixtures import spec
from company_support import OTHER_ANSWERS, complete_attempt
from sqlmodel import select

from assessment.models import AuditEntry, Event
from assessment.services import company, company_dashboard, integrity
from assessment.services.company import InvitationOptions
from assessment.services.company_dashboard import DashboardQuery


def _dashboard(db_session, tenant, **query):
    return company_dashboard.dashboard(session=db_session, actor=tenant.actor, assessment_id=tenant.assessment_id,
                                       query=DashboardQuery(**query), sections_dir="x")


def test_rows_have_scores_bands_percentiles_and_cut_results(db_session, tenants):
    a, _ = tenants
    company.update_assessment(session=db_session, actor=a.actor, assessment_id=a.assessment_id,
                              spec=spec(cut=1, overall_cut=300), sections_dir="x")
    extra = company.invite(session=db_session, actor=a.actor, assessment_id=a.assessment_id, name="Zed",
                           email="zed@x.example", options=InvitationOptions())
    complete_attempt(db_session, a.tokens[1], answers=OTHER_ANSWERS)
    complete_attempt(db_session, extra.token)
    data = _dashboard(db_session, a)
    rows = data["rows"]
    assert data["total"] == 3 and data["cohort"]["completed"] == 3
    overall = [r["overall"] for r in rows]
    assert overall == sorted(overall, reverse=True) and all(1 <= o <= 300 for o in overall)
    for r in rows:
        assert set(r["sections"]) == {"alpha", "beta"} or set(r["sections"]) == {"gamma"}
        assert all(s["band"] in ("beginning", "developing", "accomplished") for s in r["sections"].values())
        below = sum(o < r["overall"] for o in overall)
        tied = sum(o == r["overall"] for o in overall)
        assert r["percentile"] == round(100 * (below + tied / 2) / 3)
        assert r["time_used_seconds"] >= 0
    # version 1 had no cut scores; the new version (Zed) has an overall cut of 300 nobody reaches
    zed = next(r for r in rows if r["name"] == "Zed")
    assert zed["version"] == 2 and zed["passed"] is False
    assert next(r for r in rows if r["name"] == "Cand Acme 0")["passed"] is None
    assert sum(b["count"] for b in data["histogram"]) == 3


def test_sort_filter_and_search(db_session, tenants):
    a, _ = tenants
    assert [r["status"] for r in _dashboard(db_session, a, status="invited")["rows"]] == ["invited"]
    assert [r["name"] for r in _dashboard(db_session, a, q="ACME 1")["rows"]] == ["Cand Acme 1"]
    assert [r["name"] for r in _dashboard(db_session, a, sort="name", descending=False)["rows"]] == [
        "Cand Acme 0", "Cand Acme 1"]
    assert _dashboard(db_session, a, sort="overall")["rows"][-1]["overall"] is None  # unscored last
    with pytest.raises(company.CompanyError, match="sort"):
        _dashboard(db_session, a, sort="salary")
    with pytest.raises(company.CompanyError, match="status"):
        _dashboard(db_session, a, status="hired")


def test_dashboard_page_compare_and_cohort_chart(client, tenants, login):
    a, _ = tenants
    login(client, a.email)
    page = client.get(f"/company/assessments/{a.assessment_id}?q=acme&sort=name&order=asc")
    assert page.status_code == 200
    assert page.text.index("Cand Acme 0") < page.text.index("Cand Acme 1")
    assert '<svg class="histogram"' in page.text and "Distribution of overall scores" in page.text
    pair = client.get(f"/company/assessments/{a.assessment_id}/compare?a={a.invitation_ids[0]}&b={a.invitation_ids[1]}")
    assert pair.status_code == 200 and "Cand Acme 0" in pair.text and "Cand Acme 1" in pair.text
    assert client.get(f"/company/assessments/{a.assessment_id}/compare?a=x").status_code == 400


def test_csv_export_has_the_dashboard_columns_and_is_audited(client, tenants, login, db_session):
    a, _ = tenants
    login(client, a.email)
    response = client.get(f"/company/assessments/{a.assessment_id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    frame = pd.read_csv(io.BytesIO(response.data))
    for column in ("name", "email", "status", "overall", "percentile", "passed", "role_fit", "time_used_minutes",
                   "alpha_score", "alpha_band", "beta_score", "focus_lost", "pastes", "near_copy_max_similarity"):
        assert column in frame.columns
    assert list(frame["name"]) == ["Cand Acme 0", "Cand Acme 1"]
    assert frame.loc[0, "status"] == "completed" and 1 <= frame.loc[0, "overall"] <= 300
    assert db_session.exec(select(AuditEntry).where(AuditEntry.action == "results.exported")).first() is not None


def test_export_quotes_formula_cells(db_session, tenants):
    a, _ = tenants
    company.invite(session=db_session, actor=a.actor, assessment_id=a.assessment_id, name="=HYPERLINK(1)",
                   email="f@x.example", options=InvitationOptions())
    _, body = company_dashboard.export_csv(session=db_session, actor=a.actor, assessment_id=a.assessment_id,
                                           query=DashboardQuery(), sections_dir="x")
    assert "'=HYPERLINK(1)" in body.decode()


def test_report_pdf_download(client, tenants, login):
    a, _ = tenants
    login(client, a.email)
    response = client.get(f"/company/candidates/{a.invitation_ids[0]}/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert client.get(f"/company/candidates/{a.invitation_ids[1]}/report.pdf").status_code == 409


# --- integrity ----------------------------------------------------------------------------------------

def test_page_signals_are_recorded_counted_and_bounded(client, db_session, tenants, login):
    a, _ = tenants
    token = a.tokens[1]
    assert client.post(f"/t/{token}/signal", json={"kind": "focus_lost"}).status_code == 204  # not begun: ignored
    client.post(f"/t/{token}/begin")
    for body in ({"kind": "focus_lost"}, {"kind": "tab_hidden"}, {"kind": "paste", "size": 120},
                 {"kind": "paste", "size": 30}):
        assert client.post(f"/t/{token}/signal", json=body).status_code == 204
    for bad in ({"kind": "screenshot"}, {"kind": "paste"}, {"kind": "paste", "size": -1}, {"kind": "paste", "size": True}):
        response = client.post(f"/t/{token}/signal", json=bad)
        assert response.status_code == 400, bad
    assert client.post("/t/not-a-token/signal", json={"kind": "focus_lost"}).status_code == 404
    row = next(r for r in _dashboard(db_session, a)["rows"] if r["id"] == a.invitation_ids[1])
    assert row["signals"] == {"focus_lost": 1, "tab_hidden": 1, "paste": 2, "paste_chars": 150, "largest_paste": 120}
    login(client, a.email)
    page = client.get(f"/company/assessments/{a.assessment_id}").text
    assert "2 pastes (150 characters, largest 120)" in page and "not evidence of cheating" in page


def test_signal_cap_per_attempt(db_session, tenants, monkeypatch):
    a, _ = tenants
    from assessment.services import delivery

    attempt = delivery.get_or_start_attempt(session=db_session,
                                            invitation=delivery.find_invitation(session=db_session, token=a.tokens[1]))
    monkeypatch.setattr(integrity, "MAX_SIGNALS_PER_ATTEMPT", 3)
    stored = [integrity.record_signal(session=db_session, attempt=attempt, kind="tab_hidden") for _ in range(5)]
    assert stored == [True, True, True, False, False]
    assert len(db_session.exec(select(Event).where(Event.kind == "integrity.tab_hidden")).all()) == 3


ORIGINAL = '''
def longest_run(values):
    """Length of the longest run of equal neighbours."""
    best, current = 0, 0
    previous = None
    for value in values:
        if value == previous:
            current += 1
        else:
            current = 1
        previous = value
        best = max(best, current)
    return best
'''
RENAMED = '''
def f(xs):
    """Another docstring."""
    # renamed everything, changed the literals and the layout
    m, c = 10, 10
    p = "start"
    for x in xs:
        if x == p:
              c += 2
        else:
              c = 7
        p = x
        m = max(m, c)
    return m
'''
DIFFERENT = '''
def longest_run(values):
    import itertools
    return max((len(list(group)) for _, group in itertools.groupby(values)), default=0)
'''


def test_winnowing_sees_through_renames_literals_and_layout():
    assert integrity.normalized_tokens("total = count + 1  # note") == ["V", "=", "V", "+", "L"]
    a, b, c = (integrity.fingerprints(x) for x in (ORIGINAL, RENAMED, DIFFERENT))
    assert integrity.similarity(a, b) == 1.0
    assert integrity.similarity(a, c) < 0.5
    assert integrity.fingerprints("x = (") is not None  # unfinished code still tokenizes
    pairs = integrity.near_copies([(1, "q", ORIGINAL), (2, "q", RENAMED), (3, "q", DIFFERENT), (4, "other", ORIGINAL)])
    assert pairs == [{"a": 1, "b": 2, "item": "q", "similarity": 1.0}]


def test_near_copies_in_a_cohort_are_flagged_on_the_dashboard(db_session, tenants, client, login):
    a, _ = tenants
    coding_id = company.create_assessment(session=db_session, actor=a.actor,
                                          spec=spec("Coding", sections=("gamma",), mode="fixed"), sections_dir="x")
    people = [company.invite(session=db_session, actor=a.actor, assessment_id=coding_id, name=name,
                             email=f"{name.lower()}@x.example", options=InvitationOptions())
              for name in ("Orig", "Copy", "Own")]
    for person, code in zip(people, (ORIGINAL, RENAMED, DIFFERENT)):
        complete_attempt(db_session, person.token, code=code)
    rows = {r["name"]: r for r in company_dashboard.dashboard(
        session=db_session, actor=a.actor, assessment_id=coding_id, query=DashboardQuery(), sections_dir="x")["rows"]}
    assert [(c["other"], c["similarity"]) for c in rows["Orig"]["near_copies"]] == [("Copy", 1.0)]
    assert [(c["other"], c["similarity"]) for c in rows["Copy"]["near_copies"]] == [("Orig", 1.0)]
    assert rows["Own"]["near_copies"] == []
    login(client, a.email)
    assert "100% similar to Copy" in client.get(f"/company/assessments/{coding_id}").text


def test_role_fit_counts_sections_at_or_above_the_roles_target_band(tmp_path, db_session, tenants):
    import shutil

    from support import FIXTURE_BANK

    bank = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, bank)
    # alpha's target is the lowest band (any score meets it), beta's the highest.
    (bank / "roles.yaml").write_text("roles:\n  - id: analyst\n    title: Analyst\n"
                                     "    targets: {alpha: beginning, beta: accomplished}\n")
    a, _ = tenants
    s = spec("Role screen")
    s.target_role = "analyst"
    role_id = company.create_assessment(session=db_session, actor=a.actor, spec=s, sections_dir=str(bank))
    person = company.invite(session=db_session, actor=a.actor, assessment_id=role_id, name="Fit", email="fit@x.example",
                            options=InvitationOptions())
    complete_attempt(db_session, person.token)
    [row] = company_dashboard.dashboard(session=db_session, actor=a.actor, assessment_id=role_id,
                                        query=DashboardQuery(), sections_dir=str(bank))["rows"]
    beta_met = row["sections"]["beta"]["band"] == "accomplished"
    assert row["role_fit"] == {"met": 1 + beta_met, "of": 2, "share": (1 + beta_met) / 2}
