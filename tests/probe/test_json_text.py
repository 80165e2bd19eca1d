"""The request body's text check (assessment/security.py `load_json_object`) skips its walk over
every string only for bodies that cannot hold a NUL or an unpaired surrogate: every way of
writing one is still refused, whatever the encoding."""
import pytest

from assessment import security
from assessment.security import BadBody, load_json_object

SURROGATE_BYTES = "\ud800".encode("utf-8", "surrogatepass")  # b"\xed\xa0\x80"

REFUSED = {
    "escaped NUL": b'{"answer": {"value": "a\\u0000b"}}',
    "escaped lone surrogate": b'{"answer": {"value": "\\udfff"}}',
    "escaped NUL in a key": b'{"a\\u0000": 1}',
    "a surrogate's own UTF-8 bytes": b'{"answer": {"value": "x' + SURROGATE_BYTES + b'"}}',
    "UTF-16 with an escaped NUL": '{"value": "a\\u0000"}'.encode("utf-16"),
    "UTF-16 with an escaped surrogate": '{"value": "\\ud800"}'.encode("utf-16-le"),
    "UTF-32 with an escaped NUL": '{"value": "\\u0000"}'.encode("utf-32"),
    "NUL escape in a list": b'{"choices": ["1", "\\u0000"]}',
}


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_every_way_of_writing_a_nul_or_a_lone_surrogate_is_refused(body):
    with pytest.raises(BadBody, match="NUL|surrogate"):
        load_json_object(body)


ACCEPTED = {
    "plain": (b'{"seq": 3, "answer": {"value": "12"}}', {"seq": 3, "answer": {"value": "12"}}),
    "an escaped backslash then u": (b'{"v": "\\\\u0000"}', {"v": "\\u0000"}),
    "a paired surrogate escape": (b'{"v": "\\ud83d\\ude00"}', {"v": "\U0001f600"}),
    "Hangul (UTF-8 lead byte 0xED)": ('{"v": "\ud55c"}'.encode(), {"v": "\ud55c"}),
    "UTF-16": ('{"v": "ok"}'.encode("utf-16"), {"v": "ok"}),
}


@pytest.mark.parametrize(("body", "parsed"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_text_that_only_looks_suspicious_is_accepted(body, parsed):
    assert load_json_object(body) == parsed


def test_the_walk_runs_only_for_bodies_that_may_hold_bad_text(monkeypatch):
    walked = []
    monkeypatch.setattr(security, "check_text_value", walked.append)
    load_json_object(b'{"answer": {"choices": ["1", "2"]}, "seq": 4}')
    assert walked == []
    load_json_object(b'{"answer": {"value": "\\u00e9"}}')
    assert walked == [{"answer": {"value": "\u00e9"}}]
