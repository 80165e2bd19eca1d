"""services/bank.py: the content hashes stored with items and sections are a format that must
not drift between releases (a changed digest makes every stored version look edited, so the
next sync refuses the whole bank or rewrites every section), and a conflict lists every item."""
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from assessment.content import load_bank
from assessment.content.specs import Bank, ItemSpec, OptionSpec, ResourceSpec, SectionSpec, SkillSpec
from assessment.models import Item, Section
from assessment.services.bank import VersionConflict, item_hash, sync_bank
from support import FIXTURE_BANK

#: Digests computed by the release that stored the first rows; recomputing them must not change.
ITEM_DIGEST = "e4ef9a6b43772de56ae3637c6f2b9a8936c3d3bd5928afc87280733195dae1c7"
ITEM_DIGEST_OTHER_BODY = "78b0a503a6a7401cab261bb324c551960d615b6d55b44ded643ae15a1cc94a5e"
SECTION_DIGEST = "9abbac267060d5e336a47abbf72be7dd8e0e2dcd4ec6d8389900ea44ddffb0cc"


def _item_spec():
    return ItemSpec(id="h-1", version=1, section_id="hashes", type="single_choice", band="developing",
                    skills=("s1", "s2"), stem="Which?", explanation="Because.",
                    irt={"model": "2pl", "a": 1.25, "b": -0.5}, path=Path("h-1.yaml"),
                    options=(OptionSpec("a", "Yes"), OptionSpec("b", "No", "A slip.")), key=("a",))


def _section_spec():
    resource = ResourceSpec("R", "notes", "beginning", "https://example.org/r", "Read.")
    return SectionSpec(id="hashes", title="Hashes", description="Stable.", time_limit_seconds=600, min_items=3,
                       max_items=5, se_target=0.3, skills=(SkillSpec("s1", "Skill one", "First.", (resource,)),),
                       path=Path("hashes"))


def test_an_items_content_hash_is_the_stored_format():
    assert item_hash(_item_spec()) == ITEM_DIGEST
    assert item_hash(_item_spec(), {"stem": "other"}) == ITEM_DIGEST_OTHER_BODY


def test_synced_rows_store_the_stable_hashes(db_session):
    bank = Bank(root=Path("."), sections={"hashes": _section_spec()}, items={"h-1": _item_spec()})
    report = sync_bank(bank, session=db_session)
    assert report.created == ["h-1 v1"] and report.sections == 1
    assert db_session.get(Section, "hashes").content_hash == SECTION_DIGEST
    row = db_session.exec(select(Item).where(Item.item_key == "h-1")).one()
    assert row.content_hash == ITEM_DIGEST and row.is_current
    assert sync_bank(bank, session=db_session).unchanged == 1  # the stored hash matches again


def test_a_conflict_names_every_changed_item_on_its_own_line(db_session, tmp_path):
    bank_dir = shutil.copytree(FIXTURE_BANK, tmp_path / "bank")
    for key in ("alpha-q01", "alpha-q02"):
        path = bank_dir / "alpha" / "items" / f"{key}.yaml"
        path.write_text(path.read_text().replace("explanation: Because.", "explanation: Changed."))
    with pytest.raises(VersionConflict) as raised:
        sync_bank(load_bank(bank_dir), session=db_session)
    lines = str(raised.value).split("\n")
    assert len(lines) == 2
    assert "'alpha-q01' version 1 changed" in lines[0] and lines[0].endswith("bump `version:` to 2")
    assert "'alpha-q02' version 1 changed" in lines[1] and lines[1].endswith("bump `version:` to 2")
