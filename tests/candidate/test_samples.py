"""Sample tests shown as a table: parsed from sample_tests.py, never run."""
from pathlib import Path

import pytest

from assessment.candidate.samples import SampleCase, sample_table

SECTIONS = Path(__file__).resolve().parents[2] / "sections"


def test_cases_become_calls_and_expected_values_as_written():
    source = '''import numpy as np


def _grid(n):
    return np.zeros((n, n))


CASES = [
    {"name": "two", "args": [2], "expected": 4},
    {"name": "labels", "args": [["a", "b"], _grid(2)], "kwargs": {"positive": "a"}, "expected": 0.5, "tol": 1e-9},
    {"name": "any order", "args": [[3, 1]], "expected": [1, 3], "unordered": True},
]
'''
    table = sample_table(source, "score")
    assert table.cases == (
        SampleCase("two", "score(2)", "4"),
        SampleCase("labels", 'score(["a", "b"], _grid(2), positive="a")', "0.5", tolerance="1e-9"),
        SampleCase("any order", "score([3, 1])", "[1, 3]", unordered=True),
    )
    assert table.setup == "import numpy as np\n\n\ndef _grid(n):\n    return np.zeros((n, n))"


def test_a_multi_line_value_is_shown_on_one_line():
    source = 'CASES = [\n    {"name": "long", "args": [[1,\n        2]], "expected": {"a":\n 1}},\n]\n'
    (case,) = sample_table(source, "f").cases
    assert case.call == "f([1, 2])" and case.expected == "{'a': 1}"


@pytest.mark.parametrize("source", [
    "",
    "CASES = [",                                        # not Python
    "TESTS = [{'args': [1], 'expected': 1}]",           # no CASES
    "CASES = make_cases()",                             # not a list display
    "CASES = [{'args': [1]}]",                          # no expected value
    "CASES = [{'args': 1, 'expected': 1}]",             # args not a list
    "CASES = [dict(args=[1], expected=1)]",             # not a dict display
    "CASES = [{**base, 'expected': 1}]",                # unpacking
])
def test_a_file_of_another_shape_gives_none_and_the_page_shows_it_raw(source):
    assert sample_table(source, "f") is None


def test_every_coding_item_in_the_bank_reads_as_a_table():
    files = sorted(SECTIONS.glob("*/items/*/sample_tests.py"))
    assert files, "the bank has coding items"
    unreadable = [str(f) for f in files if sample_table(f.read_text(), "f") is None]
    assert not unreadable
