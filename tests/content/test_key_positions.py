"""`sections validate` warns when one option id is the key of too many single-choice items of
a section (issue 8.2): the display order is shuffled, but a bank leaning on `a` teaches guessing."""
from pathlib import Path

from click.testing import CliRunner

from assessment.cli import main
from assessment.content import load_bank
from assessment.content.loader import key_position_warnings
from support import FIXTURE_BANK

REAL_BANK = Path(__file__).resolve().parents[2] / "sections"


def test_a_section_whose_keys_lean_on_one_option_is_warned_about():
    warnings = key_position_warnings(load_bank(FIXTURE_BANK))  # every fixture key is `a`
    assert any(w.startswith("warning: alpha: option 'a' is the key of 4 of 4") for w in warnings)


def test_balanced_keys_are_not_warned_about():
    bank = load_bank(FIXTURE_BANK)
    assert key_position_warnings(bank, limit=1.0) == []


def test_the_shipped_bank_spreads_its_keys():
    assert key_position_warnings(load_bank(REAL_BANK)) == []


def test_validate_prints_the_warning_and_still_passes():
    result = CliRunner().invoke(main, ["sections", "validate", "--dir", str(FIXTURE_BANK)])
    assert result.exit_code == 0, result.output
    assert "warning: alpha: option 'a'" in result.output and "ok: 3 sections" in result.output
