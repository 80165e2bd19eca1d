"""`assessment irt ...` end to end through click's CliRunner."""
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from assessment.cli.irt import irt


@pytest.fixture
def runner():
    return CliRunner()


def _simulate(runner, tmp_path, *extra, persons=1500, items=12, model="2pl"):
    r, t = tmp_path / "responses.csv", tmp_path / "true.csv"
    res = runner.invoke(irt, ["simulate", "--persons", str(persons), "--items", str(items),
                              "--model", model, "--seed", "7", "--out-responses", str(r),
                              "--out-items", str(t), *extra])
    assert res.exit_code == 0, res.output
    return r, t


@pytest.mark.parametrize("model, columns", [
    ("1pl", ["item", "a", "b", "se_a", "se_b", "sx2", "sx2_df", "sx2_p", "model"]),
    ("2pl", ["item", "a", "b", "se_a", "se_b", "sx2", "sx2_df", "sx2_p", "model"]),
    ("3pl", ["item", "a", "b", "c", "se_a", "se_b", "se_c", "sx2", "sx2_df", "sx2_p", "model"]),
    ("gpcm", ["item", "a", "b", "t1", "t2", "t3", "se_a", "se_b", "se_t1", "se_t2", "se_t3",
              "sx2", "sx2_df", "sx2_p", "model"]),
])
def test_simulate_calibrate_score_round_trip(runner, tmp_path, model, columns):
    r, t = _simulate(runner, tmp_path, model=model)
    out = tmp_path / "items.csv"
    res = runner.invoke(irt, ["calibrate", str(r), "--model", model, "--out", str(out)])
    assert res.exit_code == 0, res.output
    loglik = float(res.output.splitlines()[0].removeprefix("loglik: "))
    assert res.output.startswith("loglik: ") and loglik < 0
    items = pd.read_csv(out)
    assert list(items.columns) == columns
    true = pd.read_csv(t)
    assert np.sqrt(np.mean((items["b"] - true["b"]) ** 2)) < 0.3
    res = runner.invoke(irt, ["score", str(r), "--items", str(out)])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(pd.io.common.StringIO(res.output))
    assert list(scores.columns) == ["person", "theta", "se"]
    assert len(scores) == 1500 and scores["person"].iloc[0] == "p0001"
    assert scores["se"].between(0, 1.01).all()


def test_common_a_and_sparse_design(runner, tmp_path):
    r, _ = _simulate(runner, tmp_path, "--sparse", "6", model="1pl", persons=2000, items=20)
    x = pd.read_csv(r).drop(columns="person")
    assert (x.notna().sum(axis=1) == 6).all()
    out = tmp_path / "items.csv"
    res = runner.invoke(irt, ["calibrate", str(r), "--model", "1pl", "--common-a", "--out",
                              str(out)])
    assert res.exit_code == 0, res.output
    a = pd.read_csv(out)["a"]
    assert a.nunique() == 1 and 0.85 < a.iloc[0] < 1.15


def test_score_methods_and_out_file(runner, tmp_path):
    r, t = _simulate(runner, tmp_path, persons=50)
    for method in ("eap", "map", "mle"):
        out = tmp_path / f"{method}.csv"
        res = runner.invoke(irt, ["score", str(r), "--items", str(t), "--method", method,
                                  "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert res.output == ""
        assert len(pd.read_csv(out)) == 50


def test_score_without_person_column_numbers_rows(runner, tmp_path):
    r, t = _simulate(runner, tmp_path, persons=20)
    pd.read_csv(r).drop(columns="person").to_csv(r, index=False)
    res = runner.invoke(irt, ["score", str(r), "--items", str(t)])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[1].startswith("1,")


def _write(path, text):
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("text, message", [
    ("person,q1,q2\na,1,0\nb,2,1\n" + "c,1,0\n" * 20, "row 3 (person b), column 'q1': invalid value '2'"),
    ("person,q1,q2\na,1,x\n" + "c,1,0\n" * 20, "column 'q2': invalid value 'x'"),
    ("q1,q2\n" + "1,0\n0,1\n" * 10 + "1,1\n", None),
    ("q1,q2\n" + "1,0\n1,1\n" * 10, "item 'q1': every response is 1"),
    ("q1,q2\n1,0\n0,1\n", "too few persons"),
])
def test_calibrate_bad_input_is_a_clear_error(runner, tmp_path, text, message):
    path = _write(tmp_path / "r.csv", text)
    res = runner.invoke(irt, ["calibrate", path, "--out", str(tmp_path / "i.csv")])
    if message is None:
        assert res.exit_code == 0, res.output
        return
    assert res.exit_code != 0
    assert message in res.output
    assert "Traceback" not in res.output and not isinstance(res.exception, ValueError)


def test_score_rejects_unknown_items_and_bad_items_file(runner, tmp_path):
    items = _write(tmp_path / "items.csv", "item,a,b\nq1,1.0,0.0\nq2,1.2,0.5\n")
    resp = _write(tmp_path / "r.csv", "person,q1,q9\na,1,0\n")
    res = runner.invoke(irt, ["score", resp, "--items", items])
    assert res.exit_code != 0 and "column 'q9' is not an item" in res.output
    bad = _write(tmp_path / "bad.csv", "item,a,b\nq1,abc,0.0\n")
    res = runner.invoke(irt, ["score", resp, "--items", bad])
    assert res.exit_code != 0 and "row 2, column 'a'" in res.output
    neg = _write(tmp_path / "neg.csv", "item,a,b\nq1,-1,0.0\n")
    res = runner.invoke(irt, ["score", resp, "--items", neg])
    assert res.exit_code != 0 and "a must be finite and > 0" in res.output


def test_score_reads_3pl_and_gpcm_items_without_model_column(runner, tmp_path):
    items = _write(tmp_path / "items.csv",
                   "item,a,b,c,t1,t2\nq1,1.0,0.0,0.2,,\nq2,0.8,,,-0.5,0.5\n")
    resp = _write(tmp_path / "r.csv", "person,q1,q2\na,1,2\nb,0,0\nc,,\n")
    res = runner.invoke(irt, ["score", resp, "--items", items])
    assert res.exit_code == 0, res.output
    rows = res.output.splitlines()
    assert rows[3] == "c,0.000000,1.000000"  # nothing answered: the prior


def test_common_a_needs_1pl(runner, tmp_path):
    r, _ = _simulate(runner, tmp_path, persons=20)
    res = runner.invoke(irt, ["calibrate", str(r), "--common-a", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "--common-a" in res.output


def test_registered_in_the_main_cli(runner, tmp_path):
    from assessment.cli import main

    assert "irt" in main.commands
    r, t = _simulate(runner, tmp_path, persons=30)
    res = runner.invoke(main, ["irt", "score", str(r), "--items", str(t)])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("person,theta,se")


def test_mle_scores_say_which_rows_fell_back_to_map(runner, tmp_path):
    r, t = _simulate(runner, tmp_path, persons=300, items=5)
    x = pd.read_csv(r)
    res = runner.invoke(irt, ["score", str(r), "--items", str(t), "--method", "mle"])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(pd.io.common.StringIO(res.output))
    assert list(scores.columns) == ["person", "theta", "se", "fallback"]
    answers = x.drop(columns="person")
    extreme = (answers.sum(axis=1) == 0) | (answers.sum(axis=1) == answers.shape[1])
    assert extreme.any() and (~extreme).any()
    assert (scores.loc[extreme.to_numpy(), "fallback"] == 1).all()
    assert set(scores["fallback"]) <= {0, 1}
    eap = runner.invoke(irt, ["score", str(r), "--items", str(t)])
    assert "fallback" not in eap.output.splitlines()[0]
