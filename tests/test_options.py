"""One options object along the path: tear sheet, screen, prepare_factor_data and FactorStrategy agree."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.errors import ConcentrationWarning, ParameterError


@pytest.fixture(scope="module")
def case(sp500_prices):
    p = sp500_prices.iloc[:500, :50]
    return -(p / p.shift(5) - 1), p


OPTS = fl.FactorOptions(periods=(5,), stale="drop", equal_weight=True, cost_bps=10)


def test_tear_sheet_and_screen_read_one_options_object(case):
    factor, prices = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = fl.create_summary_tear_sheet(factor, prices, OPTS)
        res = fl.screen({"rev": factor}, prices, options=OPTS, progress=False)
    head, row = ts.tables["headline"]["5D"], res.table.loc[("rev", "5D")]
    assert head["long-short Sharpe"] == pytest.approx(row["Sharpe gross"], rel=1e-12)
    assert head["IC mean"] == pytest.approx(row["IC mean"], rel=1e-12)
    assert ts.options == OPTS and "equal weight per name on each side" in ts.notes[-1]
    # keywords override the object, and mean the same as the object
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kw = fl.create_summary_tear_sheet(factor, prices, periods=(5,), stale="drop", equal_weight=True,
                                          cost_bps=10)
    pd.testing.assert_frame_equal(kw.tables["headline"], ts.tables["headline"])


def test_prepare_and_strategy_take_the_options(case):
    factor, prices = case
    fd = fl.prepare_factor_data(factor, prices, options=OPTS)
    assert fd.periods == (5,) and fd.labels == ("5D",)
    assert fl.prepare_factor_data(factor, prices, options=OPTS, periods=(1,)).periods == (1,)  # keyword wins
    w = fl.factor_weights(fd, **OPTS.weight_kwargs)
    res = fl.interleaved_returns(w, prices, period=5)
    bt = fl.run_backtest(fl.FactorStrategy(fd, options=OPTS, period=5), prices, progress=False)
    assert fl.compare(res, bt).summary is not None
    np.testing.assert_allclose(bt.returns.reindex(res.returns.index).to_numpy(), res.returns.to_numpy(),
                               atol=1e-9)


def test_unknown_settings_and_bad_values_are_named():
    with pytest.raises(ParameterError, match=r"unknown setting\(s\) \['equal_weights'\]"):
        OPTS.replace(equal_weights=True)
    with pytest.raises(ParameterError, match="stale must be 'report' or 'drop'"):
        fl.FactorOptions(stale="yes")
    with pytest.raises(ParameterError, match="options must be a FactorOptions"):
        fl.create_summary_tear_sheet(pd.DataFrame(), pd.DataFrame(), {"periods": (1,)})


def test_concentration_hand_case_and_warning(case):
    dates = pd.date_range("2021-01-04", periods=3, freq="B")
    w = pd.DataFrame({"A": [0.5, 0.3, np.nan], "B": [-0.25, -0.35, 0.3], "C": [-0.25, 0.35, -0.4]}, index=dates)
    table = fl.concentration(w, limit=0.45)  # by hand: 0.5 of 1.0 (A, day 1); 0.4 of 0.7 (C, day 3)
    assert list(table["date"]) == [dates[2], dates[0]] and list(table["asset"]) == ["C", "A"]
    np.testing.assert_allclose(table["share"], [0.4 / 0.7, 0.5])
    assert list(table["names"]) == [2, 3] and table["weight"].iloc[0] == -0.4
    factor, prices = case
    with pytest.warns(ConcentrationWarning, match="long-short book's gross weight"):
        ts = fl.create_summary_tear_sheet(factor, prices, periods=(5,), concentration=0.05)
    assert "concentrated dates" in ts.tables["data_quality"].index and len(ts.tables["concentration"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConcentrationWarning)  # equal weights: 1/25 of the gross each
        fl.create_summary_tear_sheet(factor, prices, periods=(5,), equal_weight=True, concentration=0.05)


def test_strategy_names_assets_written_differently(case):
    factor, prices = case
    renamed = factor.rename(columns={factor.columns[0]: factor.columns[0].lower() + " "})
    with pytest.raises(fl.errors.AlignmentError, match="match a price column written differently"):
        fl.run_backtest(fl.FactorStrategy(renamed, period=5), prices, progress=False)
