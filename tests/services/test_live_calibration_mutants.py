"""services/live_calibration.py against survivors of its mutation run (issue 16.2): the held
items enter the calibration at the bank's parameters (a held 3PL item's c and a held GPCM item's
thresholds move the other items' estimates), every column of the report, an item with exactly
the minimum of responses, `c_old` of a row without `c`, the response matrix's section and cells,
and the `irt:` rewrite at its edges."""
import datetime as dt
import locale
import shutil

import numpy as np
import pandas as pd
import pytest
from sqlmodel import select
from test_live_calibration_service import _answer, _people

from assessment.content import load_bank
from assessment.models import Item
from assessment.scoring import ItemParameters
from assessment.scoring.calibration import calibrate
from assessment.services import live_calibration
from support import FIXTURE_BANK

PEOPLE = 200
HELD_ANSWERS = 60
#: The bank's parameters written into the rows before calibration.
BANK = {"gamma-q01": {"model": "2pl", "a": 0.8, "b": -0.3, "c": 0.0},
        "gamma-q02": {"model": "2pl", "a": 1.2, "b": 0.4},  # an older row without c
        "gamma-q03": {"model": "3pl", "a": 1.6, "b": 0.5, "c": 0.3},
        "gamma-double": {"model": "gpcm", "a": 1.3, "b": -0.1, "c": 0.0, "thresholds": [-0.8, 0.6]}}


def _responses(guttman=False):
    """Scores per person: everybody answers gamma-q01 and gamma-q02, the first 60 also gamma-q03
    and the last 60 gamma-double (0, 1 or 2). `guttman`: gamma-q02 right exactly when theta > 0."""
    rng = np.random.default_rng(11)
    people = []
    for n in range(PEOPLE):
        theta = rng.normal()
        scores = {"gamma-q01": float(rng.random() < 1 / (1 + np.exp(-0.8 * (theta + 0.3)))),
                  "gamma-q02": float(theta > 0 if guttman else rng.random() < 1 / (1 + np.exp(-1.2 * (theta - 0.4))))}
        if n < HELD_ANSWERS:
            scores["gamma-q03"] = float(rng.random() < 0.3 + 0.7 / (1 + np.exp(-1.6 * (theta - 0.5))))
        if n >= PEOPLE - HELD_ANSWERS:
            scores["gamma-double"] = float(min(2, max(0, round(theta + 1 + rng.normal(0, 0.5)))))
        people.append(scores)
    return people


def _store(session, people):
    items = {i.item_key: i for i in session.exec(select(Item).where(Item.section_id == "gamma")).all()}
    for key, irt in BANK.items():
        items[key].irt = irt
        session.add(items[key])
    for part, scores in zip(_people(session, PEOPLE), people):
        for position, (key, score) in enumerate(scores.items()):
            _answer(session, part, items[key], score, position=position)
    session.commit()
    return people


@pytest.fixture
def answered(session):
    return _store(session, _responses())


def _reference(people, held):
    """The calibration the service should run, built here from the responses and the given
    held parameters: kept items first (sorted), then the held ones."""
    columns = ["gamma-q01", "gamma-q02", "gamma-double", "gamma-q03"]
    data = pd.DataFrame([[p.get(c, np.nan) for c in columns] for p in people], columns=columns)
    return calibrate(data, model=["2pl", "2pl", "gpcm", "3pl"], n_categories=[2, 2, 3, 2],
                     fixed=ItemParameters.from_records(held))


HELD = [{"item": "gamma-double", "model": "gpcm", "a": 1.3, "thresholds": [-0.8, 0.6]},
        {"item": "gamma-q03", "model": "3pl", "a": 1.6, "b": 0.5, "c": 0.3}]


def test_held_items_enter_at_the_banks_parameters(session, answered):
    # 200 responses each: exactly the minimum re-estimates the item
    report = live_calibration.calibrate_section(session=session, section_id="gamma", min_responses=PEOPLE)
    assert report.skipped == {"gamma-double": "60 responses (< 200)", "gamma-q03": "60 responses (< 200)"}
    assert list(report.changes.index) == ["gamma-q01", "gamma-q02"] and report.n_persons == PEOPLE
    expected = _reference(answered, HELD)
    for j, key in enumerate(["gamma-q01", "gamma-q02"]):
        row = report.changes.loc[key]
        assert row["a_new"] == pytest.approx(expected.params.a[j], rel=1e-9)
        assert row["b_new"] == pytest.approx(expected.params.b[j], rel=1e-9, abs=1e-12)
        assert row["c_new"] == 0.0 and row["n"] == PEOPLE and row["model"] == "2pl"
        assert row["se_a"] == pytest.approx(expected.se.loc[key, "se_a"], rel=1e-9)
        assert row["infit"] == pytest.approx(expected.item_fit.loc[key, "infit"], rel=1e-9)
    assert report.loglik == pytest.approx(expected.loglik, rel=1e-12)
    # the held parameters matter: another c, another a or other thresholds move the estimates
    for other in ([HELD[0], {**HELD[1], "c": 0.0}], [HELD[0], {**HELD[1], "a": 1.0}],
                  [HELD[0], {**HELD[1], "b": 0.0}], [{**HELD[0], "thresholds": [-1.5, 1.5]}, HELD[1]]):
        moved = _reference(answered, other)
        assert abs(moved.loglik - report.loglik) > 1e-3
        assert np.max(np.abs(moved.params.a[:2] - report.changes["a_new"].to_numpy())) > 1e-4


def test_old_parameters_and_a_row_without_c(session, answered):
    report = live_calibration.calibrate_section(session=session, section_id="gamma", min_responses=PEOPLE)
    old = report.changes[["a_old", "b_old", "c_old"]]
    assert old.loc["gamma-q01"].tolist() == [0.8, -0.3, 0.0]
    assert old.loc["gamma-q02"].tolist() == [1.2, 0.4, 0.0]  # no c in the row: 0


def test_one_response_short_of_the_minimum_holds_the_item(session, answered):
    report = live_calibration.calibrate_section(session=session, section_id="gamma", min_responses=PEOPLE + 1)
    assert report.changes.empty and report.skipped["gamma-q01"] == "200 responses (< 201)"
    assert (report.section_id, report.n_persons, report.loglik, report.reliability) == ("gamma", PEOPLE, None, None)


def test_a_deterministic_item_is_flagged_as_misfitting(session):
    """gamma-q02 right exactly when theta > 0 (a Guttman item): its residuals are far smaller
    than the model's variance, infit and outfit fall below 0.5 (over-fit); gamma-q01 is a
    plain logistic item and fits."""
    _store(session, _responses(guttman=True))
    changes = live_calibration.calibrate_section(session=session, section_id="gamma", min_responses=PEOPLE).changes
    assert changes.loc["gamma-q02", "infit"] < 0.5 and changes.loc["gamma-q02", "outfit"] < 0.5
    assert 0.5 < changes.loc["gamma-q01", "infit"] < 1.5 and 0.5 < changes.loc["gamma-q01", "outfit"] < 1.5
    assert changes["misfit"].tolist() == [False, True]


def test_the_matrix_holds_this_sections_items_and_one_score_of_each_person(session):
    """Another section's item stays out of gamma's matrix; an item answered twice in one attempt
    keeps one of its scores (an average such as 0.5 would be no category at all)."""
    items = {i.item_key: i for i in session.exec(select(Item).where(Item.is_current)).all()}
    twice, once = _people(session, 2)
    _answer(session, twice, items["gamma-q01"], 1.0)
    _answer(session, twice, items["gamma-q01"], 0.0, position=1)
    _answer(session, twice, items["alpha-q01"], 1.0, position=2)
    _answer(session, once, items["gamma-q01"], 1.0)
    session.commit()
    wide, _ = live_calibration.response_frame(session=session, section_id="gamma")
    assert list(wide.columns) == ["gamma-q01"] and list(wide.index) == [twice.id, once.id]
    assert wide.loc[twice.id, "gamma-q01"] in (0.0, 1.0) and wide.loc[once.id, "gamma-q01"] == 1.0


@pytest.fixture
def bank_dir(tmp_path):
    return shutil.copytree(FIXTURE_BANK, tmp_path / "bank")


def _write(bank_dir, text, model="2pl"):
    """alpha-q03.yaml (version 1 in the bank loaded) rewritten on disk to `text`, then its irt
    replaced by write_parameters; the file's new text."""
    bank = load_bank(bank_dir)
    path = bank_dir / "alpha" / "items" / "alpha-q03.yaml"
    path.write_bytes(text.encode("utf-8"))
    changes = pd.DataFrame([{"item": "alpha-q03", "model": model, "n": 140, "a_new": 0.9, "b_new": 1.0,
                             "c_new": 0.25, "thresholds_new": None}]).set_index("item")
    report = live_calibration.CalibrationReport("alpha", 140, changes, {}, None, None)
    assert live_calibration.write_parameters(bank=bank, report=report) == [path]
    return path.read_bytes().decode("utf-8")


def _line(model_part):
    return f"irt: {{{model_part}}}  # calibrated {dt.date.today().isoformat()} from 140 responses\n"


ORIGINAL = (FIXTURE_BANK / "alpha" / "items" / "alpha-q03.yaml").read_text(encoding="utf-8")


def test_an_inline_irt_line_with_colons_in_its_values_keeps_the_lines_after_it(bank_dir):
    head = ORIGINAL.replace("version: 1", "version:   1")
    text = _write(bank_dir, head + "irt: {model: 2pl, a: 1.0, b: -1.5}\n\n  # note: kept: yes\nextra: x\n")
    assert text == (ORIGINAL.replace("version: 1", "version: 2") + "\n  # note: kept: yes\nextra: x\n"
                    + _line("model: 2pl, a: 0.900, b: 1.000"))


def test_a_tab_indented_block_and_a_file_without_a_final_newline(bank_dir):
    body = ORIGINAL.rstrip("\n")
    text = _write(bank_dir, "\nirt:\n\tmodel: 3pl\n\ta: 1.0\n\n  b: 0.0\n\tc: 0.3\n" + body, model="3pl")
    # the blank first line is the file's own (no block is being skipped yet)
    assert text == ("\n" + body.replace("version: 1", "version: 2") + "\n"
                    + _line("model: 3pl, a: 0.900, b: 1.000, c: 0.250"))


@pytest.fixture
def ascii_locale():
    """A machine whose locale is plain C (ASCII): the bank's files are UTF-8 all the same."""
    old = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    yield
    locale.setlocale(locale.LC_CTYPE, old)


def test_a_non_ascii_file_is_read_and_written_as_utf8_under_any_locale(bank_dir, ascii_locale):
    body = ORIGINAL.replace("explanation: Because.", 'explanation: "Parce que \u00bd \u00b7 \u03c0 \u2248 1,57."')
    text = _write(bank_dir, body)
    assert text == body.replace("version: 1", "version: 2") + _line("model: 2pl, a: 0.900, b: 1.000")
