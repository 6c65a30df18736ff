"""Return charts: the drawn artists carry the input values (bps where the chart says bps)."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

import factorlab.plotting as flp
from factorlab.errors import ParameterError
from factorlab.tears import violin_stats

DATES = pd.bdate_range("2021-01-04", periods=30, name="date")


def _labelled(ax, prefix: str = "") -> list:
    return [line for line in ax.lines if not line.get_label().startswith("_")
            and line.get_label().startswith(prefix)]


def _xnum(values) -> np.ndarray:
    return mdates.date2num(pd.DatetimeIndex(values).to_pydatetime())


@pytest.fixture
def mean_ret() -> pd.DataFrame:
    return pd.DataFrame({"1D": [-0.0012, -0.0004, 0.0, 0.0005, 0.0015],
                         "5D": [-0.0030, -0.0010, 0.0002, 0.0011, 0.0041]},
                        index=pd.Index([1, 2, 3, 4, 5], name="factor_quantile"))


# --------------------------------------------------------------------- bars
def test_quantile_bar_heights_are_bps(mean_ret):
    ax = flp.plot_quantile_returns_bar(mean_ret)
    assert [c.get_label() for c in ax.containers] == ["1D", "5D"]
    for container, column in zip(ax.containers, mean_ret.columns):
        heights = [bar.get_height() for bar in container]
        np.testing.assert_allclose(heights, mean_ret[column].to_numpy() * 1e4)
    assert "bps" in ax.get_ylabel() and "bps" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize("font_size", [10.0, 14.0, 18.0])
@pytest.mark.parametrize("chart", ["bars", "period lines", "events"])
def test_legend_row_sits_between_the_axes_and_the_title(mean_ret, chart, font_size):
    """The legend as one row above the axes is under the title and over the axes, never on the data nor
    under the title, whatever the style's font size (a long title over a narrow axes spans the legend;
    the quantile bars' legend was placed 'best' inside the axes before, where bars can be)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    title = "A long title that spans the whole width of this narrow axes"
    with plt.rc_context({"font.size": font_size}):
        fig = Figure(figsize=(5.0, 3.5))
        ax = fig.add_subplot()
        if chart == "bars":
            flp.plot_quantile_returns_bar(mean_ret * 40, ax=ax, title=title)  # bars filling the axes
        elif chart == "period lines":
            from factorlab.plotting._periods import plot_period_lines

            plot_period_lines(pd.DataFrame({"1D": np.arange(30.0), "5D": np.arange(30.0) / 2}, index=DATES),
                              ylabel="y", ax=ax, title=title)
        else:
            stats = pd.DataFrame(np.arange(12.0).reshape(4, 3), index=pd.MultiIndex.from_product(
                [[1, 2], ["mean", "std"]], names=["factor_quantile", None]), columns=[-1, 0, 1])
            flp.plot_quantile_average_cumulative_return(stats, ax=ax, title=title)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        legend = ax.get_legend()
        box = legend.get_window_extent(renderer)
        text_top = max(t.get_window_extent(renderer).y1 for t in legend.get_texts())
        axes_box, title_box = ax.get_window_extent(renderer), ax.title.get_window_extent(renderer)
    assert box.x0 < title_box.x1 and title_box.x0 < box.x1  # the title spans the legend's columns
    assert axes_box.y1 - 1 <= box.y0  # the legend above the axes
    assert text_top <= title_box.y0  # its entries under the title's lowest glyph


def test_quantile_bar_positions_group_periods_per_quantile(mean_ret):
    ax = flp.plot_quantile_returns_bar(mean_ret)
    first, second = ax.containers
    centres_1 = np.array([b.get_x() + b.get_width() / 2 for b in first])
    centres_2 = np.array([b.get_x() + b.get_width() / 2 for b in second])
    assert np.all(centres_1 < centres_2)
    np.testing.assert_allclose((centres_1 + centres_2) / 2, np.arange(5))


def test_quantile_bar_accepts_a_series_and_style(mean_ret):
    ax = flp.plot_quantile_returns_bar(mean_ret["5D"], alpha=0.5, title="mine")
    assert len(ax.containers) == 1
    assert ax.containers[0][0].get_alpha() == 0.5
    assert ax.get_title() == "mine"


def test_quantile_bar_nan_cell_is_nan_height(mean_ret):
    data = mean_ret.copy()
    data.iloc[2, 0] = np.nan
    ax = flp.plot_quantile_returns_bar(data)
    assert np.isnan(ax.containers[0][2].get_height())


def test_quantile_bar_rejects_multiindex_and_points_to_by_group(mean_ret):
    by_group = pd.concat({"A": mean_ret, "B": mean_ret}, names=["group"])
    with pytest.raises(ParameterError, match="plot_quantile_returns_bar_by_group"):
        flp.plot_quantile_returns_bar(by_group)


def test_quantile_bar_ylim_in_bps(mean_ret):
    ax = flp.plot_quantile_returns_bar(mean_ret, ylim=(-50, 50))
    assert ax.get_ylim() == (-50, 50)


@pytest.mark.parametrize("order", [["group", "factor_quantile"], ["factor_quantile", "group"]])
def test_by_group_one_panel_per_group_with_bps_bars(mean_ret, order):
    by_group = pd.concat({"Tech": mean_ret, "Energy": mean_ret * 2, "Banks": -mean_ret}, names=["group"])
    by_group = by_group.reorder_levels(order).sort_index()
    fig = flp.plot_quantile_returns_bar_by_group(by_group)
    assert isinstance(fig, Figure)
    axes = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title() for a in axes] == ["Banks", "Energy", "Tech"]
    factors = {"Banks": -1.0, "Energy": 2.0, "Tech": 1.0}
    for ax in axes:
        assert ax.get_ylabel() == "Mean Return (bps)"
        for container, column in zip(ax.containers, mean_ret.columns):
            expected = mean_ret[column].to_numpy() * factors[ax.get_title()] * 1e4
            np.testing.assert_allclose([b.get_height() for b in container], expected)
    # 3 panels on a 2x2 grid: the fourth cell stays empty (no hidden axes to build)
    assert len(fig.axes) == 3
    spec = fig.axes[2].get_subplotspec()
    assert spec.get_gridspec().get_geometry() == (2, 2) and (spec.rowspan.start, spec.colspan.start) == (1, 0)
    assert "bps" in fig.get_suptitle()


def test_by_group_unnamed_levels_take_group_first(mean_ret):
    by_group = pd.concat({"A": mean_ret, "B": mean_ret})
    by_group.index.names = [None, None]
    fig = flp.plot_quantile_returns_bar_by_group(by_group, ncols=1)
    assert [a.get_title() for a in fig.axes] == ["A", "B"]


def test_by_group_needs_two_level_index(mean_ret):
    with pytest.raises(ParameterError, match=r"\(group, quantile\) MultiIndex"):
        flp.plot_quantile_returns_bar_by_group(mean_ret)


# ------------------------------------------------------------------- violin
def test_violin_one_body_per_quantile_and_period_within_data_range(rng):
    idx = pd.MultiIndex.from_product([[1, 2, 3], DATES], names=["factor_quantile", "date"])
    data = pd.DataFrame(rng.normal(0, 1e-2, (len(idx), 2)), index=idx, columns=["1D", "5D"])
    fig, ax = plt.subplots()
    out = flp.plot_quantile_returns_violin(violin_stats(data), ax=ax)
    assert out is ax
    (collection,) = [c for c in ax.collections if isinstance(c, PolyCollection)]  # every body in one artist
    bodies = collection.get_paths()
    assert len(bodies) == 3 * 2
    ys = np.concatenate([b.vertices[:, 1] for b in bodies])
    values = data.to_numpy() * 1e4
    assert ys.min() >= values.min() - 1e-6 and ys.max() <= values.max() + 1e-6
    # the periods within each quantile: the first body is quantile 1, '1D'
    first = bodies[0].vertices
    np.testing.assert_allclose([first[:, 1].min(), first[:, 1].max()],
                               [data.loc[1, "1D"].min() * 1e4, data.loc[1, "1D"].max() * 1e4])
    # its half-width is the density scaled so that its peak is half the violin's width (0.8 / 2 * 0.95),
    # on each side of its centre (quantile 1 at x = 0, '1D' left of '5D')
    stats = violin_stats(data).stats[(1, "1D")]
    n, width, centre = len(stats["coords"]), 0.4 * 0.95, -0.2
    np.testing.assert_allclose(first[:n, 0], centre - 0.5 * width * stats["vals"] / stats["vals"].max())
    np.testing.assert_allclose(first[n:2 * n, 0], (centre + 0.5 * width * stats["vals"] / stats["vals"].max())[::-1])
    np.testing.assert_allclose(first[:n, 1], stats["coords"])
    colours = collection.get_facecolors()
    assert len(colours) == 6 and np.allclose(colours[0], colours[2]) and not np.allclose(colours[0], colours[1])
    assert "bps" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1D", "5D"]
    narrow = flp.plot_quantile_returns_violin(violin_stats(data), widths=0.2)
    (narrow_bodies,) = [c for c in narrow.collections if isinstance(c, PolyCollection)]
    x = narrow_bodies.get_paths()[0].vertices[:, 0]
    assert x.max() - x.min() == pytest.approx(0.2, rel=1e-9)  # the peak of the density spans the width
    for bad in (0, -1.0, [0.2, 0.3], "wide"):
        with pytest.raises(ParameterError, match="widths"):
            flp.plot_quantile_returns_violin(violin_stats(data), widths=bad)
    plt.close("all")
    # the quartiles are drawn: three marks per violin at the values' 25th, 50th and 75th percentiles
    (marks,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    heights = np.array([seg[0, 1] for seg in marks.get_segments()]).reshape(6, 3)
    np.testing.assert_allclose(heights[0], np.percentile(data.loc[1, "1D"].to_numpy() * 1e4, [25, 50, 75]))


def test_violin_stats_are_scipy_gaussian_kde_and_numpy_quartiles(rng):
    """The densities equal scipy's Gaussian KDE (Scott's bandwidth, evaluated directly) to 1e-4 of
    their peak, also for a handful of values and for 100,000; quartiles and extremes are numpy's."""
    from scipy.stats import gaussian_kde

    for n in (4, 60, 100_000):
        dates = pd.RangeIndex(n, name="date")
        idx = pd.MultiIndex.from_product([[1, 2], dates], names=["factor_quantile", "date"])
        data = pd.DataFrame(rng.standard_t(4, (2 * n, 1)) * 1e-2, index=idx, columns=["1D"])
        data.iloc[1, 0] = np.nan   # left out
        vs = violin_stats(data, points=40)
        assert vs.quantiles == (1, 2) and vs.periods == ("1D",) and vs.unit == "bps"
        for q in (1, 2):
            v = data.loc[q, "1D"].dropna().to_numpy() * 1e4
            st = vs.stats[(q, "1D")]
            np.testing.assert_allclose(st["coords"], np.linspace(v.min(), v.max(), 40))
            expected = gaussian_kde(v)(st["coords"])
            assert np.abs(st["vals"] - expected).max() <= 1e-4 * expected.max()
            np.testing.assert_allclose(st["quantiles"], np.percentile(v, [25, 50, 75]))
            assert (st["min"], st["max"], st["median"]) == (v.min(), v.max(), np.median(v))


def test_violin_stats_of_a_constant_and_of_bad_input():
    idx = pd.MultiIndex.from_product([[1], range(5)], names=["factor_quantile", "date"])
    vs = violin_stats(pd.DataFrame({"1D": [0.001] * 5}, index=idx))
    st = vs.stats[(1, "1D")]
    assert (st["vals"] == 0).all() and st["min"] == st["max"] == 10.0
    with pytest.raises(ParameterError, match=r"\(quantile, date\) MultiIndex"):
        violin_stats(pd.DataFrame({"1D": [0.1, 0.2]}))
    with pytest.raises(ParameterError, match="ViolinStats"):
        flp.plot_quantile_returns_violin(pd.DataFrame({"1D": [0.1, 0.2]}, index=pd.MultiIndex.from_product(
            [[1], [0, 1]], names=["factor_quantile", "date"])))


# ------------------------------------------------------------------- spread
def test_spread_line_band_and_moving_average_in_bps(rng):
    spread = pd.Series(rng.normal(0, 1e-3, len(DATES)), index=DATES, name="5D")
    std_err = pd.Series(np.full(len(DATES), 2e-4), index=DATES)
    ma = spread.rolling(5).mean()
    ax = flp.plot_mean_return_spread(spread, std_err, moving_average=ma, bandwidth=2.0)
    line, ma_line = _labelled(ax)
    assert line.get_label() == "mean returns spread"
    assert ma_line.get_label() == "1 month moving avg"
    np.testing.assert_allclose(line.get_ydata(), spread.to_numpy() * 1e4)
    np.testing.assert_array_equal(pd.DatetimeIndex(line.get_xdata()), DATES)
    np.testing.assert_allclose(ma_line.get_ydata(), ma.to_numpy() * 1e4)
    band = ax.collections[0]
    ys = band.get_paths()[0].vertices[:, 1]
    expected = spread.to_numpy() * 1e4
    assert ys.max() == pytest.approx(expected.max() + 2 * 2.0)  # 2e-4 = 2 bps, times bandwidth 2
    assert ys.min() == pytest.approx(expected.min() - 2 * 2.0)
    assert "bps" in ax.get_ylabel() and "5D" in ax.get_title() and "bps" in ax.get_title()


def test_spread_without_extras_has_one_data_line(rng):
    spread = pd.Series(rng.normal(0, 1e-3, len(DATES)), index=DATES)
    ax = flp.plot_mean_return_spread(spread)
    assert len(_labelled(ax)) == 1
    assert len(ax.collections) == 0


def test_spread_std_err_must_match_index(rng):
    spread = pd.Series(rng.normal(0, 1e-3, len(DATES)), index=DATES)
    with pytest.raises(ParameterError, match="same index as spread"):
        flp.plot_mean_return_spread(spread, spread.iloc[:-3].abs())
    with pytest.raises(ParameterError, match=">= 0"):
        flp.plot_mean_return_spread(spread, -spread.abs())
    with pytest.raises(ParameterError, match="bandwidth"):
        flp.plot_mean_return_spread(spread, bandwidth=-1)


# --------------------------------------------------------------- cumulative
def test_cumulative_returns_lines_equal_input_with_benchmark(rng):
    cum = pd.DataFrame((1 + rng.normal(0, 1e-2, (len(DATES), 2))).cumprod(axis=0), index=DATES,
                       columns=["long-short", "long only"])
    bench = pd.Series(np.linspace(1, 1.1, len(DATES)), index=DATES, name="SPX")
    ax = flp.plot_cumulative_returns(cum, benchmark=bench, title="Factor")
    lines = _labelled(ax)
    assert [l.get_label() for l in lines] == ["long-short", "long only", "SPX"]
    for line, column in zip(lines, cum.columns):
        np.testing.assert_allclose(line.get_ydata(), cum[column].to_numpy())
    np.testing.assert_allclose(lines[2].get_ydata(), bench.to_numpy())
    assert ax.get_title() == "Factor"
    ref = [l for l in ax.lines if l.get_label() == "_reference"]
    assert len(ref) == 1 and list(ref[0].get_ydata()) == [1.0, 1.0]


def test_cumulative_returns_log_scale_and_positive_check(rng):
    cum = pd.Series(np.linspace(1, 2, len(DATES)), index=DATES)
    ax = flp.plot_cumulative_returns(cum, logy=True, baseline=None)
    assert ax.get_yscale() == "log"
    assert "log" in ax.get_ylabel()
    assert not [l for l in ax.lines if l.get_label() == "_reference"]
    with pytest.raises(ParameterError, match="log scale"):
        flp.plot_cumulative_returns(cum - 1.5, logy=True)


def test_cumulative_by_quantile_one_line_per_quantile_diverging_colours(rng):
    cum = pd.DataFrame((1 + rng.normal(0, 1e-2, (len(DATES), 5))).cumprod(axis=0), index=DATES,
                       columns=[5, 4, 3, 2, 1])
    ax = flp.plot_cumulative_returns_by_quantile(cum, logy=True)
    lines = _labelled(ax, "Quantile")
    assert len(lines) == 5
    assert [l.get_label() for l in lines] == [f"Quantile {q}" for q in range(1, 6)]
    for line, q in zip(lines, range(1, 6)):
        np.testing.assert_allclose(line.get_ydata(), cum[q].to_numpy())
    bottom, top = lines[0].get_color(), lines[-1].get_color()
    assert bottom[0] > bottom[2]  # red end for the bottom quantile
    assert top[2] > top[0]  # blue end for the top quantile
    assert ax.get_yscale() == "log"


def test_cumulative_by_quantile_rejects_multiindex_columns(rng):
    cum = pd.DataFrame(np.ones((3, 2)), columns=pd.MultiIndex.from_tuples([("a", 1), ("a", 2)]))
    with pytest.raises(ParameterError, match="one column per quantile"):
        flp.plot_cumulative_returns_by_quantile(cum)


def test_cumulative_by_quantile_bad_cmap(rng):
    cum = pd.DataFrame(np.ones((3, 2)), columns=[1, 2])
    with pytest.raises(ParameterError, match="colormap"):
        flp.plot_cumulative_returns_by_quantile(cum, cmap="no-such-map")


def test_dates_are_plotted_as_dates(rng):
    cum = pd.Series(np.linspace(1, 2, len(DATES)), index=DATES)
    ax = flp.plot_cumulative_returns(cum)
    xmin, xmax = ax.get_xlim()
    assert xmin <= _xnum(DATES[:1])[0] and xmax >= _xnum(DATES[-1:])[0]
