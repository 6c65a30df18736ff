"""The plot functions accept the layouts the statistics really produce.

Inputs come from the anchor library (Alphalens, on a small slice of the bundled
sample) and from factorlab's own IC functions; the drawn artists must carry
those numbers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

import factorlab as fl
import factorlab.plotting as flp
from factorlab.tears import violin_stats

al = pytest.importorskip("alphalens")


@pytest.fixture(scope="module")
def small():
    sample = fl.load_sample()
    prices = sample.prices.iloc[:80, :20]
    wide = -(prices / prices.shift(5) - 1)
    factor = wide.stack().dropna()
    factor.index.names = ["date", "asset"]
    return prices, factor, sample.sectors


@pytest.fixture(scope="module")
def al_factor_data(small):
    prices, factor, sectors = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return al.utils.get_clean_factor_and_forward_returns(
            factor, prices, groupby=sectors.to_dict(), periods=(1, 5), quantiles=4, max_loss=1.0)


def _heights(ax) -> list[np.ndarray]:
    return [np.array([b.get_height() for b in c]) for c in ax.containers]


def test_alphalens_mean_return_by_quantile(al_factor_data):
    mean_ret, _ = al.performance.mean_return_by_quantile(al_factor_data)
    ax = flp.plot_quantile_returns_bar(mean_ret)
    for heights, column in zip(_heights(ax), mean_ret.columns):
        np.testing.assert_allclose(heights, mean_ret[column].to_numpy() * 1e4)


def test_alphalens_mean_return_by_group_quantile_first(al_factor_data):
    by_group, _ = al.performance.mean_return_by_quantile(al_factor_data, by_group=True)
    assert list(by_group.index.names) == ["factor_quantile", "group"]
    fig = flp.plot_quantile_returns_bar_by_group(by_group)
    assert isinstance(fig, Figure)
    groups = sorted(by_group.index.get_level_values("group").unique())
    panels = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title() for a in panels] == groups
    expected = by_group.xs(groups[0], level="group")["1D"].to_numpy() * 1e4
    np.testing.assert_allclose(_heights(panels[0])[0], expected)


def test_alphalens_by_date_and_spread(al_factor_data):
    by_date, std_err = al.performance.mean_return_by_quantile(al_factor_data, by_date=True)
    ax = flp.plot_quantile_returns_violin(violin_stats(by_date))
    (bodies,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bodies.get_paths()) == 4 * 2
    spread, spread_se = al.performance.compute_mean_returns_spread(by_date, 4, 1, std_err)
    ax = flp.plot_mean_return_spread(spread["1D"], spread_se["1D"])
    line = [l for l in ax.lines if l.get_label() == "mean returns spread"][0]
    np.testing.assert_allclose(line.get_ydata(), spread["1D"].to_numpy() * 1e4)


def test_alphalens_average_cumulative_return(al_factor_data, small):
    prices, _factor, _sectors = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        avg = al.performance.average_cumulative_return_by_quantile(al_factor_data, prices,
                                                                   periods_before=2, periods_after=3)
    ax = flp.plot_quantile_average_cumulative_return(avg, std_bar=True)
    lines = [l for l in ax.lines if l.get_label().startswith("Quantile")]
    assert len(lines) == 4
    np.testing.assert_allclose(lines[0].get_ydata(), avg.loc[(1, "mean")].to_numpy() * 1e4)
    np.testing.assert_allclose(lines[0].get_xdata(), np.arange(-2, 4))


def test_alphalens_turnover_and_autocorrelation(al_factor_data):
    quantiles = al_factor_data["factor_quantile"]
    turnover = pd.concat([al.performance.quantile_turnover(quantiles, q, 1) for q in range(1, 5)], axis=1)
    ax = flp.plot_top_bottom_quantile_turnover(turnover, period="1D")
    top = [l for l in ax.lines if l.get_label() == "top quantile turnover"][0]
    np.testing.assert_allclose(top.get_ydata(), turnover[4].to_numpy())
    autocorr = al.performance.factor_rank_autocorrelation(al_factor_data, 1)
    ax = flp.plot_factor_rank_autocorrelation(autocorr, mean=float(autocorr.mean()))
    assert f"{autocorr.mean():.3f}" in ax.get_title()


def test_factorlab_ic_outputs(small):
    prices, factor, sectors = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(factor, prices, periods=(1, 5), quantiles=4, groupby=sectors)
    ic = fl.information_coefficient(fd)
    ax = flp.plot_ic_ts(ic["1D"], moving_average=ic["1D"].rolling(22).mean())
    np.testing.assert_allclose(ax.lines[0].get_ydata(), ic["1D"].to_numpy())
    monthly = fl.mean_monthly_ic(ic)
    ax = flp.plot_monthly_ic_heatmap(monthly["5D"])
    cells = np.ma.filled(np.ma.asarray(ax.collections[0].get_array()).astype(float), np.nan)
    np.testing.assert_allclose(np.sort(cells[np.isfinite(cells)]), np.sort(monthly["5D"].dropna().to_numpy()))
    by_group = fl.ic_by_group(fd)
    ax = flp.plot_ic_by_group(by_group)
    np.testing.assert_allclose(_heights(ax)[1], by_group["5D"].to_numpy())
