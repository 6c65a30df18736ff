"""Sweeps and walk-forward in Python: ranking, executors, folds, stitching, heatmap."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from strategies_for_cli import Reversal

import factorlab as fl
from factorlab.errors import ParameterError
from factorlab.plotting._sweeps import plot_sweep_heatmap
from factorlab.registry import load_run, runs
from factorlab.sweeps import fold_windows, sweep, walk_forward

GRID = {"lookback": [5, 10, 20], "period": [1, 3, 5]}


@pytest.fixture(scope="module")
def prices():
    return fl.load_sample().prices.iloc[:200, :8]


@pytest.fixture(scope="module")
def local_sweep(prices, tmp_path_factory):
    reg = tmp_path_factory.mktemp("sweep_reg")
    return sweep(Reversal, prices, GRID, track=True, registry=reg, progress=False), reg


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_sweep_ranks_every_combination(local_sweep, prices):
    res, reg = local_sweep
    t = res.table
    assert len(t) == 9 and list(t["rank"]) == list(range(1, 10))
    assert t["sharpe"].is_monotonic_decreasing
    assert sorted(zip(t["lookback"], t["period"])) == sorted((a, b) for a in (5, 10, 20) for b in (1, 3, 5))
    best = fl.run_backtest(Reversal(**res.best_params), prices, progress=False)
    assert res.best["sharpe"] == pytest.approx(best.stats["sharpe"], rel=1e-12)
    assert res.best_params == {k: int(t.iloc[0][k]) for k in GRID}
    recorded = runs(reg)
    assert set(recorded.index) == set(t["run_id"]) and (recorded["group_id"] == res.sweep_id).all()
    assert load_run(t["run_id"].iloc[0], reg).stats["sharpe"] == pytest.approx(t["sharpe"].iloc[0])


def test_jobs_2_gives_identical_results(local_sweep, prices):
    res, _ = local_sweep
    par = sweep(Reversal, prices, GRID, jobs=2, track=False, progress=False)
    pd.testing.assert_frame_equal(par.table.drop(columns="run_id"), res.table.drop(columns="run_id"))
    assert par.table["run_id"].isna().all()


def test_class_sweep_grid_and_objective(prices, capsys):
    res = sweep("strategies_for_cli:Reversal", prices, objective="calmar", track=False, progress=True)
    assert len(res.table) == 4 and res.param_names == ("lookback", "period")
    assert res.table["calmar"].is_monotonic_decreasing
    assert "sweep Reversal" in capsys.readouterr().err  # tqdm progress bar


@pytest.mark.parametrize("kwargs, message", [
    ({"grid": {"nope": [1, 2]}}, "no parameter"),
    ({"grid": {"lookback": []}}, "empty"),
    ({"objective": "alpha"}, "objective must be one of"),
    ({"executor": "spark"}, "executor must be one of"),
    ({"jobs": 0}, "jobs must be an integer"),
    ({"executor": "dask"}, "needs a scheduler"),
    ({"start": "2001-01-01"}, "outside the data"),
])
def test_bad_sweep_arguments(prices, kwargs, message):
    pytest.importorskip("distributed") if kwargs.get("executor") == "dask" else None
    args = {"grid": {"lookback": [5]}, **kwargs}
    with pytest.raises(ParameterError, match=message):
        sweep(Reversal, prices, track=False, progress=False, **args)


def test_heatmap_draws_the_pivot(local_sweep):
    res, _ = local_sweep
    pivot = res.pivot()
    assert pivot.shape == (3, 3) and list(pivot.index) == [5, 10, 20]
    ax = res.plot_heatmap()
    img = ax.get_images()[0]
    assert np.allclose(np.asarray(img.get_array()), pivot.to_numpy())
    assert ax.get_xlabel() == "period" and ax.get_ylabel() == "lookback"
    texts = {t.get_text() for t in ax.texts}
    assert f"{pivot.iloc[0, 0]:.2f}" in texts and len(ax.texts) == 9
    _, own = plt.subplots()
    assert plot_sweep_heatmap(pivot, ax=own, annotate=False) is own and not own.texts
    with pytest.raises(ParameterError, match="two-parameter grid"):
        sweep(Reversal, res_prices(res), {"lookback": [5, 10]}, track=False, progress=False).pivot()


def res_prices(res):
    return fl.load_sample().prices.iloc[:120, :5]


def test_fold_windows():
    assert fold_windows(10, 4, 3) == [(0, 4, 4, 7), (3, 7, 7, 10)]
    assert fold_windows(10, 4, 3, anchored=True) == [(0, 4, 4, 7), (0, 7, 7, 10)]
    with pytest.raises(ParameterError, match="at least train \\+ test = 12 bars"):
        fold_windows(10, 6, 6)


def test_walk_forward_stitches_out_of_sample(prices):
    grid = {"lookback": [5, 20], "period": [1, 5]}
    wf = walk_forward(Reversal, prices, grid, train=80, test=40, track=False, progress=False, capital=100_000)
    assert len(wf.folds) == 3 and len(wf.returns) == 120
    assert wf.returns.index.equals(prices.index[80:200])
    for fold, row in wf.folds.iterrows():
        train = wf.sweeps[fold]
        assert {k: row[k] for k in grid} == train.best_params
        assert row["train_sharpe"] == pytest.approx(train.table["sharpe"].max())
        start, end = prices.index[80 + 40 * fold], prices.index[80 + 40 * fold + 39]
        oos = fl.run_backtest(Reversal(**train.best_params), prices, start=start, end=end, capital=100_000,
                          progress=False)
        np.testing.assert_allclose(wf.returns.loc[start:end].to_numpy(), oos.returns.to_numpy(), rtol=1e-12)
        assert row["test_sharpe"] == pytest.approx(oos.stats["sharpe"])
    assert wf.equity.iloc[-1] == pytest.approx(100_000 * (1 + wf.returns).prod())
    anchored = walk_forward(Reversal, prices, grid, train=80, test=40, anchored=True, track=False,
                            progress=False)
    assert (anchored.folds["train_start"] == prices.index[0]).all()


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="'fork' is the Linux default")
def test_a_finished_sweep_leaves_the_process_forkable(prices, monkeypatch):
    """Progress bars leave no thread behind, so the next local sweep still forks its workers."""
    from factorlab.sweeps import mp_context

    monkeypatch.delenv("FACTORLAB_START_METHOD", raising=False)
    sweep(Reversal, prices, {"lookback": [5], "period": [1, 3]}, track=False, progress=True)
    sweep(Reversal, prices, {"lookback": [5], "period": [1, 3]}, track=False, progress=False)
    assert mp_context().get_start_method() == "fork"
