"""services/company.py and company_dashboard.py at their edges (survivors of a mutation run):
near-copies named on both rows, role fit over three sections, cut scores at their exact values,
search by name only, histogram bins at their ends, in-place edits that keep every setting, and
the extension's exact refusals and audit."""
import datetime as dt

import pytest
from service_helpers import SAMPLE_CODE as CODE
from sqlmodel import select

from assessment.models import Attempt, AuditEntry, Invitation, Item, Response, SectionAttempt
from assessment.services import accounts, company, company_dashboard
from assessment.services.company import AssessmentSpec, CompanyError, InvitationOptions, SectionChoice
from assessment.services.company_dashboard import DashboardQuery

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def acme(session, tmp_path):
    (tmp_path / "roles.yaml").write_text("roles:\n  - id: analyst\n    title: Analyst\n"
                                         "    targets: {alpha: developing, beta: accomplished, gamma: expert}\n")
    firm, user = accounts.create_company(session=session, name="Acme", admin_email="boss@acme.example")
    actor = accounts.Actor(company_id=firm.id, company_name=firm.name, user_id=user.id, role="admin")
    return actor, str(tmp_path)


def _assessment(session, acme, **spec):
    actor, sections_dir = acme
    fields = dict(title="Screen", mode="fixed", sections=[SectionChoice("alpha", 10, 1, 5),
                                                          SectionChoice("beta", 10, 1, 5),
                                                          SectionChoice("gamma", 10, 1, 5)])
    fields.update(spec)
    return company.create_assessment(session=session, actor=actor, spec=AssessmentSpec(**fields),
                                     sections_dir=sections_dir)


def _completed(session, invitation_id, scores, code=None):
    """A completed attempt with closed sections scored (section -> (score, band))."""
    attempt = Attempt(invitation_id=invitation_id, seed=1, status="completed", started_at=NOW)
    session.add(attempt)
    session.flush()
    for position, (section, (score, band)) in enumerate(scores.items()):
        part = SectionAttempt(attempt_id=attempt.id, section_id=section, position=position, time_limit_seconds=60,
                              min_items=1, max_items=5, se_target=0.3, status="closed", started_at=NOW,
                              closed_at=NOW + dt.timedelta(minutes=1), score=score, band=band)
        session.add(part)
        session.flush()
        if code is not None and section == "gamma":
            item = session.exec(select(Item).where(Item.item_key == "gamma-double")).one()
            session.add(Response(section_attempt_id=part.id, item_id=item.id, position=0, status="answered",
                                 answer={"code": code}, score=2.0))
    session.commit()
    return attempt


def _rows(session, acme, assessment_id, **query):
    actor, sections_dir = acme
    board = company_dashboard.dashboard(session=session, actor=actor, assessment_id=assessment_id,
                                        query=DashboardQuery(**query), sections_dir=sections_dir, now=NOW)
    return {r["id"]: r for r in board["rows"]}


def test_near_copies_are_named_on_both_rows_and_counted_as_signals(session, acme):
    assessment_id = _assessment(session, acme)
    actor, _ = acme
    named = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                           email="ann@x.example", options=InvitationOptions(), now=NOW)
    mailed = Invitation(assessment_id=assessment_id, token_hash="m", email="mo@x.example")
    bare = Invitation(assessment_id=assessment_id, token_hash="b")
    session.add_all([mailed, bare])
    session.commit()
    scores = {"alpha": (100, "developing"), "beta": (100, "developing"), "gamma": (100, "developing")}
    for invitation_id in (named.id, mailed.id, bare.id):
        _completed(session, invitation_id, scores, code=CODE)
    rows = _rows(session, acme, assessment_id)
    assert (rows[mailed.id]["name"], rows[bare.id]["name"], rows[bare.id]["email"]) == ("", "", "")
    ann = rows[named.id]["near_copies"]
    assert sorted((c["other"], c["other_id"]) for c in ann) == [(f"#{bare.id}", bare.id), ("mo@x.example", mailed.id)]
    assert all(c["item"] == "gamma-double" and c["similarity"] == 1.0 for c in ann)
    assert sorted(c["other"] for c in rows[bare.id]["near_copies"]) == ["Ann", "mo@x.example"]
    assert rows[named.id]["signal_count"] == 2 and rows[bare.id]["signal_count"] == 2


def test_role_fit_over_three_sections_and_an_unknown_target_band(session, acme):
    assessment_id = _assessment(session, acme, target_role="analyst")
    actor, _ = acme
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                             email="ann@x.example", options=InvitationOptions(), now=NOW)
    _completed(session, created.id, {"alpha": (150, "developing"), "beta": (140, "developing"),
                                     "gamma": (200, "accomplished")})
    assert _rows(session, acme, assessment_id)[created.id]["role_fit"] == {"met": 1, "of": 3, "share": 0.33}


def test_a_section_outside_the_roles_targets_is_not_judged(session, acme, tmp_path):
    (tmp_path / "roles.yaml").write_text("roles:\n  - id: analyst\n    title: Analyst\n    targets: {alpha: developing}\n")
    assessment_id = _assessment(session, acme, target_role="analyst")
    actor, _ = acme
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                             email="ann@x.example", options=InvitationOptions(), now=NOW)
    _completed(session, created.id, {"alpha": (150, "developing"), "beta": (40, "beginning")})
    assert _rows(session, acme, assessment_id)[created.id]["role_fit"] == {"met": 1, "of": 1, "share": 1.0}


@pytest.mark.parametrize("spec, scores, passed", [
    ({"sections": [SectionChoice("alpha", 10, 1, 5, cut_score=150)]}, {"alpha": 150}, True),
    ({"sections": [SectionChoice("alpha", 10, 1, 5, cut_score=150)]}, {"alpha": 149}, False),
    ({"sections": [SectionChoice("alpha", 10, 1, 5)], "overall_cut": 150}, {"alpha": 150}, True),
    ({"sections": [SectionChoice("alpha", 10, 1, 5)], "overall_cut": 150}, {"alpha": 149}, False),
    ({"sections": [SectionChoice("alpha", 10, 1, 5)]}, {"alpha": 149}, None),
])
def test_cut_scores_pass_at_exactly_the_cut(session, acme, spec, scores, passed):
    assessment_id = _assessment(session, acme, **spec)
    actor, _ = acme
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                             email="ann@x.example", options=InvitationOptions(), now=NOW)
    _completed(session, created.id, {s: (v, "developing") for s, v in scores.items()})
    assert _rows(session, acme, assessment_id)[created.id]["passed"] is passed


def test_search_matches_a_name_alone(session, acme):
    assessment_id = _assessment(session, acme)
    actor, _ = acme
    gus = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Gus Grand",
                         email="g@x.example", options=InvitationOptions(), now=NOW)
    company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Bo", email="bo@x.example",
                   options=InvitationOptions(), now=NOW)
    assert list(_rows(session, acme, assessment_id, q="GRAND")) == [gus.id]


def test_the_histograms_bins_at_their_ends():
    counts = [b["count"] for b in company_dashboard.histogram(
        [{"overall": v} for v in (1, 25, 26, 50, 275, 276, 300)] + [{"overall": None}])]
    assert counts == [2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]


def test_another_cohorts_candidate_is_not_found_for_compare(session, acme):
    actor, sections_dir = acme
    assessment_id = _assessment(session, acme)
    with pytest.raises(CompanyError) as raised:
        company_dashboard.compare(session=session, actor=actor, assessment_id=assessment_id, first=1, second=2,
                                  sections_dir=sections_dir, now=NOW)
    assert (str(raised.value), raised.value.status) == ("Not found.", 404)


def test_an_in_place_edit_keeps_every_setting_and_is_audited_by_title(session, acme):
    actor, sections_dir = acme
    assessment_id = _assessment(session, acme)
    spec = AssessmentSpec(title="Renamed", mode="adaptive", target_role="analyst", overall_cut=200,
                          sections=[SectionChoice("beta", 7, 2, 3)])
    company.update_assessment(session=session, actor=actor, assessment_id=assessment_id, spec=spec,
                              sections_dir=sections_dir)
    view = company.get_assessment(session=session, actor=actor, assessment_id=assessment_id, sections_dir=sections_dir)
    assert (view["target_role"], view["overall_cut"], view["target_role_title"]) == ("analyst", 200, "Analyst")
    company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann", email="ann@x.example",
                   options=InvitationOptions(), now=NOW)
    company.update_assessment(session=session, actor=actor, assessment_id=assessment_id, sections_dir=sections_dir,
                              spec=AssessmentSpec(title="Third", mode="fixed", sections=[SectionChoice("beta", 7, 2, 3)]))
    targets = {e.action: e.target for e in session.exec(select(AuditEntry).where(AuditEntry.action.startswith(
        "assessment.")))}
    assert targets == {"assessment.created": "Screen", "assessment.edited": "Renamed",
                       "assessment.new_version": "Third"}


def test_extension_refusals_word_for_word_and_its_audit(session, acme):
    actor, _ = acme
    assessment_id = _assessment(session, acme)
    created = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Ann",
                             email="ann@x.example", options=InvitationOptions(expires_days=2), now=NOW)
    extend = dict(session=session, actor=actor, invitation_id=created.id, now=NOW)
    cases = (({"extra_days": 1}, "expires_seen: missing (the expiry the page showed); reload the page and extend again"),
             ({"extra_days": 1, "seen_expires_at": "soon"}, "expires_seen: not a date and time; reload the page"),
             ({"extra_days": 1, "seen_expires_at": NOW.isoformat()},
              "extra_days: the link's expiry has changed since this page was loaded (now 2026-06-03 12:00 UTC); "
              "nothing was extended. Reload the page to extend it again."))
    for kwargs, message in cases:
        with pytest.raises(CompanyError) as raised:
            company.extend_invitation(**kwargs, **extend)
        assert str(raised.value) == message
    naive = (NOW + dt.timedelta(days=2)).replace(tzinfo=None).isoformat()  # a time without zone is UTC
    company.extend_invitation(extra_days=1, seen_expires_at=naive, **extend)
    assert company._aware(session.get(Invitation, created.id).expires_at) == NOW + dt.timedelta(days=3)
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "invitation.extended")).one()
    assert (entry.target, entry.detail) == ("ann@x.example", {"invitation_id": created.id, "extra_days": 1,
                                                              "time_multiplier": 1.0})
    session.add(Attempt(invitation_id=created.id, seed=1))
    session.commit()
    with pytest.raises(CompanyError) as begun:
        company.extend_invitation(time_multiplier=2.0, **extend)
    assert str(begun.value) == ("time_multiplier: the candidate has already begun; the time per section is fixed "
                                "when they begin")
    company.revoke_invitation(session=session, actor=actor, invitation_id=created.id, now=NOW)
    with pytest.raises(CompanyError) as revoked:
        company.extend_invitation(extra_days=0, **extend)
    assert (str(revoked.value), revoked.value.status) == ("This invitation was revoked.", 409)


def test_an_anonymous_invitations_extension_is_audited_with_an_empty_target(session, acme):
    actor, _ = acme
    assessment_id = _assessment(session, acme)
    bare = Invitation(assessment_id=assessment_id, token_hash="b")
    session.add(bare)
    session.commit()
    company.extend_invitation(session=session, actor=actor, invitation_id=bare.id, time_multiplier=1.5, now=NOW)
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "invitation.extended")).one()
    assert entry.target == "" and session.get(Invitation, bare.id).time_multiplier == 1.5
