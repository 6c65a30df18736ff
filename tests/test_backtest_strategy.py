"""FactorStrategy weight options, run windows (start/end/warmup), data views and the tear sheet hook."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.backtest import FactorStrategy, Strategy, backtest
from factorlab.errors import AlignmentError, ParameterError


@pytest.fixture(scope="module")
def small(sp500_prices, reversal_factor):
    px = sp500_prices.iloc[:150, :60]
    f = reversal_factor[reversal_factor.index.get_level_values("asset").isin(px.columns)]
    return px, f.loc[px.index[0]:px.index[-1]]


def test_max_names_and_side_scaling(small):
    px, f = small
    s = FactorStrategy(f, max_long=5, max_short=3, long_pct=0.6, leverage=2.0)
    w = s.target_weights().to_numpy()
    w0 = fl.factor_weights(f).to_numpy()
    assert ((w > 0).sum(axis=1) <= 5).all() and ((w < 0).sum(axis=1) <= 3).all()
    np.testing.assert_allclose(np.nansum(np.where(w > 0, w, 0), axis=1), 2.0 * 0.6)
    np.testing.assert_allclose(np.nansum(np.where(w < 0, w, 0), axis=1), -2.0 * 0.4)
    # the kept longs are the largest factor_weights longs, in the same proportions
    row = 20
    top = np.argsort(-np.nan_to_num(w0[row], nan=-np.inf))[:5]
    assert set(np.flatnonzero(w[row] > 0)) == set(top)
    np.testing.assert_allclose(w[row, top] / w[row, top].sum(), w0[row, top] / w0[row, top].sum())


def test_defaults_keep_factor_weights(small):
    px, f = small
    np.testing.assert_array_equal(FactorStrategy(f).target_weights().to_numpy(),
                                  fl.factor_weights(f).to_numpy())


def test_option_errors(small, sp500_sectors):
    px, f = small
    with pytest.raises(ParameterError, match="FactorData"):
        backtest(FactorStrategy(f, quantiles=[1, 5]), px, progress=False)
    with pytest.raises(ParameterError, match="groups"):
        backtest(FactorStrategy(f, group_neutral=True), px, progress=False)
    with pytest.raises(ParameterError, match="rebalance_days"):
        backtest(FactorStrategy(f, rebalance_days=0), px, progress=False)
    with pytest.raises(AlignmentError, match="no price column"):
        backtest(FactorStrategy(f), px.iloc[:, :10], progress=False)
    with pytest.raises(ParameterError):
        FactorStrategy([1, 2, 3])


def test_group_neutral_with_backtest_groups(small, sp500_sectors):
    px, f = small
    w = fl.factor_weights(f, group_neutral=True, groups=sp500_sectors)
    ref = fl.interleaved_returns(w, px, 4, delay=1, capital=1e6)
    bt = backtest(FactorStrategy(f, rebalance_days=4, group_neutral=True), px, groups=sp500_sectors, cash=1e6,
                  fractional=True, progress=False)
    np.testing.assert_allclose(bt.returns.reindex(ref.returns.index).to_numpy(), ref.returns.to_numpy(),
                               atol=1e-12)


def test_start_end_warmup(small):
    px, _ = small
    seen = []

    class Look(Strategy):
        def on_data(self, ctx, data):
            seen.append((data.bar, len(data.history())))

    res = backtest(Look(), px, start=px.index[50], end=px.index[99], warmup=10, progress=False)
    pd.testing.assert_index_equal(res.index, px.index[50:100])
    assert seen[0] == (50, 11) and seen[-1] == (99, 60)
    seen.clear()
    res = backtest(Look(), px, warmup=20, progress=False)
    assert res.index[0] == px.index[20] and seen[0] == (20, 21)
    with pytest.raises(ParameterError, match="no bars"):
        backtest(Look(), px, start=px.index[-1], end=px.index[0], progress=False)


def test_data_views(small):
    px, _ = small
    got = {}

    class Peek(Strategy):
        def on_data(self, ctx, data):
            if data.bar == 30:
                got["cur"] = data.current()
                got["one"] = data.current(px.columns[0])
                got["hist"] = data.history(list(px.columns[:2]), bar_count=5)
                got["ok"] = data.can_trade()
                ctx.order(px.columns[0], 10)
                got["open"] = ctx.open_orders()

    backtest(Peek(), px, progress=False)
    pd.testing.assert_series_equal(got["cur"], px.iloc[30], check_names=False)
    assert got["one"] == px.iloc[30, 0]
    pd.testing.assert_frame_equal(got["hist"], px.iloc[26:31, :2])
    assert got["ok"].all()
    assert got["open"]["asset"].tolist() == [px.columns[0]] and got["open"]["status"].tolist() == ["open"]


def test_orders_only_during_the_run(small):
    px, _ = small

    class Early(Strategy):
        def initialize(self, ctx):
            ctx.order(px.columns[0], 1)

    with pytest.raises(Exception, match="initialize"):
        backtest(Early(), px, progress=False)


def test_tear_sheet_and_benchmark(small, spx):
    px, f = small
    res = backtest(FactorStrategy(f, rebalance_days=5), px, benchmark=spx, cash=1e6, progress=False)
    b = res.benchmark_returns
    assert b.index.equals(res.index)
    np.testing.assert_allclose(b.iloc[1:].to_numpy(), spx.reindex(px.index).pct_change().iloc[1:].to_numpy())
    assert np.isfinite(res.stats["beta"])
    ts = res.tear_sheet()
    assert type(ts).__name__ == "ReturnsTearSheet"
