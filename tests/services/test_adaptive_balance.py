"""services/adaptive.py: content balancing over primary skills, Sympson-Hetter exposure control
from a section's exposure.yaml, and the bounded cache of section banks. Banks are built from
in-memory rows (no database) so the skills, parameters and exposure are exactly the test's."""
from types import SimpleNamespace

import numpy as np
from flask import Flask
from sqlmodel import select

from assessment.models import Item, Response
from assessment.services import adaptive


def _item(n, key, skills, a, b, band="developing"):
    return Item(id=n, item_key=key, version=1, section_id="sec", type="mcq", band=band, skills=skills,
                body={}, irt={"model": "2pl", "a": a, "b": b}, content_hash="")


def _two_skill_bank():
    """Skill `a`: six sharp items; skill `b`: two flat items whose second tag is `a`."""
    rows = [_item(n + 1, f"a{n}", ["a"], 2.0, -0.5 + 0.2 * n) for n in range(6)]
    rows += [_item(7, "b0", ["b", "a"], 0.6, 0.0), _item(8, "b1", ["b", "a"], 0.6, 0.3)]
    return rows


def _part(section_id=None, max_items=8):
    part = SimpleNamespace(min_items=1, max_items=max_items, se_target=0.0)
    if section_id is not None:
        part.section_id = section_id
    return part


def _answered(rows, keys):
    # alternate right and wrong so the ability estimate stays near 0
    by_key = {r.item_key: r for r in rows}
    return [(Response(status="answered", score=float(n % 2)), by_key[k]) for n, k in enumerate(keys)]


def _skills_chosen(rows, given, part=None, seeds=range(12)):
    bank = adaptive.SectionBank.of(rows)
    by_id = {r.id: r for r in rows}
    chosen = set()
    for seed in seeds:
        choice = adaptive.choose_next(bank=bank, answered=_answered(rows, given), part=part or _part(),
                                      mode="adaptive", rng=np.random.default_rng(seed))
        assert choice.stop_reason is None
        chosen.add(by_id[choice.item_id].skills[0])
    return chosen


def test_the_bank_view_keeps_only_each_items_primary_skill():
    bank = adaptive.SectionBank.of(_two_skill_bank())
    assert bank.primary_skills == (("a",),) * 6 + (("b",),) * 2
    assert bank.keys[-2:] == ("b0", "b1") and bank.ids == tuple(range(1, 9))


def test_an_under_served_skill_gets_the_next_item_though_its_items_inform_less():
    rows = _two_skill_bank()
    assert _skills_chosen(rows, ["a0"]) == {"b"}
    assert _skills_chosen(rows, ["a0", "a1", "a2", "a3"]) == {"b"}


def test_targets_are_proportional_to_each_skills_items_not_equal_shares():
    # six of eight items carry `a`: after two `a` and one `b` (1/3 each way), `a` is still owed
    # 0.75 - 2/3; with equal shares `b` would be owed 0.5 - 1/3 and the secondary tag of b0
    # counted for `a` would make `a` over-served.
    rows = _two_skill_bank()
    assert _skills_chosen(rows, ["a0", "b0", "a1"]) == {"a"}
    assert _skills_chosen(rows, ["a0", "b0", "a1", "a2", "a3", "a4"]) == {"b"}


def _exposure_app(tmp_path, section, probabilities):
    (tmp_path / section).mkdir()
    lines = ["items:"] + [f"  {key}: {value}" for key, value in probabilities.items()]
    (tmp_path / section / "exposure.yaml").write_text("\n".join(lines) + "\n")
    app = Flask(__name__)
    app.config["SECTIONS_DIR"] = str(tmp_path)
    return app


def _one_skill_bank():
    return [_item(n + 1, f"q{n}", ["a"], 2.0 if n < 4 else 0.4, 0.1 * n) for n in range(6)]


def test_exposure_yaml_of_the_parts_section_holds_back_protected_items(tmp_path):
    rows = _one_skill_bank()
    # the four sharp items may never be given, the flat ones always: only q4/q5 can come
    app = _exposure_app(tmp_path, "sec", {"q0": 0, "q1": 0, "q2": 0, "q3": 0})
    with app.app_context():
        held = {r for seed in range(15) for r in _picks(rows, _part("sec"), seed)}
        free = {r for seed in range(15) for r in _picks(rows, _part("other"), seed)}
    assert held == {"q4", "q5"}
    assert free <= {"q0", "q1", "q2", "q3"} and len(free) > 1  # no file for "other": max information


def test_exposure_is_ignored_outside_an_app_and_for_a_part_without_a_section(tmp_path):
    rows = _one_skill_bank()
    app = _exposure_app(tmp_path, "sec", {"q0": 0, "q1": 0, "q2": 0, "q3": 0})
    outside = {r for seed in range(15) for r in _picks(rows, _part("sec"), seed)}
    with app.app_context():
        unnamed = {r for seed in range(15) for r in _picks(rows, _part(), seed)}
    assert outside <= {"q0", "q1", "q2", "q3"} and unnamed <= {"q0", "q1", "q2", "q3"}


def test_when_every_candidate_is_rejected_one_is_drawn_in_proportion_to_its_probability(tmp_path):
    rows = _one_skill_bank()
    app = _exposure_app(tmp_path, "sec", {"q0": 0, "q1": 0, "q2": 0, "q3": 0, "q4": 0, "q5": 0.000001})
    with app.app_context():
        picks = {r for seed in range(10) for r in _picks(rows, _part("sec"), seed)}
    assert picks == {"q5"}


def _picks(rows, part, seed):
    bank = adaptive.SectionBank.of(rows)
    choice = adaptive.choose_next(bank=bank, answered=[], part=part, mode="adaptive",
                                  rng=np.random.default_rng(seed))
    return [next(r.item_key for r in rows if r.id == choice.item_id)]


def test_the_bank_cache_is_bounded_and_drops_the_oldest_view(db_session, monkeypatch):
    monkeypatch.setattr(adaptive, "MAX_CACHED_BANKS", 2)
    monkeypatch.setattr(adaptive, "_BANKS", {})
    alpha = adaptive.section_bank(session=db_session, section_id="alpha")
    beta = adaptive.section_bank(session=db_session, section_id="beta")
    assert adaptive.section_bank(session=db_session, section_id="alpha") is alpha
    gamma = adaptive.section_bank(session=db_session, section_id="gamma")  # alpha, the oldest, goes
    assert len(adaptive._BANKS) == 2
    assert adaptive.section_bank(session=db_session, section_id="beta") is beta
    assert adaptive.section_bank(session=db_session, section_id="gamma") is gamma
    again = adaptive.section_bank(session=db_session, section_id="alpha")
    assert again is not alpha and again.keys == alpha.keys


def test_a_new_version_keeps_its_place_in_key_order(db_session):
    old = db_session.exec(select(Item).where(Item.item_key == "alpha-q03")).one()
    old.is_current = False
    db_session.add(Item(item_key="alpha-q03", version=2, section_id="alpha", type=old.type, band=old.band,
                        skills=old.skills, body=old.body, irt=old.irt, content_hash="v2"))
    db_session.commit()
    bank = adaptive.section_bank(session=db_session, section_id="alpha")
    assert bank.keys == tuple(f"alpha-q0{n}" for n in range(8))  # the new row has the highest id
    assert bank.ids[3] == max(bank.ids) and old.id not in bank.ids
