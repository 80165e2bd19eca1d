"""Helpers for the candidate's pages over HTTP: beginning a section, the item on screen, the
shown option values of the key, and requests fired in parallel."""
import re
import threading
from contextlib import contextmanager

from assessment.models import Item, Response


@contextmanager
def db(app):
    """A fresh session (it sees everything committed so far)."""
    with app.app_context():
        from assessment.db import get_session

        yield get_session()


def begin(client, token, section=0):
    assert client.post(f"/t/{token}/begin").status_code == 302
    assert client.post(f"/t/{token}/sections/{section}/start").status_code == 302


def current_item(client, token) -> int:
    page = client.get(f"/t/{token}")
    assert page.status_code == 200, page.text
    return int(re.search(r'name="response_id" value="(\d+)"', page.text).group(1))


def shown(app, rid: int, option_ids) -> list[str]:
    """The page's values ("1", "2", ...) of bank option ids, for this response's shuffle."""
    with db(app) as session:
        order = session.get(Response, rid).option_order or []
    return [str(order.index(o) + 1) for o in option_ids]


def right_answer(app, rid: int) -> dict:
    """The key of the item on screen, as the page would post it."""
    with db(app) as session:
        item = session.get(Item, session.get(Response, rid).item_id)
    if item.type == "single_choice":
        return {"choice": shown(app, rid, item.body["key"])[0]}
    if item.type == "multiple_choice":
        return {"choices": shown(app, rid, item.body["key"])}
    if item.type == "numeric":
        return {"value": str(item.body["answer"])}
    raise AssertionError(f"no right answer for {item.type}")


def answer(client, token, response_id, seq=1, final=True, **payload):
    """Post an answer; the default payload fits every objective item (shown value "1")."""
    return client.post(f"/t/{token}/answer", json={"response_id": response_id, "seq": seq, "final": final,
                                                   "answer": payload or {"choice": "1", "choices": ["1"],
                                                                         "value": "0"}})


def in_parallel(n: int, fn) -> list:
    """Call fn(i) from n threads released at the same moment; returns results (or exceptions)."""
    barrier, results = threading.Barrier(n), [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001  the test inspects it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results
