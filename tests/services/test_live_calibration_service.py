"""services/live_calibration.py on responses written straight into the database (no candidate
flow): the response matrix, which items are re-estimated and which are held, the report's
columns, and the `irt:` lines written back with a version bump."""
import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest
from sqlmodel import select

from assessment.content import load_bank
from assessment.models import Assessment, Attempt, Invitation, Item, Response, SectionAttempt
from assessment.services import live_calibration
from support import FIXTURE_BANK


def _people(session, n):
    assessment = Assessment(title="Calibration")
    session.add(assessment)
    session.flush()
    parts = []
    for k in range(n):
        invitation = Invitation(assessment_id=assessment.id, token_hash=f"h{k}")
        session.add(invitation)
        session.flush()
        attempt = Attempt(invitation_id=invitation.id, seed=k)
        session.add(attempt)
        session.flush()
        part = SectionAttempt(attempt_id=attempt.id, section_id="gamma", position=0, time_limit_seconds=60,
                              min_items=1, max_items=4, se_target=0.3)
        session.add(part)
        parts.append(part)
    session.flush()
    return parts


def _answer(session, part, item, score, status="answered", position=0):
    session.add(Response(section_attempt_id=part.id, item_id=item.id, position=position, status=status, score=score))


def _items(session):
    return {i.item_key: i for i in session.exec(select(Item).where(Item.section_id == "gamma")).all()}


def test_the_response_matrix_has_a_row_per_person_and_a_column_per_current_item(session):
    wide, items = live_calibration.response_frame(session=session, section_id="gamma")
    assert wide.empty and sorted(items) == ["gamma-double", "gamma-q01", "gamma-q02", "gamma-q03"]
    items = _items(session)
    first, second = _people(session, 2)
    _answer(session, first, items["gamma-q01"], 1.0)
    _answer(session, first, items["gamma-double"], 2.0, position=1)
    _answer(session, second, items["gamma-q01"], 0.0)
    _answer(session, second, items["gamma-q02"], None, position=1)  # graded later: not in the matrix
    _answer(session, second, items["gamma-q03"], 0.0, status="unanswered", position=2)
    retired = Item(item_key="gamma-q04", version=1, section_id="gamma", type="single_choice", band="developing",
                   skills=["x"], body={}, irt={"model": "2pl", "a": 1.0, "b": 0.0}, content_hash="", is_current=False)
    session.add(retired)
    session.flush()
    _answer(session, second, retired, 1.0, position=3)
    session.commit()
    wide, items = live_calibration.response_frame(session=session, section_id="gamma")
    assert list(wide.columns) == ["gamma-double", "gamma-q01"] and list(wide.index) == [first.id, second.id]
    assert wide.loc[first.id, "gamma-double"] == 2.0 and np.isnan(wide.loc[second.id, "gamma-double"])
    assert "gamma-q04" not in items


@pytest.fixture
def calibrated(session):
    """260 people answer gamma-double (categories 0 and 1 only) and gamma-q01; gamma-q02 is
    always right; the first 30 also answer gamma-q03; one more person answers only gamma-q03."""
    items = _items(session)
    rng = np.random.default_rng(5)
    parts = _people(session, 261)
    for n, part in enumerate(parts[:260]):
        theta = rng.normal()
        _answer(session, part, items["gamma-double"], float(rng.random() < 1 / (1 + np.exp(-(theta + 0.5)))))
        _answer(session, part, items["gamma-q01"], float(rng.random() < 0.2 + 0.8 / (1 + np.exp(-1.4 * theta))),
                position=1)
        _answer(session, part, items["gamma-q02"], 1.0, position=2)
        if n < 30:
            _answer(session, part, items["gamma-q03"], float(n % 2), position=3)
    _answer(session, parts[260], items["gamma-q03"], 1.0)
    session.commit()
    return live_calibration.calibrate_section(session=session, section_id="gamma", min_responses=100)


def test_only_items_with_enough_varied_responses_are_re_estimated(calibrated):
    report = calibrated
    assert report.skipped == {"gamma-q02": "every response has the same score",
                              "gamma-q03": "31 responses (< 100)"}
    assert list(report.changes.index) == ["gamma-double", "gamma-q01"]
    assert report.n_persons == 260 and report.section_id == "gamma"
    assert np.isfinite(report.loglik) and 0 < report.reliability < 1


def test_the_report_has_old_and_new_parameters_their_errors_and_fit(calibrated):
    changes = calibrated.changes
    double, q01 = changes.loc["gamma-double"], changes.loc["gamma-q01"]
    assert (double["model"], double["n"], double["a_old"], double["b_old"], double["c_old"]) == (
        "gpcm", 260, 1.0, -1.5, 0.0)
    assert (q01["model"], q01["n"], q01["a_old"], q01["b_old"], q01["c_old"]) == ("3pl", 260, 1.0, 0.0, 0.5)
    assert len(double["thresholds_new"]) == 2  # the bank's three categories, though nobody scored 2
    assert all(isinstance(t, float) and round(t, 3) == t for t in double["thresholds_new"])
    assert isinstance(q01["thresholds_new"], float) and np.isnan(q01["thresholds_new"])
    assert 0 <= q01["c_new"] < 1 and q01["a_new"] > 0 and double["a_new"] > 0
    assert {"infit", "outfit", "misfit", "se_a", "se_b"} <= set(changes.columns)
    assert all(isinstance(v, (bool, np.bool_)) for v in changes["misfit"])
    assert (changes["infit"] > 0).all() and (changes["outfit"] > 0).all() and (changes["se_a"] > 0).all()


def test_with_nothing_to_re_estimate_the_report_is_empty(session):
    items = _items(session)
    for part in _people(session, 3):
        _answer(session, part, items["gamma-q01"], 1.0)
    session.commit()
    report = live_calibration.calibrate_section(session=session, section_id="gamma", min_responses=2)
    assert report.changes.empty and (report.loglik, report.reliability, report.n_persons) == (None, None, 3)
    assert report.skipped == {"gamma-double": "0 responses (< 2)", "gamma-q01": "every response has the same score",
                              "gamma-q02": "0 responses (< 2)", "gamma-q03": "0 responses (< 2)"}
    assert live_calibration.calibrate_section(session=session, section_id="gamma").skipped["gamma-q01"] == (
        "3 responses (< 100)")


def test_new_parameters_are_written_as_a_new_version(tmp_path):
    bank_dir = shutil.copytree(FIXTURE_BANK, tmp_path / "bank")
    block = bank_dir / "alpha" / "items" / "alpha-q01.yaml"
    block.write_text(block.read_text().replace("skills:", "irt:\n  model: 3pl\n  a: 1.0\n\n  b: 0.0\n  c: 0.3\nskills:")
                     .rstrip("\n"))
    inline = bank_dir / "alpha" / "items" / "alpha-q03.yaml"
    inline.write_text(inline.read_text() + "irt: {model: 2pl, a: 1.0, b: -1.5}\n")
    bank = load_bank(bank_dir)
    changes = pd.DataFrame([
        {"item": "alpha-q01", "model": "3pl", "n": 150.0, "a_new": 1.23456, "b_new": -0.5, "c_new": 0.2,
         "thresholds_new": None},
        {"item": "alpha-q03", "model": "2pl", "n": 151, "a_new": 0.9, "b_new": 1.0, "c_new": 0.0,
         "thresholds_new": None},
        {"item": "gamma-double", "model": "gpcm", "n": 152, "a_new": 1.1, "b_new": 0.0, "c_new": 0.0,
         "thresholds_new": [-1.0, 0.5]}]).set_index("item")
    report = live_calibration.CalibrationReport("alpha", 160, changes, {}, -1.0, 0.5)
    written = live_calibration.write_parameters(bank=bank, report=report)
    double = bank_dir / "gamma" / "items" / "gamma-double" / "item.yaml"
    assert written == [block, inline, double]
    today = dt.date.today().isoformat()
    text = block.read_text()
    assert text.startswith("id: alpha-q01\nversion: 2\n") and "  model: 3pl" not in text and "  b: 0.0" not in text
    assert text.endswith(f"\nirt: {{model: 3pl, a: 1.235, b: -0.500, c: 0.200}}  # calibrated {today} from 150 "
                         "responses\n")
    assert "\nskills: [algebra]\n" in text  # the line after the irt block is kept
    text = inline.read_text()
    assert text.count("irt:") == 1 and "version: 2\n" in text
    assert text.endswith(f"irt: {{model: 2pl, a: 0.900, b: 1.000}}  # calibrated {today} from 151 responses\n")
    assert double.read_text().endswith(f"irt: {{model: gpcm, a: 1.100, thresholds: [-1.0, 0.5]}}  # calibrated "
                                       f"{today} from 152 responses\n")
    assert load_bank(bank_dir).items["alpha-q01"].irt["a"] == 1.235
