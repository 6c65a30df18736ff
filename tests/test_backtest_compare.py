"""fl.compare: tear sheet (calculator) vs backtest, friction attribution and its plot; result outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.backtest import FactorStrategy, FixedBps, PerShare, backtest, compare
from factorlab.errors import AlignmentError, ParameterError
from factorlab.plotting._backtest import plot_backtest_comparison, plot_friction_attribution

CASH = 10_000_000.0


@pytest.fixture(scope="module")
def weights(reversal_factor):
    return fl.factor_weights(reversal_factor)


@pytest.fixture(scope="module")
def reference(weights, sp500_prices):
    return fl.interleaved_returns(weights, sp500_prices, 5, delay=1, capital=CASH)


@pytest.fixture(scope="module")
def integer_run(reversal_factor, sp500_prices):
    return backtest(FactorStrategy(reversal_factor, period=5), sp500_prices, capital=CASH,
                    delay=1, fractional=False, commission=PerShare(0.005, 1.0),
                    slippage=FixedBps(2),
                    progress=False)


@pytest.fixture(scope="module")
def comparison(reference, integer_run):
    return compare(reference, integer_run)


def test_integer_shares_correlation(reference, reversal_factor, sp500_prices):
    bt = backtest(FactorStrategy(reversal_factor, period=5), sp500_prices, capital=CASH,
                  delay=1, fractional=False, progress=False)
    cmp = compare(reference, bt, frictions=False)
    assert cmp.correlation >= 0.999
    assert 0 < cmp.max_abs_difference < 1e-3  # integer shares do move the returns, a little
    assert cmp.attribution.empty
    # all positions are whole shares
    pos = bt.positions.to_numpy()
    np.testing.assert_array_equal(pos, np.round(pos))


def test_comparison_numbers(comparison, reference, integer_run):
    r = comparison.returns
    pd.testing.assert_index_equal(r.index, reference.returns.index)
    diff = integer_run.returns.reindex(r.index) - reference.returns
    np.testing.assert_allclose(comparison.difference.to_numpy(), diff.to_numpy())
    assert comparison.correlation == pytest.approx(np.corrcoef(r["reference"], r["backtest"])[0, 1])
    assert comparison.correlation >= 0.999
    assert comparison.tracking_error == pytest.approx(diff.std() * np.sqrt(252))
    cum = (1 + r).prod() - 1
    assert comparison.cumulative_gap.iloc[-1] == pytest.approx(cum["backtest"] - cum["reference"])
    assert comparison.cumulative_gap.iloc[-1] < 0  # costs and slippage lose money


def test_attribution_adds_up(comparison):
    a = comparison.attribution
    assert list(a.index) == ["model", "costs", "slippage", "integer shares", "interaction"]
    assert abs(a["model"]) < 1e-9                      # frictionless rerun == calculator
    assert a["costs"] < 0 and a["slippage"] < 0        # both cost money
    assert a.sum() == pytest.approx(comparison.cumulative_gap.iloc[-1], abs=1e-12)
    s = comparison.summary()
    assert s["gap_costs"] == a["costs"] and s["correlation"] == comparison.correlation


def test_delay_friction(reversal_factor, sp500_prices, weights):
    px = sp500_prices.iloc[:300]
    w = weights.loc[:px.index[-1]]
    ref = fl.interleaved_returns(w, px, 5, delay=0, capital=CASH)
    bt = backtest(FactorStrategy(reversal_factor.loc[:px.index[-1]], period=5), px, capital=CASH,
                  delay=1, fractional=True, progress=False)
    cmp = compare(ref, bt)
    assert list(cmp.attribution.index) == ["model", "delay", "interaction"]
    assert abs(cmp.attribution["model"]) < 1e-9 and abs(cmp.attribution["interaction"]) < 1e-9
    assert cmp.attribution["delay"] == pytest.approx(cmp.cumulative_gap.iloc[-1], abs=1e-9)


def test_compare_plot_artists(comparison):
    fig = comparison.plot()
    ax_lines, ax_bars = fig.axes
    labels = [l.get_label() for l in ax_lines.get_lines() if not l.get_label().startswith("_")]
    assert labels == ["tear sheet", "backtest"]
    np.testing.assert_allclose(ax_lines.get_lines()[1].get_ydata(), comparison.cumulative["backtest"])
    widths = [p.get_width() for p in ax_bars.patches]
    np.testing.assert_allclose(widths, comparison.attribution.to_numpy())


def test_plot_functions_take_ax(comparison):
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert plot_friction_attribution(comparison.attribution, ax=ax) is ax
    assert plot_backtest_comparison(comparison.cumulative, ax=ax) is ax
    with pytest.raises(ParameterError):
        plot_friction_attribution(pd.Series(dtype=float))


def test_compare_bad_input(integer_run):
    with pytest.raises(ParameterError):
        compare(object(), integer_run)
    with pytest.raises(AlignmentError):
        compare(pd.Series([0.0, 0.1], index=pd.bdate_range("1990-01-01", periods=2)), integer_run)


# ------------------------------------------------------------------ result outputs
def test_result_tables(integer_run, reference):
    r = integer_run
    assert r.positions.shape == (1440, 471) and r.weights.shape == (1440, 471)
    np.testing.assert_allclose(r.position_values.sum(axis=1) + r.cash, r.equity, rtol=1e-12)
    o, t = r.orders, r.trades
    assert set(o["status"]) <= {"filled", "cancelled", "open"}
    assert len(t) > 100_000 and t["commission"].min() >= 1.0  # PerShare minimum
    np.testing.assert_allclose(t["commission"].sum(), r.costs["commission"].sum())
    filled = o.groupby("asset")["filled"].sum()
    np.testing.assert_allclose(filled.reindex(r.assets).to_numpy(), r.positions.iloc[-1].to_numpy(),
                               atol=1e-6)
    for key in ("sharpe", "max_drawdown", "total_return", "mean_turnover", "total_commission"):
        assert np.isfinite(r.stats[key])
    assert r.stats["total_return"] == pytest.approx(r.equity.iloc[-1] / CASH - 1)
    # sleeves net each other at account level: the calculator's exposures, up to integer shares and costs
    exp = r.exposures.reindex(reference.exposures.index)
    np.testing.assert_allclose(exp.to_numpy(), reference.exposures.to_numpy(), atol=0.02)
    assert "BacktestResult" in repr(r) and "<b>Backtest</b>" in r._repr_html_()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_save_outputs(integer_run, tmp_path, suffix):
    r = integer_run
    eq = r.save_equity(tmp_path / f"equity{suffix}")
    tr = r.save_trades(tmp_path / f"trades{suffix}")
    od = r.save_orders(tmp_path / f"orders{suffix}")
    read = pd.read_csv if suffix == ".csv" else pd.read_parquet
    back = read(eq)
    np.testing.assert_allclose(back["equity"].to_numpy(), r.equity.to_numpy())
    assert len(read(tr)) == len(r.trades) and len(read(od)) == len(r.orders)


def test_compare_with_tear_sheet_quantile_returns(sp500_prices, reversal_factor):
    import warnings

    px = sp500_prices.iloc[:250]
    f = reversal_factor.loc[:px.index[-1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(f, px, periods=(1, 5), quantiles=5, delay=1)
    qr = fl.quantile_interleaved_returns(fd, capital=CASH)
    bt = backtest(FactorStrategy(fd, period=5), px, capital=CASH, delay=1, progress=False)
    cmp = compare(qr, bt, frictions=False)
    assert cmp.max_abs_difference < 1e-9 and len(cmp.returns) > 200
    assert cmp.differing_settings == []
    with pytest.raises(ParameterError, match="no period"):
        compare(qr, bt, period="10D")


def test_volume_limit_friction(sp500_prices, reversal_factor, weights):
    px = sp500_prices.iloc[:200, :80]
    f = reversal_factor[reversal_factor.index.get_level_values("asset").isin(px.columns)].loc[:px.index[-1]]
    ref = fl.interleaved_returns(fl.factor_weights(f), px, 5, capital=CASH)
    vol = pd.DataFrame(20_000.0, index=px.index, columns=px.columns)
    bt = backtest(FactorStrategy(f, period=5), px, capital=CASH, fractional=True, volumes=vol,
                  volume_limit=0.05, progress=False)
    cmp = compare(ref, bt)
    assert list(cmp.attribution.index) == ["model", "volume limit", "interaction"]
    assert abs(cmp.attribution["volume limit"]) > 1e-4
    assert cmp.attribution["volume limit"] == pytest.approx(cmp.cumulative_gap.iloc[-1], abs=1e-9)
    assert (bt.orders["status"] == "cancelled").any()


# ------------------------------------------------------------------ one set of defaults
@pytest.fixture(scope="module")
def factor_wide(sp500_prices):
    """A raw wide factor (5-bar reversal), known at t, with a value on every date up to the last bar."""
    return -(sp500_prices / sp500_prices.shift(5) - 1.0)


def test_compare_with_all_defaults_has_no_gap(sp500_prices, factor_wide):
    """Calculator and backtest with nothing but their defaults: zero gap to the last bar, nothing differs."""
    res = fl.interleaved_returns(fl.factor_weights(factor_wide), sp500_prices, 5)
    bt = backtest(FactorStrategy(factor_wide, period=5), sp500_prices, progress=False)
    cmp = fl.compare(res, bt)
    print(f"defaults: {len(cmp.returns)} bars to {cmp.returns.index[-1].date()}, max |difference| "
          f"{cmp.max_abs_difference:.3g}, final cumulative gap {cmp.cumulative_gap.iloc[-1]:.3g}, "
          f"differing settings {cmp.differing_settings}")
    assert cmp.returns.index[-1] == sp500_prices.index[-1]  # the end of the sample is compared
    assert len(cmp.returns) == len(sp500_prices)  # every bar: the wide factor has a row on each
    assert cmp.max_abs_difference < 1e-9
    assert abs(cmp.cumulative_gap.iloc[-1]) < 1e-9 and cmp.cumulative_gap.abs().max() < 1e-9
    assert cmp.differing_settings == [] and cmp.summary()["differing_settings"] == []
    assert list(cmp.attribution.index) == ["model", "interaction"] and cmp.attribution.abs().max() < 1e-9
    assert not cmp.settings["differs"].any()
    assert cmp.settings.loc["delay"].tolist()[:2] == [0, 0]
    assert cmp.settings.loc["fractional"].tolist()[:2] == [True, True]
    assert cmp.settings.loc["capital"].tolist()[:2] == [1_000_000.0, 1_000_000.0]
    assert "differing settings: none" in repr(cmp) and "differ: none" in cmp._repr_html_()
    assert bt.settings["delay"] == res.delay == 0 and bt.settings["fractional"] is True
    assert bt.settings["capital"] == res.capital


def test_tear_sheet_path_with_defaults_has_no_end_of_sample_gap(sp500_prices, factor_wide):
    """The tear sheet's portfolio (prepare_factor_data) against a backtest of the raw factor, all defaults.

    The factor data has weights for every factor date up to the last bar (point in time), so the
    tear sheet's sleeves trade to the end of the sample as the backtest does.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(factor_wide, sp500_prices, periods=(5,), quantiles=5)
    qr = fl.quantile_interleaved_returns(fd)
    bt = backtest(FactorStrategy(factor_wide, period=5), sp500_prices, progress=False)
    cmp = fl.compare(qr, bt)
    print(f"tear sheet path: {len(cmp.returns)} bars to {cmp.returns.index[-1].date()}, max |difference| "
          f"{cmp.max_abs_difference:.3g}, differing settings {cmp.differing_settings}")
    assert cmp.differing_settings == []
    assert cmp.returns.index[-1] == sp500_prices.index[-1]
    assert cmp.max_abs_difference < 1e-9 and abs(cmp.cumulative_gap.iloc[-1]) < 1e-9


@pytest.mark.parametrize("kwargs,expected", [
    ({"delay": 1}, ["delay"]),
    ({"fractional": False}, ["fractional"]),
    ({"commission": 5.0}, ["costs"]),
    ({"slippage": 2.0}, ["slippage"]),
    ({"capital": 5e6}, ["capital"]),
    ({"delay": 2, "commission": PerShare(0.005, 1.0), "capital": 2e6}, ["delay", "costs", "capital"]),
], ids=["delay", "fractional", "costs", "slippage", "capital", "three"])
def test_compare_lists_the_settings_that_differ(sp500_prices, factor_wide, kwargs, expected):
    px = sp500_prices.iloc[:120, :60]
    f = factor_wide.iloc[:120, :60]
    res = fl.interleaved_returns(fl.factor_weights(f), px, 5)
    bt = backtest(FactorStrategy(f, period=5), px, progress=False, **kwargs)
    cmp = compare(res, bt, frictions=False)
    assert cmp.differing_settings == expected
    assert cmp.summary()["differing_settings"] == expected
    for name in expected:
        ref_value, bt_value, differs = cmp.settings.loc[name]
        assert differs and ref_value != bt_value
    if "costs" in expected:
        assert cmp.settings.loc["costs", "reference"] == "none"


def test_compare_settings_of_other_references(sp500_prices, factor_wide):
    """Volume limit and period differences are listed; a plain returns Series knows no settings."""
    px = sp500_prices.iloc[:120, :60]
    f = factor_wide.iloc[:120, :60]
    res = fl.interleaved_returns(fl.factor_weights(f), px, 3, cost_bps=5.0)
    vol = pd.DataFrame(1e9, index=px.index, columns=px.columns)
    bt = backtest(FactorStrategy(f, period=5), px, volumes=vol, volume_limit=0.5, commission=5.0, progress=False)
    cmp = compare(res, bt, frictions=False)
    assert cmp.differing_settings == ["period", "volume limit"]
    assert cmp.settings.loc["costs"].tolist() == ["5 bps", "5 bps", False]
    plain = compare(res.returns, bt, frictions=False)
    assert plain.differing_settings == [] and plain.settings["reference"].isna().all()


def test_one_bar_tear_sheet_sleeves_equal_the_backtest(sp500_prices, reversal_factor):
    """The 1D quantile sleeves without costs on gap-free prices come from the block formula (not the
    cycle loop); the event-driven backtest of the same factor, all defaults, agrees with them."""
    import warnings

    from factorlab.portfolio import _interleaved_quantiles as iq

    px = sp500_prices.iloc[:300]
    f = reversal_factor.loc[:px.index[-1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(f, px, periods=(1,), quantiles=5)
    panel = iq.price_panel(fd.prices, fd.assets)
    assert not panel.any_blocked.any()   # so the 1D run takes the block formula
    qr = fl.quantile_interleaved_returns(fd)
    cmp = compare(qr, backtest(FactorStrategy(fd, period=1), px, progress=False))
    assert cmp.differing_settings == [] and len(cmp.returns) > 250
    assert cmp.max_abs_difference < 1e-12
