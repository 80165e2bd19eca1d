"""Integrity signals: what the candidate's page reports (focus lost, tab hidden, paste with its
size) and near-copies among coding submissions of the same assessment.

They are signals for a human to look at, never verdicts: a candidate may switch tabs to read
the docs they are allowed to read, and two short correct solutions may look alike.

Similarity is MOSS's winnowing (Schleimer, Wilkerson & Aiken, "Winnowing: local algorithms for
document fingerprinting", SIGMOD 2003) over a token stream in which every identifier, literal,
comment and whitespace is erased: renaming variables or reformatting does not hide a copy.
"""
import datetime as dt
import hashlib
import io
import keyword
import re
import tokenize
from functools import lru_cache
from itertools import combinations

from sqlmodel import Session, func, select

from assessment.models import Attempt, Event, Invitation, Item, Response, SectionAttempt, utcnow
from assessment.services.transactions import write_transaction

SIGNAL_KINDS = ("focus_lost", "tab_hidden", "paste")
#: A page reports at most this many signals per attempt; beyond it the endpoint ignores them
#: (a runaway or hostile script cannot fill the database).
MAX_SIGNALS_PER_ATTEMPT = 500
MAX_PASTE_CHARS = 1_000_000
#: k: tokens per k-gram; w: winnowing window. Matches of at least w + k - 1 = 8 tokens are always
#: found; shorter ones (a `return x + 1`) are noise shared by everyone.
KGRAM = 5
WINDOW = 4
#: Pairs whose shared fingerprints cover this much of the shorter submission are flagged.
NEAR_COPY_THRESHOLD = 0.8
#: Submissions with fewer fingerprints than this are too short to compare meaningfully.
MIN_FINGERPRINTS = 6



# --- recording signals from the page -------------------------------------------------------------

def record_signal(*, session: Session, attempt: Attempt | None, kind: str, size=None,
                  now: dt.datetime | None = None) -> bool:
    """Store one signal as an event of the attempt; returns False when ignored (no attempt yet,
    or the per-attempt cap is reached). ValueError for a malformed report."""
    write_transaction(session)  # read, then write: hold the write lock (SQLite) from the start
    if kind not in SIGNAL_KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(SIGNAL_KINDS)}")
    payload = {}
    if kind == "paste":
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_PASTE_CHARS:
            raise ValueError(f"size: the pasted length, an integer from 0 to {MAX_PASTE_CHARS}")
        payload["size"] = size
    if attempt is None or attempt.status == "completed":
        return False
    count = session.exec(select(func.count()).select_from(Event).where(
        Event.attempt_id == attempt.id, Event.kind.startswith("integrity."))).one()
    if count >= MAX_SIGNALS_PER_ATTEMPT:
        return False
    session.add(Event(attempt_id=attempt.id, kind=f"integrity.{kind}", payload=payload, created_at=now or utcnow()))
    session.commit()
    return True


def signal_counts(session: Session, attempt_ids: list[int]) -> dict[int, dict]:
    """attempt id -> {focus_lost, tab_hidden, paste, paste_chars, largest_paste}."""
    out = {a: {"focus_lost": 0, "tab_hidden": 0, "paste": 0, "paste_chars": 0, "largest_paste": 0}
           for a in attempt_ids}
    if not attempt_ids:
        return out
    rows = session.exec(select(Event.attempt_id, Event.kind, Event.payload).where(
        Event.attempt_id.in_(attempt_ids), Event.kind.startswith("integrity."))).all()
    for attempt_id, kind, payload in rows:
        counts = out[attempt_id]
        name = kind.removeprefix("integrity.")
        if name in counts:
            counts[name] += 1
        if name == "paste":
            size = int((payload or {}).get("size") or 0)
            counts["paste_chars"] += size
            counts["largest_paste"] = max(counts["largest_paste"], size)
    return out


# --- code similarity -----------------------------------------------------------------------------

_CONSTANTS = {"None", "True", "False"}  # literals, like numbers and strings
_FALLBACK = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|\S")


def normalized_tokens(code: str) -> list[str]:
    """The code as a stream of structure tokens: identifiers -> V, numbers, strings and
    None/True/False -> L,
    keywords and operators kept; comments, whitespace and indentation dropped."""
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.NAME and tok.string in _CONSTANTS:
                out.append("L")
            elif tok.type == tokenize.NAME:
                out.append(tok.string if keyword.iskeyword(tok.string) else "V")
            elif tok.type in (tokenize.NUMBER, tokenize.STRING) or tok.type in _FSTRING_TYPES:
                if not out or out[-1] != "L":  # f-strings come in pieces: one literal
                    out.append("L")
            elif tok.type == tokenize.OP:
                out.append(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # Unfinished code still has a shape: a plain lexer keeps the comparison going.
        out = []
        for t in _FALLBACK.findall(re.sub(r"#[^\n]*", "", code)):
            if t in _CONSTANTS:
                out.append("L")
            elif t[0].isalpha() or t[0] == "_":
                out.append(t if keyword.iskeyword(t) else "V")
            elif t[0].isdigit() or t[0] in "\"'":
                out.append("L")
            else:
                out.append(t)
    return out


_FSTRING_TYPES = {getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                  if hasattr(tokenize, n)}


def fingerprints(code: str, k: int = KGRAM, w: int = WINDOW) -> set[int]:
    """Winnowing: hash every k-gram of tokens, keep the minimum hash of each window of w
    consecutive hashes (rightmost on ties)."""
    tokens = normalized_tokens(code)
    if len(tokens) < k:
        return set()
    hashes = [int.from_bytes(hashlib.blake2b(" ".join(tokens[i:i + k]).encode(), digest_size=8).digest(), "big")
              for i in range(len(tokens) - k + 1)]
    if len(hashes) <= w:
        return {min(hashes)}
    picked = set()
    for start in range(len(hashes) - w + 1):
        window = hashes[start:start + w]
        smallest = min(window)
        picked.add(smallest)
    return picked


#: Submitted code never changes: each dashboard load re-fingerprints only what is new.
_cached_fingerprints = lru_cache(maxsize=4096)(lambda code: frozenset(fingerprints(code)))


def similarity(a: set[int], b: set[int]) -> float:
    """Share of the smaller fingerprint set found in the other (0..1); 0 when either is too short."""
    if len(a) < MIN_FINGERPRINTS or len(b) < MIN_FINGERPRINTS:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def near_copies(submissions: list[tuple[object, str, str]], threshold: float = NEAR_COPY_THRESHOLD) -> list[dict]:
    """`submissions`: (owner, item key, code). Pairs of different owners answering the same item
    whose similarity reaches the threshold, highest first."""
    by_item: dict[str, list] = {}
    for owner, item_key, code in submissions:
        by_item.setdefault(item_key, []).append((owner, _cached_fingerprints(code)))
    pairs = []
    for item_key, entries in by_item.items():
        for (oa, fa), (ob, fb) in combinations(entries, 2):
            if oa == ob:
                continue
            score = similarity(fa, fb)
            if score >= threshold:
                pairs.append({"a": oa, "b": ob, "item": item_key, "similarity": round(score, 3)})
    return sorted(pairs, key=lambda p: -p["similarity"])


def code_near_copies(session: Session, assessment_ids: list[int]) -> list[dict]:
    """Near-copies among the coding answers of these assessments (one cohort); owners are
    invitation ids."""
    if not assessment_ids:
        return []
    rows = session.exec(select(Invitation.id, Item.item_key, Response.answer)
                        .join(Attempt, Attempt.invitation_id == Invitation.id)
                        .join(SectionAttempt, SectionAttempt.attempt_id == Attempt.id)
                        .join(Response, Response.section_attempt_id == SectionAttempt.id)
                        .join(Item, Item.id == Response.item_id)
                        .where(Invitation.assessment_id.in_(assessment_ids), Item.type == "code",
                               Response.status.in_(("answered", "submitted")))).all()
    submissions = [(inv_id, key, (answer or {}).get("code") or "") for inv_id, key, answer in rows]
    return near_copies(submissions)
