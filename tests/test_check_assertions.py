"""scripts/check_assertions.py: the test command's guard against tests that check nothing."""
import importlib.util
import textwrap
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_assertions.py"
spec = importlib.util.spec_from_file_location("check_assertions", SCRIPT)
check_assertions = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_assertions)


def _write(tmp_path, name, source):
    (tmp_path / name).write_text(textwrap.dedent(source))


def test_flags_only_the_test_that_checks_nothing(tmp_path):
    _write(tmp_path, "helpers.py", """
        def check_page(p):
            assert p
        def post_ok(client):
            check_page(client)
    """)
    _write(tmp_path, "test_mixed.py", """
        import pytest
        from playwright.sync_api import expect

        def _same(a, b):
            assert a == b

        def test_plain():
            assert 1 + 1 == 2
        def test_raises():
            with pytest.raises(ValueError):
                int("x")
        def test_local_helper():
            _same(1, 1)
        def test_shared_helper_through_another():
            post_ok(object())
        def test_playwright(page):
            expect(page.locator("h1")).to_have_text("Hi")
        def test_numpy():
            np.testing.assert_allclose([1.0], [1.0])
        def test_nothing():
            value = compute()
            print(value)
        class TestGroup:
            def test_method_without_check(self):
                self.x = 1
    """)
    found = check_assertions.find_unchecked(tmp_path)
    assert [line.split(": ")[1].split()[0] for line in found] == ["test_nothing", "test_method_without_check"]
    assert check_assertions.main(["x", str(tmp_path)]) == 1


def test_the_suite_itself_passes():
    assert check_assertions.find_unchecked(SCRIPT.parent.parent / "tests") == []
