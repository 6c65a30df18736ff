"""Strategy API: class-level warmup, time-of-day schedules, min_order_size, FactorStrategy over several
factors and per-group max_long/max_short under group_neutral."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.backtest import FactorStrategy, Strategy
from factorlab.errors import ParameterError


@pytest.fixture
def prices(rng):
    index = pd.bdate_range("2021-01-04", periods=60)
    return pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.01, (60, 6)), axis=0)), index=index,
                        columns=list("abcdef"))


class NeedsHistory(Strategy):
    warmup = 5

    def initialize(self, ctx):
        self.seen = len(ctx.history())

    def on_data(self, ctx, data):
        pass


def test_class_level_warmup(prices):
    bt = fl.run_backtest(NeedsHistory, prices, progress=False)
    assert bt.index[0] == prices.index[5]  # start=None: the first 5 bars are history, not traded
    assert bt.settings["warmup"] == 5
    s = NeedsHistory()
    fl.run_backtest(s, prices, start=prices.index[20], progress=False)
    assert s.seen == 5  # 5 bars before start visible in initialize
    s = NeedsHistory()
    fl.run_backtest(s, prices, start=prices.index[20], warmup=8, progress=False)
    assert s.seen == 8  # the larger of the argument and the class's
    with pytest.raises(ParameterError, match="warmup"):
        fl.run_backtest(NeedsHistory(warmup=-1), prices, progress=False)


class Clock(Strategy):
    at = "10:30"
    on = "day_start"

    def initialize(self, ctx):
        self.calls = []
        ctx.schedule(lambda c, d: self.calls.append(d.time), on=self.on, at=self.at)


@pytest.fixture
def hourly():
    days = pd.bdate_range("2021-03-01", periods=3)
    index = pd.DatetimeIndex([d + pd.Timedelta(hours=h) for d in days for h in range(9, 17)])
    index = index.delete(9)  # day 2 has no 10:00 bar (09:00, 11:00, ...)
    return pd.DataFrame({"x": np.linspace(100, 101, len(index))}, index=index)


def test_time_of_day_schedule(hourly):
    s = Clock()
    fl.run_backtest(s, hourly, progress=False)
    # first bar at or after 10:30 each day: 11:00 every day
    assert s.calls == [pd.Timestamp(f"2021-03-0{d} 11:00") for d in (1, 2, 3)]
    s = Clock(at="10:00")
    fl.run_backtest(s, hourly, progress=False)
    assert s.calls == [pd.Timestamp("2021-03-01 10:00"), pd.Timestamp("2021-03-02 11:00"),
                       pd.Timestamp("2021-03-03 10:00")]
    s = Clock(at=None)
    fl.run_backtest(s, hourly, progress=False)
    assert s.calls == [pd.Timestamp(f"2021-03-0{d} 09:00") for d in (1, 2, 3)]
    s = Clock(on="week_start", at="15:00")
    fl.run_backtest(s, hourly, progress=False)
    assert s.calls == [pd.Timestamp("2021-03-01 15:00")]
    with pytest.raises(ParameterError, match="time of day"):
        fl.run_backtest(Clock(at="half past ten"), hourly, progress=False)


class Small(Strategy):
    def on_data(self, ctx, data):
        if data.bar == 0:
            ctx.order("a", 0.4)
            ctx.order("b", 10)
            ctx.order("c", -0.9)


def test_min_order_size(prices):
    bt = fl.run_backtest(Small(), prices, min_order_size=1, progress=False)
    assert list(bt.trades["asset"]) == ["b"]
    assert list(bt.orders["status"]) == ["cancelled", "filled", "cancelled"]
    assert bt.settings["min_order_size"] == 1

    class SmallDeclared(Small):
        min_order_size = 0.5

    bt = fl.run_backtest(SmallDeclared(), prices, progress=False)
    assert sorted(bt.trades["asset"]) == ["b", "c"]
    with pytest.raises(ParameterError, match="min_order_size"):
        fl.run_backtest(Small(), prices, min_order_size=-1, progress=False)


def test_several_factors_average_weights_and_equal_the_calculator(prices):
    f1 = prices.pct_change(5)
    f2 = -prices.pct_change(2)
    one, two = FactorStrategy(f1, period=3), FactorStrategy(f2, period=3)
    both = FactorStrategy([f1, f2], period=3)
    w1, w2 = one.target_weights(), two.target_weights()
    want = (w1.fillna(0.0) + w2.reindex_like(w1).fillna(0.0)) / 2
    got = both.target_weights().reindex_like(want)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), atol=1e-15)
    assert FactorStrategy({"momentum": f1, "reversal": f2}, period=3).target_weights().equals(both.target_weights())
    bt = fl.run_backtest(both, prices, progress=False)
    calc = fl.interleaved_returns(both.target_weights(), prices, period=3)
    np.testing.assert_allclose(bt.returns.to_numpy(), calc.returns.reindex(bt.index).to_numpy(), atol=1e-9)
    with pytest.raises(ParameterError, match="list or dict"):
        FactorStrategy([f1, "not a factor"])


def test_max_long_short_per_group_by_hand():
    """Groups X = (a, b, c) with factor 1, 2, 6 and Y = (d, e, f) with 0, 4, 5; demeaned per group: -2, -1, 3
    and -3, 1, 2 (gross 12). One name per side and group, each group's sides scaled back to their gross."""
    day = pd.DatetimeIndex(["2021-01-04"])
    factor = pd.DataFrame([[1.0, 2.0, 6.0, 0.0, 4.0, 5.0]], index=day, columns=list("abcdef"))
    groups = pd.Series(dict(zip("abcdef", "XXXYYY")))
    s = FactorStrategy(factor, group_neutral=True)
    np.testing.assert_allclose(s.target_weights(groups).to_numpy()[0], np.array([-2, -1, 3, -3, 1, 2]) / 12)
    s = FactorStrategy(factor, group_neutral=True, max_long=1, max_short=1)
    got = s.target_weights(groups).to_numpy()[0]
    np.testing.assert_allclose(got, np.array([-3, 0, 3, -3, 0, 3]) / 12, atol=1e-15)
    for members in ("abc", "def"):  # each group stays neutral
        assert got[[ord(m) - ord("a") for m in members]].sum() == pytest.approx(0.0, abs=1e-15)
    # without group_neutral the selection is over all names: c and f long, d and a short
    s = FactorStrategy(factor, max_long=2, max_short=2)
    w = s.target_weights().to_numpy()[0]
    assert (w[[2, 5]] > 0).all() and (w[[0, 3]] < 0).all() and w[1] == 0 and w[4] == 0
