"""Broker arithmetic on hand-computed cases: fills, partial fills, costs, shorts, errors, no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from factorlab.backtest import (
    BpsCommission,
    Combine,
    FactorStrategy,
    InsufficientCashError,
    OrderError,
    PerShare,
    Strategy,
    StrategyError,
    UnknownAssetError,
    VolumeShareSlippage,
    backtest,
)
from factorlab.errors import NoFillsWarning, ParameterError

IDX = pd.bdate_range("2024-01-01", periods=6, name="date")


@pytest.fixture
def prices():
    return pd.DataFrame({"A": [10.0, 11, 12, 11, 10, 12], "B": [20.0, 19, 18, 20, 21, 22]}, index=IDX)


@pytest.fixture
def volumes(prices):
    return pd.DataFrame(100.0, index=prices.index, columns=prices.columns)


class Scripted(Strategy):
    """Places the orders of ``plan`` = {bar position: [(method, args, kwargs), ...]}."""

    plan = None

    def on_data(self, ctx, data):
        for method, args, kwargs in (self.plan or {}).get(data.bar, []):
            getattr(ctx, method)(*args, **kwargs)


def run(prices, plan, **kw):
    """The hand-computed cases below trade whole shares one bar after the order."""
    kw.setdefault("capital", 1000.0)
    kw.setdefault("delay", 1)
    kw.setdefault("fractional", False)
    kw.setdefault("progress", False)
    return backtest(Scripted(plan=plan), prices, **kw)


def test_order_fills_at_next_close(prices):
    res = run(prices, {0: [("order", ("A", 10), {})]})
    t = res.trades
    assert len(t) == 1 and t["date"].iloc[0] == IDX[1] and t["price"].iloc[0] == 11.0
    np.testing.assert_allclose(res.cash.to_numpy(), [1000, 890, 890, 890, 890, 890])
    np.testing.assert_allclose(res.equity.to_numpy(), [1000, 1000, 1010, 1000, 990, 1010])
    assert res.returns.iloc[2] == pytest.approx(0.01)
    assert res.orders["status"].tolist() == ["filled"]


def test_delay_zero_fills_same_close(prices):
    res = run(prices, {0: [("order", ("A", 10), {})]}, delay=0)
    assert res.trades["price"].iloc[0] == 10.0 and res.trades["date"].iloc[0] == IDX[0]


def test_fill_at_next_open(prices):
    opens = prices * 0.5
    res = run({"close": prices, "open": opens}, {0: [("order", ("A", 10), {})]})
    assert res.trades["price"].iloc[0] == 5.5
    assert res.equity.iloc[1] == pytest.approx(1000 - 55 + 110)  # valued at the close


@pytest.mark.parametrize("model,shares,expected", [
    (PerShare(0.01, minimum=1.0), 10, 1.0),        # 0.10 < minimum
    (PerShare(0.01, minimum=1.0), 500, 5.0),
    (BpsCommission(10), 10, 10 * 11 * 10e-4),
    ([PerShare(0.01, 0.0), BpsCommission(10)], 10, 0.1 + 0.11),
])
def test_commission_arithmetic(prices, model, shares, expected):
    res = run(prices, {0: [("order", ("A", shares), {})]}, commission=model, capital=1e5)
    assert res.trades["commission"].iloc[0] == pytest.approx(expected)
    assert res.cash.iloc[1] == pytest.approx(1e5 - shares * 11 - expected)
    assert res.costs["commission"].sum() == pytest.approx(expected)


def test_fixed_slippage_buy_and_sell(prices):
    res = run(prices, {0: [("order", ("A", 10), {})], 1: [("order", ("A", -10), {})]}, slippage=100)
    np.testing.assert_allclose(res.trades["price"].to_numpy(), [11 * 1.01, 12 * 0.99])
    np.testing.assert_allclose(res.trades["slippage"].to_numpy(), [1.1, 1.2])
    assert res.cash.iloc[-1] == pytest.approx(1000 - 111.1 + 118.8)


def test_volume_share_slippage(prices, volumes):
    res = run(prices, {0: [("order", ("A", 10), {})]}, volumes=volumes,
              slippage=VolumeShareSlippage(impact=0.1))
    assert res.trades["price"].iloc[0] == pytest.approx(11 * (1 + 0.1 * 0.1 ** 2))


def test_partial_fills_stay_open(prices, volumes):
    res = run(prices, {0: [("order", ("A", 25), {})]}, volumes=volumes, volume_limit=0.1, unfilled="keep")
    assert res.trades["shares"].tolist() == [10.0, 10.0, 5.0]
    assert res.trades["date"].tolist() == list(IDX[1:4])
    o = res.orders.iloc[0]
    assert o["status"] == "filled" and o["filled"] == 25 and o["closed"] == IDX[3]


def test_keep_open_per_order_overrides_default(prices, volumes):
    plan = {0: [("order", ("A", 25), {"keep_open": True})]}
    res = run(prices, plan, volumes=volumes, volume_limit=0.1)
    assert res.trades["shares"].tolist() == [10.0, 10.0, 5.0]


def test_no_price_order_waits_or_is_cancelled(prices):
    gappy = prices.copy()
    gappy.iloc[1:3, 0] = np.nan
    with pytest.warns(NoFillsWarning, match="1 cancelled: no tradeable price at the fill bar"):
        cancelled = run(gappy, {0: [("order", ("A", 10), {})]})
    assert cancelled.trades.empty and cancelled.orders["status"].tolist() == ["cancelled"]
    kept = run(gappy, {0: [("order", ("A", 10), {})]}, unfilled="keep")
    assert kept.trades["date"].tolist() == [IDX[3]] and kept.trades["price"].tolist() == [11.0]


def test_partial_fill_cancelled(prices, volumes):
    res = run(prices, {0: [("order", ("A", 25), {})]}, volumes=volumes, volume_limit=0.1)  # default: cancel
    assert res.trades["shares"].tolist() == [10.0]
    o = res.orders.iloc[0]
    assert o["status"] == "cancelled" and o["filled"] == 10
    assert res.positions["A"].iloc[-1] == 10


def test_volume_limit_integer_shares_and_pro_rata(prices):
    vol = pd.DataFrame(95.0, index=prices.index, columns=prices.columns)
    plan = {0: [("order", ("A", 30), {}), ("order", ("A", 10), {"book": 0})]}
    res = run(prices, plan, volumes=vol, volume_limit=0.1, unfilled="cancel", capital=1e5)
    # cap 9.5 shares shared 3:1 -> 7.125 and 2.375, truncated to whole shares
    assert res.trades["shares"].tolist() == [7.0, 2.0]


def test_short_position(prices):
    res = run(prices, {0: [("order", ("B", -10), {})]})
    assert res.cash.iloc[1] == pytest.approx(1190)
    np.testing.assert_allclose(res.equity.to_numpy(), [1000, 1000, 1010, 990, 980, 970])
    assert res.exposures["short_exposure"].iloc[2] == pytest.approx(-180 / 1010)
    assert res.positions["B"].iloc[-1] == -10


def test_target_orders_integer_and_fractional(prices):
    plan = {0: [("order_target_percent", ("A", 0.5), {})]}
    whole = run(prices, plan)
    frac = run(prices, plan, fractional=True)
    assert whole.positions["A"].iloc[-1] == 45  # 1000 * 0.5 / 11 = 45.45 -> 45
    assert frac.positions["A"].iloc[-1] == pytest.approx(500 / 11)
    res = run(prices, {0: [("order", ("A", 4), {})], 2: [("order_target", ("A", 10), {})]})
    assert res.trades["shares"].tolist() == [4.0, 6.0]


def test_target_weights_close_unlisted_positions(prices):
    plan = {0: [("order_target_weights", ({"A": 0.5, "B": -0.25},), {})],
            2: [("order_target_weights", ({"B": 0.2},), {})]}
    res = run(prices, plan, fractional=True)
    assert res.positions["A"].iloc[-1] == 0.0
    assert res.positions["B"].iloc[-1] > 0


def test_round_trip_pnl(prices):
    res = run(prices, {0: [("order", ("A", 10), {})], 1: [("order", ("A", -10), {})]},
              commission=PerShare(0.1, 0.0))
    rt = res.round_trips
    assert len(rt) == 1
    assert rt["pnl"].iloc[0] == pytest.approx(10 * (12 - 11) - 2.0)
    assert rt["direction"].iloc[0] == "long" and rt["return"].iloc[0] == pytest.approx(8 / 110)


def test_cancel_open_order(prices, volumes):
    plan = {0: [("order", ("A", 25), {})], 2: [("cancel", (), {})]}
    res = run(prices, plan, volumes=volumes, volume_limit=0.1, unfilled="keep")
    assert res.trades["shares"].sum() == 20  # bars 1 and 2 fill before the cancel at bar 2
    assert res.orders["status"].iloc[0] == "cancelled"


# ------------------------------------------------------------------ bad input
def test_unknown_asset(prices):
    with pytest.raises(UnknownAssetError, match="ZZZ"):
        run(prices, {1: [("order", ("ZZZ", 1), {})]})


@pytest.mark.parametrize("plan", [
    {1: [("order", ("A", np.nan), {})]},
    {1: [("order_target_weights", ({"A": np.nan},), {})]},
    {1: [("order_target_percent", ("A", np.inf), {})]},
])
def test_nan_sizes(prices, plan):
    with pytest.raises(OrderError, match="finite"):
        run(prices, plan)


def test_strategy_exception_reports_bar_and_traceback(prices, tmp_path):
    class Boom(Strategy):
        def on_data(self, ctx, data):
            if data.bar == 3:
                self.explode()

        def explode(self):
            raise ZeroDivisionError("kaboom")

    with pytest.raises(StrategyError, match="bar 3") as info:
        backtest(Boom(), prices, progress=False)
    assert info.value.bar == 3 and info.value.time == IDX[3]
    assert "explode" in info.value.strategy_traceback and "kaboom" in str(info.value)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_negative_cash_without_margin(prices):
    with pytest.raises(InsufficientCashError, match="bar 1"):
        run(prices, {0: [("order", ("A", 200), {})]}, margin=False)
    res = run(prices, {0: [("order", ("A", 200), {})]})  # margin allowed: negative cash is fine
    assert res.cash.iloc[-1] == pytest.approx(1000 - 2200)


def test_bad_arguments(prices):
    with pytest.raises(ParameterError):
        run(prices, {}, volume_limit=0.1)  # needs volumes
    with pytest.raises(ParameterError):
        run(prices, {}, delay=-1)
    with pytest.raises(ParameterError):
        run(prices, {}, capital=0)
    res = run(prices, {})
    with pytest.raises(ParameterError, match="csv"):
        res.save_equity("out.txt")


# ------------------------------------------------------------------ no look-ahead
class Momentum(Strategy):
    lookback = 5

    def initialize(self, ctx):
        self.seen = []

    def on_data(self, ctx, data):
        hist = data.history(bar_count=self.lookback)
        self.seen.append((data.bar, hist.index[-1], len(data.history())))
        if len(hist) < self.lookback:
            return
        mom = hist.iloc[-1] / hist.iloc[0] - 1
        w = (mom - mom.mean()) / (mom - mom.mean()).abs().sum()
        ctx.order_target_weights(w)


def test_no_look_ahead_poisoned_future(sp500_prices, rng):
    px = sp500_prices.iloc[:160, :30]
    cut = 100
    poisoned = px.copy()
    poisoned.iloc[cut:] = poisoned.iloc[cut:] * rng.uniform(0.2, 5.0, size=poisoned.iloc[cut:].shape)
    s1, s2 = Momentum(), Momentum()
    a = backtest(s1, px, capital=1e6, progress=False)
    b = backtest(s2, poisoned, capital=1e6, progress=False)
    # equity up to the bar before the poison, and every order placed before it, are identical
    np.testing.assert_array_equal(a.equity_values[:cut], b.equity_values[:cut])
    oa, ob = a.orders, b.orders
    before_a, before_b = oa[oa["submitted"] < px.index[cut]], ob[ob["submitted"] < px.index[cut]]
    assert len(before_a) > 100
    pd.testing.assert_frame_equal(before_a[["submitted", "asset", "amount"]].reset_index(drop=True),
                                  before_b[["submitted", "asset", "amount"]].reset_index(drop=True))
    # ... and the runs do differ after it (the poison is real)
    assert not np.allclose(a.equity_values[cut:], b.equity_values[cut:])
    # the strategy only ever saw bars up to the current one
    assert all(last == px.index[bar] and n == bar + 1 for bar, last, n in s1.seen)


# ------------------------------------------------------------------ parameters, schedules, combine
def test_params_mechanism(prices):
    assert Momentum(lookback=3).lookback == 3 and Momentum.lookback == 5
    with pytest.raises(ParameterError, match="no parameter"):
        Momentum(lookbak=3)
    assert Momentum.parse_params(["lookback=7"]) == {"lookback": 7}
    with pytest.raises(ParameterError):
        Momentum.parse_params(["lookback=abc"])
    assert FactorStrategy.parse_params(["period=5", "long_short=false", "max_long=10"]) == \
        {"period": 5, "long_short": False, "max_long": 10}
    grid = Momentum.param_grid({"lookback": [2, 3]})
    assert grid == [{"lookback": 2}, {"lookback": 3}]
    with pytest.raises(ParameterError):
        Momentum.param_grid({"nope": [1]})
    s = Momentum()
    backtest(Momentum, prices, params={"lookback": 2}, progress=False)
    backtest(s, prices, params={"lookback": 2}, progress=False)
    assert s.lookback == 5  # params applied to a copy


def test_schedules(sp500_prices):
    px = sp500_prices.iloc[:130, :3]
    calls = {"bar3": [], "month": [], "week": []}

    class Sched(Strategy):
        def initialize(self, ctx):
            ctx.schedule(lambda c, d: calls["bar3"].append(d.bar), every=3, offset=1)
            ctx.schedule(lambda c, d: calls["month"].append(d.time), on="month_start")
            ctx.schedule(lambda c, d: calls["week"].append(d.time), on="week_start", every=2)

    backtest(Sched(), px, progress=False)
    assert calls["bar3"] == list(range(1, 130, 3))
    months = px.index.to_period("M")
    assert calls["month"] == [px.index[0], *px.index[1:][months[1:] != months[:-1]]]
    assert len(calls["week"]) == -(-px.index.to_period("W").nunique() // 2)


def test_combine_splits_capital(sp500_prices, reversal_factor):
    px = sp500_prices.iloc[:200]
    f = reversal_factor.loc[px.index[0]:px.index[-1]]
    kw = dict(capital=1e6, fractional=True, progress=False)
    a = backtest(FactorStrategy(f, period=3), px, **kw)
    b = backtest(FactorStrategy(f, period=5, long_short=False), px, **kw)
    both = backtest([FactorStrategy(f, period=3),
                     FactorStrategy(f, period=5, long_short=False)],
                    px, **kw)
    np.testing.assert_allclose(both.equity_values, 0.5 * (a.equity_values + b.equity_values), rtol=1e-12)
    assert both.book_values.shape[1] == 1 + 2 + 3 + 5  # root, one per child, sleeves
    again = backtest(Combine([FactorStrategy(f, period=3),
                              FactorStrategy(f, period=5, long_short=False)]), px, **kw)
    np.testing.assert_array_equal(again.equity_values, both.equity_values)


# ------------------------------------------------------------------ reconciliation
class Recording(FactorStrategy):
    def on_data(self, ctx, data):
        super().on_data(ctx, data)
        books = np.array([ctx.portfolio.book_shares(b).to_numpy() for b in [0, *self.books]])
        total = ctx.portfolio.positions.reindex(ctx.assets, fill_value=0.0).to_numpy()
        self.log.append((data.bar, books, total))

    def initialize(self, ctx):
        super().initialize(ctx)
        self.log = []


def test_sleeve_books_reconcile_after_partial_fills(sp500_prices, reversal_factor):
    px = sp500_prices.iloc[:120, :40]
    f = reversal_factor[reversal_factor.index.get_level_values("asset").isin(px.columns)]
    f = f.loc[px.index[0]:px.index[-1]]
    vol = pd.DataFrame(4000.0, index=px.index, columns=px.columns)
    strat = Recording(f, period=3)
    res = backtest(strat, px, capital=1e7, volumes=vol, volume_limit=0.1, unfilled="cancel", delay=1,
                   progress=False)  # delay 1: the books logged in on_data hold every fill up to the bar
    orders = res.orders
    partial = orders[(orders["status"] == "cancelled") & (orders["filled"] != 0)]
    assert len(partial) > 50  # the volume limit really bit
    trades = res.trades
    for bar, books, total in strat.log:
        # the books add up to the account, every bar
        np.testing.assert_allclose(books.sum(axis=0), total, atol=1e-9)
    # each sleeve book holds exactly the shares of its own fills (not its targets)
    bar, books, _ = strat.log[-1]
    upto = trades[trades["date"] <= px.index[bar]]
    for i, b in enumerate(strat.books, start=1):
        fills = upto[upto["book"] == b].groupby("asset")["shares"].sum().reindex(px.columns, fill_value=0.0)
        np.testing.assert_allclose(books[i], fills.to_numpy(), atol=1e-9)
    # capped orders never exceed 10% of volume per asset and bar
    assert trades.groupby(["date", "asset"])["shares"].apply(lambda s: s.abs().sum()).max() <= 400 + 1e-9


# ------------------------------------------------------------------ order lifetime
def test_delayed_targets_all_fill_on_their_own_bar(prices):
    """delay 2, a new target every bar: each order lives until its execution bar (none is replaced)."""
    plan = {0: [("order_target", ("A", 10), {})], 1: [("order_target", ("A", 30), {})],
            2: [("order_target", ("A", 20), {})]}
    res = run(prices, plan, delay=2)
    t = res.trades
    assert t["date"].tolist() == [IDX[2], IDX[3], IDX[4]]
    assert t["shares"].tolist() == [10.0, 20.0, -10.0]          # sized against the book at each fill
    assert t["price"].tolist() == [12.0, 11.0, 10.0]
    assert res.orders["status"].tolist() == ["filled"] * 3
    assert res.positions["A"].tolist() == [0, 0, 10, 30, 20, 20]


def test_target_for_the_same_bar_replaces_the_earlier_one(prices):
    plan = {0: [("order_target", ("A", 10), {}), ("order_target", ("A", 4), {})]}
    res = run(prices, plan)
    assert res.trades["shares"].tolist() == [4.0]
    assert res.orders["status"].tolist() == ["cancelled", "filled"]


def test_kept_open_leftover_is_superseded_by_a_newer_target(prices, volumes):
    """A partly filled target kept open is cancelled when a newer target of the same asset comes due."""
    plan = {0: [("order_target", ("A", 25), {})], 1: [("order_target", ("A", 12), {})]}
    res = run(prices, plan, volumes=volumes, volume_limit=0.1, unfilled="keep")
    # bar 1: 10 of the first order (10% of 100); bar 2: the newer target alone, 12 - 10 = 2 shares
    assert res.trades["shares"].tolist() == [10.0, 2.0] and res.trades["order"].tolist() == [0, 1]
    o = res.orders
    assert o["status"].tolist() == ["cancelled", "filled"] and o["closed"].tolist() == [IDX[2], IDX[2]]
    assert res.positions["A"].iloc[-1] == 12


def test_no_fills_warning_names_orders_that_needed_no_trade(prices):
    plan = {0: [("order_target_percent", ("A", 0.001), {})]}      # 0.1 share, truncated to 0
    with pytest.warns(NoFillsWarning, match=r"1 needed no trade .*whole-share sizes rounded to 0"):
        res = run(prices, plan)
    assert res.trades.empty and res.orders["status"].tolist() == ["filled"]


def test_orders_are_listed_by_id_when_they_close_out_of_order(prices, volumes):
    plan = {0: [("order", ("A", 25), {})], 1: [("order", ("B", 5), {})]}  # order 0 fills over 3 bars
    res = run(prices, plan, volumes=volumes, volume_limit=0.1, unfilled="keep")
    assert res.orders["id"].tolist() == [0, 1]
    assert res.orders["asset"].tolist() == ["A", "B"]
    assert res.orders["closed"].tolist() == [IDX[3], IDX[2]]
    assert res.trades["order"].tolist() == [0, 0, 1, 0]


def test_ledger_keeps_records_in_order_across_blocks_and_joins():
    from factorlab.backtest._broker import FILL_DTYPE, Ledger

    ledger = Ledger(FILL_DTYPE, block_bytes=3 * FILL_DTYPE.itemsize)  # 3 records a block
    chunks = []
    for k in (2, 5, 0, 1, 7):
        rec = np.zeros(k, dtype=FILL_DTYPE)
        rec["order"] = np.arange(k) + 100 * len(chunks)
        rec["shares"] = np.linspace(-1.0, 1.0, k)
        chunks.append(rec)
        ledger.append(rec)
    assert len(ledger) == 15
    joined = ledger.join()
    expected = np.concatenate(chunks)
    assert joined.dtype == FILL_DTYPE and joined.tolist() == expected.tolist()
    assert ledger.join() is joined and len(ledger) == 15
    more = np.zeros(4, dtype=FILL_DTYPE)
    more["order"] = 999
    ledger.append(more)  # a later append does not change the array already handed out
    assert joined.tolist() == expected.tolist()
    assert ledger.join().tolist() == np.concatenate([expected, more]).tolist() and len(ledger) == 19
    assert len(Ledger(FILL_DTYPE).join()) == 0
