"""Study plans and candidate reports: gather the facts of an attempt, render in the background,
cache per attempt and scoring data.

The facts (:func:`gather`) are plain data::

    {"attempt": {id, started_at, finished_at, status}, "candidate": {name, email},
     "assessment": {title, target_role}, "roles": [{id, title, targets, rationale}],
     "sections": [{id, title, description, time_limit_seconds, started_at, closed_at, close_reason,
                   theta, se, score, low, high, band, n_answered, diagnosis,
                   skills: [{id, title, description, resources}],
                   items: [{type, status, score, max_score, stem, explanation}]}],
     "previous": {finished_at, sections: {id: {score, band, se}}} | None,
     "cut_scores": {section_id: score}, "grading": n}

Only an item's stem and explanation are copied, never its ``body["code"]`` (which holds the
hidden tests). ``reports.compose`` turns the facts into what the documents say.

A rendered PDF is cached as ``<cache_dir>/<attempt_id>/<kind>-<digest>.pdf`` where the digest
covers the facts and :data:`reports.REPORT_VERSION`: a re-scored section (a late coding grade,
a recalibration) or a new template gives a new file; the same data is never rendered twice.
"""
from __future__ import annotations

import atexit
import collections
import concurrent.futures
import functools
import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlmodel import Session, select

import reports
from assessment.models import Assessment, Attempt, Invitation, Item, Response, Section, SectionAttempt
from assessment.services.failures import ErrorKind, ServiceError
from reports import charts

log = logging.getLogger(__name__)

RENDER_WORKERS = 2
"""Render processes per pool: one per core of the target machine (weasyprint is CPU-bound)."""
RENDER_NICE = 10
"""How much lower than the web's the render processes' CPU priority is: a burst of study plans
(a cohort finishing together) then takes only the CPU that answer saves leave over, instead of
queueing every candidate's next request behind a second of layout."""
WAIT_SECONDS = 2.0
"""How long a plain download (no JavaScript) waits for a first render before answering "retry
in a few seconds": a waiting request holds one of the web worker's few threads, and a cohort
finishing together would otherwise hold them all while answer saves queue behind."""
LATEST_KEPT = 2000
"""Renders remembered per process for progress polls (a cohort's worth)."""
CLAIM_SECONDS = 180.0
"""A render claimed by another process and not finished after this long is taken over (its
process died): a render takes seconds."""


class ReportError(ServiceError):
    """A report that cannot be made; ``status`` is the HTTP status it maps to."""

    def __init__(self, message: str, *, status: int = 409):
        kind = {400: ErrorKind.INVALID, 404: ErrorKind.NOT_FOUND}.get(status, ErrorKind.CONFLICT)
        super().__init__(message, kind=kind)
        self.message, self.status = message, status


# --- facts ------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def _roles_file(path: str, mtime: float) -> tuple:
    data = yaml.safe_load(Path(path).read_text()) or {}
    return tuple({"id": r["id"], "title": r["title"], "targets": dict(r.get("targets") or {}),
                  "rationale": " ".join(str(r.get("rationale") or "").split())} for r in data.get("roles") or [])


def load_roles(sections_dir: str | Path | None) -> list[dict]:
    """The role profiles of the bank (``roles.yaml``), or none when the bank has no such file."""
    if sections_dir is None:
        return []
    path = Path(sections_dir) / "roles.yaml"
    if not path.is_file():
        return []
    return [dict(r) for r in _roles_file(str(path), path.stat().st_mtime)]


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _max_score(item: Item) -> float:
    if item.type == "code":
        thresholds = (item.irt or {}).get("thresholds")
        return float(len(thresholds)) if thresholds else float(len((item.body.get("code") or {}).get("partial_credit") or [1]))
    return 1.0


def _attempt(session: Session, attempt_id: int) -> tuple[Attempt, Invitation, Assessment]:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise ReportError(f"attempt {attempt_id}: no such attempt", status=404)
    invitation = session.get(Invitation, attempt.invitation_id)
    return attempt, invitation, session.get(Assessment, invitation.assessment_id)


def _previous(session: Session, attempt: Attempt, email: str | None) -> dict | None:
    """The same person's latest earlier completed attempt (matched by email), for progress."""
    if not email:
        return None
    rows = session.exec(select(Attempt).join(Invitation, Invitation.id == Attempt.invitation_id).where(
        Invitation.email == email, Attempt.id != attempt.id, Attempt.status == "completed",
        Attempt.finished_at.is_not(None))).all()
    before = [a for a in rows if attempt.finished_at is None or a.finished_at < attempt.finished_at]
    if not before:
        return None
    prev = max(before, key=lambda a: a.finished_at)
    parts = session.exec(select(SectionAttempt).where(SectionAttempt.attempt_id == prev.id)).all()
    return {"attempt_id": prev.id, "finished_at": _iso(prev.finished_at),
            "sections": {p.section_id: {"score": p.score, "band": p.band, "se": p.se}
                         for p in parts if p.score is not None and p.n_answered}}


def gather(*, session: Session, attempt_id: int, sections_dir: str | Path | None = None,
           cut_scores: dict | None = None, require_finished: bool = True) -> dict:
    """The facts of one attempt (shape in the module docstring)."""
    attempt, invitation, assessment = _attempt(session, attempt_id)
    if require_finished and attempt.status != "completed":
        raise ReportError(f"attempt {attempt_id} is not finished yet: its report comes when every section is closed")
    parts = session.exec(select(SectionAttempt).where(SectionAttempt.attempt_id == attempt.id)
                         .order_by(SectionAttempt.position)).all()
    section_rows = {s.id: s for s in session.exec(select(Section).where(
        Section.id.in_({p.section_id for p in parts}))).all()}
    answered = session.exec(select(Response, Item).join(Item, Item.id == Response.item_id).where(
        Response.section_attempt_id.in_([p.id for p in parts])).order_by(Response.position)).all()
    by_part: dict[int, list] = {}
    for response, item in answered:
        by_part.setdefault(response.section_attempt_id, []).append((response, item))
    sections, grading = [], 0
    for p in parts:
        spec = section_rows[p.section_id]
        items = []
        for response, item in by_part.get(p.id, []):
            grading += response.status == "submitted"
            items.append({"type": item.type, "status": response.status, "score": response.score,
                          "max_score": _max_score(item), "skills": list(item.skills),
                          # stem and explanation only: body["code"] carries the hidden tests
                          "stem": item.body.get("stem") or "", "explanation": item.body.get("explanation") or ""})
        sections.append({
            "id": p.section_id, "title": spec.title, "description": spec.description,
            "time_limit_seconds": p.time_limit_seconds, "started_at": _iso(p.started_at),
            "closed_at": _iso(p.closed_at), "close_reason": p.close_reason,
            "theta": p.theta, "se": p.se, "score": p.score, "low": p.score_low, "high": p.score_high,
            "band": p.band, "n_answered": p.n_answered, "diagnosis": p.diagnosis or [],
            "skills": [{"id": k["id"], "title": k["title"], "description": k.get("description", ""),
                        "resources": list(k.get("resources") or [])} for k in spec.skills],
            "items": items,
        })
    return {
        "attempt": {"id": attempt.id, "started_at": _iso(attempt.started_at),
                    "finished_at": _iso(attempt.finished_at), "status": str(attempt.status)},
        "candidate": {"name": invitation.name, "email": invitation.email},
        "assessment": {"title": assessment.title, "target_role": assessment.target_role},
        "roles": load_roles(sections_dir),
        "sections": sections,
        "previous": _previous(session, attempt, invitation.email),
        "cut_scores": dict(cut_scores or {}),
        "grading": grading,
    }


def digest(kind: str, facts: dict) -> str:
    """The cache key of a report: the renderer's version and every fact it shows."""
    blob = json.dumps({"kind": kind, "version": reports.REPORT_VERSION, "facts": facts}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _defaults(sections_dir, cache_dir) -> tuple:
    """Fill the bank and cache folders from the running app when the caller did not pass them."""
    if sections_dir is None or cache_dir is None:
        try:
            from flask import current_app

            config, instance = current_app.config, current_app.instance_path
        except (ImportError, RuntimeError):  # outside an app: the bank in the working directory
            config, instance = {}, "instance"
        sections_dir = sections_dir if sections_dir is not None else config.get("SECTIONS_DIR", "sections")
        cache_dir = cache_dir if cache_dir is not None else Path(instance) / "reports"
    return sections_dir, Path(cache_dir)


def _cache_path(cache_dir: Path, attempt_id: int, kind: str, key: str) -> Path:
    return cache_dir / str(int(attempt_id)) / f"{kind}-{key}.pdf"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # readers see the whole file or none


def _check_kind(kind: str) -> None:
    if kind not in reports.KINDS:
        raise ReportError(f"kind: {kind!r} is not a report (expected one of {', '.join(reports.KINDS)})", status=400)


# --- synchronous: the CLI and the company's download ----------------------------------------

def report_pdf(*, session: Session, attempt_id: int, kind: str = "study_plan", sections_dir=None, cache_dir=None,
               cut_scores: dict | None = None) -> bytes:
    """The PDF of one report, from the cache when the same data was rendered before.

    Authorization is the caller's: a candidate's view passes only the attempt of their token,
    a company's only an attempt of its own assessments."""
    _check_kind(kind)
    sections_dir, cache_dir = _defaults(sections_dir, cache_dir)
    facts = gather(session=session, attempt_id=attempt_id, sections_dir=sections_dir, cut_scores=cut_scores)
    return render_to_file(kind, facts, _cache_path(cache_dir, attempt_id, kind, digest(kind, facts))).read_bytes()


def render_report(kind: str, attempt_id: int, *, database_url: str | None = None, sections_dir=None,
                  cache_dir=None, cut_scores: dict | None = None) -> str:
    """Worker entry point (a queue job): open a session, render (or find) the report, return the
    cached file's path. ``database_url`` defaults to ``DATABASE_URL``."""
    from assessment.db import make_engine

    url = database_url or os.environ.get("DATABASE_URL") or "sqlite:///instance/assessment.db"
    engine = make_engine(url)  # per job: milliseconds next to a render, and nothing left open after it
    try:
        sections_dir, cache_dir = _defaults(sections_dir, cache_dir)
        with Session(engine) as session:
            facts = gather(session=session, attempt_id=attempt_id, sections_dir=sections_dir, cut_scores=cut_scores)
    finally:
        engine.dispose()
    path = _cache_path(cache_dir, attempt_id, kind, digest(kind, facts))
    return str(render_to_file(kind, facts, path))


# --- background rendering for the candidate's download button --------------------------------

STAGES = {"queued": 10, "composing": 25, "layout": 55, "writing": 85, "ready": 100}
"""How far along a render is, for the progress bar (layout and writing take most of the time)."""


@dataclass
class Job:
    stage: str = "queued"
    error: str | None = None
    future: concurrent.futures.Future | None = None
    started: float = 0.0
    elsewhere: bool = False
    """Another process claimed this render: wait for its file (``future`` is None)."""
    path: Path | None = None


def render_to_file(kind: str, facts: dict, path: Path, on_stage=None) -> Path:
    """Render one report into its cache file (unless another worker already did)."""
    if not path.is_file():
        if on_stage:
            on_stage("composing")
        _write_atomically(path, reports.render_pdf(kind, reports.compose(facts), on_stage=on_stage))
    return path


def process_usage() -> tuple[float, float]:
    """(CPU seconds, peak RSS in MB) of the calling process: the benchmark asks each worker."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _lower_priority(nice: int) -> None:
    """Initializer of a render process: yield the CPU to the web's requests."""
    if nice:
        os.nice(nice)


def _claim(path: Path) -> bool:
    """Take the render of ``path`` for this process; False while another process holds a fresh
    claim (several web workers poll for the same candidate's plan: one renders it)."""
    claim = path.with_suffix(".claim")
    claim.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return True
        except FileExistsError:
            try:
                if time.time() - claim.stat().st_mtime < CLAIM_SECONDS:
                    return False
                claim.unlink()  # stale: its renderer died; take it over
            except FileNotFoundError:
                pass  # released meanwhile: try again
    return False


def _release(path: Path) -> None:
    path.with_suffix(".claim").unlink(missing_ok=True)


class Renderer:
    """A small pool of render workers; one job per (attempt, kind, data digest) at a time, and
    one process rendering it across every pool that shares the cache folder.

    Processes by default, at a lower CPU priority (``nice``): weasyprint holds the GIL for about
    a second per plan, and in a web worker's threads it would stall every request that worker
    serves. The stage is then known as queued or rendering. ``processes=False`` renders in
    threads of this process (the benchmark's comparison), where each stage (composing, layout,
    writing) is heard."""

    def __init__(self, workers: int = RENDER_WORKERS, *, processes: bool = True, nice: int = RENDER_NICE):
        if processes:
            import multiprocessing

            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                initializer=_lower_priority, initargs=(nice,))
            atexit.register(self._pool.shutdown, wait=True, cancel_futures=True)  # before the interpreter tears down
        else:
            self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report")
        self._processes = processes
        self._jobs: dict[Path, Job] = {}
        # (attempt id, kind) -> its last render asked for; the oldest go first past a bound (a
        # forgotten entry only means that attempt's next poll gathers its facts again).
        self._latest: collections.OrderedDict[tuple[int, str], Job] = collections.OrderedDict()
        self._lock = threading.Lock()

    def submit(self, path: Path, kind: str, facts: dict) -> Job:
        with self._lock:
            job = self._jobs.get(path)
            if job is not None and job.error is None:
                return job
            if not _claim(path):
                job = Job(stage="layout", elsewhere=True, started=time.monotonic(), path=path)
            else:
                job = self._jobs[path] = Job(started=time.monotonic(), path=path)
            self._latest[(facts["attempt"]["id"], kind)] = job
            self._latest.move_to_end((facts["attempt"]["id"], kind))
            while len(self._latest) > LATEST_KEPT:
                self._latest.popitem(last=False)
            if job.elsewhere:
                return job
            if not self._processes:
                job.future = self._pool.submit(self._run, job, path, kind, facts)
                return job
            job.stage = "layout"
            job.future = self._pool.submit(render_to_file, kind, facts, path)
        # outside the lock: a future already done runs the callback at once, in this thread, and
        # _done takes the lock (inside it, this submit would wait for itself forever)
        job.future.add_done_callback(lambda f: self._done(job, path, f.exception()))
        return job

    def _run(self, job: Job, path: Path, kind: str, facts: dict) -> Path:
        def stage(name: str) -> None:
            job.stage = name

        try:
            return render_to_file(kind, facts, path, on_stage=stage)
        except Exception as exc:
            self._done(job, path, exc)
            raise
        finally:
            self._done(job, path, None)

    def _done(self, job: Job, path: Path, exc: BaseException | None) -> None:
        with self._lock:
            _release(path)
            if exc is not None:  # the status call reports it; the next request retries
                if job.error is None:
                    log.error("rendering %s failed: %r", path.name, exc)
                    job.error = f"{type(exc).__name__}: {exc}"
                return
            if job.error is None:
                job.stage = "ready"
                if self._jobs.get(path) is job:
                    del self._jobs[path]  # done: the file is the state from now on

    def usage(self) -> list[tuple[float, float]]:
        """process_usage() of the worker processes (one probe per worker, best effort)."""
        if not self._processes:
            return []
        return [f.result() for f in [self._pool.submit(process_usage) for _ in range(RENDER_WORKERS * 4)]]

    def job(self, path: Path) -> Job | None:
        with self._lock:
            return self._jobs.get(path)

    def in_flight(self, attempt_id: int, kind: str) -> Job | None:
        """The render of this attempt's report still running (here or in a sibling process),
        so that a progress poll need not gather the facts again; None when there is none."""
        with self._lock:
            job = self._latest.get((attempt_id, kind))
            if job is None or job.error is not None or job.stage == "ready" or job.path.is_file():
                self._latest.pop((attempt_id, kind), None)
                return None
            if job.elsewhere and time.monotonic() - job.started > CLAIM_SECONDS:
                return None  # its renderer may have died: look again
            return job

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


_RENDERER: Renderer | None = None
_RENDERER_LOCK = threading.Lock()


def renderer():
    """The process's render pool, started on first use (never at import): queue workers on
    Redis when the app has REDIS_URL (scale-out), else one render process of lower priority
    beside this web process."""
    global _RENDERER
    redis_url = None
    try:
        from flask import current_app

        redis_url = current_app.config.get("REDIS_URL")
    except (ImportError, RuntimeError):  # outside an app (CLI, benchmark): local threads
        pass
    with _RENDERER_LOCK:
        if redis_url:
            from assessment.jobs import RedisRenderer

            if not isinstance(_RENDERER, RedisRenderer):
                _RENDERER = RedisRenderer(redis_url)
        elif _RENDERER is None or not isinstance(_RENDERER, Renderer):
            _RENDERER = Renderer(workers=1)  # per web process: its siblings have their own
        return _RENDERER


@dataclass
class Download:
    """Where a report stands: ``ready`` with its bytes and file name, or ``rendering`` at a stage."""

    state: str  # ready | rendering | failed
    percent: int
    filename: str
    data: bytes | None = None
    message: str = ""


def _filename(kind: str, attempt_id: int) -> str:
    return f"{reports.KINDS[kind].filename}-{attempt_id}.pdf"


def _start(*, session: Session, attempt_id: int, kind: str, sections_dir, cache_dir) -> tuple[Path, Job | None, dict]:
    _check_kind(kind)
    sections_dir, cache_dir = _defaults(sections_dir, cache_dir)
    facts = gather(session=session, attempt_id=attempt_id, sections_dir=sections_dir)
    path = _cache_path(cache_dir, attempt_id, kind, digest(kind, facts))
    if path.is_file():
        return path, None, facts
    return path, renderer().submit(path, kind, facts), facts


def download_status(*, session: Session, attempt_id: int, kind: str = "study_plan", sections_dir=None,
                    cache_dir=None) -> Download:
    """Start the render if needed and say how far it is (the results page polls this once a
    second: while a render runs, the answer comes without gathering the facts again)."""
    running = getattr(renderer(), "in_flight", None)
    job = running(attempt_id, kind) if running else None
    if job is not None:
        return Download("rendering", STAGES.get(job.stage, 10), _filename(kind, attempt_id))
    path, job, facts = _start(session=session, attempt_id=attempt_id, kind=kind, sections_dir=sections_dir,
                              cache_dir=cache_dir)
    if job is None:
        return Download("ready", 100, _filename(kind, attempt_id))
    if job.error:
        return Download("failed", 0, _filename(kind, attempt_id), message="The report could not be made. Try again.")
    return Download("ready" if job.stage == "ready" else "rendering", STAGES.get(job.stage, 10),
                    _filename(kind, attempt_id))


def download(*, session: Session, attempt_id: int, kind: str = "study_plan", sections_dir=None, cache_dir=None,
             wait: float | None = None) -> Download:
    """The PDF, waiting up to ``wait`` seconds (default WAIT_SECONDS) for a first render (a
    download without JavaScript)."""
    wait = WAIT_SECONDS if wait is None else wait
    path, job, facts = _start(session=session, attempt_id=attempt_id, kind=kind, sections_dir=sections_dir,
                              cache_dir=cache_dir)
    if job is not None and job.elsewhere:
        deadline = time.monotonic() + wait
        while not path.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)  # another process renders it: its file is the signal
        if not path.is_file():
            return Download("rendering", STAGES["layout"], _filename(kind, attempt_id),
                            message="Your study plan is still being prepared. Try again in a few seconds.")
    elif job is not None:
        try:
            job.future.result(timeout=wait)
        except concurrent.futures.TimeoutError:
            return Download("rendering", STAGES.get(job.stage, 10), _filename(kind, attempt_id),
                            message="Your study plan is still being prepared. Try again in a few seconds.")
        except Exception:  # noqa: BLE001  logged by the worker
            return Download("failed", 0, _filename(kind, attempt_id), message="The report could not be made. Try again.")
    return Download("ready", 100, _filename(kind, attempt_id), data=path.read_bytes())


# --- the candidate's pages: only the attempt of their own invitation -------------------------

def _own_finished_attempt(visit) -> int:
    if visit.attempt is None or visit.attempt.status != "completed":
        raise ReportError("Your study plan is ready once you have finished the test.")
    return visit.attempt.id


def study_plan_status(*, session: Session, visit, sections_dir=None, cache_dir=None) -> dict:
    """The download button's progress: {state, percent, message}; starts the first render."""
    d = download_status(session=session, attempt_id=_own_finished_attempt(visit), kind="study_plan",
                        sections_dir=sections_dir, cache_dir=cache_dir)
    return {"state": d.state, "percent": d.percent, "message": d.message}


def study_plan_download(*, session: Session, visit, sections_dir=None, cache_dir=None,
                        wait: float | None = None) -> Download:
    """The candidate's own study plan (the visit is their invitation token's)."""
    return download(session=session, attempt_id=_own_finished_attempt(visit), kind="study_plan",
                    sections_dir=sections_dir, cache_dir=cache_dir, wait=wait)


def results_page(*, session: Session, visit, grace_seconds: float, sections_dir=None) -> dict | None:
    """The results page: delivery's results plus the report's view and its chart (inline SVG);
    None while the attempt is not finished."""
    from assessment.services import delivery

    base = delivery.results(session=session, visit=visit, grace_seconds=grace_seconds)
    if base is None:
        return None
    sections_dir, _ = _defaults(sections_dir, "unused")
    view = reports.compose(gather(session=session, attempt_id=visit.attempt.id, sections_dir=sections_dir))
    svg, alt = charts.score_chart(view["sections"], role_title=view["role"]["title"] if view["role"] else None,
                                  width=420)
    return {**base, "report": view, "chart_svg": svg, "chart_alt": alt}
