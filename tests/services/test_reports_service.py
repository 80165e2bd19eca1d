"""services/reports.py without weasyprint: the facts of an attempt (what every report shows), the
cache key, and the cache and claim rules of rendering, with the PDF renderer replaced by one
that returns marked bytes at once (the real documents are tested in tests/reports)."""
import datetime as dt
import json
import os
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest
from service_helpers import GRACE, T0, on_first_item, right, submit, wrong
from sqlmodel import select

from assessment.models import Assessment, Attempt, Invitation, Item, SectionAttempt
from assessment.services import coding, delivery
from assessment.services import reports as service
from assessment.services.failures import ErrorKind

reports = service.reports  # the renderer package, as the service imported it
HIDDEN_MARK = '"expected": 20'  # a line of gamma-double's hidden tests



@pytest.fixture
def renders(monkeypatch):
    """Replace the PDF renderer: returns the kind and how many roles the facts have; counts the calls."""
    calls = []

    def render_pdf(kind, composed, on_stage=None):
        calls.append(kind)
        if on_stage:
            on_stage("layout")
        return f"%PDF {kind} roles={len(composed['roles'])}".encode()

    monkeypatch.setattr(reports, "render_pdf", render_pdf)
    monkeypatch.setattr(reports, "compose", lambda facts: facts)
    return calls


def _finished(session, *, email="sam@example.org", name="Sam", end=T0 + dt.timedelta(hours=1)):
    """alpha with two answers (one right) and gamma with its code submitted and ungraded."""
    attempt, _, state = on_first_item(session, sections=("alpha", "gamma"))
    invitation = session.get(Invitation, attempt.invitation_id)
    invitation.email, invitation.name = email, name
    session.commit()
    submit(session, attempt, state, right(state.item))
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    submit(session, attempt, state, wrong(state.item))
    delivery.sweep_expired(session=session, grace_seconds=GRACE, now=T0 + dt.timedelta(minutes=20))
    delivery.start_section(session=session, attempt=attempt, position=1, now=T0 + dt.timedelta(minutes=21))
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE,
                                   now=T0 + dt.timedelta(minutes=21))
    coding.submit_code(session=session, attempt=attempt, response_id=state.response.id, code="def double(x): pass",
                       grace_seconds=GRACE, now=T0 + dt.timedelta(minutes=22))
    delivery.sweep_expired(session=session, grace_seconds=GRACE, now=end)
    delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=end)
    session.expire_all()
    return session.get(Attempt, attempt.id)


def test_the_facts_of_a_finished_attempt(session, tmp_path):
    attempt = _finished(session)
    (tmp_path / "roles.yaml").write_text(
        "roles:\n  - id: analyst\n    title: Analyst\n    targets: {alpha: 500}\n    rationale: |\n"
        "      Reads   numbers\n      well.\n  - id: bare\n    title: Bare\n")
    facts = service.gather(session=session, attempt_id=attempt.id, sections_dir=tmp_path, cut_scores={"alpha": 480})
    assert facts["attempt"] == {"id": attempt.id, "started_at": T0.isoformat(),
                                "finished_at": attempt.finished_at.isoformat(), "status": "completed"}
    assert facts["candidate"] == {"name": "Sam", "email": "sam@example.org"}
    assert facts["assessment"] == {"title": "T", "target_role": None}
    assert facts["roles"] == [{"id": "analyst", "title": "Analyst", "targets": {"alpha": 500},
                               "rationale": "Reads numbers well."},
                              {"id": "bare", "title": "Bare", "targets": {}, "rationale": ""}]
    assert facts["cut_scores"] == {"alpha": 480} and facts["previous"] is None and facts["grading"] == 1
    alpha, gamma = facts["sections"]
    part = session.exec(select(SectionAttempt).where(SectionAttempt.attempt_id == attempt.id,
                                                     SectionAttempt.position == 0)).one()
    assert {k: alpha[k] for k in ("id", "title", "description", "time_limit_seconds", "started_at", "closed_at",
                                  "close_reason", "theta", "se", "score", "low", "high", "band", "n_answered")} == {
        "id": "alpha", "title": "Section Alpha", "description": "A small section for tests.",
        "time_limit_seconds": 600, "started_at": T0.isoformat(), "closed_at": part.closed_at.isoformat(),
        "close_reason": "time", "theta": part.theta, "se": part.se, "score": part.score, "low": part.score_low,
        "high": part.score_high, "band": part.band, "n_answered": 2}
    assert alpha["diagnosis"] == part.diagnosis and alpha["diagnosis"]
    assert [s["id"] for s in alpha["skills"]] == ["arithmetic", "algebra"]
    assert alpha["skills"][0]["title"] == "Arithmetic" and len(alpha["skills"][0]["resources"]) == 3
    assert "description" in alpha["skills"][0]
    first = session.exec(select(Item).where(Item.item_key == "alpha-q00")).one()
    assert alpha["items"][0] == {"type": "single_choice", "status": "answered", "score": 1.0, "max_score": 1.0,
                                 "skills": ["arithmetic"], "stem": first.body["stem"],
                                 "explanation": first.body["explanation"]}
    assert [(i["status"], i["score"]) for i in alpha["items"]] == [("answered", 1.0), ("answered", 0.0),
                                                                   ("unanswered", None)]  # on screen at the close
    code = gamma["items"][0]
    assert (code["type"], code["status"], code["score"], code["max_score"]) == ("code", "submitted", None, 2.0)
    assert gamma["n_answered"] == 0 and gamma["diagnosis"] == []
    assert HIDDEN_MARK not in json.dumps(facts)  # only stems and explanations leave the rows


def test_an_unfinished_or_unknown_attempt_has_no_report(session):
    attempt, _, _ = on_first_item(session)
    with pytest.raises(service.ReportError, match=f"attempt {attempt.id} is not finished yet") as unfinished:
        service.gather(session=session, attempt_id=attempt.id)
    assert (unfinished.value.status, unfinished.value.kind) == (409, ErrorKind.CONFLICT)
    facts = service.gather(session=session, attempt_id=attempt.id, require_finished=False)
    assert facts["attempt"]["status"] == "in_progress" and facts["attempt"]["finished_at"] is None
    assert facts["roles"] == [] and facts["cut_scores"] == {}
    with pytest.raises(service.ReportError, match="attempt 999999: no such attempt") as unknown:
        service.gather(session=session, attempt_id=999999)
    assert (unknown.value.status, unknown.value.kind) == (404, ErrorKind.NOT_FOUND)


def test_progress_compares_with_the_same_persons_latest_earlier_attempt(session):
    oldest = _finished(session, end=T0 + dt.timedelta(hours=1))
    older = _finished(session, end=T0 + dt.timedelta(hours=2))
    _finished(session, email="someone.else@example.org", end=T0 + dt.timedelta(hours=3))
    latest = _finished(session, end=T0 + dt.timedelta(hours=4))
    previous = service.gather(session=session, attempt_id=latest.id)["previous"]
    part = session.exec(select(SectionAttempt).where(SectionAttempt.attempt_id == older.id,
                                                     SectionAttempt.section_id == "alpha")).one()
    assert previous == {"attempt_id": older.id, "finished_at": older.finished_at.isoformat(),
                        "sections": {"alpha": {"score": part.score, "band": part.band, "se": part.se}}}
    assert service.gather(session=session, attempt_id=older.id)["previous"]["attempt_id"] == oldest.id
    assert service.gather(session=session, attempt_id=oldest.id)["previous"] is None
    anonymous = _finished(session, email=None, end=T0 + dt.timedelta(hours=5))
    assert service.gather(session=session, attempt_id=anonymous.id)["previous"] is None


def test_the_cache_key_covers_kind_version_and_every_fact(monkeypatch):
    facts = {"a": 1, "b": [1, 2]}
    key = service.digest("study_plan", facts)
    assert len(key) == 24 and int(key, 16) >= 0
    assert service.digest("study_plan", {"b": [1, 2], "a": 1}) == key
    assert service.digest("candidate", facts) != key
    assert service.digest("study_plan", {"a": 1, "b": [1, 3]}) != key
    assert service.digest("study_plan", {**facts, "when": dt.date(2026, 1, 1)})  # dates are keyed as text
    monkeypatch.setattr(reports, "REPORT_VERSION", "another")
    assert service.digest("study_plan", facts) != key


def test_a_report_is_rendered_once_per_data_into_its_cache_file(session, tmp_path, renders):
    attempt = _finished(session)
    kwargs = dict(session=session, attempt_id=attempt.id, sections_dir=tmp_path, cache_dir=tmp_path / "cache")
    assert service.report_pdf(kind="candidate", **kwargs) == b"%PDF candidate roles=0"
    assert service.report_pdf(kind="candidate", **kwargs) == b"%PDF candidate roles=0" and renders == ["candidate"]
    facts = service.gather(session=session, attempt_id=attempt.id, sections_dir=tmp_path)
    path = tmp_path / "cache" / str(attempt.id) / f"candidate-{service.digest('candidate', facts)}.pdf"
    assert path.read_bytes() == b"%PDF candidate roles=0"
    assert service.report_pdf(**kwargs) == b"%PDF study_plan roles=0"  # the default kind
    assert service.report_pdf(kind="candidate", cut_scores={"alpha": 1}, **kwargs) == b"%PDF candidate roles=0"
    assert renders == ["candidate", "study_plan", "candidate"]  # new data: a new file
    assert sorted(p.name.split("-")[0] for p in path.parent.iterdir()) == ["candidate", "candidate", "study_plan"]
    with pytest.raises(service.ReportError, match="kind: 'transcript' is not a report") as bad:
        service.report_pdf(kind="transcript", **kwargs)
    assert (bad.value.status, bad.value.kind) == (400, ErrorKind.INVALID)


def test_one_renderer_takes_a_render_and_a_stale_claim_is_taken_over(session, tmp_path, renders):
    attempt = _finished(session)
    facts = service.gather(session=session, attempt_id=attempt.id)
    path = tmp_path / str(attempt.id) / "study_plan-x.pdf"
    first, second = service.Renderer(processes=False), service.Renderer(processes=False)
    try:
        path.parent.mkdir(parents=True)
        path.with_suffix(".claim").touch()  # another process is rendering it now
        elsewhere = first.submit(path, "study_plan", facts)
        assert elsewhere.elsewhere and elsewhere.future is None and elsewhere.stage == "layout"
        stale = time.time() - service.CLAIM_SECONDS - 1
        os.utime(path.with_suffix(".claim"), (stale, stale))
        job = first.submit(path, "study_plan", facts)
        assert not job.elsewhere and job.future.result(10) == path and path.read_bytes() == b"%PDF study_plan roles=0"
        assert job.stage == "ready" and not path.with_suffix(".claim").exists()
        assert first.job(path) is None  # done: the file is the state now
        again = tmp_path / str(attempt.id) / "study_plan-y.pdf"
        held = first.submit(again, "study_plan", facts)
        held.future.result(10)
        assert renders == ["study_plan", "study_plan"] and second.job(again) is None
    finally:
        first.shutdown()
        second.shutdown()


def test_a_failed_render_is_reported_and_retried_by_the_next_request(session, tmp_path, monkeypatch):
    attempt = _finished(session)
    facts = service.gather(session=session, attempt_id=attempt.id)
    path = tmp_path / "study_plan-z.pdf"
    monkeypatch.setattr(reports, "compose", lambda facts: facts)

    def broken(kind, composed, on_stage=None):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(reports, "render_pdf", broken)
    renderer = service.Renderer(processes=False)
    try:
        job = renderer.submit(path, "study_plan", facts)
        with pytest.raises(RuntimeError):
            job.future.result(10)
        assert job.error == "RuntimeError: no fonts" and renderer.job(path) is job
        assert not path.with_suffix(".claim").exists()
        monkeypatch.setattr(reports, "render_pdf", lambda kind, composed, on_stage=None: b"%PDF ok")
        retry = renderer.submit(path, "study_plan", facts)
        assert retry is not job and retry.future.result(10) == path and retry.error is None
    finally:
        renderer.shutdown()


@pytest.fixture
def downloads(session, tmp_path, renders, monkeypatch):
    """(attempt, download keywords) with this process's render pool in threads."""
    renderer = service.Renderer(processes=False)
    monkeypatch.setattr(service, "_RENDERER", renderer)
    attempt = _finished(session)
    yield attempt, dict(session=session, attempt_id=attempt.id, sections_dir=tmp_path, cache_dir=tmp_path / "c")
    renderer.shutdown()


def test_download_status_and_download_of_a_cached_report(downloads):
    attempt, kwargs = downloads
    ready = service.download(**kwargs)
    name = f"{reports.KINDS['study_plan'].filename}-{attempt.id}.pdf"
    assert (ready.state, ready.percent, ready.filename, ready.data) == ("ready", 100, name, b"%PDF study_plan roles=0")
    status = service.download_status(**kwargs)
    assert (status.state, status.percent, status.filename, status.data) == ("ready", 100, name, None)
    candidate = service.download(kind="candidate", **kwargs)
    assert candidate.data == b"%PDF candidate roles=0" and candidate.filename.endswith(f"-{attempt.id}.pdf")


def test_a_download_waits_only_so_long_for_another_processes_render(downloads, renders):
    attempt, kwargs = downloads
    facts = service.gather(session=kwargs["session"], attempt_id=attempt.id, sections_dir=kwargs["sections_dir"])
    path = kwargs["cache_dir"] / str(attempt.id) / f"study_plan-{service.digest('study_plan', facts)}.pdf"
    path.parent.mkdir(parents=True)
    path.with_suffix(".claim").touch()
    waiting = service.download(wait=0.3, **kwargs)
    assert (waiting.state, waiting.percent, waiting.data) == ("rendering", service.STAGES["layout"], None)
    assert "still being prepared" in waiting.message
    status = service.download_status(**kwargs)
    assert (status.state, status.percent) == ("rendering", service.STAGES["layout"])
    path.write_bytes(b"%PDF elsewhere")
    assert service.download(wait=0.3, **kwargs).data == b"%PDF elsewhere"
    assert renders == []


ROLES = "roles:\n  - id: analyst\n    title: Analyst\n    targets: {alpha: developing}\n"


def test_the_bank_folder_given_reaches_the_rendered_facts(downloads):
    attempt, kwargs = downloads
    (kwargs["sections_dir"] / "roles.yaml").write_text(ROLES)
    assert service.report_pdf(**kwargs) == b"%PDF study_plan roles=1"
    assert service.download(kind="candidate", **kwargs).data == b"%PDF candidate roles=1"


class _FakeRenderer:
    """Hands out one prepared job, as a render pool would."""

    def __init__(self, job):
        self.job = job

    def submit(self, path, kind, facts):
        assert facts["attempt"]["id"] and kind in reports.KINDS
        return self.job


@pytest.mark.parametrize("job, expected", [
    (service.Job(stage="writing"), ("rendering", 85, "")),
    (service.Job(stage="queued"), ("rendering", 10, "")),
    (service.Job(stage="unheard of"), ("rendering", 10, "")),
    (service.Job(stage="ready"), ("ready", 100, "")),
    (service.Job(stage="layout", error="RuntimeError: x"), ("failed", 0, "The report could not be made. Try again.")),
])
def test_the_download_button_shows_the_jobs_stage(downloads, monkeypatch, job, expected):
    attempt, kwargs = downloads
    monkeypatch.setattr(service, "renderer", lambda: _FakeRenderer(job))
    status = service.download_status(**kwargs)
    assert (status.state, status.percent, status.message) == expected
    assert status.filename == f"{reports.KINDS['study_plan'].filename}-{attempt.id}.pdf" and status.data is None


def test_a_plain_download_says_rendering_or_failed_without_waiting_forever(downloads, monkeypatch):
    attempt, kwargs = downloads
    pending = service.Job(stage="composing", future=Future())
    monkeypatch.setattr(service, "renderer", lambda: _FakeRenderer(pending))
    waiting = service.download(wait=0.05, **kwargs)
    assert (waiting.state, waiting.percent, waiting.data) == ("rendering", 25, None)
    assert waiting.message == "Your study plan is still being prepared. Try again in a few seconds."
    assert waiting.filename == f"{reports.KINDS['study_plan'].filename}-{attempt.id}.pdf"
    unknown = service.Job(stage="mystery", future=Future())
    monkeypatch.setattr(service, "renderer", lambda: _FakeRenderer(unknown))
    assert service.download(wait=0.05, **kwargs).percent == 10
    broken = service.Job(stage="layout", future=Future())
    broken.future.set_exception(RuntimeError("no fonts"))
    monkeypatch.setattr(service, "renderer", lambda: _FakeRenderer(broken))
    failed = service.download(wait=0.05, **kwargs)
    assert (failed.state, failed.percent, failed.data) == ("failed", 0, None)
    assert failed.message == "The report could not be made. Try again." and failed.filename == waiting.filename


def test_a_download_waits_for_the_file_of_a_render_elsewhere(downloads, monkeypatch):
    attempt, kwargs = downloads
    facts = service.gather(session=kwargs["session"], attempt_id=attempt.id, sections_dir=kwargs["sections_dir"])
    path = kwargs["cache_dir"] / str(attempt.id) / f"study_plan-{service.digest('study_plan', facts)}.pdf"
    monkeypatch.setattr(service, "renderer", lambda: _FakeRenderer(service.Job(stage="layout", elsewhere=True)))
    writer = threading.Timer(0.3, lambda: (path.parent.mkdir(parents=True, exist_ok=True),
                                           path.write_bytes(b"%PDF from elsewhere")))
    writer.start()
    try:
        ready = service.download(wait=30, **kwargs)
    finally:
        writer.join()
    assert (ready.state, ready.percent, ready.data) == ("ready", 100, b"%PDF from elsewhere")
    path.unlink()
    late = service.download(wait=0.05, **kwargs)
    assert (late.state, late.filename) == ("rendering", ready.filename)
    assert late.message == "Your study plan is still being prepared. Try again in a few seconds."


def test_a_failed_render_is_logged_once_with_its_file(session, tmp_path, monkeypatch, caplog):
    attempt = _finished(session)
    facts = service.gather(session=session, attempt_id=attempt.id)
    monkeypatch.setattr(reports, "compose", lambda facts: facts)
    monkeypatch.setattr(reports, "render_pdf", lambda kind, composed, on_stage=None: (_ for _ in ()).throw(
        RuntimeError("no fonts")))
    renderer = service.Renderer(processes=False)
    try:
        job = renderer.submit(tmp_path / "study_plan-q.pdf", "study_plan", facts)
        with pytest.raises(RuntimeError):
            job.future.result(10)
    finally:
        renderer.shutdown()
    assert caplog.text.count("rendering study_plan-q.pdf failed: RuntimeError('no fonts')") == 1


def test_a_thread_render_reports_each_stage(session, tmp_path, monkeypatch):
    attempt = _finished(session)
    facts = service.gather(session=session, attempt_id=attempt.id)
    seen, release = [], threading.Event()

    def render_pdf(kind, composed, on_stage=None):
        release.wait(10)  # until the test holds the job
        on_stage("layout")
        seen.append(job.stage)
        on_stage("writing")
        seen.append(job.stage)
        return b"%PDF staged " + composed["candidate"]["name"].encode()

    monkeypatch.setattr(reports, "compose", lambda facts: facts)
    monkeypatch.setattr(reports, "render_pdf", render_pdf)
    renderer = service.Renderer(processes=False)
    try:
        job = renderer.submit(tmp_path / "study_plan-s.pdf", "study_plan", facts)
        release.set()
        assert job.future.result(10).read_bytes() == b"%PDF staged Sam"
    finally:
        renderer.shutdown()
    assert seen == ["layout", "writing"] and job.stage == "ready"


def test_the_render_pool_follows_the_apps_queue_setting(monkeypatch):
    from flask import Flask

    from assessment.jobs import RedisRenderer

    monkeypatch.setattr(service, "_RENDERER", None)
    local = service.renderer()
    try:
        assert type(local) is service.Renderer and local._pool._max_workers == 1
        assert service.renderer() is local
        app = Flask(__name__)
        app.config["REDIS_URL"] = "redis://127.0.0.1:6379/12"
        with app.app_context():
            shared = service.renderer()
            assert isinstance(shared, RedisRenderer) and service.renderer() is shared
            assert shared.redis.connection_pool.connection_kwargs["db"] == 12
        back = service.renderer()  # outside the app again: a local pool
        assert type(back) is service.Renderer and back is not local
        back.shutdown()
        app.config["REDIS_URL"] = ""
        with app.app_context():
            assert type(service.renderer()) is service.Renderer
    finally:
        local.shutdown()
        if isinstance(service._RENDERER, service.Renderer):
            service._RENDERER.shutdown()


def _visit(session, attempt):
    invitation = session.get(Invitation, attempt.invitation_id)
    return delivery.Visit(invitation, session.get(Assessment, invitation.assessment_id), attempt)


def test_a_candidate_gets_their_study_plan_only_once_finished(downloads, monkeypatch):
    attempt, kwargs = downloads
    session = kwargs.pop("session")
    kwargs.pop("attempt_id")
    unfinished, _, _ = on_first_item(session)
    for visit in (_visit(session, unfinished), delivery.Visit(None, None, None)):
        for call in (service.study_plan_status, service.study_plan_download):
            with pytest.raises(service.ReportError) as raised:
                call(session=session, visit=visit, **kwargs)
            assert str(raised.value) == "Your study plan is ready once you have finished the test."
            assert raised.value.status == 409
    visit = _visit(session, attempt)
    plan = service.study_plan_download(session=session, visit=visit, wait=10, **kwargs)
    assert (plan.state, plan.data) == ("ready", b"%PDF study_plan roles=0")
    assert service.study_plan_status(session=session, visit=visit, **kwargs) == {"state": "ready", "percent": 100,
                                                                                 "message": ""}
    monkeypatch.setattr(service, "renderer", lambda: _FakeRenderer(service.Job(stage="writing")))
    (kwargs["sections_dir"] / "roles.yaml").write_text(ROLES)  # new facts: a new file to render
    assert service.study_plan_status(session=session, visit=visit, **kwargs) == {"state": "rendering",
                                                                                 "percent": 85, "message": ""}


def test_the_worker_entry_point_renders_into_the_cache_from_the_database_url(session, tmp_path, renders):
    attempt = _finished(session)
    (tmp_path / "roles.yaml").write_text(ROLES)
    url = session.get_bind().url.render_as_string(hide_password=False)
    path = service.render_report("candidate", attempt.id, database_url=url, sections_dir=tmp_path,
                                 cache_dir=tmp_path / "cache", cut_scores={"alpha": 3})
    facts = service.gather(session=session, attempt_id=attempt.id, sections_dir=tmp_path, cut_scores={"alpha": 3})
    assert path == str(tmp_path / "cache" / str(attempt.id) / f"candidate-{service.digest('candidate', facts)}.pdf")
    assert Path(path).read_bytes() == b"%PDF candidate roles=1" and renders == ["candidate"]
    with pytest.raises(service.ReportError, match="no such attempt"):
        service.render_report("candidate", 10**6, database_url=url, sections_dir=tmp_path, cache_dir=tmp_path)


def test_the_results_page_adds_the_reports_view_and_its_chart(session, tmp_path):
    attempt = _finished(session)
    (tmp_path / "roles.yaml").write_text(ROLES)
    page = service.results_page(session=session, visit=_visit(session, attempt), grace_seconds=GRACE,
                                sections_dir=tmp_path)
    assert page["grading"] == 1 and [p.section_id for p in page["parts"]] == ["alpha", "gamma"]
    assert page["report"] == reports.compose(service.gather(session=session, attempt_id=attempt.id,
                                                            sections_dir=tmp_path))
    assert page["chart_svg"].lstrip().startswith("<svg") and "Section Alpha" in page["chart_alt"]
    not_begun = _visit(session, attempt)
    not_begun.attempt = None
    assert service.results_page(session=session, visit=not_begun, grace_seconds=GRACE) is None


def test_process_usage_is_cpu_seconds_and_megabytes():
    cpu, peak = service.process_usage()
    assert 0 < cpu < 10**6 and 10 < peak < 10**5  # a Python process with numpy loaded: tens of MB at least
    assert service.Renderer(processes=False).usage() == []


def test_without_folders_the_app_or_the_working_directory_gives_them(session, tmp_path, renders, monkeypatch):
    from flask import Flask

    attempt = _finished(session)
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "roles.yaml").write_text(ROLES)
    app = Flask(__name__)
    app.config["SECTIONS_DIR"] = str(bank)
    app.instance_path = str(tmp_path / "app-instance")
    with app.app_context():
        assert service.report_pdf(session=session, attempt_id=attempt.id) == b"%PDF study_plan roles=1"
    assert len(list((tmp_path / "app-instance" / "reports" / str(attempt.id)).glob("study_plan-*.pdf"))) == 1
    monkeypatch.chdir(tmp_path)  # outside an app: ./sections and ./instance/reports
    (tmp_path / "sections").mkdir()
    assert service.report_pdf(session=session, attempt_id=attempt.id) == b"%PDF study_plan roles=0"
    assert len(list((tmp_path / "instance" / "reports" / str(attempt.id)).glob("study_plan-*.pdf"))) == 1
    (tmp_path / "sections" / "roles.yaml").write_text(ROLES)
    own_cache = tmp_path / "own"
    assert service.report_pdf(session=session, attempt_id=attempt.id, cache_dir=own_cache) == (
        b"%PDF study_plan roles=1")  # the bank folder is still filled in when only the cache is given
    assert len(list(own_cache.rglob("*.pdf"))) == 1
    assert service.report_pdf(session=session, attempt_id=attempt.id, sections_dir=bank) == (
        b"%PDF study_plan roles=1")  # and the cache folder when only the bank is given
    assert len(list((tmp_path / "instance" / "reports").rglob("*.pdf"))) == 2


def test_one_render_per_file_however_often_it_is_asked_for(session, tmp_path, monkeypatch):
    attempt = _finished(session)
    facts = service.gather(session=session, attempt_id=attempt.id)
    calls, release = [], threading.Event()

    def render_pdf(kind, composed, on_stage=None):
        calls.append(kind)
        release.wait(10)
        return b"%PDF once"

    monkeypatch.setattr(reports, "compose", lambda facts: facts)
    monkeypatch.setattr(reports, "render_pdf", render_pdf)
    renderer = service.Renderer(processes=False, workers=2)
    try:
        path = tmp_path / "study_plan-o.pdf"
        first = renderer.submit(path, "study_plan", facts)
        assert renderer.submit(path, "study_plan", facts) is first and renderer.job(path) is first
        assert first.started > 0 and not first.elsewhere
        release.set()
        assert first.future.result(10) == path
    finally:
        renderer.shutdown()
    assert calls == ["study_plan"]


def test_an_unknown_kind_names_the_known_ones(session):
    with pytest.raises(service.ReportError) as raised:
        service.report_pdf(session=session, attempt_id=1, kind="transcript")
    assert str(raised.value) == "kind: 'transcript' is not a report (expected one of study_plan, candidate)"
