"""Facts about one attempt -> what a report says: sentences, priorities, resources, role fit.

Plain data in, plain data out (dicts and lists of str/int/float), so the same view feeds the
results page, the study plan and the company's candidate report, and a test can build one from
a literal. The facts (:func:`compose`'s argument) are gathered by
``assessment.services.reports.gather``; their shape is documented there.
"""
from __future__ import annotations

import datetime as dt
import math

from assessment.scoring.band_probabilities import BAND_NAMES, band_probabilities

BAND_TITLES = {"beginning": "Beginning", "developing": "Developing", "accomplished": "Accomplished"}
BAND_MEANING = {"beginning": "recognizes simple concepts", "developing": "evaluates and interprets problems",
                "accomplished": "designs and builds solutions"}

STUDY_HOURS = {"documentation": 1.5, "video": 1.0, "notes": 3.0, "paper": 3.0, "book-chapter": 4.0, "course": 10.0}
"""Rough hours to work through one resource of each kind, exercises included: a documentation
page is an evening, a course a couple of weeks of evenings. Shown as estimates, rounded."""
HOURS_PER_WEEK = 6
"""The study pace the plan assumes when it suggests when to re-test (about an hour a day)."""
RESOURCES_PER_SKILL = 3
"""Two or three resources per skill, not twenty: the report guidelines' advice."""
MAX_PLAN_SKILLS = 6
"""Skills that get their own resources in the plan; the rest are named in one line."""
CLEAR_BAND = 0.9
"""A band at least this probable is stated as fact; below, the report says what else it could be."""
LIKELY_BAND = 0.6
"""Below this, no band is "most likely": the range is said to span bands."""
SHOWN_PROBABILITY = 0.01
"""Band probabilities under 1 % are left out of the sentence (they still add up in the table)."""

MAX_REVIEW_ITEMS = 8
"""Missed questions printed with their explanations: the first eight, in test order per section
(more reads as a wall of text and costs pages; the rest are counted)."""

VERDICT_ORDER = {"weakness": 0, "insufficient-evidence": 1, "not-measured": 2, "on-par": 3, "strength": 4}


def band_title(band: str | None) -> str:
    return BAND_TITLES.get(band or "", "Not measured")


def _band_index(band: str | None) -> int:
    return BAND_NAMES.index(band) if band in BAND_NAMES else -1


def percent(p: float) -> int:
    return int(round(100 * p))


def _num(x: float) -> str:
    """3.0 -> '3', 1.75 -> '1.8' (a count reads as a count)."""
    return str(int(round(x))) if abs(x - round(x)) < 0.05 else f"{x:.1f}"


def probabilities_in_words(probs: dict[str, float]) -> str:
    """'Developing, 71 %; Accomplished, 22 %' (most likely first, bands under 1 % left out)."""
    ordered = sorted(probs.items(), key=lambda kv: -kv[1])
    return "; ".join(f"{BAND_TITLES[b]}, {percent(p)} %" for b, p in ordered if p >= SHOWN_PROBABILITY)


def range_in_words(band: str, probs: dict[str, float]) -> str:
    """One sentence on how sure the band is: stated as fact only when it is nearly certain."""
    ordered = sorted(probs.items(), key=lambda kv: -kv[1])
    (first, p1), (second, p2) = ordered[0], ordered[1]
    if p1 >= CLEAR_BAND:
        return f"Clearly {BAND_TITLES[first]} ({percent(p1)} % likely)."
    if p1 >= LIKELY_BAND:
        return (f"Most likely {BAND_TITLES[first]} ({percent(p1)} %); "
                f"could be {BAND_TITLES[second]} ({percent(p2)} %).")
    return (f"Between {BAND_TITLES[first]} ({percent(p1)} %) and {BAND_TITLES[second]} ({percent(p2)} %): "
            "the answers did not show enough to tell; a re-test would narrow it down.")


def evidence_in_words(d: dict) -> str:
    """'3 of 4 right where 1.8 were expected at your level' (score points when partial credit counts)."""
    observed, expected = d["observed"], d["expected"]
    if expected < 0.05:
        where = "where hardly any were expected at your level"
    else:
        where = f"where {expected:.1f} {'was' if abs(expected - 1) < 0.05 else 'were'} expected at your level"
    if abs(d["max_score"] - d["n_items"]) < 1e-9:
        return f"{_num(observed)} of {d['n_items']} right {where}"
    return (f"{_num(observed)} of {_num(d['max_score'])} score points on {d['n_items']} question"
            f"{'s' if d['n_items'] != 1 else ''} {where}")


def answered_in_words(items: list[dict]) -> str:
    """'8 questions: 5 right; coding: 2 of 2 score points' — partial credit read as points."""
    answered = [i for i in items if i["status"] == "answered" and i["score"] is not None]
    plain = [i for i in answered if i["type"] != "code"]
    code = [i for i in answered if i["type"] == "code"]
    parts = []
    if plain:
        right = sum(1 for i in plain if i["score"] >= i["max_score"])
        parts.append(f"{right} of {len(plain)} right")
    if code:
        got, most = sum(i["score"] for i in code), sum(i["max_score"] for i in code)
        parts.append(f"coding: {_num(got)} of {_num(most)} score points")
    if not parts:
        return "no questions answered"
    n = len(answered)
    return f"{n} question{'s' if n != 1 else ''}: " + "; ".join(parts)


def _iso(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _long_date(value: str | None) -> str:
    d = _iso(value)
    return f"{d.day} {d:%B %Y}" if d else ""


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    m = max(0, int(round(seconds / 60)))
    return f"{m} min"


def _section_view(s: dict, target: str | None, cut: int | None) -> dict:
    measured = s["score"] is not None and s["n_answered"]
    probs = dict(zip(BAND_NAMES, (float(p) for p in band_probabilities(s["theta"], s["se"]))) ) \
        if measured else {b: 0.0 for b in BAND_NAMES}
    used = None
    if s.get("started_at") and s.get("closed_at"):
        used = min((_iso(s["closed_at"]) - _iso(s["started_at"])).total_seconds(), s["time_limit_seconds"])
    view = {
        "id": s["id"], "title": s["title"], "description": s.get("description", ""),
        "measured": bool(measured), "score": s["score"], "low": s["low"], "high": s["high"], "band": s["band"],
        "band_title": band_title(s["band"]) if measured else "Not measured",
        "probabilities": probs, "probabilities_words": probabilities_in_words(probs) if measured else "",
        "range_words": range_in_words(s["band"], probs) if measured else
        "No question of this section was answered, so it has no score.",
        "answered_words": answered_in_words(s["items"]), "n_answered": s["n_answered"] or 0,
        "time_used": _minutes(used), "time_limit": _minutes(s["time_limit_seconds"]),
        "time_ran_out": s.get("close_reason") == "time",
        "target_band": target, "target_title": BAND_TITLES.get(target or ""),
        "meets_target": (measured and target is not None and _band_index(s["band"]) >= _band_index(target)),
        "cut_score": cut, "passed": (None if cut is None or not measured else s["score"] >= cut),
    }
    if target is not None and measured:
        view["target_probability"] = sum(p for b, p in probs.items() if _band_index(b) >= _band_index(target))
    titles = {k["id"]: k for k in s["skills"]}
    seen = {d["skill"]: d for d in s.get("diagnosis") or []}
    skills = []
    for sk in s["skills"]:
        d = seen.get(sk["id"])
        verdict = d["verdict"] if d else "not-measured"
        skills.append({
            "id": sk["id"], "title": sk["title"], "description": sk.get("description", ""), "verdict": verdict,
            "verdict_title": {"strength": "Strength", "weakness": "To work on", "on-par": "As expected",
                              "insufficient-evidence": "Not enough evidence yet",
                              "not-measured": "Not measured"}[verdict],
            "evidence": evidence_in_words(d) if d else "no question on this skill came up in your test",
            "skill_band": _skill_band(d, s["band"]) if d else s["band"],
            "resources": sk.get("resources", []), "section_id": s["id"], "section_title": s["title"],
        })
    for d in s.get("diagnosis") or []:  # a skill no longer in the section file: keep its evidence
        if d["skill"] not in titles:
            skills.append({"id": d["skill"], "title": d["skill"].replace("-", " ").capitalize(), "description": "",
                           "verdict": d["verdict"], "verdict_title": d["verdict"].replace("-", " ").capitalize(),
                           "evidence": evidence_in_words(d), "skill_band": _skill_band(d, s["band"]),
                           "resources": [], "section_id": s["id"], "section_title": s["title"]})
    view["skills"] = sorted(skills, key=lambda k: (VERDICT_ORDER[k["verdict"]], k["title"]))
    return view


def _skill_band(d: dict, section_band: str | None) -> str | None:
    """The band of the skill's own (shrunken) ability estimate: where its resources should start."""
    theta = d.get("skill_theta")
    if theta is None or not math.isfinite(theta):
        return section_band
    p = band_probabilities(theta, 0.0)
    return BAND_NAMES[int(p.argmax())]


def _ordered_resources(resources: list[dict], level: str | None, target: str | None) -> list[dict]:
    """At the candidate's level first, then the levels up to the role's target, then the rest."""
    here = max(_band_index(level), 0)
    goal = max(here, _band_index(target))

    def rank(r: dict) -> tuple:
        k = _band_index(r["level"])
        if here <= k <= goal:
            return (0, k - here)
        if k > goal:
            return (1, k - goal)
        return (2, here - k)

    out = []
    for r in sorted(resources, key=rank)[:RESOURCES_PER_SKILL]:
        k = _band_index(r["level"])
        if k == here:
            reason = "at your level"
        elif k > here:
            reason = f"the next step up, toward {BAND_TITLES[r['level']]}"
        else:
            reason = "a refresher on the basics"
        out.append({**r, "level_title": BAND_TITLES.get(r["level"], r["level"]), "fit": reason,
                    "hours": STUDY_HOURS.get(r["kind"], 3.0), "kind_title": r["kind"].replace("-", " ")})
    return out


def _plan(sections: list[dict], role: dict | None) -> tuple[list[dict], list[dict]]:
    """Skills to study, most useful first, each with its resources; and the ones left for later."""
    candidates = []
    for s in sections:
        target = role["targets"].get(s["id"]) if role else None
        gap = max(0, _band_index(target) - _band_index(s["band"])) if target and s["measured"] else 0
        for k in s["skills"]:
            if k["verdict"] == "strength" or not k["resources"]:
                continue
            if k["verdict"] == "on-par" and not gap and s["band"] == "accomplished":
                continue
            urgency = {"weakness": 0, "insufficient-evidence": 2, "not-measured": 3, "on-par": 4}[k["verdict"]]
            candidates.append(((urgency - 2 * gap, s["score"] or 0, k["title"]), k, target))
    candidates.sort(key=lambda c: c[0])
    plan = []
    for _, k, target in candidates[:MAX_PLAN_SKILLS]:
        resources = _ordered_resources(k["resources"], k["skill_band"], target)
        why = {"weakness": f"your answers here fell short of your level in {k['section_title']} "
                           f"({k['evidence']})",
               "insufficient-evidence": "the test saw too few questions on it to tell; studying it and "
                                        "re-testing will show where you stand",
               "not-measured": "it did not come up in your test",
               "on-par": "it is part of the step to the next band"}[k["verdict"]]
        if target and _band_index(target) > _band_index(k["skill_band"]):
            why += f"; the target role asks for {BAND_TITLES[target]} in {k['section_title']}"
        hours = sum(r["hours"] for r in resources[:2])
        plan.append({"skill": k["title"], "skill_id": k["id"], "section": k["section_title"], "verdict": k["verdict"],
                     "verdict_title": k["verdict_title"], "why": why, "resources": resources,
                     "hours": int(math.ceil(hours))})
    later = [{"skill": k["title"], "section": k["section_title"]} for _, k, _ in candidates[MAX_PLAN_SKILLS:]]
    return plan, later


def _role_fit(sections: list[dict], roles: list[dict], target_id: str | None) -> list[dict]:
    measured = [s for s in sections if s["measured"]]
    out = []
    for role in roles:
        rows = []
        for s in measured:
            target = role["targets"].get(s["id"])
            if target is None:
                continue
            p = sum(v for b, v in s["probabilities"].items() if _band_index(b) >= _band_index(target))
            rows.append({"section": s["title"], "target": BAND_TITLES[target], "band": s["band_title"],
                         "met": _band_index(s["band"]) >= _band_index(target), "probability": p})
        if not rows:
            continue
        fit = sum(r["probability"] for r in rows) / len(rows)
        met = sum(r["met"] for r in rows)
        words = "a strong fit" if fit >= 0.8 else "a partial fit" if fit >= 0.5 else "not a fit yet"
        gaps = [r["section"] for r in rows if not r["met"]]
        out.append({"id": role["id"], "title": role["title"], "fit": fit, "fit_percent": percent(fit),
                    "met": met, "n": len(rows), "words": words, "gaps": gaps, "rows": rows,
                    "is_target": role["id"] == target_id})
    return sorted(out, key=lambda r: (not r["is_target"], -r["fit"], r["title"]))


def _progress(sections: list[dict], previous: dict | None) -> dict | None:
    if not previous:
        return None
    rows = []
    for s in sections:
        before = previous["sections"].get(s["id"])
        if not before or not s["measured"] or before.get("score") is None:
            continue
        delta = s["score"] - before["score"]
        # The change is real beyond chance if it exceeds the 95 % noise of a difference of two scores.
        noise = 1.96 * 50 * math.hypot(before.get("se") or 0.0, s.get("se") or 0.0)
        if abs(delta) <= noise:
            words = "about the same (the change is within the margin of error)"
        else:
            words = f"{'up' if delta > 0 else 'down'} {abs(delta)} points"
        if before.get("band") != s["band"]:
            words += f", from {band_title(before.get('band'))} to {s['band_title']}"
        rows.append({"section": s["title"], "before": before["score"], "before_band": band_title(before.get("band")),
                     "after": s["score"], "after_band": s["band_title"], "delta": delta, "words": words})
    if not rows:
        return None
    return {"date": _long_date(previous.get("finished_at")), "rows": rows}


def _summary(sections: list[dict], plan: list[dict], role_fit: list[dict], role: dict | None) -> list[str]:
    """The first sentences of every document: what the result means, then the next step."""
    measured = [s for s in sections if s["measured"]]
    if not measured:
        return ["No section of this test was answered, so there is no result to report yet."]
    best = max(measured, key=lambda s: s["score"])
    worst = min(measured, key=lambda s: s["score"])
    certainty = "solidly " if best["probabilities"][best["band"]] >= CLEAR_BAND else ""
    lines = []
    if len(measured) == 1:
        lines.append(f"You are {certainty}{best['band_title']} in {best['title']} (score {best['score']} of 300).")
    else:
        lines.append(f"Your strongest section is {best['title']}: {certainty}{best['band_title']} "
                     f"(score {best['score']} of 300).")
        if worst is not best and all(s["band"] == "accomplished" for s in measured):
            lines.append(f"Every section is Accomplished; the lowest is {worst['title']} (score {worst['score']}).")
        elif worst is not best:
            lines.append(f"The most room to grow is in {worst['title']}: {worst['band_title']} "
                         f"(score {worst['score']}).")
    if role:
        fit = next((r for r in role_fit if r["id"] == role["id"]), None)
        if fit:
            lines.append(f"For the {role['title']} role you meet {fit['met']} of {fit['n']} section targets.")
    if plan:
        lines.append(f"Your clearest next step: {plan[0]['skill']} ({plan[0]['section']}).")
    return lines


def _missed(sections: list[dict], raw_sections: list[dict]) -> list[dict]:
    out = []
    for s, raw in zip(sections, raw_sections):
        for i in raw["items"]:
            if i["status"] != "answered" or i["score"] is None or i["score"] >= i["max_score"]:
                continue
            out.append({"section": s["title"], "type": i["type"], "stem": i["stem"], "explanation": i["explanation"],
                        "partial": (f"{_num(i['score'])} of {_num(i['max_score'])} score points"
                                    if i["type"] == "code" else None)})
    return out


def compose(facts: dict) -> dict:
    """Everything a report or the results page shows, from the facts of one attempt."""
    roles = facts.get("roles") or []
    target_id = facts["assessment"].get("target_role")
    role = next((r for r in roles if r["id"] == target_id), None)
    cuts = facts.get("cut_scores") or {}
    sections = [_section_view(s, role["targets"].get(s["id"]) if role else None, cuts.get(s["id"]))
                for s in facts["sections"]]
    plan, later = _plan(sections, role)
    role_fit = _role_fit(sections, roles, target_id)
    skills = [k for s in sections for k in s["skills"]]
    total_hours = sum(p["hours"] for p in plan)
    weeks = max(1, math.ceil(total_hours / HOURS_PER_WEEK))
    candidate = facts.get("candidate") or {}
    return {
        "attempt_id": facts["attempt"]["id"],
        "title": facts["assessment"]["title"],
        "candidate_name": candidate.get("name") or "",
        "candidate_email": candidate.get("email") or "",
        "date": _long_date(facts["attempt"].get("finished_at") or facts["attempt"].get("started_at")),
        "role": ({"id": role["id"], "title": role["title"], "rationale": role.get("rationale", "")} if role else None),
        "summary": _summary(sections, plan, role_fit, role),
        "sections": sections,
        "strengths": [k for k in skills if k["verdict"] == "strength"],
        "weaknesses": [k for k in skills if k["verdict"] == "weakness"],
        "unclear": [k for k in skills if k["verdict"] == "insufficient-evidence"],
        "unmeasured": [k for k in skills if k["verdict"] == "not-measured"],
        "plan": plan, "later": later,
        "total_hours": total_hours, "weeks": weeks, "hours_per_week": HOURS_PER_WEEK,
        "missed": _missed(sections, facts["sections"])[:MAX_REVIEW_ITEMS],
        "missed_total": len(_missed(sections, facts["sections"])),
        "roles": role_fit,
        "progress": _progress(sections, facts.get("previous")),
        "grading": facts.get("grading", 0),
        "has_cut_scores": bool(cuts),
        "bands": [{"id": b, "title": BAND_TITLES[b], "meaning": BAND_MEANING[b]} for b in BAND_NAMES],
    }
