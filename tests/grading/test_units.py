"""Codec, comparison rules and item validation (no sandbox needed)."""
from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest

from assessment.content import codec
from assessment.content.coding import Limits, TaskError, load_coding_task, task_from_body, validate_coding_item
from assessment.content.problems import Problem
from assessment.grading.compare import compare
from grading_support import FIXTURES, SOFTMAX


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", [1, [2, "x"]], (1, 2), {1: "a", "b": (2,)}, {1, 2},
    frozenset({"a"}), 1 + 2j, b"\x00\xff", np.arange(6).reshape(2, 3), np.float32(1.5),
    np.array(["a", "bc"]), np.array([1 + 1j]), np.array([True, False]),
    np.array(["2024-01-01"], dtype="datetime64[D]"), np.array([1, None], dtype=object),
    pd.Series([1.5, 2.5], index=["x", "y"], name="s"),
    pd.DataFrame({"a": [1, 2], "b": ["u", "v"]}, index=pd.Index([10, 20], name="id")),
    pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["k", "n"]),
])
def test_codec_round_trip(value):
    back = codec.loads(codec.dumps(value))
    assert compare(back, value, tol=0) is None
    assert type(back) is type(value) or isinstance(value, (np.generic, pd.Index))


def test_codec_keeps_nan_and_infinity():
    back = codec.loads(codec.dumps(np.array([math.nan, math.inf])))
    assert math.isnan(back[0]) and back[1] == math.inf


@pytest.mark.parametrize("data", [
    '{"$t": "pickle", "data": "gASVAAAA"}',
    '{"$t": "ndarray", "dtype": "<f8", "shape": [3], "data": [1, 2]}',
    '{"$t": "ndarray", "dtype": "V8", "shape": [1], "data": [1]}',
    '{"$t": "ndarray", "dtype": "<f8", "shape": [-1], "data": []}',
    '{"$t": "ndarray", "dtype": "<f8", "shape": [1], "data": [{"$t": "tuple", "items": []}]}',
    '{"plain": "dict"}',
    '{"$t": "dataframe", "columns": 1, "index": 2, "data": []}',
    "[" * 10000 + "]" * 10000,
    '{"$t": "ndarray", "dtype": "<U1000000000", "shape": [2], "data": ["a", "b"]}',
    '{"$t": "ndarray", "dtype": "<f8", "shape": [1], "data": [1' + "0" * 5000 + ']}',
    "not json",
])
def test_codec_rejects_malformed_data(data):
    with pytest.raises(codec.CodecError):
        codec.loads(data)


def test_codec_refuses_unknown_objects():
    with pytest.raises(codec.CodecError, match="unsupported type"):
        codec.encode(object())


@pytest.mark.parametrize("got, expected, kw, ok", [
    (3, 3, {}, True), (3.0, 3, {}, False), (True, 1, {}, False), ("a", "a", {}, True),
    (None, None, {}, True), (0.1 + 0.2, 0.3, {}, True), (0.31, 0.3, {}, False),
    ([1, [2, 3]], [1, [2, 3]], {}, True), ((1, 2), [1, 2], {}, True),
    ([3, 1, 2], [1, 2, 3], {"unordered": True}, True), ([3, 1, 1], [1, 2, 3],
                                                        {"unordered": True}, False),
    ([3, 1, 2], [1, 2, 3], {}, False), ({"a": 1.0}, {"a": 1.0 + 1e-9}, {}, True),
    (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), {}, True),
    (np.array([1.0, 2.0]), np.array([[1.0, 2.0]]), {}, False),
    ([0.5, 0.5], np.array([0.5, 0.5]), {}, True),
    (np.array([math.nan]), np.array([math.nan]), {}, True),
    (np.array([1.0, 2.0]), np.array([1.0, 2.1]), {"tol": 0.1}, True),
    (np.int64(4), 4, {}, True), ("4", 4, {}, False),
    (pd.Series([1, 2], name="v"), pd.Series([1.0, 2.0], name="v"), {}, True),
    (pd.Series([1, 2], name="v"), pd.Series([1, 3], name="v"), {}, False),
    (pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [1]}), {}, False),
    ([1, 2], pd.Series([1, 2]), {}, False),
    # floats: NaN only equals NaN, infinities only themselves, tolerance relative to expected
    (math.nan, math.nan, {}, True), (1.0, math.nan, {}, False), (math.nan, 1.0, {}, False),
    (math.inf, math.inf, {}, True), (-math.inf, math.inf, {}, False), (1e308, math.inf, {}, False),
    (1000.0005, 1000.0, {}, True), (1000.002, 1000.0, {}, False),
    (complex(1, 2), complex(1, 2 + 1e-9), {}, True), (complex(1, 3), complex(1, 2), {}, False),
    # unordered lists compare their items with the tolerance, one match per expected item
    ([2.0 + 1e-9, 1.0], [1.0, 2.0], {"unordered": True}, True),
    ([[1.0, 2.0], [3.0]], [[3.0], [1.0, 2.0 + 1e-9]], {"unordered": True}, True),
    ([[2.0, 1.0]], [[1.0, 2.0]], {"unordered": True}, False),  # inner lists keep their order
    # dicts: same keys, values compared recursively
    ({"a": 1, "b": 2}, {"a": 1}, {}, False), ({"a": [3.0]}, {"a": [3.1]}, {}, False),
    ([1, "x"], [1, "x"], {}, True), ({1, 2}, {1, 2}, {}, True), ({1, 2}, [1, 2], {}, False),
    # numpy: int arrays exactly, float arrays against int ones within the tolerance
    (np.array([1.0, 2.0 + 1e-9]), np.array([1, 2]), {}, True), (np.array([1, 3]), np.array([1, 2]), {}, False),
    (np.array(["a", "b"]), np.array(["a", "b"]), {}, True), (np.array(["a", "c"]), np.array(["a", "b"]), {}, False),
    (np.float64(2.0 + 1e-9), np.float64(2.0), {}, True), (7, np.array([7]), {}, False),
    # pandas: names, dtypes loosely, tolerance relative and absolute
    (pd.Series([1], name="v"), pd.Series([1], name="w"), {}, False),
    (pd.Series([1000.5]), pd.Series([1000.0]), {"tol": 1e-3}, True),
    (pd.Series([0.05]), pd.Series([0.0]), {"tol": 0.1}, True),
    (pd.Series([1.0 + 1e-9]), pd.Series([1.0]), {}, True),
    (pd.Index([1, 2]), pd.Index([1.0, 2.0]), {}, True),
    (pd.Series([1, 2], index=[0, 1]), pd.Series([1, 2], index=[0.0, 1.0]), {}, True),
])
def test_comparison_rules(got, expected, kw, ok):
    assert (compare(got, expected, **kw) is None) == ok


def test_fixture_items_are_valid():
    for item in (SOFTMAX, FIXTURES / "sections" / "fixtures" / "items" / "fx-frame"):
        assert validate_coding_item(item) == []


def test_validation_reports_file_field_and_reason(tmp_path):
    item = shutil.copytree(SOFTMAX, tmp_path / "fx-softmax")
    (item / "wrong.py").unlink()
    (item / "item.yaml").write_text(
        "id: fx-other\ntype: code\nfunction: 'not valid'\n"
        "limits: {time_s: 0, memory_mb: 256, disk_mb: 3}\npartial_credit: [1.0, 0.5]\n")
    (item / "sample_tests.py").write_text(
        'CASES = [{"name": "a", "args": 1, "expected": 1, "tol": -1, "extra": 0},'
        ' {"name": "a", "args": [object()], "expected": 2}]\n')
    (item / "hidden_tests.py").write_text("raise RuntimeError('broken')\n")
    problems = validate_coding_item(item)
    expected = {
        ("wrong.py", ""), ("item.yaml", "id"), ("item.yaml", "function"),
        ("item.yaml", "limits.time_s"), ("item.yaml", "limits.disk_mb"),
        ("item.yaml", "partial_credit"), ("sample_tests.py", "CASES[0].args"),
        ("sample_tests.py", "CASES[0].tol"), ("sample_tests.py", "CASES[0].extra"),
        ("sample_tests.py", "CASES[1].name"), ("sample_tests.py", "CASES[1].args"),
        ("hidden_tests.py", ""),
    }
    assert {(p.file, p.field) for p in problems} == expected, problems
    assert all(isinstance(p, Problem) and p.message for p in problems)
    with pytest.raises(TaskError) as info:
        load_coding_task(item)
    assert any(p.field == "function" for p in info.value.problems)


def test_validation_parses_the_code_files(tmp_path):
    item = shutil.copytree(SOFTMAX, tmp_path / "fx-softmax")
    (item / "starter.py").write_text("def soft(z):\n    ...\n")
    (item / "wrong.py").write_text("import os\nfrom subprocess import run\ndef softmax(z):\n"
                                   "    return z\n")
    (item / "solution.py").write_text("def softmax(z)\n")
    found = {(p.file, p.field) for p in validate_coding_item(item)}
    assert found == {("starter.py", "function"), ("wrong.py", "import"), ("solution.py", "")}


def test_validation_checks_case_counts(tmp_path):
    item = shutil.copytree(SOFTMAX, tmp_path / "fx-softmax")
    (item / "hidden_tests.py").write_text('CASES = [{"name": "a", "args": [1], "expected": 1}]\n')
    assert [(p.file, p.field) for p in validate_coding_item(item)] == [("hidden_tests.py",
                                                                        "CASES")]


def test_a_task_keeps_the_tests_it_was_loaded_with(tmp_path):
    """A task is one version's snapshot: editing the folder afterwards changes nothing."""
    item = shutil.copytree(SOFTMAX, tmp_path / "fx-softmax")
    task = load_coding_task(item)
    assert len(task.cases("hidden")) == 6
    before = task.tests_sha256("hidden")
    (item / "hidden_tests.py").write_text('CASES = [{"name": "a", "args": [1], "expected": 1}]\n')
    assert len(task.cases("hidden")) == 6 and task.tests_sha256("hidden") == before
    assert len(load_coding_task(item).cases("hidden")) == 1
    with pytest.raises(ValueError, match="'sample' or 'hidden'"):
        task.cases("secret")


def test_task_from_a_stored_body_equals_the_task_from_the_folder():
    from assessment.content.loader import load_bank
    from support import FIXTURE_BANK

    spec = load_bank(FIXTURE_BANK).items["gamma-double"]
    from_disk = load_coding_task(spec.path)
    stored = task_from_body(spec.id, spec.body())
    assert stored.function == from_disk.function and stored.item_id == "gamma-double"
    assert stored.limits == from_disk.limits and isinstance(stored.limits, Limits)
    assert stored.partial_credit == from_disk.partial_credit
    assert stored.cases("hidden") == from_disk.cases("hidden")
    assert stored.cases("sample") == from_disk.cases("sample")
    assert stored.item_dir is None


def test_a_stored_body_without_test_files_is_refused_by_name():
    with pytest.raises(ValueError, match="fx-old.*sections load"):
        task_from_body("fx-old", {"code": {"function": "f", "sample_tests": "CASES = []"}})


def test_comparison_depth_is_bounded():
    def nest(depth):
        value = 1
        for _ in range(depth):
            value = [value]
        return value

    assert compare(nest(60), nest(60)) is None
    assert compare(nest(70), nest(70)) == "item 0: " * 65 + "value nested too deeply"


def test_comparison_reasons_name_the_difference():
    assert compare([1, 2], [1, 3]) == "item 1: expected 3, got 2"
    assert compare({"k": 1.5}, {"k": 2.5}) == "key 'k': expected 2.5 (tol 1e-06), got 1.5"
    assert compare([1], [1, 2]) == "expected 2 items, got 1"
    assert compare([1, 1], [1, 2], unordered=True) == "missing 2 (order ignored)"
    assert compare(np.array([1.0, 2.0]), np.array([1.0, 5.0])).startswith("values differ (first at index (1,)")


def test_comparison_reasons_for_arrays_and_frames():
    assert compare(3, np.array([3, 4])) == "expected an array, got int"
    assert compare([[1, 2], [3]], np.array([1, 2])) == "the returned value is not a regular array"
    assert compare(pd.Series([1]), pd.DataFrame({"a": [1]})) == "expected a DataFrame, got Series"
    assert "values are different" in compare(pd.Series([1, 2]), pd.Series([1, 3]))
