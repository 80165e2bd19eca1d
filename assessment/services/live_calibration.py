"""Calibration from live data: pull responses with pandas, re-estimate item parameters with the
IRT engine (marginal maximum likelihood), report the changes and the fit, and write reviewed
parameters back to the bank as new item versions."""
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlmodel import Session, select

from assessment.content import Bank
from assessment.models import Item, Response
from assessment.scoring import ItemParameters
from assessment.scoring.calibration import calibrate

#: An item needs at least this many scored responses to be re-estimated; below it the data say
#: too little about a, b and c and the expert-set parameters stay.
DEFAULT_MIN_RESPONSES = 100


def response_frame(*, session: Session, section_id: str) -> tuple[pd.DataFrame, dict]:
    """Wide matrix of scores: a row per section attempt, a column per current item (its key),
    NaN where the item was not administered; and the current Item row per column."""
    rows = session.exec(select(Response.section_attempt_id, Item.item_key, Response.score)
                        .join(Item, Response.item_id == Item.id)
                        .where(Item.section_id == section_id, Item.is_current, Response.status == "answered",
                               Response.score.is_not(None))).all()
    items = {i.item_key: i for i in session.exec(select(Item).where(Item.section_id == section_id,
                                                                    Item.is_current)).all()}
    frame = pd.DataFrame(rows, columns=["person", "item", "score"])
    if frame.empty:
        return pd.DataFrame(), items
    wide = frame.pivot_table(index="person", columns="item", values="score", aggfunc="last")
    return wide, items


@dataclass
class CalibrationReport:
    section_id: str
    n_persons: int
    changes: pd.DataFrame  # a row per re-estimated item: old and new parameters, SEs, fit
    skipped: dict  # item -> why it was not re-estimated
    loglik: float | None
    reliability: float | None


def calibrate_section(*, session: Session, section_id: str, min_responses: int = DEFAULT_MIN_RESPONSES) -> CalibrationReport:
    wide, items = response_frame(session=session, section_id=section_id)
    skipped = {}
    keep = []
    for key in sorted(items):
        column = wide[key].dropna() if key in wide else pd.Series(dtype=float)
        if len(column) < min_responses:
            skipped[key] = f"{len(column)} responses (< {min_responses})"
        elif column.nunique() < 2:
            skipped[key] = "every response has the same score"
        else:
            keep.append(key)
    if not keep:
        return CalibrationReport(section_id, len(wide), pd.DataFrame(), skipped, None, None)
    # Items with too few responses stay in, held at their current parameters: adaptive
    # selection depended on their responses, so dropping them would bias the other items.
    held = [k for k in skipped if k in wide]
    columns = keep + held
    data = wide[columns]
    data = data[data[keep].notna().any(axis=1)]
    models = [items[k].irt["model"] for k in columns]
    # The bank fixes each coding item's categories, so a top category nobody reached yet
    # keeps its step instead of vanishing.
    categories = [len(items[k].body["code"]["partial_credit"]) + 1 if items[k].type == "code" else 2
                  for k in columns]
    fixed = ItemParameters.from_records(
        {"item": k, "model": items[k].irt["model"], "a": items[k].irt.get("a"), "b": items[k].irt.get("b"),
         "c": items[k].irt.get("c"), "thresholds": items[k].irt.get("thresholds")} for k in held) if held else None
    result = calibrate(data, model=models, n_categories=categories, fixed=fixed)
    new = result.params
    rows = []
    for j, key in enumerate(keep):
        old = items[key].irt
        row = {"item": key, "model": models[j], "n": int(data[key].notna().sum()),
               "a_old": old["a"], "a_new": float(new.a[j]), "b_old": old["b"], "b_new": float(new.b[j]),
               "c_old": old.get("c", 0.0), "c_new": float(new.c[j])}
        if models[j] == "gpcm":
            steps = new.thresholds[j][~np.isnan(new.thresholds[j])]
            row["thresholds_new"] = [round(float(t), 3) for t in steps]
        for column in result.se.columns:
            row[column] = float(result.se.loc[key, column])
        row["infit"] = float(result.item_fit.loc[key, "infit"])
        row["outfit"] = float(result.item_fit.loc[key, "outfit"])
        row["misfit"] = bool(result.item_fit.loc[key, "misfit"])
        rows.append(row)
    return CalibrationReport(section_id, len(data), pd.DataFrame(rows).set_index("item"), skipped,
                             float(result.loglik), float(result.reliability))


def _irt_line(row: pd.Series, n_persons: int) -> str:
    if row["model"] == "gpcm":
        body = f"{{model: gpcm, a: {row['a_new']:.3f}, thresholds: {row['thresholds_new']}}}"
    elif row["model"] == "3pl":
        body = f"{{model: 3pl, a: {row['a_new']:.3f}, b: {row['b_new']:.3f}, c: {row['c_new']:.3f}}}"
    else:
        body = f"{{model: {row['model']}, a: {row['a_new']:.3f}, b: {row['b_new']:.3f}}}"
    return f"irt: {body}  # calibrated {dt.date.today().isoformat()} from {int(row['n'])} responses\n"


def write_parameters(*, bank: Bank, report: CalibrationReport) -> list[Path]:
    """Write each re-estimated item's `irt:` block and bump its version (a reviewed change:
    run `assessment sections validate` and `sections load` after)."""
    written = []
    for key, row in report.changes.iterrows():
        spec = bank.items[key]
        path = spec.path / "item.yaml" if spec.path.is_dir() else spec.path
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        out, skipping = [], False
        for line in lines:
            if re.match(r"^irt:", line):
                skipping = not line.split(":", 1)[1].strip().startswith("{")  # a block mapping follows
                continue
            if skipping and (line.startswith((" ", "\t")) or not line.strip()):
                continue
            skipping = False
            out.append(re.sub(r"^version:\s*\d+", f"version: {spec.version + 1}", line))
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        out.append(_irt_line(row, report.n_persons))
        path.write_text("".join(out), encoding="utf-8")
        written.append(path)
    return written
