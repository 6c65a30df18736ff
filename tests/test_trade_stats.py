"""Per-trade analytics from round trips (hand-built golden cases) and the full backtest report in one call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.backtest import Strategy
from factorlab.backtest._roundtrips import round_trips
from factorlab.errors import ParameterError
from factorlab.metrics import trade_statistics

DAYS = pd.bdate_range("2021-01-04", periods=5)  # Mon .. Fri


@pytest.fixture
def fills() -> pd.DataFrame:
    """A: long 10+10 at 100/110, sold 20 at 120; B: short 5 at 50, covered at 60;
    C: long 4 at 25, sold 8 at 30 (a flip to short 4), covered at 20."""
    d = DAYS
    rows = [(d[0], "A", 10, 100.0, 1.0), (d[0], "B", -5, 50.0, 0.5), (d[1], "A", 10, 110.0, 1.0),
            (d[1], "C", 4, 25.0, 0.0), (d[2], "B", 5, 60.0, 0.5), (d[2], "C", -8, 30.0, 0.0),
            (d[3], "A", -20, 120.0, 2.0), (d[4], "C", 4, 20.0, 0.0)]
    return pd.DataFrame(rows, columns=["date", "asset", "shares", "price", "commission"]).assign(slippage=0.0)


def test_round_trips_by_hand(fills):
    rt = round_trips(fills, DAYS)
    # closed in time order: B (Wed), C long (Wed), A (Thu), C short (Fri)
    assert list(rt["asset"]) == ["B", "C", "A", "C"]
    assert list(rt["direction"]) == ["short", "long", "long", "short"]
    # A: average entry 105, 20 x (120 - 105) - 4 commission; B: -5 x (60 - 50) - 1; C: 4 x 5; C: 4 x 10
    np.testing.assert_allclose(rt["pnl"], [-51.0, 20.0, 296.0, 40.0])
    np.testing.assert_allclose(rt["cost_basis"], [250.0, 100.0, 2100.0, 120.0])
    np.testing.assert_allclose(rt["return"], [-51 / 250, 20 / 100, 296 / 2100, 40 / 120])
    np.testing.assert_allclose(rt["entry_price"], [50.0, 25.0, 105.0, 30.0])
    np.testing.assert_allclose(rt["exit_price"], [60.0, 30.0, 120.0, 20.0])
    np.testing.assert_allclose(rt["commission"], [1.0, 0.0, 4.0, 0.0])
    assert list(rt["duration"].dt.days) == [2, 1, 3, 2]
    assert list(rt["bars"]) == [2, 1, 3, 2]


def test_trade_statistics_by_hand(fills):
    s = trade_statistics(round_trips(fills, DAYS))
    assert s["trades"] == 4
    assert s["win_rate"] == 0.75 and s["loss_rate"] == 0.25
    assert s["profit_factor"] == pytest.approx(356 / 51, rel=1e-12)
    assert s["expectancy"] == pytest.approx(305 / 4, rel=1e-12)
    assert s["expectancy_return"] == pytest.approx((-51 / 250 + 0.2 + 296 / 2100 + 1 / 3) / 4, rel=1e-12)
    assert s["average_win"] == pytest.approx(356 / 3, rel=1e-12)
    assert s["average_loss"] == -51.0
    assert s["payoff_ratio"] == pytest.approx((356 / 3) / 51, rel=1e-12)
    assert (s["largest_win"], s["largest_loss"]) == (296.0, -51.0)
    assert (s["gross_profit"], s["gross_loss"], s["net_pnl"]) == (356.0, -51.0, 305.0)
    assert s["total_commission"] == 5.0 and s["total_slippage"] == 0.0
    assert (s["average_duration_days"], s["median_duration_days"], s["max_duration_days"]) == (2.0, 2.0, 3.0)
    assert s["average_bars"] == 2.0


def test_trade_statistics_degenerate():
    empty = round_trips(pd.DataFrame(columns=["date", "asset", "shares", "price", "commission"]))
    s = trade_statistics(empty)
    assert s["trades"] == 0 and s["total_commission"] == 0 and np.isnan(s["win_rate"])
    only_wins = pd.DataFrame({"pnl": [1.0, 2.0], "return": [0.1, 0.2],
                              "duration": pd.to_timedelta([1, 2], unit="D")})
    assert trade_statistics(only_wins)["profit_factor"] == np.inf
    assert np.isnan(trade_statistics(only_wins)["average_loss"])
    with pytest.raises(ParameterError, match="lacks column"):
        trade_statistics(pd.DataFrame({"pnl": [1.0]}))


class InAndOut(Strategy):
    """Buys equal weights on bar 0, sells everything on bar 10, buys again on bar 20, sells on bar 30."""

    def on_data(self, ctx, data):
        if data.bar in (0, 20):
            ctx.order_target_weights({a: 1 / len(ctx.assets) for a in ctx.assets})
        if data.bar in (10, 30):
            ctx.order_target_weights({})


@pytest.fixture
def prices(rng):
    index = pd.bdate_range("2021-01-04", periods=40)
    return pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.01, (40, 4)), axis=0)), index=index,
                        columns=list("ABCD"))


def test_backtest_trade_stats_add_up(prices):
    """All positions closed: the trades' net P&L is the account's profit; fees are the commission paid."""
    bt = fl.run_backtest(InAndOut(), prices, commission=5.0, slippage=3.0, progress=False)
    s = bt.trade_stats
    assert s["trades"] == 8
    assert s["net_pnl"] == pytest.approx(bt.equity.iloc[-1] - bt.capital, rel=1e-9)
    assert s["total_commission"] == pytest.approx(bt.costs["commission"].sum(), rel=1e-12)
    assert s["total_slippage"] == pytest.approx(bt.costs["slippage"].sum(), rel=1e-12)
    assert s["average_bars"] == 10.0
    assert bt.stats["trade_win_rate"] == s["win_rate"]
    assert bt.stats["net_profit"] == pytest.approx(s["net_pnl"], rel=1e-9)


def test_one_call_report_has_turnover_trades_per_day_capacity(prices):
    volumes = pd.DataFrame(5_000.0, index=prices.index, columns=prices.columns)
    bt = fl.run_backtest(InAndOut(), prices, volumes=volumes, progress=False)
    sheet = bt.tear_sheet()
    k = sheet.kpi
    # by hand: 16 fills over 39 calendar days... runtime days = last - first + 1
    days = (prices.index[-1] - prices.index[0]).days + 1
    assert k["trades_per_day"] == pytest.approx(16 / days, rel=1e-12)
    traded = bt.traded_value.to_numpy()
    assert k["turnover"] == pytest.approx((traded / bt.equity.to_numpy()).mean() * 252, rel=1e-9)
    fills = bt.trades
    bar = bt.index.get_indexer(fills["date"])
    dv = 5_000.0 * prices.to_numpy()[bar, bt.assets.get_indexer(fills["asset"])]
    expected = (0.01 * dv * bt.equity.to_numpy()[bar] / fills["value"].abs().to_numpy()).min()
    assert k["capacity"] == pytest.approx(expected, rel=1e-9)
    assert sheet.trade_returns.tolist() == pytest.approx(bt.round_trips["return"].tolist())
    assert "trade_stats" in sheet.tables and "returns_per_trade" in sheet.figures
    html = sheet.to_html()
    for label in ("Turnover", "Trades per day", "Strategy capacity", "Markets", "Profit factor",
                  "Win rate (per trade)", "Returns per trade"):
        assert label in html, label
    assert bt.markets == "4 of 4 assets traded, daily bars, session calendar"
    assert "4 of 4 assets traded" in html


def test_capacity_without_volumes_is_said(prices):
    html = fl.run_backtest(InAndOut(), prices, progress=False).tear_sheet().to_html()
    assert "no volumes given" in html
    assert "Strategy capacity needs traded volumes" in html


def test_per_bar_frame_adds_up_to_the_equity(prices):
    """Reference 004's per-bar layout: price, signal, prev_signal, trade, pnl, equity; the pnl of the assets
    on a bar is the account's change in equity (costs and slippage included)."""
    bt = fl.run_backtest(InAndOut(), prices, commission=5.0, slippage=3.0, delay=1, progress=False)
    frame = bt.frame
    assert list(frame.columns) == ["price", "signal", "prev_signal", "trade", "pnl", "equity"]
    change = bt.equity.diff().fillna(bt.equity.iloc[0] - bt.capital)
    by_bar = frame["pnl"].groupby(level="date").sum().reindex(bt.index, fill_value=0.0)
    np.testing.assert_allclose(by_bar.to_numpy(), change.to_numpy(), rtol=0, atol=1e-6)
    a = frame.xs("A", level="asset")
    first_fill = bt.trades[bt.trades["asset"] == "A"].iloc[0]
    assert a.loc[first_fill["date"], "trade"] == pytest.approx(first_fill["shares"])
    assert a.loc[first_fill["date"], "prev_signal"] == 0.0
    np.testing.assert_allclose(a["signal"], bt.weights["A"].reindex(a.index))
    np.testing.assert_allclose(a["price"], prices["A"].reindex(a.index))
