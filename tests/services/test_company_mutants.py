"""services/company.py: survivors of a mutation run. The audit target of an invitation without
an address, the creation time of new invitations, which earlier invitations count as active
(revoked, expired, expiring at this instant, without expiry, another assessment's), and the
refusal when another editor made the same new version first."""
import datetime as dt
import os

import pytest
from sqlmodel import select

from assessment.models import Assessment, AssessmentProfile, AssessmentSection, AuditEntry, Invitation, Section
from assessment.services import accounts, company
from assessment.services.company import AssessmentSpec, CompanyError, InvitationOptions, SectionChoice

NOW = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def firm(session, tmp_path):
    made, user = accounts.create_company(session=session, name="Initech", admin_email="lead@initech.example")
    actor = accounts.Actor(company_id=made.id, company_name=made.name, user_id=user.id, role="admin")
    spec = AssessmentSpec(title="Screen", mode="fixed", sections=[SectionChoice("alpha", 10, 1, 5)])
    assessment_id = company.create_assessment(session=session, actor=actor, spec=spec, sections_dir=str(tmp_path))
    return actor, assessment_id, str(tmp_path)


def _entries(session, action):
    return [(e.target, e.detail) for e in session.exec(select(AuditEntry).where(AuditEntry.action == action)
                                                       .order_by(AuditEntry.id)).all()]


def _bare(session, assessment_id, token_hash, **fields):
    inv = Invitation(assessment_id=assessment_id, token_hash=token_hash, created_at=NOW, **fields)
    session.add(inv)
    session.commit()
    return inv


def test_an_invitation_without_address_is_audited_with_an_empty_target(session, firm):
    actor, assessment_id, _ = firm
    anonymous = _bare(session, assessment_id, "anon")
    company.resend_invitation(session=session, actor=actor, invitation_id=anonymous.id,
                              options=InvitationOptions(), now=NOW)
    company.extend_invitation(session=session, actor=actor, invitation_id=anonymous.id, time_multiplier=2.0, now=NOW)
    company.revoke_invitation(session=session, actor=actor, invitation_id=anonymous.id, now=NOW)
    assert _entries(session, "invitation.resent") == [("", {"invitation_id": anonymous.id})]
    assert _entries(session, "invitation.revoked") == [("", {"invitation_id": anonymous.id})]
    assert [target for target, _ in _entries(session, "invitation.extended")] == [""]
    mailed = _bare(session, assessment_id, "mailed", email="zed@x.example")
    company.revoke_invitation(session=session, actor=actor, invitation_id=mailed.id, now=NOW)
    assert _entries(session, "invitation.revoked")[-1] == ("zed@x.example", {"invitation_id": mailed.id})


def test_new_invitations_are_created_at_the_given_instant(session, firm):
    actor, assessment_id, _ = firm
    one = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann", email="ann@x.example",
                         options=InvitationOptions(expires_days=2), now=NOW)
    imported = company.invite_csv(session=session, actor=actor, assessment_id=assessment_id,
                                  data=b"Bo,bo@x.example\n", options=InvitationOptions(), now=NOW)
    rows = [session.get(Invitation, i) for i in (one.id, imported.created[0].id)]
    assert [company._aware(r.created_at) for r in rows] == [NOW, NOW]  # not the wall clock
    assert company._aware(rows[0].expires_at) == NOW + dt.timedelta(days=2)


def test_only_unrevoked_unexpired_invitations_to_the_family_count_as_active(session, firm):
    actor, assessment_id, sections_dir = firm
    later, earlier = NOW + dt.timedelta(hours=1), NOW - dt.timedelta(seconds=1)
    _bare(session, assessment_id, "h1", email="open@x.example", expires_at=later)
    _bare(session, assessment_id, "h2", email="forever@x.example")
    _bare(session, assessment_id, "h3", email="lapsed@x.example", expires_at=earlier)
    _bare(session, assessment_id, "h4", email="edge@x.example", expires_at=NOW)  # expired at this very instant
    _bare(session, assessment_id, "h5", email="revoked@x.example", expires_at=later, revoked_at=earlier)
    _bare(session, assessment_id, "h6", email="both@x.example", expires_at=earlier, revoked_at=earlier)
    other = company.create_assessment(session=session, actor=actor, sections_dir=sections_dir,
                                      spec=AssessmentSpec(title="Other", mode="fixed",
                                                          sections=[SectionChoice("beta", 5, 1, 2)]))
    _bare(session, other, "h7", email="elsewhere@x.example", expires_at=later)
    emails = ["open", "forever", "lapsed", "edge", "revoked", "both", "elsewhere", "new"]
    data = "".join(f"{e.title()},{e}@x.example\n" for e in emails).encode()
    result = company.invite_csv(session=session, actor=actor, assessment_id=assessment_id, data=data,
                                options=InvitationOptions(), now=NOW)
    assert result.already_invited == ["line 1: email: open@x.example is already invited (an active invitation)",
                                      "line 2: email: forever@x.example is already invited (an active invitation)"]
    assert [c.email for c in result.created] == [f"{e}@x.example" for e in emails[2:]]
    profile = session.get(AssessmentProfile, assessment_id)
    # an aware expiry is compared as it is; a naive one (SQLite) as UTC
    assert company._actively_invited(session, profile, ["open@x.example"],
                                     NOW + dt.timedelta(minutes=59)) == {"open@x.example"}
    assert company._actively_invited(session, profile, ["open@x.example"], later) == set()
    with pytest.raises(CompanyError) as refused:
        company.invite(session=session, actor=actor, assessment_id=assessment_id, name="F",
                       email="forever@x.example", options=InvitationOptions(), now=NOW)
    assert refused.value.status == 409


def test_an_invitation_to_an_earlier_version_counts_for_the_new_version(session, firm):
    actor, first, sections_dir = firm
    company.invite(session=session, actor=actor, assessment_id=first, name="Ann", email="ann@x.example",
                   options=InvitationOptions(), now=NOW)
    second = company.update_assessment(session=session, actor=actor, assessment_id=first, sections_dir=sections_dir,
                                       spec=AssessmentSpec(title="Screen 2", mode="fixed",
                                                           sections=[SectionChoice("alpha", 10, 1, 5)]))
    assert second != first
    result = company.invite_csv(session=session, actor=actor, assessment_id=second,
                                data=b"Ann,ann@x.example\nBo,bo@x.example\n", options=InvitationOptions(), now=NOW)
    assert [c.email for c in result.created] == ["bo@x.example"] and len(result.already_invited) == 1


def test_a_version_made_meanwhile_by_another_editor_is_a_409_and_nothing_changes(session, firm):
    actor, first, sections_dir = firm
    company.invite(session=session, actor=actor, assessment_id=first, name="Ann", email="ann@x.example",
                   options=InvitationOptions(), now=NOW)
    # Another editor's version 2 of the family, committed while this editor still saw version 1 as current.
    theirs = Assessment(title="Theirs", mode="fixed", company_id=actor.company_id)
    session.add(theirs)
    session.flush()
    session.add(AssessmentProfile(assessment_id=theirs.id, company_id=actor.company_id, family_id=first, version=2,
                                  is_current=False))
    session.commit()
    with pytest.raises(CompanyError) as raised:
        company.update_assessment(session=session, actor=actor, assessment_id=first, sections_dir=sections_dir,
                                  spec=AssessmentSpec(title="Mine", mode="fixed",
                                                      sections=[SectionChoice("alpha", 10, 1, 5)]))
    assert str(raised.value) == "Someone else edited this assessment at the same time; reload and try again."
    assert raised.value.status == 409 and raised.value.problems == [str(raised.value)]
    assert session.get(AssessmentProfile, first).is_current  # rolled back: version 1 still serves
    assert _entries(session, "assessment.new_version") == []
    titles = session.exec(select(Assessment.title).where(Assessment.company_id == actor.company_id)).all()
    assert sorted(titles) == ["Screen", "Theirs"]


def test_a_family_without_a_current_version_is_an_edit_conflict_for_writers(session, firm):
    """What a writer sees on PostgreSQL when the version it locked stopped being current and
    the new one is not visible yet: no current row. The read path is never in that state."""
    actor, assessment_id, sections_dir = firm
    profile = session.get(AssessmentProfile, assessment_id)
    profile.is_current = False
    session.add(profile)
    session.commit()
    spec = AssessmentSpec(title="Mine", mode="fixed", sections=[SectionChoice("alpha", 10, 1, 5)])
    calls = [lambda: company.update_assessment(session=session, actor=actor, assessment_id=assessment_id,
                                               spec=spec, sections_dir=sections_dir),
             lambda: company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                                    email="ann@x.example", options=InvitationOptions(), now=NOW),
             lambda: company.invite_csv(session=session, actor=actor, assessment_id=assessment_id,
                                        data=b"Ann,ann@x.example\n", options=InvitationOptions(), now=NOW)]
    for call in calls:
        with pytest.raises(CompanyError) as raised:
            call()
        assert str(raised.value) == "Someone else is editing this assessment; reload and try again."
        assert raised.value.status == 409
        session.rollback()


def test_an_assessment_id_that_is_not_an_integer_is_not_found(session, firm):
    actor, assessment_id, sections_dir = firm
    for probe in (str(assessment_id), float(assessment_id), None):
        with pytest.raises(CompanyError) as raised:
            company.get_assessment(session=session, actor=actor, assessment_id=probe, sections_dir=sections_dir)
        assert (str(raised.value), raised.value.status) == ("Not found.", 404)
    assert company.get_assessment(session=session, actor=actor, assessment_id=assessment_id,
                                  sections_dir=sections_dir)["id"] == assessment_id


def test_assessments_are_listed_newest_first(session, firm):
    actor, older, sections_dir = firm
    newer = company.create_assessment(session=session, actor=actor, sections_dir=sections_dir,
                                      spec=AssessmentSpec(title="Newer", mode="fixed",
                                                          sections=[SectionChoice("beta", 5, 1, 2)]))
    for assessment_id, created in ((older, NOW - dt.timedelta(days=2)), (newer, NOW - dt.timedelta(days=1))):
        profile = session.get(AssessmentProfile, assessment_id)
        profile.created_at = created
        session.add(profile)
    session.commit()
    listed = company.list_assessments(session=session, actor=actor, sections_dir=sections_dir)
    assert [(a["id"], a["title"]) for a in listed] == [(newer, "Newer"), (older, "Screen")]


def test_the_expiry_the_page_showed_may_carry_another_utc_offset(session, firm):
    actor, assessment_id, _ = firm
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                             email="ann@x.example", options=InvitationOptions(expires_days=2), now=NOW)
    expiry = NOW + dt.timedelta(days=2)  # 2026-07-03 09:30 UTC
    shown = expiry.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()  # the same instant at +02:00
    assert shown == "2026-07-03T11:30:00+02:00"
    company.extend_invitation(session=session, actor=actor, invitation_id=created.id, extra_days=1,
                              seen_expires_at=shown, now=NOW)
    assert company._aware(session.get(Invitation, created.id).expires_at) == expiry + dt.timedelta(days=1)


def test_an_invitation_id_that_is_not_an_integer_is_not_found(session, firm):
    actor, assessment_id, _ = firm
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                             email="ann@x.example", options=InvitationOptions(), now=NOW)
    with pytest.raises(CompanyError) as raised:
        company.revoke_invitation(session=session, actor=actor, invitation_id=str(created.id), now=NOW)
    assert (str(raised.value), raised.value.status) == ("Not found.", 404)
    assert session.get(Invitation, created.id).revoked_at is None


def test_the_view_follows_the_positions_whole_minutes_and_the_creation_time(session, firm, tmp_path):
    actor, _, sections_dir = firm
    # a role with an empty id in the roles file must not title an assessment without a role
    (tmp_path / "roles.yaml").write_text("roles:\n  - id:\n    title: Nobody\n")
    assessment_id = company.create_assessment(
        session=session, actor=actor, sections_dir=sections_dir,
        spec=AssessmentSpec(title="Order", mode="fixed", sections=[SectionChoice("alpha", 60, 1, 5),
                                                                   SectionChoice("gamma", 10, 1, 5),
                                                                   SectionChoice("beta", 119, 1, 5)]))
    rows = {r.section_id: r for r in session.exec(select(AssessmentSection)
                                                  .where(AssessmentSection.assessment_id == assessment_id))}
    # positions no longer in insertion (or alphabetical) order: gamma, alpha, beta
    for section_id, position in (("alpha", 9), ("gamma", 0), ("alpha", 1)):
        rows[section_id].position = position
        session.add(rows[section_id])
        session.flush()
    session.commit()
    view = company.get_assessment(session=session, actor=actor, assessment_id=assessment_id,
                                  sections_dir=sections_dir)
    assert [(s["section_id"], s["minutes"]) for s in view["sections"]] == [("gamma", 10), ("alpha", 60), ("beta", 119)]
    assert view["total_minutes"] == 189
    assert view["created_at"] == session.get(Assessment, assessment_id).created_at
    assert (view["target_role"], view["target_role_title"]) == (None, None)


def test_an_invitation_is_audited_by_address_and_a_second_one_refused_by_name(session, firm, caplog):
    actor, assessment_id, _ = firm
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="N" * 200,
                             email="ann@x.example", options=InvitationOptions(base_url="https://host.example/BOX/"),
                             now=NOW)
    assert f"https://host.example/BOX/t/{created.token}" in caplog.text
    assert [target for target, _ in _entries(session, "invitation.created")] == ["ann@x.example"]
    with pytest.raises(CompanyError) as again:
        company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann", email="ann@x.example",
                       options=InvitationOptions(), now=NOW)
    assert str(again.value) == ("email: ann@x.example is already invited to this assessment (an active invitation: "
                                "resend or extend it from the candidate's page)")
    with pytest.raises(CompanyError, match="name: a name of 1 to 200 characters is required"):
        company.invite(session=session, actor=actor, assessment_id=assessment_id, name="N" * 201,
                       email="bo@x.example", options=InvitationOptions(), now=NOW)


def test_every_section_after_an_unknown_one_is_still_checked(session, firm):
    actor, _, sections_dir = firm
    spec = AssessmentSpec(title="T", mode="fixed", sections=[SectionChoice("nope", 10, 1, 5),
                                                             SectionChoice("alpha", 0, 1, 5)])
    with pytest.raises(CompanyError) as raised:
        company.create_assessment(session=session, actor=actor, spec=spec, sections_dir=sections_dir)
    assert raised.value.problems == ["sections.nope: no such section in the bank", "sections.alpha.minutes: 1 to 240"]


def test_the_forms_catalogue_is_ordered_by_section_id(session, firm):
    actor, _, sections_dir = firm
    session.add(Section(id="aaa-late", title="Added last", time_limit_seconds=60, min_items=1, max_items=2,
                        se_target=0.3, content_hash="h"))
    session.commit()
    form = company.assessment_form(session=session, actor=actor, assessment_id=None, sections_dir=sections_dir)
    ids = [s["id"] for s in form["catalogue"]]
    assert ids[0] == "aaa-late" and ids == sorted(ids)


def test_a_changed_roles_file_is_read_again(tmp_path):
    path = tmp_path / "roles.yaml"
    path.write_text("roles:\n  - id: first\n")
    assert list(company.load_roles(str(tmp_path))) == ["first"]
    path.write_text("roles:\n  - id: second\n    title: Second\n")
    stamp = path.stat().st_mtime + 10
    os.utime(path, (stamp, stamp))
    assert company.load_roles(str(tmp_path)) == {"second": {"id": "second", "title": "Second", "targets": {}}}
