"""Thin web layer of the company workspace: parse the request, call one service function,
render its plain result."""
import time

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as cookie,
)

from assessment.company import bp
from assessment.db import get_session
from assessment.services import accounts, company, company_dashboard
from assessment.services.accounts import AccountError
from assessment.services.company import AssessmentSpec, CompanyError, InvitationOptions, SectionChoice
from assessment.services.company_dashboard import DashboardQuery

PUBLIC_ENDPOINTS = {"company.login", "company.forgot", "company.reset", "company.setup", "company.static"}
#: A signed-in session ends after this long, or after this long without a request.
SESSION_MAX_SECONDS = 12 * 3600
SESSION_IDLE_SECONDS = 3600
SESSION_KEY = "company"


def _config(name: str, default):
    return current_app.config.get(name, default)


@bp.before_request
def _guard():
    """Sign-in required for every route but the public ones; an expired or outdated session
    (password changed, user removed) is dropped."""
    g.actor = None
    data = cookie.get(SESSION_KEY)
    now = time.time()
    if isinstance(data, dict):
        max_age = _config("COMPANY_SESSION_MAX_SECONDS", SESSION_MAX_SECONDS)
        idle = _config("COMPANY_SESSION_IDLE_SECONDS", SESSION_IDLE_SECONDS)
        fresh = now - data.get("at", 0) < max_age and now - data.get("seen", 0) < idle
        g.actor = accounts.actor_for_session(session=get_session(), user_id=data.get("uid"),
                                             stamp=data.get("stamp")) if fresh else None
        if g.actor is None:
            cookie.pop(SESSION_KEY, None)
        else:
            data["seen"] = now
            cookie[SESSION_KEY] = data
    if g.actor is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.method == "GET":
            return redirect(url_for("company.login", next=request.full_path if request.query_string else request.path))
        abort(401, "Sign in first.")


def _admin_only():
    if not g.actor.is_admin:
        abort(403, "Only a company admin can do this.")


@bp.errorhandler(AccountError)
def _account_error(exc):
    return render_template("company/error.html", status=exc.status, message=str(exc),
                           problems=getattr(exc, "problems", [])), exc.status


def _sections_dir() -> str:
    return current_app.config["SECTIONS_DIR"]


def _mail_settings() -> dict:
    return {k: current_app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD",
                                                   "MAIL_FROM", "MAIL_USE_TLS")}


def _base_url() -> str:
    return request.host_url.rstrip("/")


# --- sign in, out, reset -----------------------------------------------------------------------------

def _safe_next(target: str | None) -> str:
    if target and target.startswith("/company") and not target.startswith("//"):
        return target
    return url_for("company.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("company/login.html", next=request.args.get("next", ""))
    try:
        user = accounts.authenticate(session=get_session(), email=request.form.get("email", ""),
                                     password=request.form.get("password", ""), client=request.remote_addr or "")
    except AccountError as exc:
        return render_template("company/login.html", error=str(exc), next=request.form.get("next", ""),
                               email=request.form.get("email", "")[:254]), exc.status
    cookie.clear()  # no session fixation: a fresh session for the signed-in user
    now = time.time()
    cookie[SESSION_KEY] = {"uid": user.id, "stamp": accounts.session_stamp(user), "at": now, "seen": now}
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    cookie.clear()
    return redirect(url_for("company.login"))


RESET_REPLY = "If an account exists for that email, a link to set a new password is on its way. It is valid for an hour."


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    if request.method == "GET":
        return render_template("company/forgot.html")
    accounts.request_password_reset(session=get_session(), email=request.form.get("email", ""),
                                    secret_key=current_app.config["SECRET_KEY"], base_url=_base_url(),
                                    mail_settings=_mail_settings(), client=request.remote_addr or "")
    return render_template("company/forgot.html", sent=RESET_REPLY)


def _password_page(token: str, purpose: str):
    secret = current_app.config["SECRET_KEY"]
    if request.method == "GET":
        if not accounts.check_password_token(token=token, secret_key=secret, purpose=purpose):
            abort(404, "This link is not valid or has expired.")
        return render_template("company/set_password.html", purpose=purpose)
    if request.form.get("password") != request.form.get("confirm"):
        return render_template("company/set_password.html", purpose=purpose,
                               error="The two passwords are not the same."), 400
    try:
        accounts.redeem_password_token(session=get_session(), token=token, password=request.form.get("password", ""),
                                       secret_key=secret, purpose=purpose)
    except AccountError as exc:
        return render_template("company/set_password.html", purpose=purpose, error=str(exc)), exc.status
    flash("Your password is set. Sign in with it.")
    return redirect(url_for("company.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    return _password_page(token, "reset")


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str):
    return _password_page(token, "setup")


# --- assessments -----------------------------------------------------------------------------------

@bp.get("/")
def home():
    return render_template("company/home.html", assessments=company.list_assessments(
        session=get_session(), actor=g.actor, sections_dir=_sections_dir()))


def _int_field(form, name: str, label: str, problems: list, required: bool = True) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            problems.append(f"{label}: required")
        return None
    try:
        return int(raw)
    except ValueError:
        problems.append(f"{label}: {raw[:20]!r} is not a whole number")
        return None


def _spec_from_form(form) -> AssessmentSpec:
    """The assessment form -> a spec; every unreadable field is reported at once."""
    problems: list[str] = []
    chosen = []
    for section_id in form.getlist("section"):
        where = f"sections.{section_id[:64]}"
        order = _int_field(form, f"order_{section_id}", f"{where}.order", problems, required=False)
        choice = SectionChoice(
            section_id=section_id,
            minutes=_int_field(form, f"minutes_{section_id}", f"{where}.minutes", problems) or 0,
            min_items=_int_field(form, f"min_{section_id}", f"{where}.min_items", problems) or 0,
            max_items=_int_field(form, f"max_{section_id}", f"{where}.max_items", problems) or 0,
            cut_score=_int_field(form, f"cut_{section_id}", f"{where}.cut_score", problems, required=False))
        chosen.append((order if order is not None else 1000 + len(chosen), choice))
    overall = _int_field(form, "overall_cut", "overall_cut", problems, required=False)
    if problems:
        raise CompanyError(problems[0], problems=problems)
    return AssessmentSpec(title=form.get("title", ""), mode=form.get("mode", "adaptive"),
                          sections=[c for _, c in sorted(chosen, key=lambda t: t[0])],
                          target_role=form.get("target_role") or None, overall_cut=overall)


def _assessment_form(assessment_id: int | None):
    session = get_session()
    if request.method == "POST":
        try:
            spec = _spec_from_form(request.form)
            if assessment_id is None:
                new_id = company.create_assessment(session=session, actor=g.actor, spec=spec,
                                                   sections_dir=_sections_dir())
            else:
                new_id = company.update_assessment(session=session, actor=g.actor, assessment_id=assessment_id,
                                                   spec=spec, sections_dir=_sections_dir())
        except CompanyError as exc:
            if exc.status == 404:
                raise
            form = company.assessment_form(session=session, actor=g.actor, assessment_id=assessment_id,
                                           sections_dir=_sections_dir())
            return render_template("company/assessment_form.html", problems=exc.problems, submitted=request.form,
                                   **form), exc.status
        return redirect(url_for("company.assessment", assessment_id=new_id))
    form = company.assessment_form(session=session, actor=g.actor, assessment_id=assessment_id,
                                   sections_dir=_sections_dir())
    return render_template("company/assessment_form.html", problems=[], submitted=None, **form)


@bp.route("/assessments/new", methods=["GET", "POST"])
def new_assessment():
    return _assessment_form(None)


@bp.route("/assessments/<int:assessment_id>/edit", methods=["GET", "POST"])
def edit_assessment(assessment_id: int):
    return _assessment_form(assessment_id)


@bp.get("/assessments/<int:assessment_id>/preview")
def preview(assessment_id: int):
    return render_template("company/preview.html", assessment=company.preview(
        session=get_session(), actor=g.actor, assessment_id=assessment_id, sections_dir=_sections_dir()))


def _query() -> DashboardQuery:
    args = request.args
    return DashboardQuery(q=args.get("q", "")[:200], status=args.get("status", ""),
                          sort=args.get("sort", "overall"), descending=args.get("order", "desc") != "asc")


@bp.get("/assessments/<int:assessment_id>")
def assessment(assessment_id: int):
    data = company_dashboard.dashboard(session=get_session(), actor=g.actor, assessment_id=assessment_id,
                                       query=_query(), sections_dir=_sections_dir())
    return render_template("company/dashboard.html", query=_query(), statuses=company_dashboard.STATUSES, **data)


@bp.get("/assessments/<int:assessment_id>/export.csv")
def export(assessment_id: int):
    name, body = company_dashboard.export_csv(session=get_session(), actor=g.actor, assessment_id=assessment_id,
                                              query=_query(), sections_dir=_sections_dir())
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/assessments/<int:assessment_id>/compare")
def compare(assessment_id: int):
    try:
        first, second = int(request.args.get("a", "")), int(request.args.get("b", ""))
    except ValueError:
        abort(400, "Choose two candidates to compare (a and b).")
    data = company_dashboard.compare(session=get_session(), actor=g.actor, assessment_id=assessment_id,
                                     first=first, second=second, sections_dir=_sections_dir())
    return render_template("company/compare.html", **data)


def _options(form) -> InvitationOptions:
    try:
        days = int(form.get("expires_days") or company.DEFAULT_EXPIRY_DAYS)
        multiplier = float(form.get("time_multiplier") or 1.0)
    except ValueError:
        raise CompanyError("expires_days and time_multiplier: must be numbers") from None
    return InvitationOptions(expires_days=days, time_multiplier=multiplier, base_url=_base_url(),
                             mail_settings=_mail_settings())


@bp.post("/assessments/<int:assessment_id>/invite")
def invite(assessment_id: int):
    created = company.invite(session=get_session(), actor=g.actor, assessment_id=assessment_id,
                             name=request.form.get("name", ""), email=request.form.get("email", ""),
                             options=_options(request.form))
    return render_template("company/invited.html", created=[created], assessment_id=assessment_id,
                           base_url=_base_url())


@bp.post("/assessments/<int:assessment_id>/invite-csv")
def invite_csv(assessment_id: int):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, "file: choose a CSV file of name,email lines")
    result = company.invite_csv(session=get_session(), actor=g.actor, assessment_id=assessment_id,
                                data=upload.read(), options=_options(request.form))
    return render_template("company/invited.html", created=result.created, already_invited=result.already_invited,
                           assessment_id=assessment_id, base_url=_base_url())


# --- one candidate -----------------------------------------------------------------------------------

@bp.get("/candidates/<int:invitation_id>")
def candidate(invitation_id: int):
    data = company_dashboard.invitation_detail(session=get_session(), actor=g.actor, invitation_id=invitation_id,
                                               sections_dir=_sections_dir())
    return render_template("company/candidate.html", **data)


@bp.post("/candidates/<int:invitation_id>/resend")
def resend(invitation_id: int):
    created = company.resend_invitation(session=get_session(), actor=g.actor, invitation_id=invitation_id,
                                        options=_options(request.form))
    return render_template("company/invited.html", created=[created], assessment_id=None, base_url=_base_url())


@bp.post("/candidates/<int:invitation_id>/revoke")
def revoke(invitation_id: int):
    company.revoke_invitation(session=get_session(), actor=g.actor, invitation_id=invitation_id)
    flash("The invitation is revoked: its link no longer works.")
    return redirect(url_for("company.candidate", invitation_id=invitation_id))


@bp.post("/candidates/<int:invitation_id>/extend")
def extend(invitation_id: int):
    try:
        days = int(request.form.get("extra_days") or 0)
        raw = request.form.get("time_multiplier")
        multiplier = float(raw) if raw else None
    except ValueError:
        abort(400, "extra_days and time_multiplier: must be numbers")
    company.extend_invitation(session=get_session(), actor=g.actor, invitation_id=invitation_id, extra_days=days,
                              time_multiplier=multiplier, seen_expires_at=request.form.get("expires_seen"))
    flash("Saved.")
    return redirect(url_for("company.candidate", invitation_id=invitation_id))


@bp.get("/candidates/<int:invitation_id>/report.pdf")
def report(invitation_id: int):
    name, pdf = company_dashboard.candidate_report(session=get_session(), actor=g.actor, invitation_id=invitation_id)
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- admin: users, API keys, audit --------------------------------------------------------------------

@bp.route("/users", methods=["GET", "POST"])
def users():
    _admin_only()
    invite_email = request.form.get("email", "") if request.method == "POST" else None
    data = accounts.users_page(session=get_session(), actor=g.actor, invite_email=invite_email,
                               role=request.form.get("role", "member"), secret_key=current_app.config["SECRET_KEY"],
                               base_url=_base_url(), mail_settings=_mail_settings())
    return render_template("company/users.html", **data)


@bp.route("/api-keys", methods=["GET", "POST"])
def api_keys():
    _admin_only()
    name = request.form.get("name", "") if request.method == "POST" else None
    return render_template("company/api_keys.html",
                           **accounts.api_keys_page(session=get_session(), actor=g.actor, create_name=name))


@bp.post("/api-keys/<int:key_id>/revoke")
def revoke_api_key(key_id: int):
    _admin_only()
    accounts.revoke_api_key(session=get_session(), actor=g.actor, key_id=key_id)
    flash("The key is revoked.")
    return redirect(url_for("company.api_keys"))


@bp.get("/audit")
def audit():
    _admin_only()
    return render_template("company/audit.html", entries=accounts.list_audit(session=get_session(), actor=g.actor))
