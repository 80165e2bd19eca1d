"""Thin API layer: authenticate the key, call one service function, return JSON."""
import datetime as dt

from flask import Response, abort, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from assessment.api import bp
from assessment.api.openapi import document
from assessment.db import get_session
from assessment.security import BadBody, check_text_value, csrf, load_json_object
from assessment.services import accounts, company, company_dashboard
from assessment.services.accounts import AccountError
from assessment.services.company import InvitationOptions

csrf.exempt(bp)  # no cookies here: a Bearer key cannot be sent by another site's form
PUBLIC_ENDPOINTS = {"api.openapi"}


def problem(status: int, detail: str, **extra):
    """An RFC 9457 problem details response."""
    titles = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
              409: "Conflict", 410: "Gone", 413: "Payload too large", 415: "Unsupported media type",
              422: "Unprocessable content", 429: "Too many requests"}
    body = {"type": "about:blank", "title": titles.get(status, "Error"), "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@bp.before_request
def _authenticate():
    """Every endpoint but the OpenAPI document needs a valid, unrevoked key of a company."""
    g.actor = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return problem(401, "Send an API key as `Authorization: Bearer <key>`.")
    g.actor = accounts.actor_for_api_key(session=get_session(), raw=raw.strip())
    if g.actor is None:
        return problem(401, "The API key is not valid or has been revoked.")
    return None


@bp.errorhandler(AccountError)
def _account_error(exc):
    problems = getattr(exc, "problems", None)
    return problem(exc.status, str(exc), **({"errors": problems} if problems and len(problems) > 1 else {}))


@bp.errorhandler(HTTPException)
def _http_error(exc):
    return problem(exc.code or 500, exc.description or exc.name)


def _iso(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _assessment_json(a: dict) -> dict:
    return {"id": a["id"], "title": a["title"], "version": a["version"], "mode": a["mode"],
            "target_role": a["target_role"], "overall_cut": a["overall_cut"],
            "sections": [{"id": s["section_id"], "title": s["title"], "minutes": s["minutes"],
                          "min_items": s["min_items"], "max_items": s["max_items"], "cut_score": s["cut_score"]}
                         for s in a["sections"]]}


def _candidate_json(r: dict) -> dict:
    return {"id": r["id"], "name": r["name"], "email": r["email"], "status": r["status"],
            "invited_at": _iso(r["invited_at"]), "expires_at": _iso(r["expires_at"]),
            "time_multiplier": r["time_multiplier"], "overall": r["overall"], "percentile": r["percentile"],
            "passed": r["passed"], "role_fit": r["role_fit"], "time_used_seconds": r["time_used_seconds"],
            "sections": r["sections"],
            "integrity_signals": {**{k: r["signals"].get(k, 0) for k in ("focus_lost", "tab_hidden", "paste",
                                                                         "paste_chars")},
                                  "near_copies": [{"other_invitation_id": c["other_id"], "item": c["item"],
                                                   "similarity": c["similarity"]} for c in r["near_copies"]]},
            "report_url": f"/api/v1/invitations/{r['id']}/report.pdf" if r["status"] == "completed" else None}


def _sections_dir() -> str:
    return current_app.config["SECTIONS_DIR"]


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/assessments")
def list_assessments():
    items = company.list_assessments(session=get_session(), actor=g.actor, sections_dir=_sections_dir())
    return jsonify(assessments=[_assessment_json(a) for a in items])


@bp.get("/assessments/<int:assessment_id>")
def get_assessment(assessment_id: int):
    return jsonify(_assessment_json(company.get_assessment(session=get_session(), actor=g.actor,
                                                           assessment_id=assessment_id, sections_dir=_sections_dir())))


@bp.get("/assessments/<int:assessment_id>/invitations")
def list_invitations(assessment_id: int):
    data = company_dashboard.dashboard(session=get_session(), actor=g.actor, assessment_id=assessment_id,
                                       query=company_dashboard.DashboardQuery(sort="invited_at", descending=False),
                                       sections_dir=_sections_dir())
    return jsonify(invitations=[_candidate_json(r) for r in data["rows"]])


@bp.post("/assessments/<int:assessment_id>/invitations")
def create_invitation(assessment_id: int):
    try:  # bounded depth, no NaN; name and email without NUL or unpaired surrogate (security.py)
        data = load_json_object(request.get_data(cache=True), check_text=False)
        for field in ("name", "email"):
            if not isinstance(data.get(field, ""), str):
                abort(400, f"{field}: must be a string")
            check_text_value(data.get(field, ""))
    except BadBody as exc:
        abort(400, f"The request body must be a JSON object with name and email: {exc}.")
    days, multiplier = data.get("expires_days", company.DEFAULT_EXPIRY_DAYS), data.get("time_multiplier", 1.0)
    if isinstance(days, float) and days.is_integer():
        days = int(days)  # 130.0 is an integer in JSON Schema; 12.7 is not
    if isinstance(days, bool) or not isinstance(days, int):
        abort(400, "expires_days: must be a whole number")
    if isinstance(multiplier, bool) or not isinstance(multiplier, int | float):
        abort(400, "time_multiplier: must be a number")
    options = InvitationOptions(expires_days=days, time_multiplier=float(multiplier),
                                base_url=request.host_url.rstrip("/"),
                                mail_settings={k: current_app.config.get(k) for k in (
                                    "MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM",
                                    "MAIL_USE_TLS")})
    created = company.invite(session=get_session(), actor=g.actor, assessment_id=assessment_id,
                             name=data.get("name") or "", email=data.get("email") or "", options=options)
    response = jsonify(id=created.id, name=created.name, email=created.email, status="invited",
                       link=f"{request.host_url.rstrip('/')}/t/{created.token}")
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/invitations/{created.id}"
    return response


@bp.get("/invitations/<int:invitation_id>")
def get_invitation(invitation_id: int):
    data = company_dashboard.invitation_detail(session=get_session(), actor=g.actor, invitation_id=invitation_id,
                                               sections_dir=_sections_dir())
    return jsonify(_candidate_json(data["candidate"]))


@bp.get("/invitations/<int:invitation_id>/report.pdf")
def get_report(invitation_id: int):
    name, pdf = company_dashboard.candidate_report(session=get_session(), actor=g.actor, invitation_id=invitation_id)
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})
