"""The bank validator finds every problem and names file, line and field."""
import shutil
from pathlib import Path

import pytest

from assessment.content import BankError, load_bank, validate_bank
from assessment.content.irt_defaults import default_irt
from support import FIXTURE_BANK


@pytest.fixture
def bank_copy(tmp_path) -> Path:
    return Path(shutil.copytree(FIXTURE_BANK, tmp_path / "sections"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_fixture_bank_is_valid():
    assert validate_bank(FIXTURE_BANK) == []
    bank = load_bank(FIXTURE_BANK)
    assert set(bank.sections) == {"alpha", "beta", "gamma"}
    assert len(bank.items) == 20
    code = bank.items["gamma-double"].code
    assert code["function"] == "double" and code["partial_credit"] == [0.5, 1.0]
    assert "def double" in code["starter"] and "CASES" in code["sample_tests"]


def test_every_problem_is_reported_with_file_line_and_field(bank_copy):
    item = bank_copy / "alpha" / "items" / "alpha-q00.yaml"
    _edit(item, "key: a", "key: z")
    _edit(item, "band: beginning", "band: expert")
    other = bank_copy / "beta" / "items" / "beta-q01.yaml"
    _edit(other, "skills: [logic]", "skills: [astrology]")
    problems = validate_bank(bank_copy)
    messages = {(p.file, p.field): p for p in problems}
    key = messages[("sections/alpha/items/alpha-q00.yaml", "key")]
    assert "'z' is not among the option ids" in key.message and key.line is not None
    assert item.read_text().splitlines()[key.line - 1].startswith("key:")
    assert "'expert' is not one of" in messages[("sections/alpha/items/alpha-q00.yaml", "band")].message
    assert "'astrology' is not a skill of section 'beta'" in messages[("sections/beta/items/beta-q01.yaml", "skills")].message
    with pytest.raises(BankError) as exc:
        load_bank(bank_copy)
    assert len(exc.value.problems) == len(problems) == 3


def test_duplicate_ids_and_mismatched_file_names(bank_copy):
    src = bank_copy / "alpha" / "items" / "alpha-q00.yaml"
    dup = bank_copy / "beta" / "items" / "alpha-q00.yaml"
    dup.write_text(src.read_text().replace("skills: [arithmetic]", "skills: [logic]"))
    shutil.copy(src, bank_copy / "beta" / "items" / "renamed.yaml")
    problems = [str(p) for p in validate_bank(bank_copy)]
    assert any("duplicate item id 'alpha-q00'" in p for p in problems)
    assert any("renamed.yaml" in p and "must equal the file name 'renamed'" in p for p in problems)


def test_irt_parameters_out_of_range_and_unknown_fields(bank_copy):
    item = bank_copy / "alpha" / "items" / "alpha-q01.yaml"
    item.write_text(item.read_text() + "irt: {model: 3pl, a: 9, b: 0, c: 0.7}\nanwser: 3\n")
    problems = [str(p) for p in validate_bank(bank_copy)]
    assert any("irt.a: 9 is outside the allowed range [0.2, 4.0]" in p for p in problems)
    assert any("irt.c: 0.7 is outside the allowed range [0.0, 0.5]" in p for p in problems)
    assert any("anwser: unknown field" in p for p in problems)


def test_invalid_yaml_names_the_line(bank_copy):
    item = bank_copy / "alpha" / "items" / "alpha-q04.yaml"
    item.write_text("id: alpha-q04\nstem: [unclosed\n")
    problems = validate_bank(bank_copy)
    assert len(problems) == 1
    assert problems[0].file.endswith("alpha-q04.yaml") and "invalid YAML" in problems[0].message
    assert problems[0].line is not None


def test_section_problems(bank_copy):
    section = bank_copy / "beta" / "section.yaml"
    _edit(section, "length: {min: 3, max: 5}", "length: {min: 6, max: 5}")
    _edit(section, "id: beta", "id: gamma")
    problems = [str(p) for p in validate_bank(bank_copy)]
    assert any("length.min: min (6) is greater than max (5)" in p for p in problems)
    assert any("'gamma' must equal the folder name 'beta'" in p for p in problems)


def test_skill_needs_three_resources(bank_copy):
    section = bank_copy / "alpha" / "section.yaml"
    text = section.read_text()
    first = text.index("      - {title: Resource one")
    section.write_text(text[:first] + text[text.index("      - {title: Resource two"):])
    problems = [str(p) for p in validate_bank(bank_copy)]
    assert any("skills[0].resources: has 2 resource(s); every skill needs at least 3" in p for p in problems)


def test_numeric_check_must_be_an_expression(bank_copy):
    item = bank_copy / "alpha" / "items" / "alpha-q03.yaml"
    _edit(item, 'check: "3 + 3"', 'check: "3 +"')
    problems = [str(p) for p in validate_bank(bank_copy)]
    assert any("check: is not a Python expression" in p for p in problems)


def _code_item(folder: Path, files: dict) -> None:
    folder.mkdir()
    (folder / "item.yaml").write_text(
        f"id: {folder.name}\nversion: 1\ntype: code\nband: developing\nskills: [algebra]\n"
        "stem: Write f.\nfunction: f\npartial_credit: [0.5, 1.0]\nexplanation: Because.\n")
    for name, text in files.items():
        (folder / name).write_text(text)


def test_code_item_needs_its_files(bank_copy):
    _code_item(bank_copy / "alpha" / "items" / "alpha-code", {"starter.py": "def f(x):\n    ...\n"})
    problems = [str(p) for p in validate_bank(bank_copy)]
    for name in ("solution.py", "wrong.py", "sample_tests.py", "hidden_tests.py"):
        assert any(f"alpha-code/{name}: missing file" in p for p in problems), problems


def test_code_item_files_are_checked(bank_copy):
    _code_item(bank_copy / "alpha" / "items" / "alpha-code", {
        "starter.py": "def f(x):\n    ...\n", "solution.py": "def g(x):\n    return x\n",
        "wrong.py": "import os\ndef f(x):\n    return 0\n",
        "sample_tests.py": "CASES = [{'name': 'one', 'args': [1], 'expected': 1}, {'name': 'two', 'args': [2], 'expected': 2}]\n",
        "hidden_tests.py": "TESTS = []\n"})
    problems = [str(p) for p in validate_bank(bank_copy)]
    assert any("alpha-code/solution.py: function: does not define f()" in p for p in problems), problems
    assert any("alpha-code/wrong.py: import: imports 'os'" in p for p in problems), problems
    assert any("alpha-code/hidden_tests.py: CASES: must be a non-empty list" in p for p in problems), problems


def test_default_irt_rule():
    assert default_irt("single_choice", "beginning", n_options=4) == {"model": "3pl", "a": 1.0, "b": -1.5, "c": 0.25}
    assert default_irt("multiple_choice", "accomplished", n_options=3)["c"] == pytest.approx(1 / 7, abs=1e-4)
    assert default_irt("numeric", "developing")["model"] == "2pl"
    gpcm = default_irt("code", "developing", n_categories=3)
    assert gpcm["thresholds"] == [-0.5, 0.5] and gpcm["model"] == "gpcm"
