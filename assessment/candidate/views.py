"""Thin web layer: parse the request, call services.delivery, render or answer JSON."""
from flask import abort, current_app, g, jsonify, redirect, render_template, request, url_for
from sqlmodel import select

from assessment.candidate import bp
from assessment.db import get_session
from assessment.models import Assessment, AssessmentSection, Attempt, Item, Response, Section, utcnow
from assessment.services import coding, delivery
from assessment.workers import grading_queue


@bp.url_value_preprocessor
def _load_invitation(endpoint, values):
    """Every /t/<token> route resolves its invitation here, so no route can forget the check."""
    if values is None or "token" not in values:
        return
    token = values.pop("token")
    invitation = delivery.find_invitation(session=get_session(), token=token)
    if invitation is None:
        abort(404, "This test link is not valid. Check that you copied the whole link.")
    g.token, g.invitation = token, invitation
    g.assessment = get_session().get(Assessment, invitation.assessment_id)
    g.attempt = get_session().exec(select(Attempt).where(Attempt.invitation_id == invitation.id)).first()


@bp.url_defaults
def _add_token(endpoint, values):
    if "token" not in values and getattr(g, "token", None) and endpoint.startswith("candidate.t_"):
        values["token"] = g.token


def _grace() -> float:
    return float(current_app.config["ANSWER_GRACE_SECONDS"])


@bp.get("/")
def index():
    session = get_session()
    practice = session.exec(select(Assessment).where(Assessment.is_public_practice)).all()
    return render_template("candidate/index.html", practice=practice)


@bp.route("/practice/<slug>", methods=["GET", "POST"])
def practice(slug: str):
    session = get_session()
    assessment = session.exec(select(Assessment).where(Assessment.public_slug == slug,
                                                       Assessment.is_public_practice)).first()
    if assessment is None:
        abort(404, "There is no practice test at this address.")
    if request.method == "POST":
        _, token = delivery.create_invitation(session=session, assessment=assessment, practice=True)
        return redirect(url_for("candidate.t_home", token=token))
    return render_template("candidate/practice.html", assessment=assessment, sections=_overview(assessment))


def _overview(assessment: Assessment) -> list[dict]:
    session = get_session()
    rows = session.exec(select(AssessmentSection, Section).join(Section)
                        .where(AssessmentSection.assessment_id == assessment.id)
                        .order_by(AssessmentSection.position)).all()
    return [{"title": s.title, "description": s.description,
             "minutes": round((p.time_limit_seconds or s.time_limit_seconds) / 60),
             "min_items": p.min_items or s.min_items, "max_items": p.max_items or s.max_items}
            for p, s in rows]


@bp.get("/t/<token>")
def t_home():
    if g.attempt is None:
        return render_template("candidate/start.html", assessment=g.assessment, sections=_overview(g.assessment))
    session = get_session()
    state = delivery.current_state(session=session, attempt=g.attempt, grace_seconds=_grace())
    if state.kind == "finished":
        return redirect(url_for("candidate.t_results"))
    parts = delivery.section_attempts(session=session, attempt=g.attempt)
    titles = {s.id: s.title for s in session.exec(select(Section)).all()}
    common = {"assessment": g.assessment, "parts": parts, "titles": titles, "just_closed": state.just_closed or []}
    if state.kind == "section-intro":
        return render_template("candidate/section_intro.html", part=state.section, **common)
    now = utcnow()
    return render_template("candidate/item.html", part=state.section, response=state.response, item=state.item,
                           options=_ordered_options(state.item, state.response),
                           remaining=delivery.remaining_seconds(state.section, now), **common)


def _ordered_options(item: Item, response: Response) -> list[dict]:
    by_id = {o["id"]: o for o in item.body.get("options", [])}
    # Only id and text reach the template: never the key or the misconception notes.
    return [{"id": oid, "text": by_id[oid]["text"]} for oid in (response.option_order or [])]


@bp.post("/t/<token>/begin")
def t_begin():
    delivery.get_or_start_attempt(session=get_session(), invitation=g.invitation)
    return redirect(url_for("candidate.t_home"))


@bp.post("/t/<token>/sections/<int:position>/start")
def t_start_section(position: int):
    if g.attempt is None:
        abort(409, "Begin the test first.")
    delivery.start_section(session=get_session(), attempt=g.attempt, position=position)
    return redirect(url_for("candidate.t_home"))


def _answer_request() -> tuple[int, dict, int, bool]:
    """(response_id, payload, seq, final) from a JSON body or a plain form post."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400, "The request body must be a JSON object.")
        response_id, seq, final, payload = data.get("response_id"), data.get("seq"), data.get("final"), data.get("answer")
        if not isinstance(payload, dict):
            abort(400, "answer: must be an object")
    else:
        form = request.form
        response_id, seq, final = form.get("response_id"), form.get("seq"), form.get("final") == "1"
        payload = {"choice": form.get("choice"), "choices": form.getlist("choices"), "value": form.get("value"),
                   "code": form.get("code")}
        payload = {k: v for k, v in payload.items() if v not in (None, [])}
    try:
        response_id, seq = int(response_id), int(seq)
    except (TypeError, ValueError):
        abort(400, "response_id and seq: must be integers")
    if not 0 <= seq < 2**31:
        abort(400, "seq: out of range")
    if not isinstance(final, bool):
        abort(400, "final: must be true or false")
    return response_id, payload, seq, final


@bp.post("/t/<token>/answer")
def t_answer():
    if g.attempt is None:
        abort(409, "Begin the test first.")
    response_id, payload, seq, final = _answer_request()
    result = delivery.save_answer(session=get_session(), attempt=g.attempt, response_id=response_id,
                                  payload=payload, seq=seq, final=final, grace_seconds=_grace())
    if request.is_json:
        return jsonify(saved=True, seq=result.saved_seq, final=result.final, next=url_for("candidate.t_home"))
    return redirect(url_for("candidate.t_home"))


@bp.get("/t/<token>/clock")
def t_clock():
    """The server's clock for the countdown: the browser only displays it."""
    if g.attempt is None:
        return jsonify(status="not-started")
    session = get_session()
    state = delivery.current_state(session=session, attempt=g.attempt, grace_seconds=_grace())
    if state.kind != "item":
        return jsonify(status=state.kind, section_closed=True)
    return jsonify(status="active", section=state.section.position, response_id=state.response.id,
                   remaining_seconds=round(delivery.remaining_seconds(state.section, utcnow()), 3))


@bp.get("/t/<token>/results")
def t_results():
    if g.attempt is None:
        return redirect(url_for("candidate.t_home"))
    session = get_session()
    state = delivery.current_state(session=session, attempt=g.attempt, grace_seconds=_grace())
    if state.kind != "finished":
        return redirect(url_for("candidate.t_home"))
    parts = delivery.section_attempts(session=session, attempt=g.attempt)
    sections = {s.id: s for s in session.exec(select(Section)).all()}
    grading = len(session.exec(select(Response.id).where(
        Response.section_attempt_id.in_([p.id for p in parts]), Response.status == "submitted")).all())
    skill_titles = {sid: {sk["id"]: sk["title"] for sk in s.skills} for sid, s in sections.items()}
    return render_template("candidate/results.html", assessment=g.assessment, parts=parts, sections=sections,
                           skill_titles_by_section=skill_titles, grading=grading)


def _code_request() -> tuple[int, str, int]:
    """(response_id, code, seq) from JSON or a form post; seq defaults to 0 (never overwrites)."""
    data = request.get_json(silent=True) if request.is_json else request.form
    if not hasattr(data, "get"):
        abort(400, "The request body must be a JSON object.")
    try:
        response_id, seq = int(data.get("response_id")), int(data.get("seq", 0))
    except (TypeError, ValueError):
        abort(400, "response_id and seq: must be integers")
    code = data.get("code")
    if not isinstance(code, str):
        abort(400, "code: must be text")
    return response_id, code, seq


@bp.post("/t/<token>/run")
def t_run_samples():
    """Run the sample tests now and show per-test results and output."""
    if g.attempt is None:
        abort(409, "Begin the test first.")
    response_id, code, seq = _code_request()
    session = get_session()
    run, item = coding.start_sample_run(session=session, attempt=g.attempt, response_id=response_id, code=code,
                                        seq=seq, grace_seconds=_grace())
    try:
        result = grading_queue(current_app).run_sample(
            coding.item_dir(current_app.config["SECTIONS_DIR"], item), code)
    except Exception:  # noqa: BLE001  the candidate gets a clear message; the details go to the log
        current_app.logger.exception("sample run %s failed", run.id)
        return jsonify(coding.finish_sample_run(session=session, run=run, result=None,
                                                error="The sample tests could not be run right now. Try again.")), 503
    return jsonify(coding.finish_sample_run(session=session, run=run, result=result))


@bp.post("/t/<token>/submit-code")
def t_submit_code():
    """Take the code as final; it is graded on the hidden tests in the background."""
    if g.attempt is None:
        abort(409, "Begin the test first.")
    response_id, code, _ = _code_request()
    response = coding.submit_code(session=get_session(), attempt=g.attempt, response_id=response_id, code=code,
                                  grace_seconds=_grace())
    grading_queue(current_app).enqueue(response.id)
    if request.is_json:
        return jsonify(saved=True, final=True, next=url_for("candidate.t_home"))
    return redirect(url_for("candidate.t_home"))
