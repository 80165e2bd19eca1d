"""The study plan and the candidate report, rendered for attempts in every band: what the text
says, what it must never say (hidden tests), how the pages look, and the cache."""
import os
import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from report_factories import SECTION_IDS, SECTIONS, TARGET_ROLE

import reports
from assessment.services import reports as service
from reports.compose import MAX_REVIEW_ITEMS


def pdf_text(pdf: bytes, tmp_path: Path, name: str = "r") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True)
    return out.stdout


def flat(text: str) -> str:
    """Whitespace-normalized, so a phrase wrapped over two lines still matches."""
    return " ".join(text.split())


def view_of(app, attempt_id: int) -> tuple[dict, dict]:
    from assessment.db import get_session

    with app.app_context():
        facts = service.gather(session=get_session(), attempt_id=attempt_id, sections_dir=app.config["SECTIONS_DIR"])
    return facts, reports.compose(facts)


def hidden_test_lines() -> list[str]:
    """Every line and every case name of every coding item's hidden tests in the bank's sections,
    except text the bank also shows candidates (a stem, an explanation, a sample test)."""
    public, secret = [], []
    for section in SECTION_IDS:
        items = SECTIONS / section / "items"
        public += [p.read_text() for p in items.glob("*.yaml")]
        public += [p.read_text() for p in items.glob("*/item.yaml")] + [p.read_text() for p in items.glob("*/sample_tests.py")]
        for path in items.glob("*/hidden_tests.py"):
            source = path.read_text()
            secret += [ln.strip() for ln in source.splitlines() if len(ln.strip()) >= 12]
            secret += re.findall(r'"name":\s*"([^"]{8,})"', source)
    shown = flat(" ".join(public))
    lines = [s for s in secret if flat(s) not in shown]
    assert len(lines) > 20, "the bank's coding items should have hidden tests to check against"
    return lines


@pytest.fixture(scope="module")
def rendered(report_db, tmp_path_factory):
    """Both PDFs and their text for every band's attempt and the re-test."""
    app, ids, _ = report_db
    tmp = tmp_path_factory.mktemp("pdf")
    out = {}
    for key in ("beginning", "developing", "accomplished", "retest"):
        facts, view = view_of(app, ids[key])
        for kind in ("study_plan", "candidate"):
            pdf = reports.render_pdf(kind, view)
            out[key, kind] = {"pdf": pdf, "text": pdf_text(pdf, tmp, f"{key}-{kind}"), "view": view, "facts": facts}
    return out


@pytest.mark.parametrize("band", ["beginning", "developing", "accomplished"])
def test_every_band_is_covered(rendered, band):
    view = rendered[band, "study_plan"]["view"]
    assert band in {s["band"] for s in view["sections"]}, [s["score"] for s in view["sections"]]


@pytest.mark.parametrize("band", ["beginning", "developing", "accomplished"])
@pytest.mark.parametrize("kind", ["study_plan", "candidate"])
def test_scores_bands_and_probabilities_are_in_both_pdfs(rendered, band, kind):
    r = rendered[band, kind]
    text, view = flat(r["text"]), r["view"]
    assert view["candidate_name"] in text
    for s in view["sections"]:
        assert s["title"] in text
        assert re.search(rf"\b{s['score']}\b", text)
        assert f"{s['low']}–{s['high']}" in text
        assert s["band_title"] in text
        # The band probabilities in words, e.g. "Developing, 71 %; Accomplished, 22 %".
        assert s["probabilities_words"] in text
        np.testing.assert_allclose(sum(s["probabilities"].values()), 1.0)
        most_likely = max(s["probabilities"], key=s["probabilities"].get)
        assert most_likely == s["band"] or s["probabilities"][s["band"]] > 0.3


@pytest.mark.parametrize("band", ["beginning", "developing", "accomplished"])
def test_study_plan_names_strengths_weaknesses_and_the_right_resources(rendered, band):
    r = rendered[band, "study_plan"]
    text, view = flat(r["text"]), r["view"]
    for k in view["strengths"] + view["weaknesses"] + view["unclear"]:
        assert f"{k['title']} ({k['section_title']}): {k['evidence']}" in text
    assert view["plan"], "every candidate gets something to study next"
    for p in view["plan"]:
        assert p["skill"] in text
        for res in p["resources"]:
            assert res["title"] in text and res["url"] in text
    # The resources come from the skill's own curated list in the bank, at most three, and
    # the first one is at the candidate's level for that skill when the bank has one there.
    skills = {(s["id"], k["id"]): k for s in r["facts"]["sections"] for k in s["skills"]}
    for p in view["plan"]:
        section_id = next(s["id"] for s in view["sections"] if s["title"] == p["section"])
        curated = skills[section_id, p["skill_id"]]["resources"]
        assert 1 <= len(p["resources"]) <= 3
        assert all(res["url"] in {c["url"] for c in curated} for res in p["resources"])
        skill = next(k for s in view["sections"] for k in s["skills"] if k["id"] == p["skill_id"])
        if any(c["level"] == skill["skill_band"] for c in curated):
            assert p["resources"][0]["level"] == skill["skill_band"]
    assert "What to do next" in text and re.search(r"Re-test in about \d+ weeks?", text)


def test_no_line_of_a_hidden_test_appears(rendered):
    secrets = hidden_test_lines()
    shown_coding = 0
    for (key, kind), r in rendered.items():
        text = flat(r["text"])
        for line in secrets:
            assert flat(line) not in text, f"hidden test text in the {kind} of {key}: {line!r}"
        shown_coding += sum(m["type"] == "code" for m in r["view"]["missed"]) if kind == "study_plan" else 0
    # The check means something: missed coding items were printed with their explanation.
    assert shown_coding >= 1


def test_missed_items_come_with_their_explanations(rendered):
    r = rendered["beginning", "study_plan"]
    text, view = flat(r["text"]), r["view"]
    assert view["missed"] and "Questions to review" in text
    assert "Explanation." in text
    wrong = sum(1 for s in r["facts"]["sections"] for i in s["items"] if i["score"] < i["max_score"])
    assert view["missed_total"] == wrong and len(view["missed"]) == min(wrong, MAX_REVIEW_ITEMS)


def test_target_role_and_role_fit(rendered):
    r = rendered["developing", "study_plan"]
    text, view = flat(r["text"]), r["view"]
    assert view["role"]["id"] == TARGET_ROLE
    assert "Machine Learning Engineer" in text and "How you fit each role" in text
    target = view["roles"][0]
    assert target["is_target"] and f"meet {target['met']} of {target['n']} section targets" in text
    # Every role profile in roles.yaml is assessed against the sections taken.
    assert len(view["roles"]) == len(service.load_roles(SECTIONS))
    for role in view["roles"]:
        assert role["title"] in text
    company = flat(rendered["developing", "candidate"]["text"])
    assert f"{target['fit_percent']} %" in company and "Time used" in company


def test_progress_since_the_previous_attempt(rendered):
    r = rendered["retest", "study_plan"]
    before = rendered["developing", "study_plan"]["view"]
    text, view = flat(r["text"]), r["view"]
    assert view["progress"] and "Progress since your last attempt" in text
    for row, old, new in zip(view["progress"]["rows"], before["sections"], view["sections"]):
        assert (row["before"], row["after"]) == (old["score"], new["score"])
        assert f"{row['before']} ({row['before_band']})" in text
    assert rendered["beginning", "study_plan"]["view"]["progress"] is None


def test_documents_are_tagged_with_embedded_fonts_links_and_a_contents_page(rendered, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(rendered["developing", "study_plan"]["pdf"])
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Tagged:\s+yes", info)
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 4
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    urls = subprocess.run(["pdfinfo", "-url", str(path)], capture_output=True, text=True, check=True).stdout
    view = rendered["developing", "study_plan"]["view"]
    assert view["plan"][0]["resources"][0]["url"] in urls
    text = rendered["developing", "study_plan"]["text"]
    assert re.search(r"Contents.*Your results at a glance\s*\.*\s*2", flat(text))
    assert "Page 2 of" in text


def test_chart_has_alt_text_and_headings_are_real_headings(rendered):
    view = rendered["developing", "study_plan"]["view"]
    html = reports.render_html("study_plan", view)
    alt = re.search(r'<img class="chart" src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', html).group(1)
    assert all(s["title"] in alt for s in view["sections"]) and "range" in alt
    assert '<html lang="en">' in html and "<title>" in html
    levels = [int(h) for h in re.findall(r"<h([1-6])\b", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))


def _pages(pdf: bytes, tmp_path: Path, dpi: int = 40) -> list[np.ndarray]:
    """Grey pages from pdftoppm (PGM is trivial to read without an imaging library)."""
    src = tmp_path / "layout.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(src), str(tmp_path / "p")], check=True)
    pages = []
    for path in sorted(tmp_path.glob("p-*.pgm")):
        raw = path.read_bytes()
        _, width, height, _maxval = raw.split(maxsplit=4)[:4]
        header = len(b" ".join(raw.split(maxsplit=4)[:4])) + 1
        pages.append(np.frombuffer(raw[header:], dtype=np.uint8).reshape(int(height), int(width)))
    return pages


@pytest.mark.parametrize("key, kind", [("beginning", "study_plan"), ("developing", "candidate"),
                                       ("retest", "study_plan")])
def test_rendered_pages_keep_inside_the_margins(rendered, tmp_path, key, kind):
    """Text or tables overflowing the page box show as ink in the side margins (18 mm each);
    only the cover's full-bleed header may touch them."""
    pages = _pages(rendered[key, kind]["pdf"], tmp_path)
    assert len(pages) >= 2
    for n, page in enumerate(pages):
        h, w = page.shape
        strip = int(w * 12 / 210)  # 12 mm of the 18 mm margins on each side
        body = page[int(h * 0.2) if n == 0 else 0:, :]
        for side in (body[:, :strip], body[:, -strip:]):
            assert side.min() > 200, f"page {n + 1}: ink in the side margin (overflowing content)"
    # Missing glyphs: weasyprint draws no replacement box only if every character has a font.
    text = rendered[key, kind]["text"]
    # A word broken inside a too-narrow cell ("Accomplishe" / "d").
    assert not re.search(r"(Accomplishe|Developin|Beginnin)\s", text)
    assert "\ufffd" not in text and "\\u" not in text


def test_words_are_inside_the_page_box(rendered, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(rendered["beginning", "study_plan"]["pdf"])
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S)
    assert pages
    for width, height, body in pages:
        for x0, y0, x1, y1 in re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', body):
            assert 0 <= float(x0) and float(x1) <= float(width) - 40, "a word runs into the right margin"
            assert 0 <= float(y0) and float(y1) <= float(height)


def test_report_pdf_is_cached_per_attempt_and_data(report_db, tmp_path):
    from assessment.db import get_session
    from assessment.models import SectionAttempt

    app, ids, _ = report_db
    with app.app_context():
        session = get_session()
        kwargs = {"session": session, "attempt_id": ids["accomplished"], "kind": "candidate",
                  "sections_dir": app.config["SECTIONS_DIR"], "cache_dir": tmp_path}
        first = service.report_pdf(**kwargs)
        files = list(tmp_path.rglob("*.pdf"))
        assert len(files) == 1 and files[0].read_bytes() == first
        started = time.perf_counter()
        assert service.report_pdf(**kwargs) == first
        assert time.perf_counter() - started < 0.5  # a second download is instant: no render
        # A re-scored section (a late grade, a recalibration) is new data: a new file.
        part = session.exec(SectionAttempt.__table__.select().where(
            SectionAttempt.attempt_id == ids["accomplished"])).first()
        row = session.get(SectionAttempt, part.id)
        old = row.score
        row.score = old - 1
        session.add(row)
        session.commit()
        try:
            service.report_pdf(**kwargs)
            assert len(list(tmp_path.rglob("*.pdf"))) == 2
        finally:
            row.score = old
            session.add(row)
            session.commit()


def test_unknown_kind_and_unknown_attempt_are_refused(report_db):
    from assessment.db import get_session

    app, ids, _ = report_db
    with app.app_context():
        with pytest.raises(service.ReportError, match="kind"):
            service.report_pdf(session=get_session(), attempt_id=ids["developing"], kind="transcript")
        with pytest.raises(service.ReportError, match="no such attempt") as exc:
            service.report_pdf(session=get_session(), attempt_id=10**6, kind="study_plan")
        assert exc.value.status == 404


def test_render_report_worker_entry_point(report_db, tmp_path):
    app, ids, _ = report_db
    path = service.render_report("study_plan", ids["no_role"], database_url=app.config["DATABASE_URL"],
                                 sections_dir=app.config["SECTIONS_DIR"], cache_dir=tmp_path)
    assert Path(path).is_file() and Path(path).read_bytes().startswith(b"%PDF")
    text = flat(pdf_text(Path(path).read_bytes(), tmp_path))
    assert "target role" not in text and "How you fit each role" in text


def test_cli_writes_both_reports(report_db, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from assessment.cli import main

    app, ids, _ = report_db
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("ASSESSMENT_SECTIONS_DIR", str(SECTIONS))
    monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()
    for command, name in (("study-plan", "plan.pdf"), ("candidate", "cand.pdf")):
        result = runner.invoke(main, ["report", command, str(ids["developing"]), "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_bytes().startswith(b"%PDF")
    missing = runner.invoke(main, ["report", "study-plan", "999999", "--out", str(tmp_path / "x.pdf")])
    assert missing.exit_code == 1 and "no such attempt" in missing.output
    assert not (tmp_path / "x.pdf").exists()


def test_hidden_tests_are_in_the_bank_rows_but_not_in_the_facts(report_db):
    """The facts copy an item's stem and explanation only, whatever else its body holds."""
    app, ids, _ = report_db
    facts, _ = view_of(app, ids["beginning"])
    for s in facts["sections"]:
        for item in s["items"]:
            assert set(item) == {"type", "status", "score", "max_score", "skills", "stem", "explanation"}


def test_worker_processes_render_a_batch(report_db, tmp_path):
    app, ids, _ = report_db
    facts, _ = view_of(app, ids["no_role"])
    renderer = service.Renderer(workers=2, processes=True)
    try:
        jobs = [renderer.submit(tmp_path / f"{n}.pdf", "candidate", facts) for n in range(3)]
        assert all(job.future.result(timeout=120) == tmp_path / f"{n}.pdf" for n, job in enumerate(jobs))
    finally:
        renderer.shutdown()
    assert all((tmp_path / f"{n}.pdf").read_bytes().startswith(b"%PDF") for n in range(3))
    deadline = time.monotonic() + 5  # the done callback runs just after the result is delivered
    while not all(job.stage == "ready" for job in jobs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(job.stage == "ready" and job.error is None for job in jobs)


def test_candidate_report_says_pass_or_below_against_cut_scores(report_db, tmp_path):
    from assessment.db import get_session

    app, ids, _ = report_db
    with app.app_context():
        facts = service.gather(session=get_session(), attempt_id=ids["developing"],
                               sections_dir=app.config["SECTIONS_DIR"])
        scores = {s["id"]: s["score"] for s in facts["sections"]}
        cuts = {sid: score + (1 if n == 0 else 0) for n, (sid, score) in enumerate(scores.items())}
        pdf = service.report_pdf(session=get_session(), attempt_id=ids["developing"], kind="candidate",
                                 sections_dir=app.config["SECTIONS_DIR"], cache_dir=tmp_path, cut_scores=cuts)
    text = flat(pdf_text(pdf, tmp_path))
    first = facts["sections"][0]["title"]
    assert f"Below the cut score in {first}." in text
    assert text.count("Pass (") == len(scores) - 1 and "Cut score" in text


def test_render_processes_run_at_a_lower_cpu_priority_than_the_web():
    renderer = service.Renderer(workers=1)
    try:
        child = renderer._pool.submit(os.nice, 0).result(timeout=60)
    finally:
        renderer.shutdown()
    assert child == min(19, os.nice(0) + service.RENDER_NICE)


def test_two_web_processes_render_one_candidates_plan_once(report_db, tmp_path):
    """Each gunicorn worker has its own pool; the claim file beside the cache entry makes the
    second one wait for the first one's file instead of rendering the same plan again."""
    app, ids, _ = report_db
    facts, _ = view_of(app, ids["no_role"])
    first, second = service.Renderer(workers=1, processes=False), service.Renderer(workers=1, processes=False)
    path = tmp_path / "7" / "study_plan-abc.pdf"
    try:
        mine = first.submit(path, "study_plan", facts)
        other = second.submit(path, "study_plan", facts)
        assert other.elsewhere and other.future is None and not mine.elsewhere
        assert mine.future.result(timeout=120) == path
    finally:
        first.shutdown()
        second.shutdown()
    assert path.read_bytes().startswith(b"%PDF")
    assert not path.with_suffix(".claim").exists()  # released: a later data digest renders anew


def test_a_stale_claim_of_a_dead_renderer_is_taken_over(report_db, tmp_path):
    app, ids, _ = report_db
    facts, _ = view_of(app, ids["no_role"])
    path = tmp_path / "study_plan-dead.pdf"
    claim = path.with_suffix(".claim")
    claim.touch()
    renderer = service.Renderer(workers=1, processes=False)
    try:
        assert renderer.submit(path, "study_plan", facts).elsewhere  # fresh: someone is on it
        old = time.time() - service.CLAIM_SECONDS - 1
        os.utime(claim, (old, old))
        job = renderer.submit(path, "study_plan", facts)
        assert not job.elsewhere
        assert job.future.result(timeout=120) == path
    finally:
        renderer.shutdown()


def test_a_download_waits_for_the_file_another_process_renders(report_db, tmp_path, monkeypatch):
    from assessment.db import get_session

    app, ids, _ = report_db
    facts, _ = view_of(app, ids["no_role"])
    path = service._cache_path(tmp_path, ids["no_role"], "study_plan", service.digest("study_plan", facts))
    path.parent.mkdir(parents=True)
    path.with_suffix(".claim").touch()  # "another web worker is rendering it"
    monkeypatch.setattr(service, "renderer", lambda: service.Renderer(workers=1, processes=False))
    with app.app_context():
        waiting = service.download(session=get_session(), attempt_id=ids["no_role"], cache_dir=tmp_path, wait=0.5)
        assert waiting.state == "rendering" and waiting.data is None and "still being prepared" in waiting.message
        service.render_to_file("study_plan", facts, path)  # the other process finishes
        done = service.download(session=get_session(), attempt_id=ids["no_role"], cache_dir=tmp_path, wait=5)
    assert done.state == "ready" and done.data.startswith(b"%PDF")


def test_progress_polls_during_a_render_do_not_gather_the_facts_again(report_db, tmp_path, monkeypatch):
    """The results page polls once a second per candidate; while a render runs, the answer
    comes from the renderer's own record, not from the database."""
    from assessment.db import get_session

    app, ids, _ = report_db
    facts, _ = view_of(app, ids["no_role"])
    path = service._cache_path(tmp_path, ids["no_role"], "study_plan", service.digest("study_plan", facts))
    path.parent.mkdir(parents=True)
    path.with_suffix(".claim").touch()  # a sibling web process renders it
    renderer = service.Renderer(workers=1, processes=False)
    monkeypatch.setattr(service, "renderer", lambda: renderer)
    gathered = []
    real_gather = service.gather
    monkeypatch.setattr(service, "gather", lambda **kw: gathered.append(kw["attempt_id"]) or real_gather(**kw))
    try:
        with app.app_context():
            status = lambda: service.download_status(session=get_session(), attempt_id=ids["no_role"],  # noqa: E731
                                                     cache_dir=tmp_path)
            assert status().state == "rendering" and gathered == [ids["no_role"]]
            assert status().state == "rendering" and status().state == "rendering"
            assert gathered == [ids["no_role"]]  # no new gathering while it renders
            service.render_to_file("study_plan", facts, path)  # the sibling finishes
            ready = status()
        assert ready.state == "ready" and ready.filename == f"study-plan-{ids['no_role']}.pdf"
        assert len(gathered) == 2  # looked again once the file was there
    finally:
        renderer.shutdown()


def test_the_renderers_record_of_recent_renders_is_bounded(report_db, tmp_path, monkeypatch):
    """A long-running web process remembers the latest renders for progress polls, not every
    attempt it ever rendered."""
    app, ids, _ = report_db
    facts, _ = view_of(app, ids["no_role"])
    monkeypatch.setattr(service, "LATEST_KEPT", 3)
    renderer = service.Renderer(workers=1, processes=False)
    try:
        for attempt_id in range(1, 6):
            path = tmp_path / f"{attempt_id}.pdf"
            path.with_suffix(".claim").touch()  # rendered elsewhere: nothing to run here
            renderer.submit(path, "study_plan", {**facts, "attempt": {**facts["attempt"], "id": attempt_id}})
        assert renderer.in_flight(1, "study_plan") is None  # forgotten: its next poll gathers again
        assert all(renderer.in_flight(a, "study_plan").elsewhere for a in (3, 4, 5))
    finally:
        renderer.shutdown()
