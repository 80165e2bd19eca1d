"""The candidate's timed test over HTTP: clock, autosave, idempotency, resume, bad input."""
import datetime as dt
import re

import pytest
from sqlmodel import select
from web_helpers import answer, begin, current_item, db, right_answer

from assessment.models import Event, Invitation, Item, Response, SectionAttempt
from assessment.services import answering, delivery
from assessment.services.failures import ErrorKind
from factories import make_assessment, make_invitation


def test_start_page_lists_sections_counts_and_limits(client, token):
    page = client.get(f"/t/{token}")
    assert page.status_code == 200
    assert "Section Alpha" in page.text and "Section Beta" in page.text
    assert "3–5" in page.text and "10 min" in page.text


def test_unknown_or_tampered_token_is_404_without_trace(client, token):
    for bad in ("nope", token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 500):
        page = client.get(f"/t/{bad}")
        assert page.status_code == 404
        assert "not valid" in page.text and "Traceback" not in page.text


def test_the_answer_route_refuses_a_bad_link_and_an_unbegun_test_like_the_pages(app, client, token):
    """The answer route resolves its link inside the save (not in the blueprint's preprocessor):
    the same 404 for a link that is not valid, a 409 before the test is begun."""
    body = {"response_id": 1, "seq": 1, "final": False, "answer": {"value": "1"}}
    for bad in ("nope", token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 500):
        r = client.post(f"/t/{bad}/answer", json=body)
        assert r.status_code == 404 and "not valid" in r.get_json()["error"]
    early = client.post(f"/t/{token}/answer", json=body)
    assert early.status_code == 409 and early.get_json()["error"] == "Begin the test first."
    begin(client, token)
    rid = current_item(client, token)
    saved = client.post(f"/t/{token}/answer", json={**body, "response_id": rid, "answer": right_answer(app, rid)})
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    with db(app) as session:
        invitation = session.exec(select(Invitation).where(Invitation.token_hash == delivery.hash_token(token))).one()
        invitation.revoked_at = dt.datetime.now(dt.UTC)
        session.commit()
    revoked = client.post(f"/t/{token}/answer", json={**body, "response_id": rid, "seq": 2})
    assert revoked.status_code == 404 and "not valid" in revoked.get_json()["error"]


def test_section_has_server_deadline_and_item_page_hides_key(app, client, token):
    begin(client, token)
    page = client.get(f"/t/{token}")
    remaining = float(re.search(r'data-remaining="([\d.]+)"', page.text).group(1))
    assert 595 <= remaining <= 600
    assert "A plausible mistake" not in page.text and "Because." not in page.text  # no notes, no explanation


def test_option_values_are_shown_positions_not_the_banks_option_ids(app, client):
    """The bank's ids follow its key positions (the key was `a` in most items): the page must
    not carry them. Values are the shown positions, mapped back on the server."""
    with db(app) as session:
        assessment = make_assessment(session, sections=("alpha",), mode="fixed")  # alpha-q00 first: key a
        _, token = make_invitation(session, assessment)
    begin(client, token)
    page = client.get(f"/t/{token}").text
    values = re.findall(r'name="choice" value="([^"]*)"', page)
    assert values == ["1", "2", "3"]
    rid = current_item(client, token)
    key = right_answer(app, rid)["choice"]
    assert answer(client, token, rid, seq=1, final=False, choice=key).status_code == 200
    with db(app) as session:
        assert session.get(Response, rid).answer == {"choice": "a"}  # stored as the bank's id
    reloaded = client.get(f"/t/{token}").text
    assert re.search(rf'value="{key}" checked', reloaded)  # the saved answer is shown selected
    refused = answer(client, token, rid, seq=2, final=False, choice="a")  # a bank id is no value here
    assert refused.status_code == 400 and "is not an option" in refused.get_json()["error"]
    assert answer(client, token, rid, seq=3, choice=key).status_code == 200
    with db(app) as session:
        assert session.get(Response, rid).score == 1.0


def option_texts(page: str) -> list[str]:
    return re.findall(r'name="choices?" value="\d+"[^>]*>\s*<span>(.*?)</span>', page, re.S)


def test_autosave_is_idempotent_and_resume_shows_the_saved_answer(app, client, token):
    begin(client, token)
    rid = current_item(client, token)
    for _ in range(3):  # the same request retried
        r = answer(client, token, rid, seq=1, final=False, choice="2", choices=["2"], value="7")
        assert r.status_code == 200 and r.get_json()["seq"] == 1
    stale = answer(client, token, rid, seq=0, final=False, choice="1", choices=["1"], value="9")
    assert stale.status_code == 200 and stale.get_json()["seq"] == 1  # older seq does not overwrite
    with db(app) as session:
        rows = session.exec(select(Response)).all()
        assert len(rows) == 1 and rows[0].save_seq == 1
        second = (rows[0].option_order or [None, None])[1]
        assert rows[0].answer in ({"choice": second}, {"choices": [second]}, {"value": 7.0})
    # Reload: same item, same option order, the saved answer still selected.
    page1, page2 = client.get(f"/t/{token}").text, client.get(f"/t/{token}").text
    assert current_item(client, token) == rid
    assert option_texts(page1) == option_texts(page2)


def test_same_seq_with_a_different_answer_is_409_not_an_overwrite(app, client, token):
    begin(client, token)
    rid = current_item(client, token)
    assert answer(client, token, rid, seq=1, final=False, choice="1", choices=["1"], value="7").status_code == 200
    clash = answer(client, token, rid, seq=1, final=False, choice="2", choices=["2"], value="8")
    assert clash.status_code == 409 and "already used for a different answer" in clash.get_json()["error"]
    final_clash = answer(client, token, rid, seq=1, final=True, choice="2", choices=["2"], value="8")
    assert final_clash.status_code == 409
    with db(app) as session:
        stored = session.get(Response, rid)
        assert stored.save_seq == 1 and stored.status == "presented"
        assert stored.answer in ({"choice": stored.option_order[0] if stored.option_order else None},
                                 {"choices": stored.option_order[:1] if stored.option_order else None},
                                 {"value": 7.0})
    # The identical request again is a retry: acknowledged, nothing changes.
    assert answer(client, token, rid, seq=1, final=False, choice="1", choices=["1"], value="7").status_code == 200


def test_final_answer_retry_is_acknowledged_once(app, client, token):
    begin(client, token)
    rid = current_item(client, token)
    first = answer(client, token, rid, seq=1, choice="1", choices=["1", "2"], value="0")
    retry = answer(client, token, rid, seq=1, choice="1", choices=["1", "2"], value="0")
    assert first.status_code == retry.status_code == 200
    changed = answer(client, token, rid, seq=2, choice="2", choices=["2"], value="1")
    assert changed.status_code == 409 and "already closed" in changed.get_json()["error"]
    with app.app_context():
        from assessment.db import get_session

        responses = get_session().exec(select(Response)).all()
        assert len(responses) == 2  # the answered item and the next one presented
        assert responses[0].status == "answered"


def test_answer_after_deadline_is_refused_recorded_and_closes_section(app, client, token):
    begin(client, token)
    rid = current_item(client, token)
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        part = session.exec(select(SectionAttempt).where(SectionAttempt.position == 0)).one()
        part.deadline_at = delivery.utcnow() - dt.timedelta(seconds=app.config["ANSWER_GRACE_SECONDS"] + 1)
        session.commit()
    late = answer(client, token, rid)
    assert late.status_code == 409
    assert "after the deadline" in late.get_json()["error"]
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        assert session.exec(select(Event).where(Event.kind == "answer.late")).one().payload["response_id"] == rid
        part = session.exec(select(SectionAttempt).where(SectionAttempt.position == 0)).one()
        assert part.status == "closed" and part.close_reason == "time"
        assert session.get(Response, rid).status == "unanswered"
    page = client.get(f"/t/{token}")
    assert "Time is up" in page.text and "Start this section" in page.text


def test_answer_within_grace_is_accepted(app, client, token):
    begin(client, token)
    rid = current_item(client, token)
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        part = session.exec(select(SectionAttempt).where(SectionAttempt.position == 0)).one()
        part.deadline_at = delivery.utcnow() - dt.timedelta(seconds=1)  # late by less than the grace
        session.commit()
    assert answer(client, token, rid).status_code == 200


def test_saved_draft_counts_when_time_runs_out_and_sweep_closes_without_a_request(app, client, token):
    begin(client, token)
    rid = current_item(client, token)
    assert answer(client, token, rid, final=False, choice="1", choices=["1", "2"], value="0").status_code == 200
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        part = session.exec(select(SectionAttempt).where(SectionAttempt.position == 0)).one()
        part.deadline_at = delivery.utcnow() - dt.timedelta(minutes=5)
        session.commit()
        assert delivery.sweep_expired(session=session, grace_seconds=3) == 1
        session.expire_all()
        part = session.get(SectionAttempt, part.id)
        assert part.status == "closed" and part.score is not None and part.n_answered == 1
        assert session.get(Response, rid).status == "answered"
        assert delivery.sweep_expired(session=session, grace_seconds=3) == 0


def test_full_run_reaches_results_with_irt_scores(app, client, token):
    begin(client, token)
    for _ in range(40):
        page = client.get(f"/t/{token}", follow_redirects=True)
        if page.request.path.endswith("/results"):
            break
        if "Start this section" in page.text:
            client.post(f"/t/{token}/sections/1/start")
            continue
        rid = int(re.search(r'name="response_id" value="(\d+)"', page.text).group(1))
        assert answer(client, token, rid, **right_answer(app, rid)).status_code == 200
    else:
        pytest.fail("never reached the results page")
    assert "Section Alpha" in page.text and "Section Beta" in page.text
    with app.app_context():
        from assessment.db import get_session

        parts = get_session().exec(select(SectionAttempt)).all()
    for part in parts:
        assert part.status == "closed" and 3 <= part.n_answered <= 5
        assert 1 <= part.score_low <= part.score <= part.score_high <= 300
        assert part.band in ("beginning", "developing", "accomplished")
        assert part.se < 1.0  # the data moved the estimate off the prior
        assert f">{part.score}<" in page.text


def test_form_post_without_javascript_works(client, token):
    begin(client, token)
    rid = current_item(client, token)
    r = client.post(f"/t/{token}/answer", data={"response_id": rid, "seq": 1, "final": "1", "choice": "1",
                                                "choices": ["1"], "value": "1"})
    assert r.status_code == 302
    assert current_item(client, token) != rid


@pytest.mark.parametrize("body, message", [
    ({"response_id": "x", "seq": 1, "final": True, "answer": {}}, "response_id: must be a whole number"),
    ({"response_id": 1, "seq": 1, "final": "yes", "answer": {}}, "final"),
    ({"response_id": 1, "seq": 1, "final": True, "answer": "a"}, "answer: must be an object"),
    ({"response_id": 1, "seq": -5, "final": True, "answer": {}}, "seq: out of range"),
    # Issue 8: ids past the column's range answered 500 (2**63 on SQLite, 2**31 on PostgreSQL);
    # 12.7 was taken as 12.
    ({"response_id": 2**63, "seq": 1, "final": True, "answer": {}}, "response_id: out of range"),
    ({"response_id": 2**31, "seq": 1, "final": True, "answer": {}}, "response_id: out of range"),
    ({"response_id": 10**40, "seq": 1, "final": True, "answer": {}}, "response_id: out of range"),
    ({"response_id": 12.7, "seq": 1, "final": True, "answer": {}}, "response_id: must be a whole number"),
    ({"response_id": True, "seq": 1, "final": True, "answer": {}}, "response_id: must be a whole number"),
    ({"response_id": 1, "seq": 2**40, "final": True, "answer": {}}, "seq: out of range"),
])
def test_malformed_payloads_are_400(client, token, body, message):
    begin(client, token)
    r = client.post(f"/t/{token}/answer", json=body)
    assert r.status_code == 400 and message in r.get_json()["error"]


@pytest.mark.parametrize("raw, message", [
    (b'{"response_id": Infinity, "seq": 1, "final": true, "answer": {}}', "Infinity"),
    (b'{"response_id": 1, "seq": 1, "final": true, "answer": {"value": NaN}}', "NaN"),
    (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested deeper than"),
    (b"[" * 100_000, "nested deeper than"),
    (b'{"response_id": 1, "seq"', "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
])
@pytest.mark.parametrize("endpoint", ["answer", "run", "submit-code"])
def test_absurd_json_bodies_are_400_with_a_reason(client, token, raw, message, endpoint):
    begin(client, token)
    r = client.post(f"/t/{token}/{endpoint}", data=raw, content_type="application/json")
    assert r.status_code == 400 and message in r.get_json()["error"]


def test_form_ids_must_be_digits(client, token):
    begin(client, token)
    rid = current_item(client, token)
    for bad in ("12.7", "-1", "1e3", "９"):
        r = client.post(f"/t/{token}/answer", data={"response_id": bad, "seq": 1, "final": "1", "choice": "1"},
                        headers={"Accept": "application/json"})
        assert r.status_code == 400 and "response_id: must be a whole number" in r.get_json()["error"]
    r = client.post(f"/t/{token}/answer", data={"response_id": str(2**63), "seq": 1, "final": "1", "choice": "1"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 400 and "out of range" in r.get_json()["error"]
    assert current_item(client, token) == rid


def test_wrong_option_and_non_numeric_values_are_400_and_save_nothing(app, client, token):
    begin(client, token)
    rid = current_item(client, token)
    r1 = answer(client, token, rid, final=False, choice="zzz", choices=["zzz"], value="1e999")
    r2 = answer(client, token, rid, final=False, choice=["1"], choices="zzz", value="twelve")
    assert r1.status_code == r2.status_code == 400
    with app.app_context():
        from assessment.db import get_session

        assert get_session().get(Response, rid).save_seq == 0


def test_oversized_request_is_413(client, token):
    begin(client, token)
    r = client.post(f"/t/{token}/answer", data=b"x" * (300 * 1024), content_type="application/json")
    assert r.status_code == 413


def test_cannot_answer_another_attempts_item_or_an_item_not_presented(app, client, token):
    begin(client, token)
    mine = current_item(client, token)
    with app.app_context():
        from assessment.db import get_session

        _, other_token = make_invitation(get_session(), make_assessment(get_session()))
    begin(client, other_token)
    theirs = current_item(client, other_token)
    r = answer(client, token, theirs)
    assert r.status_code == 404 and "no such item in this attempt" in r.get_json()["error"]
    assert answer(client, token, 999_999).status_code == 404
    with app.app_context():
        from assessment.db import get_session

        assert get_session().get(Response, theirs).save_seq == 0
    assert answer(client, token, mine).status_code == 200


def test_clock_endpoint_reports_server_time(client, token):
    assert client.get(f"/t/{token}/clock").get_json() == {"status": "not-started"}
    begin(client, token)
    clock = client.get(f"/t/{token}/clock").get_json()
    assert clock["status"] == "active" and 590 < clock["remaining_seconds"] <= 600


def test_security_headers(client, token):
    page = client.get(f"/t/{token}")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_csrf_is_enforced(make_app, bank):
    app = make_app(WTF_CSRF_ENABLED=True)
    from assessment.services.bank import sync_bank

    with app.app_context():
        from assessment.db import get_session

        sync_bank(bank, session=get_session())
        _, token = make_invitation(get_session())
    client = app.test_client()
    refused = client.post(f"/t/{token}/begin")
    assert refused.status_code == 400 and "security token" in refused.text
    page = client.get(f"/t/{token}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post(f"/t/{token}/begin", data={"csrf_token": csrf}).status_code == 302
    start = re.search(r'action="([^"]+/sections/0/start)"', client.get(f"/t/{token}").text).group(1)
    assert client.post(start).status_code == 400  # the candidate's other forms keep the check
    assert client.post(start, data={"csrf_token": csrf}).status_code == 302


def test_the_answer_route_is_authorised_by_its_link_not_by_a_cookie(make_app, bank):
    """With CSRF on, an answer save needs no cookie and no CSRF token, only the link (see
    assessment/security.py): a cross-site page, which cannot know the link, gets the same 404 as
    any wrong link and saves nothing; whoever has the link could save with or without a cookie."""
    app = make_app(WTF_CSRF_ENABLED=True)
    from assessment.services.bank import sync_bank

    with app.app_context():
        from assessment.db import get_session

        sync_bank(bank, session=get_session())
        _, token = make_invitation(get_session())
    browser = app.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(f"/t/{token}").text).group(1)
    assert browser.post(f"/t/{token}/begin", data={"csrf_token": csrf}).status_code == 302
    start = re.search(r'action="([^"]+/sections/0/start)"', browser.get(f"/t/{token}").text).group(1)
    assert browser.post(start, data={"csrf_token": csrf}).status_code == 302
    rid = current_item(browser, token)
    body = {"response_id": rid, "seq": 1, "final": False, "answer": right_answer(app, rid)}
    other_site = app.test_client(use_cookies=False)
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 43):
        refused = browser.post(f"/t/{wrong}/answer", json=body)  # with the browser's cookies
        assert refused.status_code == 404 and "not valid" in refused.get_json()["error"]
    with db(app) as session:
        assert session.get(Response, rid).save_seq == 0
    saved = other_site.post(f"/t/{token}/answer", json=body)  # no cookie, no CSRF token: the link alone
    assert saved.status_code == 200 and saved.get_json()["seq"] == 1
    with db(app) as session:
        assert session.get(Response, rid).save_seq == 1


def test_practice_test_creates_a_private_attempt(app, client):
    with app.app_context():
        from assessment.db import get_session

        make_assessment(get_session(), public_slug="practice-one")
    assert "practice-one" in client.get("/").text
    r = client.post("/practice/practice-one")
    assert r.status_code == 302 and r.headers["Location"].startswith("/t/")
    second = client.post("/practice/practice-one")
    assert second.headers["Location"] != r.headers["Location"]
    assert client.get("/practice/unknown").status_code == 404


def test_fixed_mode_gives_the_same_items_in_band_order(app, client):
    with app.app_context():
        from assessment.db import get_session

        assessment = make_assessment(get_session(), sections=("alpha",), mode="fixed")
        tokens = [make_invitation(get_session(), assessment)[1] for _ in range(2)]
    seen = []
    for token in tokens:
        begin(client, token)
        keys = []
        for _ in range(5):
            rid = current_item(client, token)
            with app.app_context():
                from assessment.db import get_session

                keys.append(get_session().get(Item, get_session().get(Response, rid).item_id).item_key)
            answer(client, token, rid, **right_answer(app, rid))
            if client.get(f"/t/{token}", follow_redirects=True).request.path.endswith("/results"):
                break
        seen.append(keys)
    assert seen[0] == seen[1] == ["alpha-q00", "alpha-q03", "alpha-q06", "alpha-q01", "alpha-q04"]


def test_option_order_is_shuffled_per_attempt(app, client):
    orders = set()
    with app.app_context():
        from assessment.db import get_session

        assessment = make_assessment(get_session(), sections=("gamma",), mode="fixed")
        tokens = [make_invitation(get_session(), assessment)[1] for _ in range(12)]
    for token in tokens:
        begin(client, token)
        rid = current_item(client, token)  # the code item comes first in the fixed form
        client.post(f"/t/{token}/submit-code", json={"response_id": rid, "code": "x = 1"})
        page = client.get(f"/t/{token}").text
        assert re.findall(r'name="choice" value="([^"]*)"', page) == ["1", "2"]
        orders.add(tuple(option_texts(page)))
    assert len(orders) == 2  # both orders of the two options occur


def test_background_sweeper_closes_expired_sections_without_requests(app, client, token):
    import time

    from assessment import workers

    begin(client, token)
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        part = session.exec(select(SectionAttempt).where(SectionAttempt.position == 0)).one()
        part.deadline_at = delivery.utcnow() - dt.timedelta(minutes=1)
        session.commit()
        part_id = part.id
    app.config.update(RUN_SWEEPER=True, SWEEP_INTERVAL_SECONDS=0.1)
    stop = workers.start_background(app)
    try:
        for _ in range(50):
            time.sleep(0.1)
            with app.app_context():
                from assessment.db import get_session

                if get_session().get(SectionAttempt, part_id).status == "closed":
                    break
        else:
            pytest.fail("the sweeper did not close the expired section")
    finally:
        stop.set()


def test_double_start_and_double_submit_from_two_windows_are_harmless(app, token):
    """Two requests that both saw the section pending (or the item open): the second loses the
    race on a unique constraint and gets the first one's result, not a server error."""
    from sqlmodel import Session

    begin_client = app.test_client()
    assert begin_client.post(f"/t/{token}/begin").status_code == 302
    engine = app.extensions["assessment.engine"]
    with Session(engine) as first, Session(engine) as second:
        attempts = [delivery.get_or_start_attempt(session=s, invitation=delivery.find_invitation(session=s, token=token))
                    for s in (first, second)]
        delivery.section_attempts(session=second, attempt=attempts[1])  # the second window reads "pending"
        winner = delivery.start_section(session=first, attempt=attempts[0], position=0)
        loser = delivery.start_section(session=second, attempt=attempts[1], position=0)
        assert loser.status == "active" and loser.deadline_at == winner.deadline_at
    with Session(engine) as first, Session(engine) as second:
        rid = first.exec(select(Response)).one().id
        response_in_second = second.get(Response, rid)  # loaded while still open
        assert response_in_second.status == "presented"
        attempt = first.exec(select(delivery.Attempt)).one()
        answering.save_answer(session=first, attempt=attempt, response_id=rid, payload={"choice": "a", "value": "1"},
                              seq=1, final=True, grace_seconds=3)
        other_attempt = second.get(delivery.Attempt, attempt.id)
        with pytest.raises(delivery.DeliveryError) as exc:
            answering.save_answer(session=second, attempt=other_attempt, response_id=rid,
                                  payload={"choice": "b", "value": "2"}, seq=2, final=True, grace_seconds=3)
        assert exc.value.kind == ErrorKind.CONFLICT
    with Session(engine) as check:
        assert len(check.exec(select(Response)).all()) == 2
        assert check.get(Response, rid).save_seq == 1


def test_decimal_comma_is_read_as_a_decimal_and_the_saved_value_is_shown(app, client):
    """Issue 8.3: "0,5" was stored as 5.0 (the comma taken as a thousands separator)."""
    with db(app) as session:
        assessment = make_assessment(session, sections=("alpha",), mode="fixed")  # alpha-q03 (numeric) second
        _, token = make_invitation(session, assessment)
    begin(client, token)
    first = current_item(client, token)
    assert answer(client, token, first, **right_answer(app, first)).status_code == 200
    rid = current_item(client, token)
    saved = answer(client, token, rid, seq=1, final=False, value="0,5")
    assert saved.status_code == 200 and saved.get_json()["value"] == 0.5  # the page shows what counts
    with db(app) as session:
        assert session.get(Response, rid).answer == {"value": 0.5}
    assert 'name="value"' in (page := client.get(f"/t/{token}").text) and 'value="0.5"' in page
    ambiguous = answer(client, token, rid, seq=2, final=False, value="1,234")
    assert ambiguous.status_code == 400 and "ambiguous" in ambiguous.get_json()["error"]
    assert answer(client, token, rid, seq=3, final=False, value="1.234,5").get_json()["value"] == 1234.5
    assert answer(client, token, rid, seq=4, final=False, value="1,234.5").get_json()["value"] == 1234.5


def test_practice_attempts_are_rate_limited_per_client(app, client):
    """Issue 8.5: one client created 100 practice attempts in 0.2 s."""
    with db(app) as session:
        make_assessment(session, public_slug="practice-one")
    made = [client.post("/practice/practice-one") for _ in range(delivery.PRACTICE_PER_HOUR)]
    assert all(r.status_code == 302 for r in made)
    refused = client.post("/practice/practice-one", headers={"Accept": "application/json"})
    assert refused.status_code == 429 and "Too many practice tests" in refused.get_json()["error"]
    assert int(refused.headers["Retry-After"]) > 0
    other = app.test_client().post("/practice/practice-one", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 302  # another client is not affected


def test_dev_server_log_has_no_token_and_server_header_no_versions(app, token, caplog):
    """Issue 8.9: tokens in the access log; Server named Werkzeug and Python versions."""
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    from assessment.security import QuietRequestHandler

    caplog.set_level("INFO", logger="werkzeug")
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/t/{token}") as reply:
            assert reply.status == 200
            assert reply.headers["Server"] == "assessment"
    finally:
        server.shutdown()
    logged = caplog.text
    assert "GET /t/<token> HTTP" in logged and token not in logged
