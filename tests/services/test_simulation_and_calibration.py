"""Synthetic candidates through the real engine, then calibration from the database, then the
new parameters written back to the bank as new versions."""
import shutil
from pathlib import Path

import numpy as np
from sqlmodel import select

from assessment.content import load_bank, validate_bank
from assessment.models import Attempt, Response, SectionAttempt
from assessment.services import live_calibration
from assessment.services.bank import sync_bank
from assessment.services.synthetic_candidates import simulate_candidate
from factories import make_assessment
from support import FIXTURE_BANK


def test_simulated_candidates_finish_and_abler_ones_score_higher(db_session):
    assessment = make_assessment(db_session, sections=("alpha", "gamma"),
                                 overrides={"alpha": {"min_items": 6, "max_items": 6}})
    rng = np.random.default_rng(7)
    runs = [simulate_candidate(session=db_session, assessment=assessment, rng=rng) for _ in range(60)]
    assert all(a.status == "completed" for a, _ in runs)
    parts = db_session.exec(select(SectionAttempt).where(SectionAttempt.section_id == "alpha")).all()
    truth = {a.id: t["alpha"] for a, t in runs}
    est = np.array([p.theta for p in parts])
    true = np.array([truth[p.attempt_id] for p in parts])
    # Six items: noisy, yet clearly related to the truth (r is about 0.7; 0.4 is 3 SE below).
    assert np.corrcoef(est, true)[0, 1] > 0.4
    graded_code = db_session.exec(select(Response).where(Response.status == "answered")).all()
    assert len(graded_code) > 100


def test_calibration_dry_run_and_write_back(db_session, tmp_path):
    assessment = make_assessment(db_session, sections=("alpha",), overrides={"alpha": {"min_items": 8, "max_items": 8}})
    rng = np.random.default_rng(3)
    for _ in range(120):
        simulate_candidate(session=db_session, assessment=assessment, rng=rng)
    assert len(db_session.exec(select(Attempt)).all()) == 120
    report = live_calibration.calibrate_section(session=db_session, section_id="alpha", min_responses=50)
    assert report.n_persons == 120 and len(report.changes) == 8 and report.skipped == {}
    assert np.isfinite(report.loglik) and 0 < report.reliability < 1
    assert set(report.changes.columns) >= {"a_old", "a_new", "se_a", "b_new", "se_b", "infit", "outfit", "misfit"}
    # Beginning items come out easier than accomplished ones, as the band rule set them.
    b = report.changes["b_new"]
    assert b[["alpha-q00", "alpha-q03", "alpha-q06"]].mean() < b[["alpha-q02", "alpha-q05"]].mean()

    bank_dir = Path(shutil.copytree(FIXTURE_BANK, tmp_path / "sections"))
    bank = load_bank(bank_dir)
    written = live_calibration.write_parameters(bank=bank, report=report)
    assert len(written) == 8
    text = (bank_dir / "alpha" / "items" / "alpha-q01.yaml").read_text()
    assert "version: 2" in text and "irt: {model: 3pl, a: " in text and "# calibrated" in text
    assert validate_bank(bank_dir) == []
    new_bank = load_bank(bank_dir)
    assert new_bank.items["alpha-q01"].irt["a"] == round(report.changes.loc["alpha-q01", "a_new"], 3)
    assert len(sync_bank(new_bank, session=db_session).new_versions) == 8


def test_items_with_too_few_responses_are_kept(db_session):
    report = live_calibration.calibrate_section(session=db_session, section_id="beta", min_responses=50)
    assert report.changes.empty and set(report.skipped) == {f"beta-q{n:02d}" for n in range(8)}
