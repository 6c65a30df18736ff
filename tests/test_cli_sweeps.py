"""``factorlab sweep``, ``walk-forward`` and ``tearsheet --sample`` through the real console script."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _cli_helpers import cli_many, make_workdir, read_registry

STRAT = "strategies_for_cli:Reversal"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The three commands, started together; returns (workdir, {name: CompletedProcess})."""
    work = make_workdir(tmp_path_factory.mktemp("cli_sweeps"), bars=300, assets=10)
    sweep_dir, wf_dir = work / "sweep", work / "wf"
    sweep_dir.mkdir()
    wf_dir.mkdir()
    procs = cli_many(
        work,
        ["sweep", "--strategy", STRAT, "--prices", "prices.parquet", "--grid", "lookback=5,10,20",
         "--grid", "period=1,3,5", "--jobs", "2", "--objective", "sortino", "--registry", str(sweep_dir),
         "--out", "sweep.csv", "--heatmap", "heatmap.png", "--no-progress"],
        ["walk-forward", "--strategy", STRAT, "--prices", "prices.parquet", "--train", "120", "--test", "60",
         "--registry", str(wf_dir), "--save-equity", "wf_equity.parquet", "--no-progress"],
        ["tearsheet", "--sample", "--periods", "1,5", "--report", "sample_tearsheet.html"],
    )
    return work, dict(zip(("sweep", "wf", "tearsheet"), procs))


def test_sweep_3x3_jobs_2(outputs):
    work, procs = outputs
    proc = procs["sweep"]
    assert proc.returncode == 0, proc.stderr
    assert "9 runs of strategies_for_cli:Reversal, ranked by sortino" in proc.stdout
    table = pd.read_csv(work / "sweep.csv")
    assert len(table) == 9 and list(table["rank"]) == list(range(1, 10))
    assert table["sortino"].is_monotonic_decreasing
    assert set(zip(table["lookback"], table["period"])) == {(a, b) for a in (5, 10, 20) for b in (1, 3, 5)}
    registry = read_registry(work / "sweep").loc[table["run_id"]]
    assert (registry["status"] == "finished").all() and registry["group_id"].nunique() == 1
    assert registry["sortino"].to_numpy() == pytest.approx(table["sortino"].to_numpy())
    assert (work / "heatmap.png").stat().st_size > 1000


def test_walk_forward_three_folds(outputs):
    work, procs = outputs
    proc = procs["wf"]
    assert proc.returncode == 0, proc.stderr
    assert "walk-forward: 3 folds, train 120 bars, test 60 bars" in proc.stdout
    equity = pd.read_parquet(work / "wf_equity.parquet")["equity"]  # a real Parquet file (was CSV text)
    prices = pd.read_parquet(work / "prices.parquet")
    assert len(equity) == 180 and equity.index[0] == prices.index[120] and equity.index[-1] == prices.index[-1]
    runs = read_registry(work / "wf")
    assert len(runs) == 3 * 4 + 3 and (runs["status"] == "finished").all()  # sweep_grid is 2 x 2
    tests = runs[runs["created"] >= runs["created"].sort_values().iloc[12]]
    chosen = [json.loads(p) for p in tests["params"]]
    assert all(c["lookback"] in (5, 20) and c["period"] in (1, 5) for c in chosen)


def test_tearsheet_on_sample(outputs):
    work, procs = outputs
    proc = procs["tearsheet"]
    assert proc.returncode == 0, proc.stderr
    assert "== headline ==" in proc.stdout
    html = (work / "sample_tearsheet.html").read_text()
    for section in ("summary", "returns", "information", "turnover"):
        assert f'id="{section}"' in html
