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


def _bank_copy(tmp_path):
    return shutil.copytree(FIXTURE_BANK, tmp_path / "bank")


def test_sync_reports_new_items_versions_and_retired_ones_and_updates_sections(db_session, tmp_path):
    from assessment.models import Section

    bank_dir = _bank_copy(tmp_path)
    before = db_session.get(Section, "alpha")
    stamp, skills = before.updated_at, before.skills
    (bank_dir / "alpha" / "items" / "alpha-q07.yaml").unlink()
    q06 = bank_dir / "alpha" / "items" / "alpha-q06.yaml"
    q06.write_text(q06.read_text().replace("version: 1", "version: 2").replace("stem: ", "stem: Now ", 1))
    shutil.copy(bank_dir / "alpha" / "items" / "alpha-q05.yaml", bank_dir / "alpha" / "items" / "alpha-q08.yaml")
    q08 = bank_dir / "alpha" / "items" / "alpha-q08.yaml"
    q08.write_text(q08.read_text().replace("alpha-q05", "alpha-q08"))
    section = bank_dir / "alpha" / "section.yaml"
    section.write_text(section.read_text().replace("title: ", "title: Renamed ", 1))
    report = sync_bank(load_bank(bank_dir), session=db_session)
    assert (report.created, report.new_versions, report.retired, report.sections) == (
        ["alpha-q08 v1"], ["alpha-q06 v2"], ["alpha-q07 v1"], 3)
    assert report.unchanged == 20 - 2
    after = db_session.get(Section, "alpha")
    assert after.title.startswith("Renamed ") and after.updated_at > stamp and after.skills == skills
    current = {(i.item_key, i.version): i.is_current for i in db_session.exec(select(Item)).all()}
    assert current[("alpha-q07", 1)] is False and current[("alpha-q06", 1)] is False
    assert current[("alpha-q06", 2)] is True and current[("alpha-q08", 1)] is True
    assert current[("alpha-q00", 1)] is True
    # The retired item comes back: the same version is current again, nothing new is made.
    again = sync_bank(load_bank(FIXTURE_BANK), session=db_session)
    assert again.created == [] and _row(db_session, "alpha-q07").is_current is True


def test_the_conflict_message_names_the_next_free_version(db_session, tmp_path):
    bank_dir = _bank_copy(tmp_path)
    q06 = bank_dir / "alpha" / "items" / "alpha-q06.yaml"
    q06.write_text(q06.read_text().replace("version: 1", "version: 2").replace("stem: ", "stem: Now ", 1))
    sync_bank(load_bank(bank_dir), session=db_session)
    q06.write_text(q06.read_text().replace("stem: Now ", "stem: Again ", 1))
    q05 = bank_dir / "alpha" / "items" / "alpha-q05.yaml"
    q05.write_text(q05.read_text().replace('stem: "', 'stem: "Changed ', 1))
    with pytest.raises(VersionConflict) as info:
        sync_bank(load_bank(bank_dir), session=db_session)
    lines = str(info.value).split("\n")
    assert len(lines) == 2
    assert "alpha-q05' version 1 changed since it was loaded; bump `version:` to 2" in lines[0]
    assert "alpha-q06' version 2 changed since it was loaded; bump `version:` to 3" in lines[1]
