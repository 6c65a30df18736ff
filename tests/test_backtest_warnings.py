"""``BacktestResult.warnings``: held names whose prices stop or go stale, data gaps, orders never filled;
shown in the report's Warnings section and kept in the registry record."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.backtest import Strategy


def _prices() -> pd.DataFrame:
    """40 business days; DEAD delisted after bar 19, GAP missing on bars 10-12, FLAT unchanged on bars 5-18."""
    index = pd.bdate_range("2021-01-04", periods=40)
    rng = np.random.default_rng(3)
    steps = np.exp(np.cumsum(rng.normal(0, 0.01, size=(40, 4)), axis=0))
    prices = pd.DataFrame(100 * steps, index=index, columns=["AAA", "DEAD", "GAP", "FLAT"])
    prices.iloc[20:, 1] = np.nan
    prices.iloc[10:13, 2] = np.nan
    prices.iloc[5:19, 3] = prices.iloc[5, 3]
    return prices


class BuyAndHold(Strategy):
    """Equal weights on the first bar, then held; on bar 25 it tries to sell DEAD."""

    def on_data(self, ctx, data):
        if data.bar == 0:
            ctx.order_target_weights({a: 0.25 for a in ctx.assets})
            ctx.log("bought the four names")
        if data.bar == 25:
            ctx.order_target("DEAD", 0)
            ctx.log("tried to sell DEAD", level="warning")


def test_delisted_name_is_a_warning():
    bt = fl.run_backtest(BuyAndHold(), _prices(), progress=False)
    kinds = {(w.kind, w.asset) for w in bt.warnings}
    assert ("prices_stop", "DEAD") in kinds
    stop = next(w for w in bt.warnings if w.kind == "prices_stop")
    assert stop.start == pd.Timestamp("2021-02-01")  # bar 20
    last = _prices()["DEAD"].iloc[19]
    assert f"{last:,.4g}" in stop.message and "2021-02-01" in stop.message
    # the position is still carried at its last price to the end
    assert bt.positions["DEAD"].iloc[-1] == bt.positions["DEAD"].iloc[1]
    assert bt.position_values["DEAD"].iloc[-1] == pytest.approx(bt.positions["DEAD"].iloc[-1] * last)


def test_gap_stale_and_unfilled_warnings():
    bt = fl.run_backtest(BuyAndHold(), _prices(), progress=False)
    by_kind = {w.kind: w for w in bt.warnings}
    gap = by_kind["data_gap"]
    assert gap.asset == "GAP" and (gap.start, gap.end) == (pd.Timestamp("2021-01-18"), pd.Timestamp("2021-01-20"))
    assert "3 bar(s)" in gap.message
    stale = by_kind["stale_price"]
    assert stale.asset == "FLAT" and "14 bars" in stale.message
    unfilled = by_kind["unfilled"]
    assert "no tradeable price" in unfilled.message and "DEAD" in unfilled.message
    assert "AAA" not in {w.asset for w in bt.warnings}
    table = bt.warnings_table
    assert list(table.columns) == ["kind", "asset", "start", "end", "message"] and len(table) == len(bt.warnings)


def test_clean_run_has_no_warnings(rng):
    prices = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.01, (30, 3)), axis=0)),
                          index=pd.bdate_range("2021-01-04", periods=30), columns=list("abc"))
    bt = fl.run_backtest(BuyAndHold(), prices.rename(columns={"a": "AAA", "b": "DEAD", "c": "GAP"})
                         .assign(FLAT=prices["a"] * 1.5), progress=False)
    assert bt.warnings == ()
    assert "warnings" not in bt.tear_sheet().tables


def test_warnings_and_log_in_the_report_and_registry(tmp_path):
    bt = fl.run_backtest(BuyAndHold(), _prices(), progress=False, track=True, registry=tmp_path / "reg")
    sheet = bt.tear_sheet()
    assert "warnings" in sheet.sections and next(iter(sheet.sections)) == "warnings"
    html = sheet.to_html()
    assert '<section id="warnings"' in html
    stop = next(w for w in bt.warnings if w.kind == "prices_stop")
    assert f"<li>{stop.message}</li>" in html
    assert "tried to sell DEAD" in html and '<section id="log"' in html
    assert list(bt.log["message"]) == ["bought the four names", "tried to sell DEAD"]
    assert list(bt.log["level"]) == ["info", "warning"]
    assert bt.log["time"].iloc[1] == _prices().index[25]
    stored = fl.registry.load_run(bt.settings["run_id"], tmp_path / "reg")
    assert list(stored.warnings["message"]) == [w.message for w in bt.warnings]
    assert list(stored.log["message"]) == ["bought the four names", "tried to sell DEAD"]


def test_log_level_is_checked():
    class Bad(Strategy):
        def on_data(self, ctx, data):
            ctx.log("x", level="loud")

    with pytest.raises(fl.errors.ParameterError, match="level must be one of"):
        fl.run_backtest(Bad(), _prices(), progress=False)
