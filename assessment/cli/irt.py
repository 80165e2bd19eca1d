"""`assessment irt ...`: calibrate, score and simulate from CSV files.

File formats (shared by the three commands):

* RESPONSES.csv is wide: one row per person, one column per item (the header is the item id),
  cells 0/1 (or a category 0, 1, 2, ... for GPCM items), an empty cell = not administered. An
  optional ``person`` column holds the person id.
* ITEMS.csv has ``item,a,b`` in the a(theta - b) form, plus ``c`` (3PL) and ``t1,t2,...``
  (GPCM step parameters) where used, ``se_*`` standard errors after calibration, and a
  ``model`` column (1pl, 2pl, 3pl, gpcm). Without ``model`` it is inferred per row: steps ->
  gpcm, a ``c`` value -> 3pl, else 2pl.

numpy, pandas and the scoring engine are imported inside the commands so that
``assessment --help`` stays fast.
"""
from __future__ import annotations

import click

PERSON_COLUMN = "person"


def _read_responses(path: str, item_models: dict[str, str] | None = None):
    """Read RESPONSES.csv -> (person ids, item ids, float matrix). Errors name row and column.

    Rows are numbered as in the file (the header is line 1). Cells must be non-negative
    integers; 0/1 unless the item is GPCM (``item_models`` maps item -> model when known).
    """
    import numpy as np
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read as CSV ({exc})") from None
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = columns
    if len(set(columns)) != len(columns):
        dup = next(c for c in columns if columns.count(c) > 1)
        raise click.ClickException(f"{path}: column {dup!r} appears twice")
    if PERSON_COLUMN in frame.columns:
        persons = frame.pop(PERSON_COLUMN).str.strip().tolist()
    else:
        persons = [str(k + 1) for k in range(len(frame))]
    items = list(frame.columns)
    if not items:
        raise click.ClickException(f"{path}: no item columns")
    cells = frame.apply(lambda col: col.str.strip())
    values = np.array(cells.apply(pd.to_numeric, errors="coerce"), dtype=float)
    empty = (cells == "").to_numpy()
    for j, item in enumerate(items):
        gpcm = item_models is not None and item_models.get(item) == "gpcm"
        col = values[:, j]
        bad = ~empty[:, j] & (np.isnan(col) | (col != np.round(col)) | (col < 0)
                              | ((col > 1) & (not gpcm)))
        if bad.any():
            r = int(np.argmax(bad))
            expected = "a category 0, 1, 2, ..." if gpcm else "0 or 1"
            raise click.ClickException(
                f"{path}: row {r + 2} (person {persons[r]}), column {item!r}: invalid value "
                f"{cells.iat[r, j]!r}; expected {expected} or empty")
    values[empty] = np.nan
    return persons, items, values


def _read_items(path: str):
    """Read ITEMS.csv into ItemParameters (errors name the row)."""
    import pandas as pd

    from assessment.scoring import ItemParameters

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read as CSV ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    required = {"item", "a"} | ({"b"} if "t1" not in frame.columns else set())
    missing = required - set(frame.columns)
    if missing:
        raise click.ClickException(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    steps = sorted((c for c in frame.columns if c[:1] == "t" and c[1:].isdigit()),
                   key=lambda c: int(c[1:]))

    def number(row: int, column: str):
        text = str(frame.at[row, column]).strip() if column in frame.columns else ""
        if text == "":
            return None
        try:
            return float(text)
        except ValueError:
            raise click.ClickException(f"{path}: row {row + 2}, column {column!r}: "
                                       f"not a number: {text!r}") from None

    records = []
    for k in range(len(frame)):
        th = [v for v in (number(k, s) for s in steps) if v is not None]
        model = str(frame.at[k, "model"]).strip().lower() if "model" in frame.columns else ""
        c = number(k, "c")
        if not model:
            model = "gpcm" if th else ("3pl" if c is not None else "2pl")
        records.append({"item": str(frame.at[k, "item"]).strip(), "model": model,
                        "a": number(k, "a"), "b": number(k, "b"), "c": c,
                        "thresholds": th or None})
    try:
        return ItemParameters.from_records(records)
    except ValueError as exc:
        raise click.ClickException(f"{path}: {exc}") from None


def _items_frame(params, se=None, fit=None):
    """ItemParameters (+ standard errors, + S-X2 item fit) -> the ITEMS.csv table."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"item": list(params.ids), "a": params.a, "b": params.b})
    if np.any(params.model == "3pl"):
        frame["c"] = np.where(params.model == "3pl", params.c, np.nan)
    gp = params.model == "gpcm"
    if gp.any():
        for k in range(int(params.n_categories.max()) - 1):
            frame[f"t{k + 1}"] = np.where(gp, params.thresholds[:, k], np.nan)
    if se is not None:
        for column in se.columns:
            frame[column] = se[column].to_numpy()
    if fit is not None:
        for column in ("sx2", "sx2_df", "sx2_p"):
            frame[column] = fit[column].to_numpy()
    frame["model"] = list(params.model)
    return frame


@click.group()
def irt() -> None:
    """Item response theory tools: calibrate items, score persons, simulate data.

    RESPONSES.csv: a row per person, a column per item (header = item id), cells 0/1 (or a
    category for gpcm), empty = not administered, optional `person` column.
    ITEMS.csv: item,a,b (+c for 3pl, +t1,t2,... for gpcm) in the a(theta - b) form.
    """


@irt.command()
@click.argument("responses", type=click.Path(exists=True, dir_okay=False))
@click.option("--model", type=click.Choice(["1pl", "2pl", "3pl", "gpcm"]), default="2pl",
              show_default=True, help="1pl = Rasch (a = 1) unless --common-a.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write ITEMS.csv (parameters and standard errors).")
@click.option("--common-a", is_flag=True, help="1pl only: estimate one a shared by all items.")
@click.option("--max-iter", default=500, show_default=True, help="EM iterations at most.")
@click.option("--tol", default=1e-4, show_default=True, help="EM stops below this change.")
@click.option("--prior", type=click.Choice(["default", "none"]), default="default", show_default=True,
              help="default: log a ~ N(0, 1) (N(0, 0.5^2) for 3pl), intercepts ~ N(0, 5^2), 3pl "
                   "c ~ Beta(5, 17), i.e. posterior modes that stay finite on sparse data; none: "
                   "plain marginal maximum likelihood, as R's ltm and mirt estimate.")
@click.option("--se", "se_method", type=click.Choice(["full", "block"]), default="full",
              show_default=True,
              help="full: standard errors from the whole observed information matrix; block: "
                   "per-item approximation (a few % too small), for banks of thousands of items.")
@click.option("--quadrature", default=41, show_default=True, type=click.IntRange(11, 201),
              help="Quadrature nodes over [-5, 5].")
def calibrate(responses: str, model: str, out: str, common_a: bool, max_iter: int,
              tol: float, prior: str, se_method: str, quadrature: int) -> None:
    """Calibrate items by marginal maximum likelihood (EM over quadrature), with the priors of
    --prior (posterior modes) or none (plain ML).

    Writes ITEMS.csv with parameters, standard errors and S-X2 item fit (sx2, sx2_df, sx2_p;
    empty unless some persons answered every item). Prints `loglik: <marginal
    log-likelihood>` (priors excluded), a fit summary and, for dichotomous items with complete
    rows, `M2: <value> df: <n> p: <p> RMSEA: <r>`.
    """
    from assessment.scoring.calibration import calibrate as run

    if common_a and model != "1pl":
        raise click.UsageError("--common-a applies to --model 1pl only")
    gpcm = {i: "gpcm" for i in _header_items(responses)} if model == "gpcm" else None
    _, items, x = _read_responses(responses, gpcm)
    try:
        result = run(x, model, item_ids=items, common_a=common_a, max_iter=max_iter, tol=tol,
                     prior=prior, se=se_method, n_quadrature=quadrature)
    except ValueError as exc:
        raise click.ClickException(f"{responses}: {exc}") from None
    _items_frame(result.params, result.se, result.item_fit).to_csv(out, index=False, float_format="%.6g")
    click.echo(f"loglik: {result.loglik:.4f}")
    click.echo(f"prior: {prior}")
    state = "converged" if result.converged else "NOT converged"
    click.echo(f"persons: {x.shape[0]}  items: {x.shape[1]}  iterations: {result.n_iter} ({state})")
    click.echo(f"reliability: {result.reliability:.3f}")
    flagged = result.item_fit.index[result.item_fit["misfit"]].tolist()
    shown = ", ".join(flagged[:10]) + (" ..." if len(flagged) > 10 else "")
    click.echo(f"misfitting items (infit/outfit outside 0.5-1.5): {len(flagged)}"
               + (f" ({shown})" if flagged else ""))
    sx2 = result.item_fit["sx2_p"]
    if sx2.notna().any():
        bad = sx2.index[sx2 < 0.01].tolist()
        click.echo(f"S-X2 p < 0.01: {len(bad)} of {int(sx2.notna().sum())} items"
                   + (f" ({', '.join(bad[:10])})" if bad else ""))
    if result.m2 is not None:
        click.echo(result.m2.line())
    else:
        click.echo("M2: not available (needs dichotomous items and persons who answered every item)")


def _header_items(path: str) -> list[str]:
    import pandas as pd

    try:
        columns = pd.read_csv(path, nrows=0).columns
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read as CSV ({exc})") from None
    return [str(c).strip() for c in columns if str(c).strip() != PERSON_COLUMN]


@irt.command()
@click.argument("responses", type=click.Path(exists=True, dir_okay=False))
@click.option("--items", "items_path", type=click.Path(exists=True, dir_okay=False),
              required=True, help="ITEMS.csv with the item parameters.")
@click.option("--method", type=click.Choice(["eap", "map", "mle"]), default="eap",
              show_default=True, help="mle falls back to map for all-right/all-wrong patterns "
                                      "(those rows get fallback=1 in the output).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write person,theta,se here instead of standard output.")
def score(responses: str, items_path: str, method: str, out: str | None) -> None:
    """Estimate each person's ability: CSV `person,theta,se` (+ `fallback` for mle: 1 where the
    pattern was all right/all wrong or the estimate hit the bounds, and MAP was used)."""
    import numpy as np
    import pandas as pd

    from assessment.scoring import estimate_ability

    params = _read_items(items_path)
    models = dict(zip(params.ids, params.model))
    persons, items, x = _read_responses(responses, models)
    unknown = [i for i in items if i not in models]
    if unknown:
        raise click.ClickException(f"{responses}: column {unknown[0]!r} is not an item of "
                                   f"{items_path}" + (f" (and {len(unknown) - 1} more)"
                                                      if len(unknown) > 1 else ""))
    full = np.full((x.shape[0], params.n_items), np.nan)
    full[:, [params.index_of(i) for i in items]] = x
    try:
        est = estimate_ability(params, full, method)
    except ValueError as exc:
        raise click.ClickException(f"{responses}: {exc}") from None
    table = pd.DataFrame({"person": persons, "theta": est.theta, "se": est.se})
    if method == "mle":
        table["fallback"] = est.fallback.astype(int)
    if out:
        table.to_csv(out, index=False, float_format="%.6f")
    else:
        click.echo(table.to_csv(index=False, float_format="%.6f"), nl=False)


@irt.command()
@click.option("--persons", type=click.IntRange(min=1), required=True, help="Number of persons.")
@click.option("--items", type=click.IntRange(min=1), required=True, help="Number of items.")
@click.option("--model", type=click.Choice(["1pl", "2pl", "3pl", "gpcm"]), default="2pl",
              show_default=True)
@click.option("--categories", type=click.IntRange(min=2), default=4, show_default=True,
              help="Score categories of gpcm items.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--sparse", type=click.IntRange(min=1), default=None,
              help="Give each person only K items near their ability (a CAT-like design).")
@click.option("--out-responses", type=click.Path(dir_okay=False, writable=True), required=True,
              help="RESPONSES.csv to write (with a person column).")
@click.option("--out-items", type=click.Path(dir_okay=False, writable=True), required=True,
              help="ITEMS.csv with the true parameters.")
@click.option("--out-theta", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Optional CSV person,theta of the true abilities.")
def simulate(persons: int, items: int, model: str, categories: int, seed: int,
             sparse: int | None, out_responses: str, out_items: str,
             out_theta: str | None) -> None:
    """Simulate a bank and responses: abilities ~ N(0, 1); a ~ lognormal(0, 0.25),
    b ~ N(0, 1), c ~ U(0.1, 0.25) for 3pl, sorted N(0, 1) steps for gpcm.

    With --sparse K each person answers only K items, in 3 stages like an adaptive test: random
    items first, then items near the ability estimated from the answers so far (weights
    exp(-(b - theta_hat)^2 / (2 * 0.75^2))); other cells are empty.
    """
    import numpy as np
    import pandas as pd

    from assessment.scoring.simulation import simulate_bank, simulate_multistage, simulate_responses

    if sparse is not None and sparse > items:
        raise click.UsageError(f"--sparse {sparse} is more than --items {items}")
    rng = np.random.default_rng(seed)
    bank = simulate_bank(items, model, rng, n_categories=categories)
    theta = rng.normal(size=persons)
    if sparse:
        x = simulate_multistage(bank, theta, rng, n_per_person=sparse,
                                n_stages=min(3, sparse))
    else:
        x = simulate_responses(bank, theta, rng)
    ids = [f"p{k + 1:0{len(str(persons))}d}" for k in range(persons)]
    frame = pd.DataFrame(x, columns=list(bank.ids)).astype("Int64")
    frame.insert(0, PERSON_COLUMN, ids)
    frame.to_csv(out_responses, index=False)
    _items_frame(bank).to_csv(out_items, index=False, float_format="%.6g")
    if out_theta:
        pd.DataFrame({"person": ids, "theta": theta}).to_csv(out_theta, index=False,
                                                             float_format="%.6f")
    click.echo(f"wrote {persons} persons x {items} items ({model}) to {out_responses}; "
               f"true parameters to {out_items}")


def _section_inputs(bank, sid):
    from assessment.scoring import ItemParameters

    items = sorted(bank.items_of(sid), key=lambda i: i.id)
    params = ItemParameters.from_records(
        {"item": i.id, **{k: i.irt.get(k) for k in ("model", "a", "b", "c", "thresholds")}} for i in items)
    return items, params, [tuple(i.skills[:1]) for i in items]


def _load_sections(sections_dir: str, only: tuple):
    from pathlib import Path

    from assessment.content import load_bank

    try:
        bank = load_bank(Path(sections_dir))
    except ValueError as exc:
        raise click.ClickException(f"{sections_dir}: {exc}") from None
    unknown = [s for s in only if s not in bank.sections]
    if unknown:
        raise click.ClickException(f"unknown section {unknown[0]!r}")
    return bank, [s for s in bank.sections if not only or s in only]


@irt.command()
@click.option("--sections-dir", type=click.Path(exists=True, file_okay=False), default="sections",
              show_default=True, help="The item bank (one folder per section).")
@click.option("--candidates", type=click.IntRange(min=10), default=500, show_default=True,
              help="Synthetic candidates per section.")
@click.option("--section", "only", multiple=True, help="Section id (repeatable; default: every section).")
@click.option("--max-items", type=click.IntRange(min=1), default=None,
              help="Override every section's maximum length (what-if).")
@click.option("--se-target", type=click.FloatRange(0.05, 1.0), default=None,
              help="Override every section's stopping SE (what-if).")
@click.option("--randomesque", type=click.IntRange(min=1), default=3, show_default=True,
              help="Pick among this many best items (the web flow uses 3).")
@click.option("--progressive", is_flag=True, help="Progressive exposure control (what-if).")
@click.option("--opening", type=click.FloatRange(0.0, 1.0, min_open=True), default=0.5, show_default=True,
              help="Opening rule: the first item among those with this share of the best information "
                   "(the web flow's OPENING_SHARE).")
@click.option("--no-opening", is_flag=True, help="Choose the first item like any other (what-if).")
@click.option("--no-exposure", is_flag=True,
              help="Ignore the sections' exposure.yaml (Sympson-Hetter) files (what-if).")
@click.option("--equal-skills", is_flag=True,
              help="Equal content-balance shares per skill instead of the web flow's proportional ones.")
@click.option("--seed", type=int, default=0, show_default=True)
def precision(sections_dir: str, candidates: int, only: tuple, max_items: int | None,
              se_target: float | None, randomesque: int, progressive: bool, opening: float,
              no_opening: bool, no_exposure: bool, equal_skills: bool, seed: int) -> None:
    """Precision report of the shipped bank: synthetic candidates (theta ~ N(0, 1)) through the
    web flow's adaptive engine (content balance, randomesque, the opening rule, the section's
    exposure.yaml, EAP, its length and SE target), per section: mean and maximum length, median SE, RMSE and
    bias against the true ability, Rudner's band classification accuracy and consistency, the
    largest exposure rate and the share of items never used."""
    import numpy as np
    import pandas as pd

    from assessment.scoring import read_exposure, skill_shares
    from assessment.scoring.precision import simulate_section

    bank, sections = _load_sections(sections_dir, only)
    rng = np.random.default_rng(seed)
    rows = []
    for sid in sections:
        spec = bank.sections[sid]
        items, params, skills = _section_inputs(bank, sid)
        k = None if no_exposure else read_exposure(spec.path.parent if spec.path.is_file() else spec.path,
                                                   [i.id for i in items])
        result = simulate_section(params, skills, candidates=candidates,
                                  min_items=spec.min_items, max_items=max_items or spec.max_items,
                                  se_target=se_target or spec.se_target, randomesque=randomesque,
                                  progressive=progressive, rng=rng, section=sid, exposure_probability=k,
                                  skill_targets=None if equal_skills else skill_shares(skills),
                                  opening=None if no_opening else opening)
        rows.append(result.row())
    table = pd.DataFrame(rows).set_index("section")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        click.echo(table.round(3).to_string())


@irt.command()
@click.option("--sections-dir", type=click.Path(exists=True, file_okay=False), default="sections",
              show_default=True, help="The item bank (one folder per section).")
@click.option("--section", "only", multiple=True, help="Section id (repeatable; default: every section).")
@click.option("--target", type=click.FloatRange(0.05, 1.0), default=0.36, show_default=True,
              help="Exposure rate the iteration aims each item at (below the 0.40 limit for noise).")
@click.option("--candidates", type=click.IntRange(min=20), default=500, show_default=True)
@click.option("--iterations", type=click.IntRange(min=1), default=12, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-items", type=click.IntRange(min=1), default=None,
              help="Override every section's maximum length (what-if; not with --write).")
@click.option("--se-target", type=click.FloatRange(0.05, 1.0), default=None,
              help="Override every section's stopping SE (what-if; not with --write).")
@click.option("--resume", is_flag=True, help="Start from the probabilities in exposure.yaml (more iterations).")
@click.option("--lower-only", is_flag=True,
              help="Only lower the probabilities of items above --target (a final pass with --resume).")
@click.option("--write", is_flag=True, help="Write sections/<s>/exposure.yaml (default: print only).")
def exposure(sections_dir: str, only: tuple, target: float, candidates: int, iterations: int,
             seed: int, max_items: int | None, se_target: float | None, resume: bool, lower_only: bool,
             write: bool) -> None:
    """Sympson-Hetter exposure control by simulation: find each item's probability of being
    given when picked so that no item reaches much above --target of the candidates, and
    (with --write) store it in sections/<s>/exposure.yaml, which the web flow reads."""
    import numpy as np
    import pandas as pd

    from assessment.scoring import OPENING_SHARE, read_exposure, skill_shares
    from assessment.scoring.precision import sympson_hetter, write_exposure

    if write and (max_items or se_target):
        raise click.UsageError("--write uses the sections' own length and SE target; drop the overrides")
    bank, sections = _load_sections(sections_dir, only)
    rng = np.random.default_rng(seed)
    rows = []
    for sid in sections:
        spec = bank.sections[sid]
        items, params, skills = _section_inputs(bank, sid)
        folder = spec.path.parent if spec.path.is_file() else spec.path
        start = read_exposure(folder, [i.id for i in items]) if resume else None
        k, result = sympson_hetter(params, skills, target=target, candidates=candidates,
                                   iterations=iterations, rng=rng, start=start, section=sid,
                                   lower_only=lower_only,
                                   min_items=spec.min_items,
                                   max_items=max_items or spec.max_items,
                                   se_target=se_target or spec.se_target,
                                   randomesque=3, skill_targets=skill_shares(skills),
                                   opening=OPENING_SHARE)
        rows.append(result.row() | {"k_min": float(k.min()), "limited": int(np.sum(k < 1))})
        if write:
            write_exposure(folder, [i.id for i in items], k,
                           note=f"target {target}, {candidates} candidates x {iterations} iterations, seed {seed}"
                           + (", resumed from the previous file" if resume else "")
                           + (", lowering only" if lower_only else ""))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        click.echo(pd.DataFrame(rows).set_index("section").round(3).to_string())
