"""`sections load`: idempotent by id and version; a change needs a version bump."""
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from assessment.content import load_bank
from assessment.models import Item, Response
from assessment.services import delivery
from assessment.services.bank import VersionConflict, sync_bank
from factories import make_invitation
from support import FIXTURE_BANK


def test_loading_twice_changes_nothing(db_session, bank):
    report = sync_bank(bank, session=db_session)
    assert report.unchanged == 20 and not report.created and not report.new_versions
    assert len(db_session.exec(select(Item)).all()) == 20


def test_changed_item_without_version_bump_is_refused_and_nothing_saved(db_session, tmp_path):
    copy = Path(shutil.copytree(FIXTURE_BANK, tmp_path / "sections"))
    item = copy / "alpha" / "items" / "alpha-q00.yaml"
    item.write_text(item.read_text().replace("Question 0 of alpha", "Reworded question 0"))
    other = copy / "beta" / "items" / "beta-q07.yaml"
    other.unlink()
    with pytest.raises(VersionConflict, match=r"alpha-q00.*bump `version:` to 2"):
        sync_bank(load_bank(copy), session=db_session)
    assert db_session.exec(select(Item).where(Item.item_key == "beta-q07")).one().is_current


def test_new_version_keeps_old_responses_on_the_old_version(db_session, tmp_path):
    _, token = make_invitation(db_session)
    invitation = delivery.find_invitation(session=db_session, token=token)
    attempt = delivery.get_or_start_attempt(session=db_session, invitation=invitation)
    delivery.start_section(session=db_session, attempt=attempt, position=0)
    presented = db_session.exec(select(Response)).one()
    old_item = db_session.get(Item, presented.item_id)

    copy = Path(shutil.copytree(FIXTURE_BANK, tmp_path / "sections"))
    path = copy / "alpha" / "items" / f"{old_item.item_key}.yaml"
    text = path.read_text().replace("version: 1", "version: 2").replace("explanation: Because.", "explanation: Better.")
    path.write_text(text)
    (copy / "beta" / "items" / "beta-q07.yaml").unlink()
    report = sync_bank(load_bank(copy), session=db_session)
    assert report.new_versions == [f"{old_item.item_key} v2"] and report.retired == ["beta-q07 v1"]
    versions = db_session.exec(select(Item).where(Item.item_key == old_item.item_key).order_by(Item.version)).all()
    assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
    db_session.expire_all()
    assert db_session.get(Response, presented.id).item_id == old_item.id
    assert db_session.get(Item, old_item.id).body["explanation"] == "Because."
