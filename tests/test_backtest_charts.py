"""The backtest report's trading charts, in the one chart pipeline: asset plot with order markers, capacity,
turnover, position allocation, long/short exposure by group; parameters as a key/value table."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.dates import date2num

import factorlab as fl
from factorlab.backtest import FactorStrategy, Strategy
from factorlab.plotting._backtest_charts import (
    plot_allocation,
    plot_asset_orders,
    plot_capacity,
    plot_group_exposure,
    plot_turnover,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def run():
    sample = fl.load_sample()
    prices = sample.prices.iloc[:160, :12]
    rng = np.random.default_rng(9)
    volumes = pd.DataFrame(rng.integers(2_000, 8_000, prices.shape), index=prices.index,
                           columns=prices.columns).astype(float)
    factor = -(prices / prices.shift(5) - 1)
    groups = sample.sectors.reindex(prices.columns)
    return fl.run_backtest(FactorStrategy(factor, period=5), prices, volumes=volumes, groups=groups,
                           progress=False, volume_limit=0.02)


@pytest.fixture
def axes():
    from matplotlib.figure import Figure

    return Figure(figsize=(10, 3.4)).subplots()


def test_asset_plot_markers_at_fill_prices_and_bars(run, axes):
    gone = run.orders[run.orders["status"] == "cancelled"]
    assert len(gone), "the run should cancel some orders (superseded leftovers)"
    asset = gone["asset"].value_counts().index[0]
    events = run.order_events(asset)
    ax = plot_asset_orders(pd.DataFrame(run.marks, index=run.index, columns=run.assets)[asset].rename(asset),
                           events, ax=axes)
    colls = {c.get_label(): c for c in ax.collections if isinstance(c, PathCollection)}
    fills = run.trades[run.trades["asset"] == asset]
    for label, sign in (("buy fill", 1), ("sell fill", -1)):
        f = fills[np.sign(fills["shares"]) == sign]
        off = colls[label].get_offsets()
        np.testing.assert_allclose(off[:, 0], date2num(pd.DatetimeIndex(f["date"])))
        np.testing.assert_allclose(off[:, 1], f["price"].to_numpy())
    orders = run.orders[run.orders["asset"] == asset]
    assert len(colls["submitted"].get_offsets()) == len(orders)
    cancelled = orders[orders["status"] == "cancelled"]
    off = colls["cancelled"].get_offsets()
    np.testing.assert_allclose(np.sort(off[:, 0]), np.sort(date2num(pd.DatetimeIndex(cancelled["closed"]))))
    close = pd.DataFrame(run.marks, index=run.index, columns=run.assets)[asset]
    np.testing.assert_allclose(np.sort(off[:, 1]), np.sort(close.reindex(cancelled["closed"]).to_numpy()))
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), run.marks[:, run.assets.get_loc(asset)])


def test_allocation_stack_sums_to_gross_exposure(run, axes):
    alloc = run.allocation(top=5)
    gross = run.exposures["gross_exposure"]
    np.testing.assert_allclose(alloc.sum(axis=1).to_numpy(), gross.to_numpy(), rtol=1e-12, atol=1e-15)
    assert list(alloc.columns)[-1] == "other" and alloc.shape[1] == 6
    ax = plot_allocation(alloc, ax=axes)
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert [p.get_label() for p in polys] == [str(c) for c in alloc.columns]
    top = polys[-1].get_paths()[0].vertices
    x = date2num(alloc.index)
    tops = pd.Series(top[:, 1]).groupby(np.round(top[:, 0], 9)).max()
    np.testing.assert_allclose(tops.reindex(np.round(x, 9)).to_numpy(), gross.to_numpy(), rtol=1e-12, atol=1e-12)


def test_capacity_turnover_and_group_exposure(run, axes):
    cap = run.capacity_over_time()
    assert cap.notna().sum() > 10
    f = run.trades
    d = f[f["date"] == cap.dropna().index[0]]
    bar = run.index.get_loc(d["date"].iloc[0])
    dv = run.dollar_volumes.iloc[bar][d["asset"]].to_numpy()
    want = (0.01 * dv * run.equity.iloc[bar] / d["value"].abs().to_numpy()).min()
    assert cap.dropna().iloc[0] == pytest.approx(want, rel=1e-12)
    ax = plot_capacity(cap, ax=axes)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), cap.dropna().to_numpy())
    assert ax.get_ylim()[0] == 0 and ax.yaxis.get_major_formatter()(2_500_000, 0) == "2.5m"
    from matplotlib.figure import Figure

    ax = plot_turnover(run.turnover, ax=Figure().subplots())
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), run.turnover.fillna(0).to_numpy())
    assert len(ax.get_lines()) == 1   # the plot computes no trend of its own
    # the report's trends (the analysis side), drawn as given
    sheet = run.tear_sheet()
    turnover = sheet.trading["turnover"]
    window = np.lib.stride_tricks.sliding_window_view(np.r_[np.zeros(20), turnover.fillna(0).to_numpy()], 21)
    expected = window.sum(axis=1) / np.minimum(np.arange(1, len(turnover) + 1), 21)
    np.testing.assert_allclose(sheet.turnover_trend.to_numpy(), expected, rtol=1e-12, atol=1e-15)
    ax = plot_turnover(turnover, trend=sheet.turnover_trend, ax=Figure().subplots())
    assert ax.get_lines()[1].get_label() == "21-bar mean"
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), sheet.turnover_trend.to_numpy())
    positive = sheet.trading["capacity"].dropna()
    positive = positive[positive > 0]
    assert sheet.capacity_trend.iloc[-1] == np.median(positive.to_numpy()[-21:])
    ax = plot_capacity(sheet.trading["capacity"], trend=sheet.capacity_trend, ax=Figure().subplots())
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), sheet.capacity_trend.to_numpy())
    ge = run.group_exposure()
    n_groups = len(ge.columns.get_level_values(0).unique())
    np.testing.assert_allclose(ge.xs("long", axis=1, level=1).sum(axis=1), run.exposures["long_exposure"],
                               atol=1e-12)
    np.testing.assert_allclose(ge.xs("short", axis=1, level=1).sum(axis=1), run.exposures["short_exposure"],
                               atol=1e-12)
    ax = plot_group_exposure(ge, ax=Figure().subplots())
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2 * n_groups


def test_report_has_the_trading_charts_and_a_parameter_table(run, tmp_path):
    sheet = run.tear_sheet(dpi=60)
    for name in ("asset_orders", "capacity", "turnover", "allocation", "group_exposure"):
        assert name in sheet.figures, name
    assert "trading" in sheet.sections
    html = sheet.to_html()
    assert '<section id="trading"' in html and html.count('alt="Position allocation"') == 1
    params = sheet.parameters
    assert params["strategy"] == "FactorStrategy" and params["period"] == 5 and params["delay"] == 0
    assert not any("FactorStrategy(" in str(v) for v in params.values())
    assert "<th>period</th><td>5</td>" in html
    for name in ("asset_orders", "capacity", "turnover", "allocation", "group_exposure"):
        sheet.figures[name].savefig(tmp_path / f"{name}.png", dpi=60)


def test_charts_absent_without_their_data(rng):
    prices = pd.DataFrame(100 + rng.normal(0, 1, (30, 3)).cumsum(axis=0), columns=list("abc"),
                          index=pd.bdate_range("2021-01-04", periods=30))

    class Hold(Strategy):
        def on_data(self, ctx, data):
            if data.bar == 0:
                ctx.order_target_weights({"a": 0.5, "b": 0.5})

    sheet = fl.run_backtest(Hold(), prices, progress=False).tear_sheet()
    assert "capacity" not in sheet.figures and "group_exposure" not in sheet.figures
    assert "allocation" in sheet.figures and "asset_orders" in sheet.figures


def test_turnover_and_capacity_legends_cover_no_line(run):
    """The legend sits in a band of its own above the data: no point of a drawn line inside the view
    falls under it (it used to sit inside the data, over the first weeks' spikes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    sheet = run.tear_sheet()
    for draw in (lambda ax: plot_turnover(sheet.trading["turnover"], trend=sheet.turnover_trend, ax=ax),
                 lambda ax: plot_capacity(sheet.trading["capacity"], trend=sheet.capacity_trend, ax=ax)):
        fig = Figure(figsize=(6, 3))
        ax = draw(fig.subplots())
        FigureCanvasAgg(fig).draw()
        box = ax.get_legend().get_window_extent()
        lo, hi = ax.get_ylim()
        for line in ax.get_lines():
            xy = line.get_xydata()
            xy = xy[(xy[:, 1] >= lo) & (xy[:, 1] <= hi)]
            points = ax.transData.transform(xy)
            inside = (points[:, 0] > box.x0) & (points[:, 0] < box.x1) & (points[:, 1] > box.y0) & (
                points[:, 1] < box.y1)
            assert not inside.any(), (ax.get_title(), line.get_label())
