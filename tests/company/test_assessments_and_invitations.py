"""Assessments (sections, order, times, lengths, cut scores, role, versions) and invitations
(one or a CSV, all or nothing; resend, revoke, extend, accommodations; statuses)."""
import datetime as dt
import io
import re

import pytest
from company_fixtures import spec
from company_support import complete_attempt
from sqlmodel import select

from assessment.models import AssessmentSection, AuditEntry, Invitation, SectionAttempt
from assessment.services import company, delivery
from assessment.services.company import CompanyError, InvitationOptions


def _form(**extra):
    data = {"title": "Data screen", "mode": "fixed", "section": ["beta", "alpha"], "order_alpha": "2",
            "order_beta": "1", "minutes_alpha": "12", "min_alpha": "3", "max_alpha": "4", "cut_alpha": "150",
            "minutes_beta": "8", "min_beta": "3", "max_beta": "5", "overall_cut": "140"}
    data.update(extra)
    return data


def test_create_from_the_form_keeps_order_times_lengths_and_cuts(client, tenants, login, db_session):
    a, _ = tenants
    login(client, a.email)
    assert "Section Alpha" in client.get("/company/assessments/new").text
    response = client.post("/company/assessments/new", data=_form())
    assert response.status_code == 302
    new_id = int(response.location.rstrip("/").split("/")[-1])
    rows = db_session.exec(select(AssessmentSection).where(AssessmentSection.assessment_id == new_id)
                           .order_by(AssessmentSection.position)).all()
    assert [(r.section_id, r.time_limit_seconds, r.min_items, r.max_items) for r in rows] == [
        ("beta", 480, 3, 5), ("alpha", 720, 3, 4)]
    view = company.get_assessment(session=db_session, actor=a.actor, assessment_id=new_id, sections_dir="x")
    assert view["mode"] == "fixed" and view["overall_cut"] == 140
    assert [s["cut_score"] for s in view["sections"]] == [None, 150]
    preview = client.get(f"/company/assessments/{new_id}/preview")
    assert preview.status_code == 200 and "20 minutes in all" in preview.text and "paste" in preview.text


def test_bad_form_reports_every_problem_and_creates_nothing(client, tenants, login, db_session):
    a, _ = tenants
    login(client, a.email)
    before = len(company.list_assessments(session=db_session, actor=a.actor, sections_dir="x"))
    bad = client.post("/company/assessments/new", data=_form(minutes_alpha="lots", max_beta="2", cut_alpha="999"))
    assert bad.status_code == 400
    assert "sections.alpha.minutes: &#39;lots&#39; is not a whole number" in bad.text
    bad = client.post("/company/assessments/new", data=_form(max_beta="2", cut_alpha="999", title=""))
    assert bad.status_code == 400
    for problem in ("title: 1 to 200 characters", "sections.beta.length", "sections.alpha.cut_score: 1 to 300"):
        assert problem in bad.text
    unknown = client.post("/company/assessments/new", data=_form(section=["nope"], minutes_nope="5", min_nope="1",
                                                                 max_nope="2", target_role="astronaut"))
    assert "sections.nope: no such section" in unknown.text
    assert "target_role: &#39;astronaut&#39; is not a role" in unknown.text
    assert len(company.list_assessments(session=db_session, actor=a.actor, sections_dir="x")) == before


def test_target_role_comes_from_roles_yaml(tmp_path, make_app, bank, db_session, tenants):
    import shutil

    from support import FIXTURE_BANK

    shutil.copytree(FIXTURE_BANK, tmp_path / "bank")
    (tmp_path / "bank" / "roles.yaml").write_text(
        "roles:\n  - id: analyst\n    title: Analyst\n    targets: {alpha: developing, beta: accomplished}\n")
    a, _ = tenants
    s = spec()
    s.target_role = "astronaut"
    with pytest.raises(CompanyError, match="not a role"):
        company.create_assessment(session=db_session, actor=a.actor, spec=s, sections_dir=str(tmp_path / "bank"))
    s.target_role = "analyst"
    new_id = company.create_assessment(session=db_session, actor=a.actor, spec=s, sections_dir=str(tmp_path / "bank"))
    view = company.get_assessment(session=db_session, actor=a.actor, assessment_id=new_id,
                                  sections_dir=str(tmp_path / "bank"))
    assert view["target_role_title"] == "Analyst"


def test_edit_before_invitations_is_in_place_after_is_a_new_version(db_session, tenants):
    a, _ = tenants
    fresh = company.create_assessment(session=db_session, actor=a.actor, spec=spec("Fresh"), sections_dir="x")
    assert company.update_assessment(session=db_session, actor=a.actor, assessment_id=fresh,
                                     spec=spec("Fresh 2", sections=("beta",)), sections_dir="x") == fresh
    # The shared assessment has a finished attempt: the edit makes version 2, the attempt keeps version 1.
    old = a.assessment_id
    new = company.update_assessment(session=db_session, actor=a.actor, assessment_id=old,
                                    spec=spec("Backend screen v2", sections=("gamma",), cut=120), sections_dir="x")
    assert new != old
    assert [r.section_id for r in db_session.exec(select(AssessmentSection)
                                                  .where(AssessmentSection.assessment_id == old))] == ["alpha", "beta"]
    view = company.get_assessment(session=db_session, actor=a.actor, assessment_id=old, sections_dir="x")
    assert view["id"] == new and view["version"] == 2 and view["sections"][0]["cut_score"] == 120
    inv = company.invite(session=db_session, actor=a.actor, assessment_id=old, name="Late", email="late@x.example",
                         options=InvitationOptions())
    assert db_session.get(Invitation, inv.id).assessment_id == new
    listed = company.list_assessments(session=db_session, actor=a.actor, sections_dir="x")
    assert [x["id"] for x in listed if x["family_id"] == old] == [new]


def test_csv_upload_all_or_nothing_with_line_numbers(client, tenants, login, db_session):
    a, _ = tenants
    login(client, a.email)
    count = lambda: len(db_session.exec(select(Invitation)).all())  # noqa: E731
    before = count()
    bad = b"name,email\nAda Lovelace,ada@x.example\nNo Email,\nToo,many,columns\nAda Again,ADA@x.example\n"
    response = client.post(f"/company/assessments/{a.assessment_id}/invite-csv",
                           data={"file": (io.BytesIO(bad), "c.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    for line in ("line 3: email", "line 4: expected 2 columns", "line 5: email: ada@x.example is also on line 2"):
        assert line in response.text
    assert "nobody was invited" in response.text and count() == before
    good = "name,email\nAda Lovelace,ada@x.example\n\"Hopper, Grace\",grace@x.example\n".encode()
    response = client.post(f"/company/assessments/{a.assessment_id}/invite-csv",
                           data={"file": (io.BytesIO(good), "c.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200 and count() == before + 2
    links = re.findall(r'class="invite-link" href="http://localhost(/t/[^"]+)"', response.text)
    assert len(links) == 2 and client.get(links[0]).status_code == 200
    assert "Hopper, Grace" in response.text
    not_utf8 = client.post(f"/company/assessments/{a.assessment_id}/invite-csv",
                           data={"file": (io.BytesIO("é,x@y.z".encode("latin-1")), "c.csv")},
                           content_type="multipart/form-data")
    assert not_utf8.status_code == 422 and "UTF-8" in not_utf8.text


def test_single_invite_validates(client, tenants, login):
    a, _ = tenants
    login(client, a.email)
    bad = client.post(f"/company/assessments/{a.assessment_id}/invite", data={"name": "", "email": "x@y.example"})
    assert bad.status_code == 400 and "name:" in bad.text
    bad = client.post(f"/company/assessments/{a.assessment_id}/invite",
                      data={"name": "X", "email": "x@y.example", "time_multiplier": "9"})
    assert bad.status_code == 400 and "time_multiplier: 1.0 to 4.0" in bad.text


def test_statuses_revoke_resend_and_expiry(client, app, tenants, login, db_session):
    a, _ = tenants
    login(client, a.email)
    done, waiting = a.invitation_ids
    detail = lambda i: client.get(f"/company/candidates/{i}").text  # noqa: E731
    assert 'id="candidate-status">completed' in detail(done)
    assert 'id="candidate-status">invited' in detail(waiting)
    # resend: a new link works, the old one is dead
    page = client.post(f"/company/candidates/{waiting}/resend").text
    new_link = re.search(r'href="http://localhost(/t/[^"]+)"', page).group(1)
    assert client.get(f"/t/{a.tokens[1]}").status_code == 404
    assert client.get(new_link).status_code == 200
    # expiry
    inv = db_session.get(Invitation, waiting)
    inv.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db_session.add(inv)
    db_session.commit()
    page = detail(waiting)
    assert 'id="candidate-status">expired' in page
    seen = re.search(r'name="expires_seen" value="([^"]*)"', page).group(1)
    assert client.post(f"/company/candidates/{waiting}/extend", data={"extra_days": "2", "expires_seen": seen}
                       ).status_code == 302
    assert 'id="candidate-status">invited' in detail(waiting)
    # revoke: the link is gone, like one that never existed
    assert client.post(f"/company/candidates/{waiting}/revoke").status_code == 302
    assert 'id="candidate-status">revoked' in detail(waiting)
    assert client.get(new_link).status_code == 404
    actions = [e.action for e in db_session.exec(select(AuditEntry).where(AuditEntry.company_id == a.company_id))]
    for action in ("invitation.resent", "invitation.extended", "invitation.revoked"):
        assert action in actions


def test_started_and_in_progress(db_session, tenants, client, login):
    a, _ = tenants
    login(client, a.email)
    token = a.tokens[1]
    invitation = delivery.find_invitation(session=db_session, token=token)
    attempt = delivery.get_or_start_attempt(session=db_session, invitation=invitation)
    assert 'id="candidate-status">started' in client.get(f"/company/candidates/{a.invitation_ids[1]}").text
    delivery.start_section(session=db_session, attempt=attempt, position=0)
    assert 'id="candidate-status">in progress' in client.get(f"/company/candidates/{a.invitation_ids[1]}").text


def test_time_multiplier_is_applied_by_the_server_clock_and_shown_at_the_start(client, db_session, tenants):
    """Issue 15.5: 1.5x turns the 10-minute sections into 15 minutes, on the server's deadline."""
    a, _ = tenants
    inv = company.invite(session=db_session, actor=a.actor, assessment_id=a.assessment_id, name="Extra Time",
                         email="extra@x.example", options=InvitationOptions(time_multiplier=1.5))
    start = client.get(f"/t/{inv.token}")
    assert 'id="time-accommodation"' in start.text and "1.5 × the standard time" in start.text
    assert "15 min" in start.text and 'id="integrity-notice"' in start.text
    plain = client.get(f"/t/{a.tokens[1]}")
    assert 'id="time-accommodation"' not in plain.text and "10 min" in plain.text
    assert client.post(f"/t/{inv.token}/begin").status_code == 302
    assert client.post(f"/t/{inv.token}/sections/0/start").status_code == 302
    parts = db_session.exec(select(SectionAttempt).join(Invitation, Invitation.id == inv.id)
                            .where(SectionAttempt.attempt_id.in_(
                                select(SectionAttempt.attempt_id).where(SectionAttempt.id > 0)))).all()
    mine = [p for p in parts if p.attempt_id == max(p.attempt_id for p in parts)]
    assert [p.time_limit_seconds for p in mine] == [900, 900]
    first = next(p for p in mine if p.position == 0)
    assert (first.deadline_at - first.started_at).total_seconds() == 900
    remaining = float(re.search(r'data-remaining="([\d.]+)"', client.get(f"/t/{inv.token}").text).group(1))
    assert 890 <= remaining <= 900
    # once begun, the multiplier is fixed
    with pytest.raises(CompanyError, match="already begun"):
        company.extend_invitation(session=db_session, actor=a.actor, invitation_id=inv.id, time_multiplier=2.0)


def test_completed_attempt_counts(db_session, tenants):
    a, _ = tenants
    assert complete_attempt  # the fixture finished the first invitation
    rows = db_session.exec(select(Invitation).where(Invitation.id.in_(a.invitation_ids))).all()
    assert len(rows) == 2


def test_two_editors_saving_at_once_make_two_versions_not_an_error(app, tenants):
    """Both edits of an assessment with attempts land, one after the other: the first makes
    version 2, the second (nobody invited to version 2 yet) edits version 2 in place; one current
    version, no error, no duplicate version (SQLite and PostgreSQL)."""
    import threading

    from sqlmodel import Session

    from assessment.db import get_engine
    from assessment.models import AssessmentProfile

    a, _ = tenants
    barrier, results = threading.Barrier(2), []

    def edit(title):
        with app.app_context(), Session(get_engine(), expire_on_commit=False) as session:
            barrier.wait()
            try:
                results.append(company.update_assessment(session=session, actor=a.actor, assessment_id=a.assessment_id,
                                                         spec=spec(title), sections_dir="x"))
            except CompanyError as exc:
                results.append(f"refused: {exc}")

    threads = [threading.Thread(target=edit, args=(t,)) for t in ("One", "Two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with app.app_context(), Session(get_engine()) as session:
        family = session.exec(select(AssessmentProfile).where(AssessmentProfile.family_id == a.assessment_id)).all()
    assert len(results) == 2 and results[0] == results[1] != a.assessment_id, results
    assert sorted((p.version, p.is_current) for p in family) == [(1, False), (2, True)]
    with app.app_context(), Session(get_engine()) as session:
        from assessment.models import Assessment

        assert session.get(Assessment, results[0]).title in ("One", "Two")
