"""services/reports.py, the survivors of its mutation run: which
renders are in flight for a progress poll, the candidate's own calls passing their folder and
wait on, the results page's chart, a coding item's maximum score and the previous attempt
compared with. The PDF renderer is replaced as in test_reports_service.py.
The render pool's process branch: test_reports_process_mutants.py."""
import datetime as dt
import hashlib
import os
import threading
import time
import types
from pathlib import Path

import pytest
from service_helpers import GRACE, T0, on_first_item
from sqlmodel import select
from test_reports_service import ROLES, _FakeRenderer, _finished, _visit

from assessment.models import Assessment, Attempt, Invitation, Item, Response, SectionAttempt
from assessment.services import reports as service

reports = service.reports


def _facts(attempt_id):
    return {"attempt": {"id": attempt_id}}


@pytest.fixture
def threads():
    renderer = service.Renderer(processes=False)
    yield renderer
    renderer.shutdown()


def test_a_running_render_is_in_flight_for_its_attempt_and_kind_only(threads, gated, tmp_path):
    gate, _, _ = gated
    assert threads.in_flight(5, "study_plan") is None
    path = tmp_path / "study_plan-r.pdf"
    job = threads.submit(path, "study_plan", _facts(5))
    assert threads.in_flight(5, "study_plan") is job
    assert threads.in_flight(5, "candidate") is None and threads.in_flight(6, "study_plan") is None
    gate.set()
    job.future.result(10)
    assert threads.in_flight(5, "study_plan") is None and (5, "study_plan") not in threads._latest


def test_a_failed_render_is_not_in_flight(threads, gated, tmp_path):
    gate, _, fail = gated
    fail.append(RuntimeError("no fonts"))
    job = threads.submit(tmp_path / "study_plan-e.pdf", "study_plan", _facts(5))
    gate.set()
    with pytest.raises(RuntimeError):
        job.future.result(10)
    assert job.error and job.stage != "ready"
    assert threads.in_flight(5, "study_plan") is None and (5, "study_plan") not in threads._latest


def test_a_render_elsewhere_is_in_flight_until_its_file_comes_or_its_claim_is_old(threads, tmp_path, monkeypatch):
    path = tmp_path / "study_plan-x.pdf"
    path.with_suffix(".claim").touch()
    clock = [1000.0]
    monkeypatch.setattr(service, "time", types.SimpleNamespace(monotonic=lambda: clock[0], time=time.time))
    job = threads.submit(path, "study_plan", _facts(9))
    assert job.elsewhere and job.started == 1000.0
    clock[0] = 1000.0 + service.CLAIM_SECONDS  # exactly as old as a claim may get: still waited for
    assert threads.in_flight(9, "study_plan") is job
    clock[0] += 0.5
    assert threads.in_flight(9, "study_plan") is None  # its renderer may have died
    assert (9, "study_plan") in threads._latest  # kept: only looked at again
    clock[0] = 1000.0
    assert threads.in_flight(9, "study_plan") is job
    path.write_bytes(b"%PDF elsewhere")  # the other process finished
    assert threads.in_flight(9, "study_plan") is None and (9, "study_plan") not in threads._latest


def test_a_job_stage_ready_is_not_in_flight(threads, tmp_path):
    path = tmp_path / "study_plan-y.pdf"
    path.with_suffix(".claim").touch()
    job = threads.submit(path, "study_plan", _facts(4))
    job.stage = "ready"
    assert threads.in_flight(4, "study_plan") is None and (4, "study_plan") not in threads._latest


def test_only_the_latest_renders_are_remembered_oldest_first_out(threads, tmp_path, monkeypatch):
    monkeypatch.setattr(service, "LATEST_KEPT", 2)
    claimed = []

    def elsewhere(attempt_id, name):  # a render another process holds: nothing runs here
        path = tmp_path / f"{attempt_id}-{name}.pdf"
        path.with_suffix(".claim").touch()
        claimed.append(path)
        return threads.submit(path, "study_plan", _facts(attempt_id))

    first = elsewhere(1, "a")
    elsewhere(2, "a")
    again = elsewhere(1, "b")  # asked again: now the latest
    third = elsewhere(3, "a")
    assert list(threads._latest) == [(1, "study_plan"), (3, "study_plan")]
    assert threads.in_flight(2, "study_plan") is None
    assert threads.in_flight(1, "study_plan") is again is not first and threads.in_flight(3, "study_plan") is third


def test_a_new_job_is_queued_and_started_at_zero():
    job = service.Job()
    assert (job.stage, job.error, job.future, job.started, job.elsewhere, job.path) == (
        "queued", None, None, 0.0, False, None)


class _InFlight:
    """A render pool whose render of the attempt is running: nothing else may be asked of it."""

    def __init__(self, job):
        self.job = job
        self.asked = []

    def in_flight(self, attempt_id, kind):
        self.asked.append((attempt_id, kind))
        return self.job

    def submit(self, path, kind, facts):
        raise AssertionError("a running render was submitted again")


@pytest.mark.parametrize("stage, percent", [("writing", 85), ("composing", 25), ("unheard of", 10)])
def test_a_poll_while_rendering_answers_without_gathering_the_facts(monkeypatch, stage, percent):
    pool = _InFlight(service.Job(stage=stage))
    monkeypatch.setattr(service, "renderer", lambda: pool)
    # no session and an attempt that does not exist: the facts are not gathered
    status = service.download_status(session=None, attempt_id=424242, kind="candidate")
    assert (status.state, status.percent, status.data, status.message) == ("rendering", percent, None, "")
    assert status.filename == f"{reports.KINDS['candidate'].filename}-424242.pdf" and pool.asked == [
        (424242, "candidate")]


def test_a_pool_without_in_flight_starts_the_render(session, tmp_path, gated, monkeypatch):
    gate, calls, _ = gated
    attempt = _finished(session)
    threads = service.Renderer(processes=False)

    class Queue:  # a pool that cannot say what runs (the queue workers' before in_flight): only submit
        submit = threads.submit

    monkeypatch.setattr(service, "renderer", Queue)
    try:
        status = service.download_status(session=session, attempt_id=attempt.id, sections_dir=tmp_path,
                                          cache_dir=tmp_path / "c")
        assert status.state == "rendering" and status.percent in (10, 25)  # queued or composing
        gate.set()
        folder = tmp_path / "c" / str(attempt.id)
        deadline = time.monotonic() + 10
        while not list(folder.glob("study_plan-*.pdf")) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(list(folder.glob("study_plan-*.pdf"))) == 1 and calls == ["study_plan"]
    finally:
        threads.shutdown()


@pytest.fixture
def own(session, tmp_path, gated, threads, monkeypatch):
    """(visit of a finished attempt, keywords, gated) with a thread pool as this process's renderer."""
    monkeypatch.setattr(service, "_RENDERER", threads)
    monkeypatch.chdir(tmp_path)  # a folder not passed on would land in ./instance/reports here
    yield _visit(session, _finished(session)), dict(session=session, sections_dir=tmp_path,
                                                    cache_dir=tmp_path / "own"), gated
    gated[0].set()  # before the pool shuts down


def test_the_study_plan_status_renders_into_the_cache_folder_given(own):
    visit, kwargs, (gate, calls, _) = own
    gate.set()
    status = service.study_plan_status(visit=visit, **kwargs)
    assert status["state"] in ("rendering", "ready")
    deadline = time.monotonic() + 10
    while service.study_plan_status(visit=visit, **kwargs)["state"] != "ready" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(list((kwargs["cache_dir"] / str(visit.attempt.id)).glob("study_plan-*.pdf"))) == 1
    assert not (kwargs["sections_dir"] / "instance").exists() and calls == ["study_plan"]


def test_the_study_plan_download_waits_as_long_as_asked(own, monkeypatch):
    visit, kwargs, (gate, calls, _) = own
    monkeypatch.setattr(service, "WAIT_SECONDS", 30.0)  # the default wait: far longer than asked for here
    started = time.monotonic()
    waiting = service.study_plan_download(visit=visit, wait=0.1, **kwargs)
    assert time.monotonic() - started < 10 and waiting.state == "rendering"
    gate.set()
    done = service.study_plan_download(visit=visit, wait=10, **kwargs)
    assert (done.state, done.data) == ("ready", f"%PDF study_plan {visit.attempt.id}".encode())
    assert len(list((kwargs["cache_dir"] / str(visit.attempt.id)).glob("study_plan-*.pdf"))) == 1
    assert calls == ["study_plan"]


def test_the_results_page_chart_is_narrow_and_names_the_target_role(session, tmp_path):
    attempt = _finished(session)
    (tmp_path / "roles.yaml").write_text(ROLES)
    assessment = session.get(Assessment, session.get(Invitation, attempt.invitation_id).assessment_id)
    assessment.target_role = "analyst"
    session.commit()
    page = service.results_page(session=session, visit=_visit(session, attempt), grace_seconds=GRACE,
                                sections_dir=tmp_path)
    assert page["report"]["role"]["title"] == "Analyst"
    assert 'width="420"' in page["chart_svg"] and 'viewBox="0 0 420 ' in page["chart_svg"]
    assert page["chart_alt"].startswith("Section scores on the 1 to 300 scale with their 95 % ranges and the "
                                        "Analyst role's targets. ")


def test_the_results_page_waits_for_a_section_still_in_its_grace(session):
    attempt, part, _ = on_first_item(session)
    # the only section's time ran out a second ago (real clock): within the grace, not finished yet
    now = dt.datetime.now(dt.UTC)
    part.started_at, part.deadline_at = now - dt.timedelta(seconds=part.time_limit_seconds + 1), now - dt.timedelta(
        seconds=1)
    session.commit()
    session.expire_all()
    visit = _visit(session, session.get(Attempt, attempt.id))
    assert service.results_page(session=session, visit=visit, grace_seconds=3600) is None
    assert session.get(Attempt, attempt.id).status == "in_progress"


def test_a_coding_items_maximum_is_its_thresholds_or_its_partial_credit():
    def item(kind, irt=None, code=None):
        return Item(item_key="k", section_id="s", type=kind, irt=irt, body={"code": code} if code is not None else {},
                    skills=[])

    assert service._max_score(item("code", irt={"thresholds": [-1.0, 0.0, 1.0]})) == 3.0
    assert service._max_score(item("code", irt={"thresholds": []}, code={"partial_credit": [0.5, 1]})) == 2.0
    assert service._max_score(item("code", irt=None, code={"partial_credit": [1, 2, 3, 4]})) == 4.0
    assert service._max_score(item("code", irt={"a": 1.0}, code={})) == 1.0
    assert service._max_score(item("code", irt={"a": 1.0}, code=None)) == 1.0
    assert service._max_score(item("code", irt={"a": 1.0}, code={"partial_credit": []})) == 1.0
    assert service._max_score(item("single_choice", irt={"thresholds": [0.0, 1.0]})) == 1.0
    assert isinstance(service._max_score(item("code", irt={"thresholds": [0.0, 1.0]})), float)


def test_progress_skips_unfinished_attempts_and_unmeasured_sections(session):
    older = _finished(session, end=T0 + dt.timedelta(hours=1))
    latest = _finished(session, end=T0 + dt.timedelta(hours=2))
    unfinished, _, _ = on_first_item(session)  # the same person, still in progress
    invitation = session.get(Invitation, unfinished.invitation_id)
    invitation.email = "sam@example.org"
    session.commit()
    older_alpha = session.exec(select(SectionAttempt).where(SectionAttempt.attempt_id == older.id,
                                                            SectionAttempt.section_id == "alpha")).one()
    older_alpha.score, older_alpha.band, older_alpha.se = 123, "beginning", 0.25  # unlike every other attempt's
    session.commit()
    previous = service._previous(session, latest, "sam@example.org")
    assert previous["attempt_id"] == older.id and previous["finished_at"] == older.finished_at.isoformat()
    assert previous["sections"] == {"alpha": {"score": 123, "band": "beginning", "se": 0.25}}  # gamma: nothing scored
    # an attempt still in progress compares with the latest finished one
    now = service._previous(session, session.get(Attempt, unfinished.id), "sam@example.org")
    assert now["attempt_id"] == latest.id
    assert service._previous(session, older, "sam@example.org") is None
    assert service._previous(session, latest, "") is None and service._previous(session, latest, None) is None


def test_an_attempt_finished_at_the_same_moment_is_not_earlier(session):
    first = _finished(session, end=T0 + dt.timedelta(hours=1))
    second = _finished(session, end=T0 + dt.timedelta(hours=1))
    assert first.finished_at == second.finished_at
    assert service._previous(session, second, "sam@example.org") is None
    assert service._previous(session, first, "sam@example.org") is None
    parts = session.exec(select(SectionAttempt).where(SectionAttempt.attempt_id == first.id)).all()
    assert {p.section_id for p in parts} == {"alpha", "gamma"}


def test_a_render_elsewhere_is_looked_for_five_times_a_second_until_the_wait_is_over(session, tmp_path,
                                                                                    monkeypatch):
    attempt = _finished(session)
    clock, sleeps = [0.0], []

    def sleep(seconds):
        sleeps.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(service, "time", types.SimpleNamespace(monotonic=lambda: clock[0], sleep=sleep,
                                                               time=time.time))
    monkeypatch.setattr(service, "renderer", lambda: _FakeRenderer(service.Job(stage="layout", elsewhere=True)))
    kwargs = dict(session=session, attempt_id=attempt.id, sections_dir=tmp_path, cache_dir=tmp_path / "c")
    late = service.download(wait=0.4, **kwargs)
    assert (late.state, late.percent, late.data) == ("rendering", 55, None)
    assert sleeps == [0.2, 0.2]  # at 0.0 and 0.2 s; at 0.4 s the wait is over
    sleeps.clear()
    monkeypatch.setattr(service, "WAIT_SECONDS", 0.6)
    assert service.download(**kwargs).state == "rendering" and sleeps == [0.2, 0.2, 0.2]  # the default wait


@pytest.mark.sqlite_only  # the default database is a SQLite file in ./instance; the test links it there
def test_the_worker_entry_point_reads_the_database_from_the_environment_or_the_instance_folder(
        session, tmp_path, monkeypatch):
    monkeypatch.setattr(reports, "compose", lambda facts: facts)
    monkeypatch.setattr(reports, "render_pdf", lambda kind, composed, on_stage=None: b"%PDF worker")
    attempt = _finished(session)
    database = session.get_bind().url.database
    session.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    from_env = service.render_report("candidate", attempt.id, sections_dir=tmp_path, cache_dir=tmp_path / "env")
    assert from_env.startswith(str(tmp_path / "env" / str(attempt.id) / "candidate-"))
    monkeypatch.delenv("DATABASE_URL")
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "assessment.db").symlink_to(database)  # the default: ./instance/assessment.db
    default = service.render_report("candidate", attempt.id, sections_dir=tmp_path, cache_dir=tmp_path / "default")
    assert default.startswith(str(tmp_path / "default" / str(attempt.id) / "candidate-"))
    assert Path(default).read_bytes() == Path(from_env).read_bytes() == b"%PDF worker"


def test_an_edited_roles_file_is_read_again(tmp_path):
    roles = tmp_path / "roles.yaml"
    roles.write_text("roles:\n  - id: analyst\n    title: Analyst\n")
    assert [r["title"] for r in service.load_roles(tmp_path)] == ["Analyst"]
    roles.write_text("roles:\n  - id: analyst\n    title: Data analyst\n")
    os.utime(roles, (roles.stat().st_atime, roles.stat().st_mtime + 5))  # a later edit, whatever the clock's grain
    assert [r["title"] for r in service.load_roles(tmp_path)] == ["Data analyst"]


def test_sections_and_items_come_in_their_positions_not_their_row_order(session):
    attempt = _finished(session)
    alpha, gamma = session.exec(select(SectionAttempt).where(SectionAttempt.attempt_id == attempt.id)
                                .order_by(SectionAttempt.id)).all()
    alpha.position, gamma.position = 7, 3  # gamma now comes first, though its row is the later one
    responses = session.exec(select(Response).where(Response.section_attempt_id == alpha.id)
                             .order_by(Response.id)).all()
    for response, position in zip(responses, (8, 6, 4)):  # alpha's answers shown in the reverse order
        response.position = position
    session.commit()
    facts = service.gather(session=session, attempt_id=attempt.id)
    assert [s["id"] for s in facts["sections"]] == ["gamma", "alpha"]
    assert [(i["status"], i["score"]) for i in facts["sections"][1]["items"]] == [
        ("unanswered", None), ("answered", 0.0), ("answered", 1.0)]


def test_the_cache_key_is_the_sha256_of_kind_version_and_facts_as_sorted_json():
    # written out by hand: a changed key format would re-render every cached report once
    blob = '{"facts": {"a": 1, "b": [1, 2]}, "kind": "study_plan", "version": "%s"}' % reports.REPORT_VERSION
    assert service.digest("study_plan", {"b": [1, 2], "a": 1}) == hashlib.sha256(blob.encode()).hexdigest()[:24]


def test_a_section_not_started_has_no_items_in_the_facts(session):
    attempt, _, _ = on_first_item(session, sections=("alpha", "gamma"))  # gamma still pending: no responses
    facts = service.gather(session=session, attempt_id=attempt.id, require_finished=False)
    alpha, gamma = facts["sections"]
    assert [i["status"] for i in alpha["items"]] == ["presented"] and gamma["items"] == []  # alpha: on screen
    assert gamma["started_at"] is None and facts["grading"] == 0


def test_a_claim_file_is_private_to_the_renderers_user(tmp_path):
    path = tmp_path / "9" / "study_plan-m.pdf"
    assert service._claim(path) is True and service._claim(path) is False  # the second: a fresh claim held
    assert path.with_suffix(".claim").stat().st_mode & 0o777 == 0o600
    service._release(path)
    assert not path.with_suffix(".claim").exists() and service._claim(path) is True


def test_render_threads_are_named_report(threads, gated, tmp_path, monkeypatch):
    gate, _, _ = gated
    names = []
    real = reports.render_pdf
    monkeypatch.setattr(reports, "render_pdf", lambda *args, **kwargs: (names.append(
        threading.current_thread().name), real(*args, **kwargs))[1])
    gate.set()
    threads.submit(tmp_path / "study_plan-n.pdf", "study_plan", _facts(2)).future.result(10)
    assert len(names) == 1 and names[0].startswith("report_")  # found as such in a thread dump


def test_an_item_without_stem_or_explanation_shows_empty_text(session):
    attempt = _finished(session)
    item = session.exec(select(Item).where(Item.item_key == "alpha-q00")).one()
    item.body = {k: v for k, v in item.body.items() if k not in ("stem", "explanation")}
    session.commit()
    first = service.gather(session=session, attempt_id=attempt.id)["sections"][0]["items"][0]
    assert (first["stem"], first["explanation"]) == ("", "")


def test_the_folders_not_given_come_from_the_app_or_the_working_directory(tmp_path):
    from flask import Flask

    bank, cache = tmp_path / "bank", tmp_path / "cache"
    assert service._defaults(bank, None) == (bank, service.Path("instance") / "reports")
    assert service._defaults(None, cache) == ("sections", cache)
    assert service._defaults(bank, str(cache)) == (bank, cache)
    app = Flask(__name__)
    app.config["SECTIONS_DIR"] = "/srv/bank"
    app.instance_path = str(tmp_path / "app")
    with app.app_context():
        assert service._defaults(bank, None) == (bank, tmp_path / "app" / "reports")
        assert service._defaults(None, cache) == ("/srv/bank", cache)


def test_a_claim_that_keeps_coming_and_going_is_tried_twice_then_left(tmp_path, monkeypatch):
    opened = []

    def taken(path, flags, mode):  # another process holds it at each try, and has let go when looked at
        opened.append(path)
        raise FileExistsError(path)

    monkeypatch.setattr(service, "os", types.SimpleNamespace(open=taken, close=os.close, O_CREAT=os.O_CREAT,
                                                             O_EXCL=os.O_EXCL, O_WRONLY=os.O_WRONLY))
    assert service._claim(tmp_path / "study_plan-t.pdf") is False and len(opened) == 2


def test_a_claim_exactly_claim_seconds_old_is_taken_over(tmp_path, monkeypatch):
    path = tmp_path / "study_plan-c.pdf"
    path.with_suffix(".claim").touch()
    os.utime(path.with_suffix(".claim"), (1000.0, 1000.0))
    now = [1000.0 + service.CLAIM_SECONDS - 0.5]
    monkeypatch.setattr(service, "time", types.SimpleNamespace(time=lambda: now[0], monotonic=time.monotonic))
    assert service._claim(path) is False  # still fresh
    now[0] = 1000.0 + service.CLAIM_SECONDS
    assert service._claim(path) is True


def test_render_to_file_says_composing_first_and_skips_a_file_that_exists(tmp_path, monkeypatch):
    stages, composed = [], []
    monkeypatch.setattr(reports, "compose", lambda facts: composed.append(list(stages)) or facts)
    monkeypatch.setattr(reports, "render_pdf", lambda kind, view, on_stage=None: b"%PDF staged")
    path = tmp_path / "1" / "candidate-s.pdf"
    assert service.render_to_file("candidate", _facts(1), path, on_stage=stages.append) == path
    assert stages == ["composing"] and composed == [["composing"]] and path.read_bytes() == b"%PDF staged"
    assert service.render_to_file("candidate", _facts(1), path, on_stage=stages.append) == path
    assert stages == ["composing"] and len(composed) == 1  # the file is there: nothing rendered again


def test_shutdown_waits_for_the_render_running(threads, gated, tmp_path):
    gate, _, _ = gated
    path = tmp_path / "study_plan-w.pdf"
    threads.submit(path, "study_plan", _facts(6))
    opener = threading.Timer(0.3, gate.set)
    opener.start()
    threads.shutdown()
    written = path.is_file()  # looked at as soon as shutdown returns
    opener.join()
    assert written and path.read_bytes() == b"%PDF study_plan 6"


def test_a_skills_description_is_copied_or_empty(session):
    from assessment.models import Section

    attempt = _finished(session)
    alpha = session.get(Section, "alpha")
    alpha.skills = [{"id": "arithmetic", "title": "Arithmetic", "description": "Adding and scaling numbers.",
                     "resources": [{"title": "R"}]}, {"id": "algebra", "title": "Algebra"}]
    session.commit()
    skills = service.gather(session=session, attempt_id=attempt.id)["sections"][0]["skills"]
    assert skills == [{"id": "arithmetic", "title": "Arithmetic", "description": "Adding and scaling numbers.",
                       "resources": [{"title": "R"}]},
                      {"id": "algebra", "title": "Algebra", "description": "", "resources": []}]
