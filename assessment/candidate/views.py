"""Thin web layer: parse the request, make one service call, render or answer JSON.

No queries here and no models: services return plain view data and raise error kinds that
assessment/errors.py turns into statuses."""
from flask import abort, current_app, g, jsonify, redirect, render_template, request, url_for

from assessment.candidate import bp
from assessment.db import get_session
from assessment.errors import error_response
from assessment.security import BadBody, csrf, load_json_object
from assessment.services import answering, coding, delivery, integrity, reports
from assessment.workers import grading_queue


@bp.url_value_preprocessor
def _load_invitation(endpoint, values):
    """Every /t/<token> route resolves its invitation here, so no route can forget the check
    (the answer route in the save's own transaction: `answering.save_answer_for_link`)."""
    if values is None or "token" not in values:
        return
    g.token = values.pop("token")
    if endpoint == "candidate.t_answer":
        return  # the save resolves its link itself, in its own transaction (the busiest route)
    g.visit = delivery.open_invitation(session=get_session(), token=g.token)


@bp.url_defaults
def _add_token(endpoint, values):
    if "token" not in values and getattr(g, "token", None) and endpoint.startswith("candidate.t_"):
        values["token"] = g.token


def _grace() -> float:
    return float(current_app.config["ANSWER_GRACE_SECONDS"])


def _attempt():
    if g.visit.attempt is None:
        abort(409, "Begin the test first.")
    return g.visit.attempt


@bp.get("/")
def index():
    return render_template("candidate/index.html", practice=delivery.practice_assessments(session=get_session()))


@bp.route("/practice/<slug>", methods=["GET", "POST"])
def practice(slug: str):
    session = get_session()
    if request.method == "POST":
        token = delivery.create_practice_invitation(session=session, slug=slug,
                                                    client_key=request.remote_addr or "unknown")
        return redirect(url_for("candidate.t_home", token=token))
    assessment = delivery.find_practice(session=session, slug=slug)
    return render_template("candidate/practice.html", assessment=assessment,
                           sections=delivery.overview(session=session, assessment=assessment))


@bp.get("/t/<token>")
def t_home():
    page = delivery.page(session=get_session(), visit=g.visit, grace_seconds=_grace())
    if page.kind == "finished":
        return redirect(url_for("candidate.t_results"))
    if page.kind == "start":
        return render_template("candidate/start.html", assessment=page.assessment, sections=page.sections,
                               time_multiplier=page.time_multiplier)
    common = {"assessment": page.assessment, "parts": page.parts, "titles": page.titles,
              "just_closed": page.just_closed, "part": page.part}
    if page.kind == "section-intro":
        return render_template("candidate/section_intro.html", **common)
    return render_template("candidate/item.html", response=page.response, item=page.item, options=page.options,
                           remaining=page.remaining, **common)


@bp.post("/t/<token>/begin")
def t_begin():
    delivery.get_or_start_attempt(session=get_session(), invitation=g.visit.invitation)
    return redirect(url_for("candidate.t_home"))


@bp.post("/t/<token>/sections/<int:position>/start")
def t_start_section(position: int):
    delivery.start_section(session=get_session(), attempt=_attempt(), position=position)
    return redirect(url_for("candidate.t_home"))


def _body() -> dict:
    """The request's fields: a JSON object (bounded in depth, no NaN/Infinity) or a form."""
    if request.is_json:
        try:
            return load_json_object(request.get_data(cache=True))
        except BadBody as exc:
            abort(400, str(exc))
    return request.form


def _whole_number(data, field: str, default=None) -> int:
    """A whole number from JSON (an integer, not 12.7, not true) or a form (digits only)."""
    value = data.get(field, default)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 30:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        abort(400, f"{field}: must be a whole number")
    if not 0 <= value <= delivery.MAX_ID:
        abort(400, f"{field}: out of range (0 to {delivery.MAX_ID})")
    return value


def _answer_request() -> tuple[int, dict, int, bool]:
    """(response_id, payload, seq, final) from a JSON body or a plain form post."""
    data = _body()
    if request.is_json:
        final, payload = data.get("final"), data.get("answer")
        if not isinstance(payload, dict):
            abort(400, "answer: must be an object")
    else:
        final = data.get("final") == "1"
        payload = {"choice": data.get("choice"), "choices": data.getlist("choices"), "value": data.get("value"),
                   "code": data.get("code")}
        payload = {k: v for k, v in payload.items() if v not in (None, [])}
    if not isinstance(final, bool):
        abort(400, "final: must be true or false")
    return _whole_number(data, "response_id"), payload, _whole_number(data, "seq"), final


@bp.post("/t/<token>/answer")
@csrf.exempt  # its authority is the link's token in the path, not a cookie: nothing a forged request could ride on
def t_answer():
    response_id, payload, seq, final = _answer_request()
    result = answering.save_answer_for_link(session=get_session(), token=g.token, response_id=response_id,
                                            payload=payload, seq=seq, final=final, shown=True, grace_seconds=_grace())
    if request.is_json:
        if result.final:  # where the page goes after a submit (an autosave stays on the page)
            return jsonify(saved=True, seq=result.saved_seq, final=True, value=result.saved_value,
                           next=url_for("candidate.t_home"))
        return jsonify(saved=True, seq=result.saved_seq, final=False, value=result.saved_value)
    return redirect(url_for("candidate.t_home"))


@bp.get("/t/<token>/clock")
def t_clock():
    """The server's clock for the countdown: the browser only displays it."""
    return jsonify(delivery.clock(session=get_session(), visit=g.visit, grace_seconds=_grace()))


@bp.post("/t/<token>/signal")
def t_signal():
    """The page reports focus loss, a hidden tab or a paste (with its size): integrity signals
    for the company, recorded by services.integrity. Answers 204 even when one is ignored."""
    data = _body()
    try:
        integrity.record_signal(session=get_session(), attempt=g.visit.attempt, kind=data.get("kind"),
                                size=data.get("size"))
    except ValueError as exc:
        abort(400, str(exc))
    return "", 204


@bp.get("/t/<token>/results")
def t_results():
    results = reports.results_page(session=get_session(), visit=g.visit, grace_seconds=_grace())
    if results is None:
        return redirect(url_for("candidate.t_home"))
    return render_template("candidate/results.html", **results)


@bp.get("/t/<token>/study-plan/status")
def t_study_plan_status():
    """The download button's progress; the first call starts rendering in the background."""
    return jsonify(reports.study_plan_status(session=get_session(), visit=g.visit))


@bp.get("/t/<token>/study-plan.pdf")
def t_study_plan():
    """The candidate's own study plan (waits for a first render; cached afterwards)."""
    plan = reports.study_plan_download(session=get_session(), visit=g.visit)
    if plan.data is None:
        response = current_app.make_response(
            error_response(503 if plan.state == "rendering" else 500, plan.message, retry_after=3))
        if plan.state == "rendering":
            response.headers["Refresh"] = "3"  # without JavaScript the browser asks again by itself
        return response
    return current_app.response_class(plan.data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{plan.filename}"', "Cache-Control": "private, no-store"})


def _code_request() -> tuple[int, str, int]:
    """(response_id, code, seq) from JSON or a form post; seq defaults to 0 (never overwrites)."""
    data = _body()
    code = data.get("code")
    if not isinstance(code, str):
        abort(400, "code: must be text")
    return _whole_number(data, "response_id"), code, _whole_number(data, "seq", 0)


@bp.post("/t/<token>/run")
def t_run_samples():
    """Run the sample tests now and show per-test results and output."""
    response_id, code, seq = _code_request()
    return jsonify(coding.run_samples(session=get_session(), attempt=_attempt(), response_id=response_id, code=code,
                                      seq=seq, grace_seconds=_grace(), queue=grading_queue(current_app)))


@bp.post("/t/<token>/submit-code")
def t_submit_code():
    """Take the code as final; it is graded on the hidden tests in the background."""
    response_id, code, _ = _code_request()
    coding.submit_code(session=get_session(), attempt=_attempt(), response_id=response_id, code=code,
                       grace_seconds=_grace(), queue=grading_queue(current_app))
    if request.is_json:
        return jsonify(saved=True, final=True, next=url_for("candidate.t_home"))
    return redirect(url_for("candidate.t_home"))
