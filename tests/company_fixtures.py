"""Fixtures for the company and API tests (imported by their conftest.py files): two companies,
each with an admin who can sign in, an assessment, invitations, a finished attempt and an API
key: what the isolation, dashboard and API tests need."""
import re
from dataclasses import dataclass, field

import pytest
from company_support import complete_attempt

from assessment.services import accounts, company
from assessment.services.company import AssessmentSpec, InvitationOptions, SectionChoice

PASSWORD = "correct horse battery"


@dataclass
class Tenant:
    company_id: int
    email: str
    actor: accounts.Actor
    assessment_id: int = 0
    invitation_ids: list = field(default_factory=list)
    tokens: list = field(default_factory=list)
    api_key: str = ""
    api_key_id: int = 0


def spec(title="Backend screen", sections=("alpha", "beta"), cut=None, overall_cut=None, mode="adaptive"):
    return AssessmentSpec(title=title, mode=mode, overall_cut=overall_cut,
                          sections=[SectionChoice(s, 10, 3, 5, cut) for s in sections])


def make_tenant(session, name: str, sections_dir: str, finished: int = 1) -> Tenant:
    c, user = accounts.create_company(session=session, name=name, admin_email=f"admin@{name.lower()}.example")
    accounts.set_password(session=session, user=user, password=PASSWORD)
    actor = accounts.actor_for_session(session=session, user_id=user.id, stamp=accounts.session_stamp(user))
    tenant = Tenant(c.id, user.email, actor)
    tenant.assessment_id = company.create_assessment(session=session, actor=actor, spec=spec(), sections_dir=sections_dir)
    for n in range(2):
        inv = company.invite(session=session, actor=actor, assessment_id=tenant.assessment_id, name=f"Cand {name} {n}",
                             email=f"cand{n}@{name.lower()}.example", options=InvitationOptions())
        tenant.invitation_ids.append(inv.id)
        tenant.tokens.append(inv.token)
    for token in tenant.tokens[:finished]:
        complete_attempt(session, token)
    key = accounts.api_keys_page(session=session, actor=actor, create_name="ats")
    tenant.api_key = key["new_key"]
    tenant.api_key_id = key["keys"][0]["id"]
    return tenant


@pytest.fixture
def tenants(app, db_session):
    """(A, B): two companies with the same shape of data."""
    sections_dir = app.config["SECTIONS_DIR"]
    return make_tenant(db_session, "Acme", sections_dir), make_tenant(db_session, "Globex", sections_dir)


@pytest.fixture
def login():
    def _login(client, email, password=PASSWORD):
        response = client.post("/company/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.text
        return response
    return _login


def csrf_token(client, path="/company/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)
