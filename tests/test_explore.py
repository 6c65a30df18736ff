"""The explorer, driven programmatically: each control recomputes and redraws to independent values."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

import factorlab as fl  # noqa: E402
from factorlab.errors import ParameterError  # noqa: E402
from factorlab.explore import ExplorerSettings, PanelComputer, explore  # noqa: E402
from factorlab.explore._compute import explorer_inputs  # noqa: E402


@pytest.fixture(scope="module")
def sample():
    return fl.load_sample()


@pytest.fixture(scope="module")
def small(sample):
    """Three years of 40 assets: enough for every statistic, quick to recompute."""
    prices = sample.prices.loc["2016":"2018", sample.prices.columns[:40]]
    factor = -(prices / prices.shift(5) - 1)
    return factor, prices, sample.sectors[prices.columns]


@pytest.fixture
def ex(small):
    factor, prices, sectors = small
    return explore(factor, prices, groupby=sectors)


def _prepare(small, period=5, quantiles=5, delay=0, start=None, end=None):
    factor, prices, sectors = small
    if start is not None:  # factor dates in [start, end]; prices until period + delay bars after end
        hi = prices.index.get_loc(end) + 1 + period + delay
        factor, prices = factor.loc[start:end], prices.iloc[:hi].loc[start:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fl.prepare_factor_data(factor, prices, periods=(period,), quantiles=quantiles,
                                      groupby=sectors, delay=delay, max_loss=1.0)


def _growth_line(ex) -> np.ndarray:
    line = next(ln for ln in ex.figure.axes[1].get_lines() if ln.get_label() == "factor portfolio")
    return np.asarray(line.get_ydata(), dtype=float)


def _bar_heights(ax) -> np.ndarray:
    return np.array([p.get_height() for p in ax.patches])


def _expected_growth(fd, prices, period, delay=0, cost_bps=0.0, long_only=False):
    w = (fl.factor_weights(fd, quantiles=fd.n_quantiles, long_short=False) if long_only
         else fl.factor_weights(fd))
    r = fl.interleaved_returns(w, prices[fd.assets], period, delay=delay, cost_bps=cost_bps).returns
    return (1 + r).cumprod().to_numpy()


def test_initial_panels_match_the_tear_sheet_statistics(ex, small):
    fd = _prepare(small)
    ic = fl.information_coefficient(fd)["5D"]
    assert ex.tables["headline"].loc["IC mean", "5D"] == pytest.approx(ic.mean(), rel=1e-12)
    rate = fl.rate_of_return(fl.mean_return_by_quantile(fd, demeaned=True)[0], "1D")["5D"]  # bps per bar, whatever the period
    np.testing.assert_allclose(_bar_heights(ex.figure.axes[0]), rate.to_numpy() * 1e4, rtol=1e-10)
    np.testing.assert_allclose(_growth_line(ex), _expected_growth(fd, small[1], 5), rtol=1e-12)
    assert len(ex.figure.axes) == 4 and ex.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "IC mean" in ex.table_html.value and ex.timings


def test_period_control(ex, small):
    before = ex.image.value
    ex.controls["period"].value = 10
    fd = _prepare(small, period=10)
    assert ex.settings.period == 10 and list(ex.tables["headline"].columns) == ["10D"]
    ic = fl.information_coefficient(fd)["10D"]
    assert ex.tables["headline"].loc["IC mean", "10D"] == pytest.approx(ic.mean(), rel=1e-12)
    np.testing.assert_allclose(_growth_line(ex), _expected_growth(fd, small[1], 10), rtol=1e-12)
    assert ex.image.value != before


def test_quantiles_control(ex, small):
    ex.controls["quantiles"].value = 10
    fd = _prepare(small, quantiles=10)
    rate = fl.rate_of_return(fl.mean_return_by_quantile(fd, demeaned=True)[0], "1D")["5D"]  # bps per bar, whatever the period
    heights = _bar_heights(ex.figure.axes[0])
    assert len(heights) == 10
    np.testing.assert_allclose(heights, rate.to_numpy() * 1e4, rtol=1e-10)


def test_long_only_control(ex, small):
    ex.controls["mode"].value = False
    fd = _prepare(small)
    assert not ex.settings.long_short
    expected = _expected_growth(fd, small[1], 5, long_only=True)
    np.testing.assert_allclose(_growth_line(ex), expected, rtol=1e-12)
    raw = fl.rate_of_return(fl.mean_return_by_quantile(fd, demeaned=False)[0], "1D")["5D"]  # bps per bar, whatever the period
    np.testing.assert_allclose(_bar_heights(ex.figure.axes[0]), raw.to_numpy() * 1e4, rtol=1e-10)
    assert "long top quantile Sharpe" in ex.tables["headline"].index


def test_group_neutral_control(ex, small):
    ex.controls["group_neutral"].value = True
    fd = _prepare(small)
    ic = fl.information_coefficient(fd, group_adjust=True)["5D"]
    assert ex.tables["headline"].loc["IC mean", "5D"] == pytest.approx(ic.mean(), rel=1e-12)
    w = fl.factor_weights(fd, group_neutral=True)
    r = fl.interleaved_returns(w, small[1][fd.assets], 5).returns
    np.testing.assert_allclose(_growth_line(ex), (1 + r).cumprod().to_numpy(), rtol=1e-12)


def test_by_group_control(ex, small):
    assert "ic_by_group" not in ex.tables
    ex.controls["by_group"].value = True
    fd = _prepare(small)
    expected = fl.ic_by_group(fd)
    pd.testing.assert_frame_equal(ex.tables["ic_by_group"], expected)
    np.testing.assert_allclose(_bar_heights(ex.figure.axes[3]), expected["5D"].to_numpy(), rtol=1e-12)
    assert "ic by group" in ex.table_html.value


def test_delay_control(ex, small):
    ex.controls["delay"].value = 2
    fd = _prepare(small, delay=2)
    assert fd.delay == 2 and ex.settings.delay == 2
    np.testing.assert_allclose(_growth_line(ex), _expected_growth(fd, small[1], 5, delay=2), rtol=1e-12)


def test_cost_control(ex, small):
    gross = _growth_line(ex)[-1]
    ex.controls["cost_bps"].value = 25.0
    fd = _prepare(small)
    net = _expected_growth(fd, small[1], 5, cost_bps=25.0)
    np.testing.assert_allclose(_growth_line(ex), net, rtol=1e-12)
    assert net[-1] < gross
    assert "long-short annual return @ 25 bps" in ex.tables["headline"].index
    assert ex.tables["headline"].loc["costs paid (share of capital)", "5D"] > 0


def test_date_range_control(ex, small):
    options = ex.controls["date_range"].options
    start, end = options[6][1], options[20][1]
    ex.controls["date_range"].value = (start, end)
    fd = _prepare(small, start=start, end=end)
    assert ex.settings.start == start and ex.settings.end == end
    assert ex.tables["headline"].loc["factor dates", "5D"] == len(fd.dates)
    ic = fl.information_coefficient(fd)["5D"]
    assert ex.tables["headline"].loc["IC mean", "5D"] == pytest.approx(ic.mean(), rel=1e-12)
    x = ex.figure.axes[2].get_lines()[0].get_xdata()
    assert len(x) == len(ic)


def test_unsupported_settings_keep_the_panels_and_say_why(ex):
    panels, image = ex.panels, ex.image.value
    d = ex.controls["date_range"].options[-1][1]
    ex.controls["date_range"].value = (d, d)  # only the last date: no forward returns
    assert ex.panels is panels and ex.image.value == image
    assert "cannot show" in ex.status.value
    heights = _bar_heights(ex.figure.axes[0])
    np.testing.assert_allclose(heights, panels.mean_return_rate["5D"].to_numpy() * 1e4, rtol=1e-12)
    ex.controls["date_range"].value = (ex.controls["date_range"].options[0][1], d)  # back to a good range
    assert ex.panels is not panels and "updated in" in ex.status.value


def test_without_groups_the_group_controls_are_disabled(small):
    factor, prices, _ = small
    ex = explore(factor, prices)
    assert ex.controls["group_neutral"].disabled and ex.controls["by_group"].disabled
    with pytest.raises(ParameterError, match="groupby"):
        PanelComputer(explorer_inputs(factor, prices)).compute(ExplorerSettings(group_neutral=True))


def test_factor_data_input_sets_the_initial_controls(small):
    fd = _prepare(small, period=10, quantiles=4, delay=1)
    ex = explore(fd)
    assert (ex.settings.period, ex.settings.quantiles, ex.settings.delay) == (10, 4, 1)
    assert ex.controls["period"].value == 10 and not ex.controls["by_group"].disabled
    assert ex.tables["headline"].loc["IC mean", "10D"] == pytest.approx(
        fl.information_coefficient(fd)["10D"].mean(), rel=1e-12)


def test_prepared_data_are_cached_across_portfolio_options(ex):
    computer = ex._computer
    fd = computer.prepared(ex.settings)
    analysis = ex.panels.analysis
    ex.controls["cost_bps"].value = 5.0
    assert ex.panels.analysis is analysis  # a cost change reruns only the portfolio
    ex.controls["mode"].value = False
    assert ex.panels.analysis is not analysis and ex.panels.analysis.fd is fd


def test_inputs_are_not_mutated(small):
    factor, prices, sectors = small
    copies = factor.copy(), prices.copy(), sectors.copy()
    ex = explore(factor, prices, groupby=sectors)
    ex.controls["period"].value = 3
    pd.testing.assert_frame_equal(factor, copies[0])
    pd.testing.assert_frame_equal(prices, copies[1])
    pd.testing.assert_series_equal(sectors, copies[2])


def test_each_change_is_fast_on_the_full_sample(sample):
    prices = sample.prices
    ex = explore(-(prices / prices.shift(5) - 1), prices, groupby=sample.sectors, benchmark=sample.benchmark)
    changes = [("period", 10), ("quantiles", 10), ("mode", False), ("group_neutral", True),
               ("by_group", True), ("delay", 1), ("cost_bps", 10.0)]
    for name, value in changes:
        ex.controls[name].value = value
    per_change = ex.cpu_timings[1:]  # CPU time: wall time also counts the other jobs on a shared CI box
    assert len(per_change) == len(changes) == len(ex.timings) - 1
    assert float(np.median(per_change)) < 1.0, (per_change, ex.timings)


def test_stale_drop_removes_padded_prices_point_in_time(small):
    from factorlab.explore._compute import explorer_inputs

    prices = small[1].copy()
    prices.iloc[150:, 3] = prices.iloc[149, 3]  # delisted, padded with its last price
    factor = -(prices / prices.shift(5) - 1)
    kept = explorer_inputs(factor, prices).prices
    dropped = explorer_inputs(factor, prices, stale="drop", stale_bars=10).prices
    assert kept.iloc[150:, 3].notna().all()
    # a price is stale from the 10th bar of its unchanged run on (bars 149..158), never earlier
    assert dropped.iloc[:158, 3].notna().all() and dropped.iloc[158:, 3].isna().all()
    with pytest.raises(fl.errors.ParameterError, match="stale"):
        explorer_inputs(factor, prices, stale="remove")
