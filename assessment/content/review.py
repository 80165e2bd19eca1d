"""Blind review of keys: export a section's items without keys, explanations or misconception
notes; a second reviewer answers them; compare the answers with the stored keys.

Disagreements are the point: each one is either a wrong key, an ambiguous stem, or a reviewer
slip, and the review log says which.
"""
import csv
from dataclasses import dataclass
from pathlib import Path

from assessment.content.answers import AnswerError, parse_answer, score_answer
from assessment.content.specs import Bank, ItemSpec

REVIEWABLE = ("single_choice", "multiple_choice", "numeric")


def blind_sheet(bank: Bank, section_id: str) -> str:
    """Markdown listing each item's stem and options, nothing that gives the answer away."""
    lines = [f"# Blind review: {bank.sections[section_id].title}", "",
             "Answer every item in a CSV with the header `item,answer,confidence,comment`: `answer` is one "
             "option id (single choice), option ids separated by `;` (multiple choice), or a number.", ""]
    for item in sorted(bank.items_of(section_id), key=lambda i: i.id):
        if item.type not in REVIEWABLE:
            continue
        lines += [f"## {item.id} ({item.type.replace('_', ' ')})", "", item.stem.strip(), ""]
        for option in item.options:
            lines.append(f"- **{option.id}**: {option.text}")
        if item.type == "numeric" and item.unit:
            lines.append(f"(answer in {item.unit})")
        lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True)
class Disagreement:
    item: str
    reviewer: str
    key: str
    comment: str


def _payload(item: ItemSpec, raw: str) -> dict:
    if item.type == "single_choice":
        return {"choice": raw.strip()}
    if item.type == "multiple_choice":
        return {"choices": [c.strip() for c in raw.split(";") if c.strip()]}
    return {"value": raw.strip()}


def _key_text(item: ItemSpec) -> str:
    return ";".join(item.key) if item.key else f"{item.answer:g}"


def compare_answers(bank: Bank, section_id: str, answers_csv: Path) -> tuple[int, list[Disagreement], list[str]]:
    """(items checked, disagreements, items of the section the reviewer did not answer)."""
    items = {i.id: i for i in bank.items_of(section_id) if i.type in REVIEWABLE}
    with open(answers_csv, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    seen, disagreements = set(), []
    for line, row in enumerate(rows, start=2):
        item = items.get((row.get("item") or "").strip())
        if item is None:
            raise ValueError(f"{answers_csv}:{line}: item {row.get('item')!r} is not a reviewable item of {section_id}")
        seen.add(item.id)
        body = {"options": [o.__dict__ for o in item.options], "key": list(item.key), "answer": item.answer,
                "tolerance": item.tolerance, "rel_tolerance": item.rel_tolerance}
        try:
            answer = parse_answer(item.type, body, _payload(item, row.get("answer") or ""))
            correct = score_answer(item.type, body, answer).correct
        except AnswerError as exc:
            raise ValueError(f"{answers_csv}:{line}: {exc}") from None
        if not correct:
            disagreements.append(Disagreement(item.id, row.get("answer", ""), _key_text(item), row.get("comment", "")))
    return len(seen), disagreements, sorted(set(items) - seen)
