"""FactorStrategy weight options, run windows (start/end/warmup), data views and the tear sheet hook."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.backtest import FactorStrategy, LookAheadError, Strategy, backtest
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
    with pytest.raises(ParameterError, match="period"):
        backtest(FactorStrategy(f, period=0), px, progress=False)
    with pytest.raises(AlignmentError, match="factor assets without prices.*trades only assets with a price column"):
        backtest(FactorStrategy(f), px.iloc[:, :10], progress=False)
    with pytest.raises(ParameterError):
        FactorStrategy([1, 2, 3])


def test_group_neutral_with_backtest_groups(small, sp500_sectors):
    px, f = small
    w = fl.factor_weights(f, group_neutral=True, groups=sp500_sectors)
    ref = fl.interleaved_returns(w, px, 4)  # both with their defaults (delay 0, capital 1e6)
    bt = backtest(FactorStrategy(f, period=4, group_neutral=True), px, groups=sp500_sectors,
                  progress=False)
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
    res = backtest(FactorStrategy(f, period=5), px, benchmark=spx, capital=1e6, progress=False)
    b = res.benchmark_returns
    assert b.index.equals(res.index)
    np.testing.assert_allclose(b.iloc[1:].to_numpy(), spx.reindex(px.index).pct_change().iloc[1:].to_numpy())
    assert np.isfinite(res.stats["beta"])
    ts = res.tear_sheet()
    assert type(ts).__name__ == "ReturnsTearSheet"


# ------------------------------------------------------------------ what a strategy may see in initialize
def test_history_in_initialize_is_the_warmup_only(small):
    """ctx.history in initialize ends before the first replayed bar; in callbacks at the current bar."""
    px, _ = small
    got = {}

    class Look(Strategy):
        def initialize(self, ctx):
            got["init"] = ctx.history()
            got["init_one"] = ctx.history(px.columns[0], bar_count=3)
            got["index"] = ctx.index

        def on_data(self, ctx, data):
            if data.bar == 60:
                got["bar"] = ctx.history(bar_count=4)

    backtest(Look(), px, start=px.index[50], warmup=10, progress=False)
    pd.testing.assert_frame_equal(got["init"], px.iloc[40:50])
    pd.testing.assert_series_equal(got["init_one"], px.iloc[47:50, 0])
    pd.testing.assert_index_equal(got["index"], px.index)
    pd.testing.assert_frame_equal(got["bar"], px.iloc[57:61])
    backtest(Look(), px, progress=False)  # no warmup: nothing of the replayed bars
    assert got["init"].empty and list(got["init"].columns) == list(px.columns)
    with pytest.raises(ParameterError, match="no field 'open'"):
        backtest(type("Bad", (Strategy,), {"initialize": lambda self, ctx: ctx.history(field="open")})(), px,
                 progress=False)


class _Precomputed(FactorStrategy):
    """A factor computed from prices in initialize through ctx.precompute."""

    shift = 5

    def __init__(self, **params):
        Strategy.__init__(self, **params)
        self.factor = None

    def initialize(self, ctx):
        self.factor = ctx.precompute(self.signal)
        super().initialize(ctx)

    def signal(self, close):
        return -(close / close.shift(int(self.shift)) - 1.0)


def test_precompute_point_in_time_signal_equals_factor_given(small):
    px, _ = small
    bt = backtest(_Precomputed(period=3), px, progress=False)
    same = backtest(FactorStrategy(-(px / px.shift(5) - 1.0), period=3), px, progress=False)
    np.testing.assert_array_equal(bt.equity_values, same.equity_values)
    assert len(bt.trades) > 1000


def test_precompute_rejects_look_ahead(small):
    """A signal that reads tomorrow's price (shift(-1)) is caught by the truncation check."""
    px, _ = small
    with pytest.raises(LookAheadError, match=r"signal uses prices after the bar .* when the prices end at"):
        backtest(_Precomputed(shift=-1), px, progress=False)

    class Centred(_Precomputed):  # a centred rolling mean also peeks ahead
        def signal(self, close):
            return close.rolling(5, center=True).mean()

    with pytest.raises(LookAheadError):
        backtest(Centred(), px, progress=False)
    with pytest.raises(ParameterError, match="indexed by the price bars"):
        backtest(type("NoIndex", (_Precomputed,), {"signal": lambda self, c: c.reset_index(drop=True)})(), px,
                 progress=False)


def test_nothing_reaches_into_the_engine():
    """Strategies use the public context: no ``ctx._e`` in the package, the tests or the benchmarks."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    files = [*root.joinpath("factorlab").rglob("*.py"), *root.joinpath("tests").glob("*.py"),
             *root.joinpath("benchmarks").glob("*.py")]
    offenders = [str(f.relative_to(root)) for f in files
                 if "ctx._e" in f.read_text(encoding="utf-8") and f.name != pathlib.Path(__file__).name]
    assert offenders == []
