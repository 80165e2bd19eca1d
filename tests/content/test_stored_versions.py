"""Each coding item version stores its test files with it (issue 10.3): a change of the tests is
a change of the version, and rows loaded before this are backfilled, not refused."""
import shutil

import pytest
from sqlmodel import select

from assessment.content import load_bank
from assessment.models import Item
from assessment.services.bank import VersionConflict, item_hash, sync_bank
from support import FIXTURE_BANK


def _row(session, key="gamma-double"):
    return session.exec(select(Item).where(Item.item_key == key)).one()


def test_a_coding_version_carries_its_sample_and_hidden_tests(db_session):
    body = _row(db_session).body["code"]
    hidden = (FIXTURE_BANK / "gamma" / "items" / "gamma-double" / "hidden_tests.py").read_text()
    assert body["hidden_tests"] == hidden and '"negative"' in body["hidden_tests"]
    assert body["sample_tests"].startswith("CASES")


def test_changing_hidden_tests_without_a_new_version_is_refused(db_session, tmp_path):
    bank_dir = shutil.copytree(FIXTURE_BANK, tmp_path / "bank")
    hidden = bank_dir / "gamma" / "items" / "gamma-double" / "hidden_tests.py"
    hidden.write_text(hidden.read_text().replace('"expected": 20', '"expected": 21'))
    with pytest.raises(VersionConflict, match="gamma-double.*bump `version:` to 2"):
        sync_bank(load_bank(bank_dir), session=db_session)


def test_a_row_loaded_before_tests_were_stored_is_backfilled(db_session, bank):
    row = _row(db_session)
    spec = bank.items["gamma-double"]
    legacy_body = {**row.body, "code": {k: v for k, v in row.body["code"].items() if k != "hidden_tests"}}
    row.body, row.content_hash = legacy_body, item_hash(spec, legacy_body)
    db_session.commit()
    report = sync_bank(bank, session=db_session)
    assert report.new_versions == [] and report.created == []
    row = _row(db_session)
    assert "hidden_tests" in row.body["code"] and row.content_hash == item_hash(spec)


def test_a_legacy_row_that_differs_otherwise_is_still_a_conflict(db_session, bank):
    row = _row(db_session)
    spec = bank.items["gamma-double"]
    legacy_body = {**row.body, "code": {**{k: v for k, v in row.body["code"].items() if k != "hidden_tests"},
                                        "function": "triple"}}
    row.body, row.content_hash = legacy_body, item_hash(spec, legacy_body)
    db_session.commit()
    with pytest.raises(VersionConflict, match="gamma-double"):
        sync_bank(bank, session=db_session)
