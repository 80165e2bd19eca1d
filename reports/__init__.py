"""Score reports: the candidate's study plan and the company's candidate report.

Plain data in, HTML or PDF out (no Flask, no database): :func:`compose` turns the facts of one
attempt into what the documents say, :func:`render_html` / :func:`render_pdf` lay it out with
the templates in ``reports/templates`` (weasyprint for PDF). Report kinds are a registry
(:data:`KINDS`), so a new document is one template and one entry.
"""
from reports.compose import compose
from reports.render import KINDS, REPORT_VERSION, render_html, render_pdf

__all__ = ["compose", "render_html", "render_pdf", "KINDS", "REPORT_VERSION"]
