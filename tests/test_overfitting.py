"""Probability of backtest overfitting (CSCV) and deflated Sharpe in sweeps; random search with a seed."""

from __future__ import annotations

from itertools import combinations
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.backtest import FactorStrategy, Strategy
from factorlab.errors import ParameterError
from factorlab.metrics import probability_of_backtest_overfitting
from factorlab.sweeps import sweep
from factorlab.sweeps._overfit import grid_points


def _blocks(means: list[list[float]], bars: int = 2) -> pd.DataFrame:
    """Returns of trials (rows of ``means``) whose block b has mean means[k][b]: bars m + 0.5, m - 0.5, ..."""
    cols = {}
    for k, row in enumerate(means):
        cols[f"t{k}"] = np.concatenate([[m + 0.5, m - 0.5] * (bars // 2) for m in row])
    return pd.DataFrame(cols)


def test_pbo_by_hand_mean_metric():
    """Block means T0 (3, 3, -1, -1), T1 (1.2 x4), T3 (-1, -1, 3, 2); halves IS/OOS, by hand:
    {0,1}: IS best T0 (3), OOS T0 worst (-1) -> rank 1, omega 1/4; {2,3}: IS best T2 (2.5), OOS worst -> 1/4;
    the four mixed splits: IS best T1 (1.2 > 1 and >= 1), OOS T1 best -> rank 3, omega 3/4. PBO = 2/6."""
    r = _blocks([[3, 3, -1, -1], [1.2, 1.2, 1.2, 1.2], [-1, -1, 3, 2]])
    res = probability_of_backtest_overfitting(r, 4, metric="mean")
    assert res.pbo == pytest.approx(1 / 3, abs=1e-15)
    assert list(res.logits.index) == [",".join(map(str, c)) for c in combinations(range(4), 2)]
    np.testing.assert_allclose(res.logits.to_numpy(), np.log([1 / 3, 3, 3, 3, 3, 1 / 3]), rtol=1e-12)
    assert list(res.best_in_sample) == ["t0", "t1", "t1", "t1", "t1", "t2"]
    assert list(res.oos_rank) == [1, 3, 3, 3, 3, 1]


def test_pbo_persistent_and_anti_persistent_sharpe():
    rng = np.random.default_rng(5)
    noise = rng.normal(0, 0.01, 400)
    persistent = pd.DataFrame({k: noise + 0.0005 * k for k in range(5)})  # same noise: Sharpe rises with k
    res = probability_of_backtest_overfitting(persistent, 8)
    assert res.pbo == 0.0 and len(res.logits) == 70  # C(8, 4)
    np.testing.assert_allclose(res.logits, np.log(5 / 6) - np.log(1 / 6))  # IS best = OOS best, rank 5 of 5
    a = np.array([0.02, 0.01, 0.02, 0.01, -0.01, -0.02, -0.01, -0.02])
    flip = pd.DataFrame({"A": a, "B": -a})  # good first half / bad second half, and the mirror
    res = probability_of_backtest_overfitting(flip, 2)
    assert res.pbo == 1.0
    np.testing.assert_allclose(res.logits, [np.log(0.5), np.log(0.5)])  # rank 1 of 2: omega 1/3


def test_pbo_input_errors():
    r = pd.DataFrame(np.ones((10, 2)))
    with pytest.raises(ParameterError, match="even"):
        probability_of_backtest_overfitting(r, 3)
    with pytest.raises(ParameterError, match="at least 2 trials"):
        probability_of_backtest_overfitting(r[[0]], 2)
    with pytest.raises(ParameterError, match="NaN"):
        probability_of_backtest_overfitting(r.mask(r.index.to_series() == 0, np.nan), 2)
    with pytest.raises(ParameterError, match="metric"):
        probability_of_backtest_overfitting(r, 2, metric="sortino")


class Mom(FactorStrategy):
    """Momentum over ``lookback`` bars, held ``period`` bars."""

    lookback = 5
    period = 2
    sweep_grid: ClassVar[dict] = {"lookback": [3, 5, 10, 20], "period": [1, 2, 5]}

    def __init__(self, **params) -> None:
        Strategy.__init__(self, **params)
        self.factor = None

    def initialize(self, ctx) -> None:
        self.factor = ctx.precompute(lambda p: p / p.shift(int(self.lookback)) - 1.0)
        super().initialize(ctx)


@pytest.fixture(scope="module")
def prices():
    return fl.load_sample().prices.iloc[:200, :10]


def test_sweep_deflated_sharpe_and_pbo_equal_the_formulas(prices):
    res = sweep(Mom, prices, {"lookback": [3, 10, 20], "period": [1, 5]}, progress=False)
    runs = {(lb, p): fl.run_backtest(Mom, prices, params={"lookback": lb, "period": p}, progress=False).returns
            for lb in (3, 10, 20) for p in (1, 5)}
    frame = pd.DataFrame({k: r for k, r in runs.items()})
    x = frame.to_numpy()
    sharpe = x.mean(axis=0) / x.std(axis=0, ddof=1)
    var = np.var(sharpe, ddof=1)
    for _, row in res.table.iterrows():
        r = runs[(row["lookback"], row["period"])]
        want = fl.deflated_sharpe_ratio(r, n_trials=6, sharpe_variance=var)
        assert row["deflated_sharpe"] == pytest.approx(want, rel=1e-12)
    o = res.overfitting
    assert o["n_trials"] == 6 and o["sharpe_variance"] == pytest.approx(var, rel=1e-12)
    assert o["pbo"] == probability_of_backtest_overfitting(frame, 8).pbo and o["pbo_splits"] == 8
    best = list(runs)[int(np.argmax(sharpe))]
    assert o["best_deflated_sharpe"] == pytest.approx(
        fl.deflated_sharpe_ratio(runs[best], n_trials=6, sharpe_variance=var), rel=1e-12)
    # deflating for more trials lowers every point's probability
    assert (res.table["deflated_sharpe"] <= [fl.deflated_sharpe_ratio(runs[(lb, p)], 1)
                                             for lb, p in zip(res.table["lookback"], res.table["period"])]).all()


def test_random_search_with_a_seed(prices):
    grid = {"lookback": [3, 5, 10, 20], "period": [1, 2, 5]}
    a = grid_points(Mom, grid, 4, seed=3)
    assert a == grid_points(Mom, grid, 4, seed=3) and len(a) == 4
    full = Mom.param_grid(grid)
    assert all(p in full for p in a) and len({tuple(p.items()) for p in a}) == 4
    assert [full.index(p) for p in a] == sorted(full.index(p) for p in a)  # grid order
    assert grid_points(Mom, grid, 50, seed=3) == full
    assert grid_points(Mom, grid, 4, seed=4) != a
    res = sweep(Mom, prices, grid, n_trials=4, seed=3, progress=False)
    assert sorted(map(tuple, res.table[["lookback", "period"]].to_numpy().tolist())) == \
        sorted((p["lookback"], p["period"]) for p in a)
    assert res.overfitting["n_trials"] == 4
    huge = {f"p{i}": list(range(10)) for i in range(12)}  # 10^12 points: drawn without building the grid

    class Wide(Strategy):
        pass

    for i in range(12):
        setattr(Wide, f"p{i}", 0)
    pts = grid_points(Wide, huge, 5, seed=0)
    assert len(pts) == 5 and all(set(p) == set(huge) for p in pts)
    with pytest.raises(ParameterError, match="n_trials"):
        grid_points(Mom, grid, 0)


def test_cli_sweep_prints_pbo_and_deflated_sharpe(tmp_path, monkeypatch, capsys):
    from _cli_helpers import make_workdir

    from factorlab.cli import main

    work = make_workdir(tmp_path, bars=160, assets=8)
    monkeypatch.chdir(work)
    monkeypatch.syspath_prepend(str(work))
    assert main(["sweep", "--strategy", "strategies_for_cli:Reversal", "--prices", "prices.parquet",
                 "--benchmark", "SPX", "--no-track", "--no-progress", "--grid", "lookback=3,5,10,20",
                 "--grid", "period=1,2,5", "--n-trials", "5", "--seed", "11", "--out", "s.csv"]) == 0
    out = capsys.readouterr().out
    table = pd.read_csv(work / "s.csv")
    assert len(table) == 5 and table["deflated_sharpe"].between(0, 1).all()
    assert "deflated_sharpe" in out and "overfitting: 5 trials; probability of backtest overfitting" in out


def test_sweep_deflated_sharpe_by_the_published_formula(prices):
    """Bailey and Lopez de Prado (2014): DSR = Phi((SR - SR0) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2)),
    SR0 = sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e))), V the variance of the N trials'
    Sharpe ratios; written out here with numpy and scipy's normal distribution."""
    from scipy.stats import norm

    grid = {"lookback": [3, 10, 20], "period": [1, 5]}
    res = sweep(Mom, prices, grid, progress=False)
    r = {(lb, p): fl.run_backtest(Mom, prices, params={"lookback": lb, "period": p}, progress=False)
         .returns.to_numpy() for lb in (3, 10, 20) for p in (1, 5)}
    sr = {k: v.mean() / v.std(ddof=1) for k, v in r.items()}
    V, N, gamma = np.var(list(sr.values()), ddof=1), 6, 0.5772156649015329
    sr0 = np.sqrt(V) * ((1 - gamma) * norm.ppf(1 - 1 / N) + gamma * norm.ppf(1 - 1 / (N * np.e)))
    for _, row in res.table.iterrows():
        x = r[(row["lookback"], row["period"])]
        d = x - x.mean()
        g3, g4 = (d**3).mean() / (d**2).mean() ** 1.5, (d**4).mean() / (d**2).mean() ** 2
        s = sr[(row["lookback"], row["period"])]
        want = norm.cdf((s - sr0) * np.sqrt(len(x) - 1) / np.sqrt(1 - g3 * s + (g4 - 1) / 4 * s**2))
        assert row["deflated_sharpe"] == pytest.approx(want, rel=1e-9)
