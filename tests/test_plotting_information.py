"""IC charts: the drawn artists carry the input values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from scipy import stats

import factorlab.plotting as flp
from factorlab.errors import ParameterError
from factorlab.tears import ic_histogram, ic_qq_points

DATES = pd.bdate_range("2021-01-04", periods=60, name="date")


@pytest.fixture
def ic(rng) -> pd.Series:
    return pd.Series(rng.normal(0.03, 0.1, len(DATES)), index=DATES, name="5D")


def _labelled(ax) -> list:
    return [line for line in ax.lines if not line.get_label().startswith("_")]


def _box_text(ax) -> str:
    return "\n".join(t.get_text() for t in ax.texts)


# ---------------------------------------------------------------- time series
def test_ic_ts_lines_equal_input(ic):
    ma = ic.rolling(22).mean()
    ax = flp.plot_ic_ts(ic, moving_average=ma, mean=float(ic.mean()), std=float(ic.std()))
    line, ma_line = _labelled(ax)
    assert (line.get_label(), ma_line.get_label()) == ("IC", "1 month moving avg")
    np.testing.assert_allclose(line.get_ydata(), ic.to_numpy())
    np.testing.assert_array_equal(pd.DatetimeIndex(line.get_xdata()), DATES)
    np.testing.assert_allclose(ma_line.get_ydata(), ma.to_numpy())
    assert f"Mean {ic.mean():.3f}" in _box_text(ax)
    assert f"Std. {ic.std():.3f}" in _box_text(ax)
    assert "5D" in ax.get_title() and "IC" in ax.get_ylabel()


def test_ic_ts_given_mean_and_std_are_shown(ic):
    ax = flp.plot_ic_ts(ic, mean=0.5, std=0.25)
    assert "Mean 0.500" in _box_text(ax) and "Std. 0.250" in _box_text(ax)
    assert len(_labelled(ax)) == 1


def test_ic_ts_nan_days_stay_gaps_and_nothing_is_computed(ic):
    data = ic.copy()
    data.iloc[[3, 10]] = np.nan
    ax = flp.plot_ic_ts(data)
    y = _labelled(ax)[0].get_ydata()
    assert np.isnan(y[3]) and np.isnan(y[10])
    assert _box_text(ax) == ""  # no statistics given, none shown (the plot computes none)


# ----------------------------------------------------------------- histogram
def test_ic_hist_draws_the_given_counts_one_step_per_period(ic):
    data = pd.DataFrame({"1D": ic, "5D": ic.shift(3)})
    data.iloc[:5, 0] = np.nan
    hist = ic_histogram(data, bins=10)
    assert list(hist.columns) == ["1D", "5D"] and len(hist) == 10
    assert hist["1D"].sum() == data["1D"].notna().sum()  # NaN days are left out, not zero
    expected, edges = np.histogram(data["1D"].dropna(), bins=10, range=(-1, 1))
    np.testing.assert_array_equal(hist["1D"], expected)
    means = data.mean()
    ax = flp.plot_ic_hist(hist, means=means)
    first, second = ax.patches
    np.testing.assert_array_equal(first.get_data().values, expected)
    np.testing.assert_allclose(first.get_data().edges, edges)
    np.testing.assert_array_equal(second.get_data().values, hist["5D"])
    mean_lines = [line for line in ax.lines if line.get_label().startswith("_mean")]
    assert [line.get_xdata()[0] for line in mean_lines] == pytest.approx(list(means))
    assert ax.get_xlim() == (-1.0, 1.0)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1D", "5D"]


def test_ic_hist_needs_the_bins_as_index(ic):
    with pytest.raises(ParameterError, match="IntervalIndex"):
        flp.plot_ic_hist(pd.DataFrame({"1D": [1.0, 2.0]}))


# ------------------------------------------------------------------------ Q-Q
@pytest.mark.parametrize("dist", ["norm", "t"])
def test_ic_qq_points_are_sorted_ic_against_fitted_quantiles(ic, dist):
    qq = ic_qq_points(ic, dist=dist)
    ax = flp.plot_ic_qq(qq, dist_name=dist)
    points, ref = ax.lines[:2]
    np.testing.assert_allclose(points.get_ydata(), np.sort(ic.to_numpy()))
    x = np.asarray(points.get_xdata())
    assert np.all(np.diff(x) > 0)
    if dist == "norm":
        loc, scale = stats.norm.fit(ic.to_numpy())
        assert np.median(x) == pytest.approx(loc, abs=1e-12)
        assert (x[-1] - loc) / scale == pytest.approx(stats.norm.ppf(0.5 ** (1 / len(ic))), rel=1e-6)
    assert ref.get_label() == "45-degree line"
    np.testing.assert_allclose(ref.get_xdata(), ref.get_ydata())
    assert "quantile" in ax.get_xlabel() and "Observed" in ax.get_ylabel()


def test_ic_qq_without_legend_draws_the_same_lines(ic):
    """legend=False (the tear sheet names the periods' colours once, in the histogram beside it): no
    legend, the same lines."""
    qq = ic_qq_points(pd.DataFrame({"1D": ic, "5D": ic * 0.5}))
    with_legend = flp.plot_ic_qq(qq)
    without = flp.plot_ic_qq(qq, legend=False, title="IC Normal Q-Q (dotted: 45-degree line)")
    assert with_legend.get_legend() is not None and without.get_legend() is None
    assert [line.get_label() for line in without.lines] == ["1D", "5D", "45-degree line"]
    for a, b in zip(with_legend.lines, without.lines):
        np.testing.assert_array_equal(a.get_xydata(), b.get_xydata())
    assert without.lines[-1].get_linestyle() == ":"


def test_ic_qq_rejects_unknown_dist_and_keeps_short_periods_empty(ic):
    with pytest.raises(ParameterError, match="dist must be one of 'norm', 't'"):
        ic_qq_points(ic, dist="cauchy")
    qq = ic_qq_points(pd.DataFrame({"1D": ic, "5D": ic.where(ic.index < ic.index[2])}))
    assert qq[("5D", "observed")].isna().all() and qq[("1D", "observed")].notna().sum() == len(ic)
    with pytest.raises(ParameterError, match="'theoretical' and 'observed'"):
        flp.plot_ic_qq(pd.DataFrame({"x": [1.0], "y": [2.0]}))


# ------------------------------------------------------------------- heatmap
def test_monthly_heatmap_cells_equal_values(rng):
    monthly = pd.DataFrame(rng.normal(0, 0.05, (3, 12)), index=[2019, 2020, 2021], columns=range(1, 13))
    monthly.iloc[0, :3] = np.nan  # months before the data starts
    ax = flp.plot_monthly_ic_heatmap(monthly, period="5D")
    mesh = ax.collections[0]
    cells = np.ma.filled(np.ma.asarray(mesh.get_array()).astype(float), np.nan).reshape(3, 12)
    np.testing.assert_allclose(cells, monthly.to_numpy())  # NaN positions match too
    (labels,) = ax.artists  # one artist holds every cell's value
    texts = labels.get_texts()
    assert len(texts) == 3 * 12 - 3
    assert f"{monthly.iloc[1, 4]:.3f}" in texts
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2019", "2020", "2021"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(m) for m in range(1, 13)]
    assert ax.get_title() == "Monthly Mean 5D Period IC"


def test_heatmap_cells_that_round_to_zero_show_no_minus_sign():
    """A monthly mean of -0.001 written with two decimals reads 0.00, not -0.00 (which reads as a loss);
    -0.005 rounds away from zero and keeps its sign."""
    monthly = pd.DataFrame([[-0.001, 0.001, -0.006, 0.0, -0.0]], index=[2020], columns=range(1, 6))
    ax = flp.plot_monthly_ic_heatmap(monthly, fmt=".2f")
    assert ax.artists[0].get_texts() == ["0.00", "0.00", "-0.01", "0.00", "0.00"]
    returns = pd.DataFrame([[-0.00001, 0.02, -0.0004]], index=[2020], columns=[1, 2, 3])
    ax = flp.plot_monthly_heatmap(returns)
    assert ax.artists[0].get_texts() == ["0.0", "2.0", "0.0"]


def test_cell_text_follows_the_drawn_colour_on_a_shared_scale():
    """With one colour scale for several heatmaps (the tear sheet's), a cell that is pale on that scale
    keeps dark text even when it is the largest value of its own table; a saturated cell gets white."""
    pale = pd.DataFrame([[0.07, -0.10]], index=[2020], columns=[1, 2])
    ax = flp.plot_monthly_ic_heatmap(pale, vmin=-0.31, vmax=0.31)
    assert ax.artists[0].get_colors() == ["black", "black"]
    strong = pd.DataFrame([[0.30, -0.31, 0.0]], index=[2020], columns=[1, 2, 3])
    ax = flp.plot_monthly_ic_heatmap(strong, vmin=-0.31, vmax=0.31)
    assert ax.artists[0].get_colors() == ["white", "white", "black"]
    ax = flp.plot_monthly_heatmap(pd.DataFrame([[0.2, 0.01]], index=[2020], columns=[1, 2]))
    assert ax.artists[0].get_colors() == ["white", "black"]


def test_monthly_heatmap_from_month_end_series(rng):
    months = pd.date_range("2020-03-31", periods=14, freq="ME")
    series = pd.Series(rng.normal(0, 0.05, 14), index=months, name="1D")
    ax = flp.plot_monthly_ic_heatmap(series, annot=False)
    cells = np.ma.filled(np.ma.asarray(ax.collections[0].get_array()).astype(float), np.nan)
    grid = cells.reshape(2, 12)
    assert grid[0, 2] == pytest.approx(series.iloc[0])  # 2020-03
    assert grid[1, 3] == pytest.approx(series.iloc[-1])  # 2021-04
    assert np.isnan(grid[0, :2]).all()
    assert len(ax.texts) == 0 and "1D" in ax.get_title()


def test_monthly_heatmap_labels_every_nth_month(rng):
    monthly = pd.DataFrame(rng.normal(0, 0.05, (2, 12)), index=[2020, 2021], columns=range(1, 13))
    ax = flp.plot_monthly_ic_heatmap(monthly, annot=False, month_ticks=3)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "4", "7", "10"]
    np.testing.assert_allclose(ax.get_xticks(), [0.5, 3.5, 6.5, 9.5])  # on their cells' centres
    with pytest.raises(ParameterError, match="month_ticks"):
        flp.plot_monthly_ic_heatmap(monthly, month_ticks=0)


def test_monthly_heatmap_rejects_non_month_columns(rng):
    wide = pd.DataFrame(rng.normal(size=(3, 2)), columns=["1D", "5D"])
    with pytest.raises(ParameterError, match="month numbers 1..12"):
        flp.plot_monthly_ic_heatmap(wide)
    thirteen = pd.DataFrame(rng.normal(size=(2, 2)), columns=[12, 13])
    with pytest.raises(ParameterError, match="month numbers"):
        flp.plot_monthly_ic_heatmap(thirteen)


# ------------------------------------------------------------------ by group
def test_ic_by_group_bar_heights_equal_values(rng):
    data = pd.DataFrame(rng.normal(0, 0.05, (4, 2)), index=["Energy", "Health", "Tech", "Util"],
                        columns=["1D", "5D"])
    ax = flp.plot_ic_by_group(data)
    assert [c.get_label() for c in ax.containers] == ["1D", "5D"]
    for container, column in zip(ax.containers, data.columns):
        np.testing.assert_allclose([b.get_height() for b in container], data[column].to_numpy())
    assert [t.get_text() for t in ax.get_xticklabels()] == list(data.index)
    assert ax.get_xticklabels()[0].get_rotation() == 0   # upright; long names wrap
    assert "IC" in ax.get_ylabel()
    long = flp.plot_ic_by_group(data.rename(index={"Energy": "Communication Services"}))
    assert long.get_xticklabels()[0].get_text() == "Communication\nServices"


def test_ic_by_group_rejects_per_date_layout(rng):
    idx = pd.MultiIndex.from_product([DATES[:3], ["a", "b"]], names=["date", "group"])
    with pytest.raises(ParameterError, match="one row per group"):
        flp.plot_ic_by_group(pd.DataFrame(rng.normal(size=(6, 1)), index=idx, columns=["1D"]))


# --------------------------------------------------------------------- decay
def test_ic_decay_bars_and_error_bars():
    mean_ic = pd.Series([0.06, 0.04, 0.015, -0.002], index=["1D", "5D", "10D", "21D"])
    std_err = pd.Series([0.01, 0.012, 0.015, 0.02], index=mean_ic.index)
    ax = flp.plot_ic_decay(mean_ic, std_err=std_err)
    bars = [c for c in ax.containers if isinstance(c, BarContainer)][0]
    np.testing.assert_allclose([b.get_height() for b in bars], mean_ic.to_numpy())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1D", "5D", "10D", "21D"]
    err = bars.errorbar
    segments = err.lines[2][0].get_segments()
    np.testing.assert_allclose([s[1, 1] - s[0, 1] for s in segments], 2 * std_err.to_numpy())
    assert "Mean IC" in ax.get_ylabel()


def test_ic_decay_integer_horizons_and_index_check():
    mean_ic = pd.Series([0.05, 0.03], index=[1, 5])
    ax = flp.plot_ic_decay(mean_ic)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "5"]
    with pytest.raises(ParameterError, match="same index"):
        flp.plot_ic_decay(mean_ic, std_err=pd.Series([0.01, 0.01], index=[1, 10]))
