"""services/company.py called directly: a company's assessments (validation, edits in place,
new versions once invited), invitations one by one and from a CSV file, and what an admin can
do to an invitation (resend, revoke, extend). Another company's ids are a plain 404."""
import datetime as dt

import pytest
from sqlmodel import select

from assessment.models import (
    AssessmentProfile,
    AssessmentSection,
    Attempt,
    AuditEntry,
    Invitation,
    Section,
    SectionAttempt,
)
from assessment.services import accounts, company, delivery
from assessment.services.company import AssessmentSpec, CompanyError, InvitationOptions, SectionChoice

NOW = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)



@pytest.fixture
def roles_dir(tmp_path):
    (tmp_path / "roles.yaml").write_text("roles:\n  - id: analyst\n    title: Data analyst\n    targets: {alpha: 2}\n"
                                         "  - id: untitled\n  - just text\n")
    return str(tmp_path)


def _actor(session, name="Acme", email="boss@acme.example"):
    firm, user = accounts.create_company(session=session, name=name, admin_email=email)
    return accounts.Actor(company_id=firm.id, company_name=firm.name, user_id=user.id, email=email, role="admin")


def _spec(**overrides):
    spec = dict(title="  Screen  ", mode="fixed", target_role="analyst", overall_cut=150,
                sections=[SectionChoice("alpha", 12, 2, 6, cut_score=140), SectionChoice("beta", 1, 1, 1)])
    spec.update(overrides)
    return AssessmentSpec(**spec)


def _audit(session, action):
    return [e.detail for e in session.exec(select(AuditEntry).where(AuditEntry.action == action)
                                           .order_by(AuditEntry.id)).all()]


def test_roles_come_from_the_banks_roles_file(roles_dir, tmp_path):
    assert company.load_roles(roles_dir) == {
        "analyst": {"id": "analyst", "title": "Data analyst", "targets": {"alpha": 2}},
        "untitled": {"id": "untitled", "title": "untitled", "targets": {}}}
    assert company.load_roles(str(tmp_path / "nowhere")) == {}


def test_a_new_assessment_is_stored_with_its_sections_cuts_and_role(session, roles_dir):
    actor = _actor(session)
    assessment_id = company.create_assessment(session=session, actor=actor, spec=_spec(), sections_dir=roles_dir)
    view = company.get_assessment(session=session, actor=actor, assessment_id=assessment_id, sections_dir=roles_dir)
    assert {k: view[k] for k in ("id", "family_id", "version", "title", "mode", "target_role", "target_role_title",
                                 "overall_cut", "total_minutes")} == {
        "id": assessment_id, "family_id": assessment_id, "version": 1, "title": "Screen", "mode": "fixed",
        "target_role": "analyst", "target_role_title": "Data analyst", "overall_cut": 150, "total_minutes": 13}
    assert view["sections"] == [
        {"section_id": "alpha", "title": "Section Alpha", "description": "A small section for tests.", "minutes": 12,
         "min_items": 2, "max_items": 6, "cut_score": 140},
        {"section_id": "beta", "title": "Section Beta", "description": "A small section for tests.", "minutes": 1,
         "min_items": 1, "max_items": 1, "cut_score": None}]
    rows = session.exec(select(AssessmentSection).where(AssessmentSection.assessment_id == assessment_id)
                        .order_by(AssessmentSection.position)).all()
    assert [(r.section_id, r.position, r.time_limit_seconds) for r in rows] == [("alpha", 0, 720), ("beta", 1, 60)]
    assert _audit(session, "assessment.created") == [{"assessment_id": assessment_id}]
    assert company.preview(session=session, actor=actor, assessment_id=assessment_id, sections_dir=roles_dir) == view
    no_role = company.create_assessment(session=session, actor=actor, spec=_spec(target_role="", overall_cut=None),
                                        sections_dir=roles_dir)
    plain = company.get_assessment(session=session, actor=actor, assessment_id=no_role, sections_dir=roles_dir)
    assert (plain["target_role"], plain["target_role_title"], plain["overall_cut"]) == (None, None, None)


def test_every_problem_of_an_assessment_is_named(session, roles_dir):
    actor = _actor(session)
    bad = _spec(title=" ", mode="random", target_role="pilot", overall_cut=301,
                sections=[SectionChoice("alpha", 0, 3, 2, cut_score=0), SectionChoice("alpha", 241, 1, 101),
                          SectionChoice("nope", 10, 1, 2), SectionChoice("beta", 240, 100, 100, cut_score=300)])
    with pytest.raises(CompanyError) as raised:
        company.create_assessment(session=session, actor=actor, spec=bad, sections_dir=roles_dir)
    assert raised.value.problems == [
        "title: 1 to 200 characters", "mode: 'random' is not adaptive or fixed",
        "target_role: 'pilot' is not a role in sections/roles.yaml",
        "sections.alpha.minutes: 1 to 240", "sections.alpha.length: need 1 <= minimum <= maximum <= 100",
        "sections.alpha.cut_score: 1 to 300",
        "sections.alpha: chosen twice", "sections.alpha.minutes: 1 to 240",
        "sections.alpha.length: need 1 <= minimum <= maximum <= 100",
        "sections.nope: no such section in the bank", "overall_cut: 1 to 300"]
    assert str(raised.value) == "title: 1 to 200 characters" and raised.value.status == 400
    for spec, problem in ((_spec(title="x" * 201), "title: 1 to 200 characters"),
                          (_spec(sections=[]), "sections: choose at least one section"),
                          (_spec(overall_cut=0), "overall_cut: 1 to 300"),
                          (_spec(sections=[SectionChoice("alpha", 10, 0, 2)]),
                           "sections.alpha.length: need 1 <= minimum <= maximum <= 100")):
        with pytest.raises(CompanyError) as one:
            company.create_assessment(session=session, actor=actor, spec=spec, sections_dir=roles_dir)
        assert one.value.problems == [problem]
    edge = _spec(title="x" * 200, overall_cut=300, sections=[SectionChoice("alpha", 240, 100, 100, cut_score=1)])
    assert company.create_assessment(session=session, actor=actor, spec=edge, sections_dir=roles_dir)
    assert company.create_assessment(session=session, actor=actor, spec=_spec(overall_cut=1), sections_dir=roles_dir)


def test_an_edit_before_any_invitation_changes_the_assessment_in_place(session, roles_dir):
    actor = _actor(session)
    first = company.create_assessment(session=session, actor=actor, spec=_spec(), sections_dir=roles_dir)
    edited = company.update_assessment(session=session, actor=actor, assessment_id=first, sections_dir=roles_dir,
                                       spec=_spec(title="Renamed", mode="adaptive", target_role=None, overall_cut=None,
                                                  sections=[SectionChoice("gamma", 5, 1, 2, cut_score=100)]))
    assert edited == first
    view = company.get_assessment(session=session, actor=actor, assessment_id=first, sections_dir=roles_dir)
    assert (view["title"], view["mode"], view["target_role"], view["version"], view["overall_cut"]) == (
        "Renamed", "adaptive", None, 1, None)
    assert [(s["section_id"], s["minutes"], s["cut_score"]) for s in view["sections"]] == [("gamma", 5, 100)]
    assert _audit(session, "assessment.edited") == [{"assessment_id": first, "version": 1}]


def test_an_edit_after_an_invitation_makes_a_new_version(session, roles_dir):
    actor = _actor(session)
    first = company.create_assessment(session=session, actor=actor, spec=_spec(), sections_dir=roles_dir)
    company.invite(session=session, actor=actor, assessment_id=first, name="Ann", email="ann@x.example",
                   options=InvitationOptions(), now=NOW)
    second = company.update_assessment(session=session, actor=actor, assessment_id=first, sections_dir=roles_dir,
                                       spec=_spec(title="Second", sections=[SectionChoice("beta", 9, 2, 3)]))
    assert second != first
    view = company.get_assessment(session=session, actor=actor, assessment_id=first, sections_dir=roles_dir)
    assert (view["id"], view["family_id"], view["version"], view["title"]) == (second, first, 2, "Second")
    assert _audit(session, "assessment.new_version") == [{"assessment_id": second, "version": 2, "previous": first}]
    old = session.get(AssessmentProfile, first)
    assert not old.is_current and old.cut_scores == {"alpha": 140}
    listed = company.list_assessments(session=session, actor=actor, sections_dir=roles_dir)
    assert [(a["id"], a["invited"]) for a in listed] == [(second, 1)]
    third = company.update_assessment(session=session, actor=actor, assessment_id=second, sections_dir=roles_dir,
                                      spec=_spec(title="Still second"))
    assert third == second  # nobody is invited to version 2 yet: edited in place


def test_another_companys_assessment_and_invitation_are_not_found(session, roles_dir):
    mine, theirs = _actor(session), _actor(session, name="Rival", email="boss@rival.example")
    assessment_id = company.create_assessment(session=session, actor=theirs, spec=_spec(), sections_dir=roles_dir)
    created = company.invite(session=session, actor=theirs, assessment_id=assessment_id, name="Bo",
                             email="bo@x.example", options=InvitationOptions(), now=NOW)
    calls = [lambda: company.get_assessment(session=session, actor=mine, assessment_id=assessment_id,
                                            sections_dir=roles_dir),
             lambda: company.get_assessment(session=session, actor=mine, assessment_id=str(assessment_id),
                                            sections_dir=roles_dir),
             lambda: company.update_assessment(session=session, actor=mine, assessment_id=assessment_id, spec=_spec(),
                                               sections_dir=roles_dir),
             lambda: company.invite(session=session, actor=mine, assessment_id=assessment_id, name="Cy",
                                    email="cy@x.example", options=InvitationOptions()),
             lambda: company.revoke_invitation(session=session, actor=mine, invitation_id=created.id),
             lambda: company.revoke_invitation(session=session, actor=mine, invitation_id=str(created.id)),
             lambda: company.resend_invitation(session=session, actor=mine, invitation_id=created.id,
                                               options=InvitationOptions()),
             lambda: company.extend_invitation(session=session, actor=mine, invitation_id=10**6, extra_days=1)]
    for call in calls:
        with pytest.raises(CompanyError) as raised:
            call()
        assert (str(raised.value), raised.value.status) == ("Not found.", 404)
    assert company.list_assessments(session=session, actor=mine, sections_dir=roles_dir) == []


def test_the_form_lists_the_catalogue_roles_and_the_current_settings(session, roles_dir):
    actor = _actor(session)
    empty = company.assessment_form(session=session, actor=actor, assessment_id=None, sections_dir=roles_dir)
    assert empty["assessment"] is None and [r["id"] for r in empty["roles"]] == ["analyst", "untitled"]
    assert empty["catalogue"][0] == {"id": "alpha", "title": "Section Alpha", "minutes": 10, "min_items": 3,
                                     "max_items": 5}
    assert [c["id"] for c in empty["catalogue"]] == ["alpha", "beta", "gamma"]
    assessment_id = company.create_assessment(session=session, actor=actor, spec=_spec(), sections_dir=roles_dir)
    form = company.assessment_form(session=session, actor=actor, assessment_id=assessment_id, sections_dir=roles_dir)
    assert form["assessment"]["title"] == "Screen"


# --- invitations ---------------------------------------------------------------------------------

@pytest.fixture
def owned(session, roles_dir):
    actor = _actor(session)
    return actor, company.create_assessment(session=session, actor=actor, spec=_spec(), sections_dir=roles_dir)


def test_an_invitation_carries_its_expiry_and_accommodation_and_is_mailed(session, owned, caplog):
    actor, assessment_id = owned
    options = InvitationOptions(expires_days=3, time_multiplier=1.5, base_url="https://tests.example/")
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="  Ann Lee ",
                             email=" Ann@X.example", options=options, now=NOW)
    assert (created.name, created.email) == ("Ann Lee", "ann@x.example")
    row = session.get(Invitation, created.id)
    assert row.token_hash == delivery.hash_token(created.token) and row.time_multiplier == 1.5
    assert company._aware(row.expires_at) == NOW + dt.timedelta(days=3)
    assert f"https://tests.example/t/{created.token}" in caplog.text and "Your invitation: Screen" in caplog.text
    assert "Hello Ann Lee," in caplog.text
    assert _audit(session, "invitation.created") == [{"invitation_id": created.id, "assessment_id": assessment_id,
                                                      "time_multiplier": 1.5}]
    with pytest.raises(CompanyError, match="ann@x.example is already invited") as twice:
        company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann", email="ann@x.example",
                       options=options, now=NOW + dt.timedelta(days=3, seconds=-1))
    assert twice.value.status == 409
    later = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                           email="ann@x.example", options=options, now=NOW + dt.timedelta(days=3))
    assert later.id != created.id  # the first link has expired: a new invitation is allowed


@pytest.mark.parametrize("options, message", [
    (InvitationOptions(expires_days=0), "expires_days: 1 to 180"),
    (InvitationOptions(expires_days=181), "expires_days: 1 to 180"),
    (InvitationOptions(time_multiplier=0.99), "time_multiplier: 1.0 to 4.0"),
    (InvitationOptions(time_multiplier=4.01), "time_multiplier: 1.0 to 4.0")])
def test_invitation_options_are_bounded(session, owned, options, message):
    actor, assessment_id = owned
    with pytest.raises(CompanyError) as raised:
        company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann", email="a@x.example",
                       options=options, now=NOW)
    assert str(raised.value) == message


def test_the_widest_invitation_options_are_accepted(session, owned):
    actor, assessment_id = owned
    for n, options in enumerate((InvitationOptions(expires_days=180, time_multiplier=4.0),
                                 InvitationOptions(expires_days=1, time_multiplier=1.0))):
        assert company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                              email=f"a{n}@x.example", options=options, now=NOW).id


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, None])
def test_an_invitation_needs_a_name(session, owned, name):
    actor, assessment_id = owned
    with pytest.raises(CompanyError, match="name: a name of 1 to 200 characters is required"):
        company.invite(session=session, actor=actor, assessment_id=assessment_id, name=name, email="a@x.example",
                       options=InvitationOptions(), now=NOW)


def test_csv_lines_are_checked_all_or_nothing():
    assert company.parse_candidates_csv("Name , EMAIL\nAnn,ann@x.example\n\n ,  \nBo,BO@x.example\n") == [
        (2, "Ann", "ann@x.example"), (5, "Bo", "bo@x.example")]
    assert company.parse_candidates_csv("Ann,ann@x.example\n") == [(1, "Ann", "ann@x.example")]
    with pytest.raises(CompanyError) as raised:
        company.parse_candidates_csv("name,email\nAnn\nBo,not-an-email\n,c@x.example\nDi,d@x.example\n"
                                     "Ed,D@x.example\nFay,f@x.example,extra\n")
    assert raised.value.status == 422
    assert str(raised.value) == "5 line(s) of the file have problems; nobody was invited."
    problems = raised.value.problems
    assert problems[0] == "line 2: expected 2 columns (name,email), found 1"
    assert problems[1].startswith("line 3: email: 'not-an-email' is not an email address")
    assert problems[2:] == ["line 4: name: a name of 1 to 200 characters is required",
                            "line 6: email: d@x.example is also on line 5",
                            "line 7: expected 2 columns (name,email), found 3"]
    with pytest.raises(CompanyError, match="no candidates found") as empty:
        company.parse_candidates_csv("name,email\n\n")
    assert empty.value.status == 422
    rows = "".join(f"P{n},p{n}@x.example\n" for n in range(company.MAX_CSV_ROWS))
    assert len(company.parse_candidates_csv("name,email\n" + rows)) == company.MAX_CSV_ROWS
    with pytest.raises(CompanyError, match="at most 1000 candidates per upload"):
        company.parse_candidates_csv("name,email\n" + rows + "Q,q@x.example\n")


def test_a_csv_upload_invites_each_person_once(session, owned):
    actor, assessment_id = owned
    data = "\ufeffname,email\nAnn,ann@x.example\nBo,bo@x.example\n".encode()
    first = company.invite_csv(session=session, actor=actor, assessment_id=assessment_id, data=data,
                               options=InvitationOptions(expires_days=2), now=NOW)
    assert [(c.name, c.email) for c in first.created] == [("Ann", "ann@x.example"), ("Bo", "bo@x.example")]
    assert first.already_invited == []
    rows = [session.get(Invitation, c.id) for c in first.created]
    assert all(company._aware(r.expires_at) == NOW + dt.timedelta(days=2) for r in rows)
    again = company.invite_csv(session=session, actor=actor, assessment_id=assessment_id,
                               data=data + b"Cy,cy@x.example\n", options=InvitationOptions(), now=NOW)
    assert [c.email for c in again.created] == ["cy@x.example"]
    assert again.already_invited == ["line 2: email: ann@x.example is already invited (an active invitation)",
                                     "line 3: email: bo@x.example is already invited (an active invitation)"]
    assert _audit(session, "invitation.imported")[-1] == {"assessment_id": assessment_id,
                                                          "invitation_ids": [again.created[0].id],
                                                          "already_invited": 2}
    company.revoke_invitation(session=session, actor=actor, invitation_id=first.created[0].id, now=NOW)
    revoked = company.invite_csv(session=session, actor=actor, assessment_id=assessment_id, data=data,
                                 options=InvitationOptions(), now=NOW)
    assert [c.email for c in revoked.created] == ["ann@x.example"]  # a revoked link is no invitation
    with pytest.raises(CompanyError, match="not UTF-8 text") as latin:
        company.invite_csv(session=session, actor=actor, assessment_id=assessment_id, data="Zoë,z@x.example".encode(
            "latin-1"), options=InvitationOptions(), now=NOW)
    assert latin.value.status == 422
    with pytest.raises(CompanyError, match="expires_days"):
        company.invite_csv(session=session, actor=actor, assessment_id=assessment_id, data=data,
                           options=InvitationOptions(expires_days=0), now=NOW)


def test_the_status_of_an_invitation(session):
    inv = Invitation(assessment_id=1, token_hash="h", expires_at=NOW)
    assert company.invitation_status(inv, None, [], NOW) == "invited"
    assert company.invitation_status(inv, None, [], NOW + dt.timedelta(seconds=1)) == "expired"
    assert company.invitation_status(Invitation(assessment_id=1, token_hash="h"), None, [], NOW) == "invited"
    attempt = Attempt(invitation_id=1, seed=1)
    pending = SectionAttempt(attempt_id=1, section_id="alpha", position=0, time_limit_seconds=1, min_items=1,
                             max_items=1, se_target=0.3)
    started = SectionAttempt(attempt_id=1, section_id="beta", position=1, time_limit_seconds=1, min_items=1,
                             max_items=1, se_target=0.3, started_at=NOW, status="active")
    closed = SectionAttempt(attempt_id=1, section_id="beta", position=1, time_limit_seconds=1, min_items=1,
                            max_items=1, se_target=0.3, started_at=NOW, status="closed")
    assert company.invitation_status(inv, attempt, [pending], NOW + dt.timedelta(days=1)) == "started"
    assert company.invitation_status(inv, attempt, [], NOW) == "started"
    assert company.invitation_status(inv, attempt, [pending, started], NOW) == "in progress"
    assert company.invitation_status(inv, attempt, [closed, closed], NOW) == "completed"
    assert company.invitation_status(inv, Attempt(invitation_id=1, seed=1, status="completed"), [pending],
                                     NOW) == "completed"
    inv.revoked_at = NOW
    assert company.invitation_status(inv, attempt, [closed], NOW) == "revoked"


def test_resend_gives_a_new_link_and_revoke_ends_it(session, owned, caplog):
    actor, assessment_id = owned
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                             email="ann@x.example", options=InvitationOptions(expires_days=30), now=NOW)
    resent = company.resend_invitation(session=session, actor=actor, invitation_id=created.id,
                                       options=InvitationOptions(expires_days=5), now=NOW + dt.timedelta(days=1))
    assert (resent.id, resent.name, resent.email) == (created.id, "Ann", "ann@x.example")
    assert resent.token != created.token and f"/t/{resent.token}" in caplog.text
    assert delivery.find_invitation(session=session, token=created.token) is None
    row = session.get(Invitation, created.id)
    assert row.token_hash == delivery.hash_token(resent.token)
    assert company._aware(row.expires_at) == NOW + dt.timedelta(days=30)  # never shortened
    company.resend_invitation(session=session, actor=actor, invitation_id=created.id,
                              options=InvitationOptions(expires_days=60), now=NOW)
    assert company._aware(session.get(Invitation, created.id).expires_at) == NOW + dt.timedelta(days=60)
    assert company.revoke_invitation(session=session, actor=actor, invitation_id=created.id, now=NOW) == assessment_id
    assert company.revoke_invitation(session=session, actor=actor, invitation_id=created.id,
                                     now=NOW + dt.timedelta(days=1)) == assessment_id
    assert company._aware(session.get(Invitation, created.id).revoked_at) == NOW  # the first revocation stands
    assert _audit(session, "invitation.revoked") == [{"invitation_id": created.id}]
    with pytest.raises(CompanyError, match="This invitation was revoked.") as raised:
        company.resend_invitation(session=session, actor=actor, invitation_id=created.id,
                                  options=InvitationOptions())
    assert raised.value.status == 409
    with pytest.raises(CompanyError, match="expires_days"):
        company.resend_invitation(session=session, actor=actor, invitation_id=created.id,
                                  options=InvitationOptions(expires_days=0))


def test_an_extension_is_idempotent_against_the_expiry_the_page_showed(session, owned):
    actor, assessment_id = owned
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                             email="ann@x.example", options=InvitationOptions(expires_days=2), now=NOW)
    seen = (NOW + dt.timedelta(days=2)).isoformat()
    extend = dict(session=session, actor=actor, invitation_id=created.id)
    assert company.extend_invitation(extra_days=3, seen_expires_at=seen, now=NOW, **extend) == assessment_id
    expires = company._aware(session.get(Invitation, created.id).expires_at)
    assert expires == NOW + dt.timedelta(days=5)
    with pytest.raises(CompanyError) as stale:
        company.extend_invitation(extra_days=3, seen_expires_at=seen, now=NOW, **extend)
    assert stale.value.status == 409
    assert "has changed since this page was loaded (now 2026-05-09 08:00 UTC)" in str(stale.value)
    # an expired link is extended from now, not from its old expiry
    later = NOW + dt.timedelta(days=10)
    company.extend_invitation(extra_days=1, seen_expires_at=expires.isoformat(), now=later, **extend)
    assert company._aware(session.get(Invitation, created.id).expires_at) == later + dt.timedelta(days=1)
    for kwargs, message in (({"extra_days": 1}, "expires_seen: missing"),
                            ({"extra_days": 1, "seen_expires_at": "soon"}, "expires_seen: not a date and time"),
                            ({"extra_days": 181, "seen_expires_at": ""}, "extra_days: 0 to 180"),
                            ({"extra_days": -1}, "extra_days: 0 to 180"),
                            ({"time_multiplier": 4.5}, "time_multiplier: 1.0 to 4.0"),
                            ({"time_multiplier": 0.5}, "time_multiplier: 1.0 to 4.0")):
        with pytest.raises(CompanyError, match=message) as raised:
            company.extend_invitation(now=later, **kwargs, **extend)
        assert raised.value.status == 400
    assert _audit(session, "invitation.extended")[0] == {"invitation_id": created.id, "extra_days": 3,
                                                         "time_multiplier": 1.0}


def test_an_extension_of_a_link_without_expiry_and_the_accommodation_before_the_start(session, owned):
    actor, assessment_id = owned
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                             email="ann@x.example", options=InvitationOptions(), now=NOW)
    row = session.get(Invitation, created.id)
    row.expires_at = None
    session.commit()
    extend = dict(session=session, actor=actor, invitation_id=created.id, now=NOW)
    with pytest.raises(CompanyError, match=r"now no expiry\)"):
        company.extend_invitation(extra_days=1, seen_expires_at=NOW.isoformat(), **extend)
    company.extend_invitation(extra_days=180, seen_expires_at="", time_multiplier=2.0, **extend)
    row = session.get(Invitation, created.id)
    assert company._aware(row.expires_at) == NOW + dt.timedelta(days=180) and row.time_multiplier == 2.0
    company.extend_invitation(time_multiplier=4.0, **extend)
    assert session.get(Invitation, created.id).time_multiplier == 4.0
    delivery.get_or_start_attempt(session=session, invitation=session.get(Invitation, created.id), now=NOW)
    with pytest.raises(CompanyError, match="the candidate has already begun") as begun:
        company.extend_invitation(time_multiplier=1.0, **extend)
    assert begun.value.status == 409
    assert company.extend_invitation(time_multiplier=4.0, **extend) == assessment_id  # unchanged: allowed
    company.revoke_invitation(session=session, actor=actor, invitation_id=created.id, now=NOW)
    with pytest.raises(CompanyError, match="This invitation was revoked."):
        company.extend_invitation(extra_days=0, **extend)


@pytest.fixture
def mailed(monkeypatch):
    sent = []
    monkeypatch.setattr(company, "send_mail", lambda settings, to, subject, body: sent.append((to, subject, body)))
    return sent


def test_a_csv_upload_is_mailed_and_audited_by_count(session, owned, mailed):
    actor, assessment_id = owned
    imported = company.invite_csv(session=session, actor=actor, assessment_id=assessment_id,
                                  data=b"Ann,ann@x.example\nBo,bo@x.example\n",
                                  options=InvitationOptions(base_url="https://t.example"), now=NOW)
    assert [(to, subject) for to, subject, _ in mailed] == [("ann@x.example", "Your invitation: Screen"),
                                                            ("bo@x.example", "Your invitation: Screen")]
    assert mailed[1][2] == f"Hello Bo,\n\nTake the test here:\nhttps://t.example/t/{imported.created[1].token}\n"
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "invitation.imported")).one()
    assert entry.target == "2 candidates" and entry.user_id == actor.user_id
    with pytest.raises(CompanyError) as latin:
        company.invite_csv(session=session, actor=actor, assessment_id=assessment_id, data=b"Zo\xeb,z@x.example",
                           options=InvitationOptions(), now=NOW)
    assert str(latin.value) == "file: not UTF-8 text (save the sheet as CSV UTF-8)"
    with pytest.raises(CompanyError) as empty:
        company.parse_candidates_csv(" , \n")
    assert str(empty.value) == "file: no candidates found (expected lines of name,email)"


def test_a_resent_link_is_mailed_and_audited(session, owned, mailed):
    actor, assessment_id = owned
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                             email="ann@x.example", options=InvitationOptions(), now=NOW)
    resent = company.resend_invitation(session=session, actor=actor, invitation_id=created.id,
                                       options=InvitationOptions(base_url="https://t.example/"), now=NOW)
    assert mailed[-1] == ("ann@x.example", "Your invitation: Screen",
                          f"Hello Ann,\n\nTake the test here:\nhttps://t.example/t/{resent.token}\n")
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "invitation.resent")).one()
    assert (entry.target, entry.detail) == ("ann@x.example", {"invitation_id": created.id})
    anonymous = Invitation(assessment_id=assessment_id, token_hash="old", created_at=NOW)
    session.add(anonymous)
    session.commit()
    fresh = company.resend_invitation(session=session, actor=actor, invitation_id=anonymous.id,
                                      options=InvitationOptions(), now=NOW)
    assert (fresh.name, fresh.email) == ("", "")
    company.revoke_invitation(session=session, actor=actor, invitation_id=created.id, now=NOW)
    with pytest.raises(CompanyError) as revoked:
        company.resend_invitation(session=session, actor=actor, invitation_id=created.id,
                                  options=InvitationOptions())
    assert str(revoked.value) == "This invitation was revoked."


def test_the_forms_catalogue_gives_each_sections_length_in_whole_minutes(session, owned, roles_dir):
    actor, _ = owned
    alpha = session.get(Section, "alpha")
    alpha.time_limit_seconds = 210
    session.commit()
    catalogue = company.assessment_form(session=session, actor=actor, assessment_id=None,
                                        sections_dir=roles_dir)["catalogue"]
    assert catalogue[0]["minutes"] == 4 and catalogue[1]["minutes"] == 10
