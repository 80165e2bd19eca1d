"""Answers to single-choice, multiple-choice and numeric items: parse what the browser sent,
then score it against the key. Pure functions; the key never leaves the server."""
import math
from dataclasses import dataclass

MAX_NUMERIC_CHARS = 64


class AnswerError(ValueError):
    """The submitted answer is malformed for this item; the message says which field and why."""


@dataclass(frozen=True)
class ObjectiveScore:
    score: float  # 1.0 right, 0.0 wrong (dichotomous)
    correct: bool


def parse_answer(item_type: str, body: dict, payload: dict) -> dict:
    """Normalize an answer payload; raise AnswerError naming the field on anything unexpected."""
    if not isinstance(payload, dict):
        raise AnswerError("answer: must be an object")
    option_ids = {o["id"] for o in body.get("options", [])}
    if item_type == "single_choice":
        choice = payload.get("choice")
        if choice is None or choice == "":
            return {"choice": None}
        if not isinstance(choice, str) or choice not in option_ids:
            raise AnswerError(f"answer.choice: {str(choice)[:40]!r} is not an option of this item")
        return {"choice": choice}
    if item_type == "multiple_choice":
        choices = payload.get("choices", [])
        if isinstance(choices, str):
            choices = [choices]
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise AnswerError("answer.choices: must be a list of option ids")
        unknown = [c for c in choices if c not in option_ids]
        if unknown:
            raise AnswerError(f"answer.choices: {unknown[0][:40]!r} is not an option of this item")
        return {"choices": sorted(set(choices))}
    if item_type == "numeric":
        raw = payload.get("value")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return {"value": None}
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise AnswerError("answer.value: must be a number")
        if len(str(raw)) > MAX_NUMERIC_CHARS:
            raise AnswerError(f"answer.value: longer than {MAX_NUMERIC_CHARS} characters")
        text = number_text(str(raw))
        try:
            value = float(text)
        except ValueError:
            raise AnswerError(f"answer.value: {text[:40]!r} is not a number") from None
        if not math.isfinite(value):
            raise AnswerError("answer.value: must be a finite number")
        return {"value": value}
    raise AnswerError(f"items of type {item_type!r} are not answered with this form")


#: Spaces people put between digit groups: plain, no-break and narrow no-break (French locales).
_GROUP_SPACES = str.maketrans("", "", " _\u00a0\u202f")


def number_text(raw: str) -> str:
    """A typed number in the form float() reads: a decimal comma (as typed on keyboards of
    comma locales) becomes a point, digit-group separators go. Refuses what is ambiguous:
    "1,234" (one thousand two hundred and thirty-four, or one point two three four?).

    "0,5" -> "0.5"; "1.234,5" -> "1234.5"; "1,234.5" -> "1234.5"; "1,234,567" -> "1234567";
    "3,14" -> "3.14"; "1.234.567" -> "1234567"; "1,234" -> AnswerError."""
    text = raw.strip().translate(_GROUP_SPACES)
    commas, points = text.count(","), text.count(".")
    if commas == 0 and points <= 1:
        return text
    if commas and points:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        group = "." if decimal == "," else ","
        whole, _, fraction = text.rpartition(decimal)
        if decimal in whole:
            raise AnswerError(f"answer.value: {raw[:40]!r} is not a number")
        return _ungroup(whole, group, raw) + "." + fraction
    sep, count = (",", commas) if commas else (".", points)
    if count > 1:  # only digit groups: 1,234,567 or 1.234.567
        return _ungroup(text, sep, raw)
    whole, _, fraction = text.partition(",")  # one comma, no point
    if len(fraction) == 3 and fraction.isdigit() and whole.lstrip("+-") not in ("", "0"):
        raise AnswerError(f"answer.value: {raw[:40]!r} is ambiguous: write {whole}{fraction} for the whole "
                          f"number, or {whole}.{fraction} with a point for decimals")
    return whole + "." + fraction


def _ungroup(text: str, sep: str, raw: str) -> str:
    """Digits grouped by threes with `sep` (the first group 1 to 3 digits, sign allowed)."""
    first, *rest = text.split(sep)
    if not (1 <= len(first.lstrip("+-")) <= 3 and first.lstrip("+-").isdigit()
            and all(len(g) == 3 and g.isdigit() for g in rest)):
        raise AnswerError(f"answer.value: {raw[:40]!r} is not a number (digits are grouped by threes)")
    return first + "".join(rest)


def is_blank(answer: dict | None) -> bool:
    if not answer:
        return True
    return all(v in (None, [], "") for v in answer.values())


def score_answer(item_type: str, body: dict, answer: dict) -> ObjectiveScore:
    """Dichotomous score; a blank answer is wrong."""
    if is_blank(answer):
        return ObjectiveScore(0.0, False)
    if item_type == "single_choice":
        correct = answer["choice"] == body["key"][0]
    elif item_type == "multiple_choice":
        correct = sorted(answer["choices"]) == sorted(body["key"])
    elif item_type == "numeric":
        target = body["answer"]
        allowed = max(body.get("tolerance") or 0.0, (body.get("rel_tolerance") or 0.0) * abs(target), 1e-9)
        correct = abs(answer["value"] - target) <= allowed
    else:
        raise ValueError(f"not an objective item type: {item_type!r}")
    return ObjectiveScore(1.0 if correct else 0.0, correct)
