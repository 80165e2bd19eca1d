"""What must hold in the database after a load or fault run: every acknowledged answer present
exactly once, sections of finished attempts closed and scored, no code graded twice."""
import json
import time

#: What must hold after any run: (a query counting violations, what a violation is).
INVARIANTS = (
    ("SELECT count(*) FROM (SELECT section_attempt_id, position FROM response "
     "GROUP BY section_attempt_id, position HAVING count(*) > 1) d", "duplicated response position(s)"),
    ("SELECT count(*) FROM section_attempt s JOIN attempt a ON a.id = s.attempt_id "
     "WHERE a.status = 'completed' AND s.status != 'closed'", "section(s) of finished attempts still open"),
    ("SELECT count(*) FROM section_attempt WHERE status = 'closed' AND score IS NULL",
     "closed section(s) without a score"),
    ("SELECT count(*) FROM (SELECT response_id FROM code_run WHERE kind = 'hidden' AND status = 'done' "
     "GROUP BY response_id HAVING count(*) > 1) d", "code submission(s) graded more than once"),
)


def check_database(database_url: str, assessment_id: int, acked: dict, wait_grading: float) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    problems = []
    with engine.connect() as connection:
        deadline = time.monotonic() + wait_grading
        while True:  # code submitted near the end is still being graded: wait, bounded
            pending = connection.execute(text("SELECT count(*) FROM response WHERE status = 'submitted'")).scalar()
            connection.commit()
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(1)
        if pending:
            problems.append(f"{pending} code submission(s) never graded")
        rows = {row.id: row for row in connection.execute(text(
            "SELECT r.id, r.answer, r.save_seq, r.status, r.option_order FROM response r JOIN section_attempt s "
            "ON s.id = r.section_attempt_id JOIN attempt a ON a.id = s.attempt_id JOIN invitation i "
            "ON i.id = a.invitation_id WHERE i.assessment_id = :a"), {"a": assessment_id})}
        lost, examples = 0, []
        for response_id, (seq, answer, final) in acked.items():
            row = rows.get(response_id)
            stored = row.answer if row is not None else None
            if isinstance(stored, str):
                stored = json.loads(stored)
            order = row.option_order if row is not None else None
            order = json.loads(order) if isinstance(order, str) else order
            if row is None or row.save_seq < seq or (final and not _same_answer(stored, _bank_ids(answer, order))):
                lost += 1
                examples.append(f"response {response_id}: acknowledged seq {seq} {'final' if final else 'draft'} "
                                f"{answer}; stored " + (f"seq {row.save_seq} {row.status} {stored}" if row else "nothing"))
        if lost:
            problems.append(f"{lost} acknowledged answer(s) missing or different in the database: "
                            + " | ".join(examples[:3]))
        for sql, message in INVARIANTS:
            count = connection.execute(text(sql)).scalar()
            if count:
                problems.append(f"{count} {message}")
    engine.dispose()
    return problems


def _bank_ids(answer: dict, order: list | None) -> dict:
    """Pages carry shown positions ("1".."n"), never the bank's option ids: map them back."""
    if not order:
        return answer
    shown = lambda value: order[int(value) - 1] if str(value).isdigit() and 0 < int(value) <= len(order) else value  # noqa: E731
    if "choice" in answer:
        return {"choice": shown(answer["choice"])}
    if "choices" in answer:
        return {"choices": [shown(v) for v in answer["choices"]]}
    return answer


def _same_answer(stored: dict | None, sent: dict) -> bool:
    if stored is None:
        return False
    for key, value in sent.items():
        if key == "value":
            try:
                if abs(float(stored.get("value")) - float(value)) > 1e-9:
                    return False
            except (TypeError, ValueError):
                return False
        elif key == "choices":
            if sorted(stored.get("choices") or []) != sorted(value):
                return False
        elif stored.get(key) != value:
            return False
    return True
