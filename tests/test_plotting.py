"""Contract tests shared by every factorlab plot function.

Each case builds a small hand-made input of the layout the function documents;
the tests check the common contract: the given axes is drawn on and returned,
a new figure is made only without one, the input is not mutated, nothing is
printed, matplotlib's global style is untouched, and bad input raises
ParameterError with a message naming the argument.
"""

from __future__ import annotations

import copy

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import factorlab.plotting as flp
from factorlab.errors import ParameterError
from factorlab.tears import ic_histogram, ic_qq_points, violin_stats

DATES = pd.bdate_range("2021-01-04", periods=40, name="date")
PERIODS = ["1D", "5D", "10D"]


def mean_ret(rng) -> pd.DataFrame:
    return pd.DataFrame(rng.normal(0, 1e-3, (5, 3)), columns=PERIODS,
                        index=pd.Index(range(1, 6), name="factor_quantile"))


def mean_ret_by_group(rng) -> pd.DataFrame:
    idx = pd.MultiIndex.from_product([["Energy", "Tech", "Utilities"], range(1, 6)],
                                     names=["group", "factor_quantile"])
    return pd.DataFrame(rng.normal(0, 1e-3, (15, 2)), index=idx, columns=PERIODS[:2])


def mean_ret_by_date(rng) -> pd.DataFrame:
    idx = pd.MultiIndex.from_product([range(1, 6), DATES], names=["factor_quantile", "date"])
    return pd.DataFrame(rng.normal(0, 1e-2, (len(idx), 2)), index=idx, columns=PERIODS[:2])


def daily(rng, scale: float = 1e-3, loc: float = 0.0, name: str | None = "5D") -> pd.Series:
    return pd.Series(rng.normal(loc, scale, len(DATES)), index=DATES, name=name)


def growth(rng, n: int = 1) -> pd.DataFrame:
    return pd.DataFrame((1 + rng.normal(0, 1e-2, (len(DATES), n))).cumprod(axis=0), index=DATES,
                        columns=range(1, n + 1))


def monthly_ic(rng) -> pd.DataFrame:
    return pd.DataFrame(rng.normal(0, 0.05, (3, 12)), index=pd.Index([2019, 2020, 2021], name="year"),
                        columns=pd.Index(range(1, 13), name="month"))


def avg_cum(rng, n_q: int = 4) -> pd.DataFrame:
    idx = pd.MultiIndex.from_product([range(1, n_q + 1), ["mean", "std"]], names=["factor_quantile", None])
    frame = pd.DataFrame(rng.normal(0, 1e-3, (2 * n_q, 8)), index=idx, columns=range(-3, 5))
    frame.loc[(slice(None), "std"), :] = np.abs(frame.loc[(slice(None), "std"), :])
    return frame


def _violin(mean_ret_by_date, **kwargs):
    """The violin chart as the tear sheet draws it: statistics first, then the plot."""
    return flp.plot_quantile_returns_violin(violin_stats(mean_ret_by_date), **kwargs)


# name -> (function, builder of the first argument, extra keyword arguments)
AXES_CASES = {
    "quantile_returns_bar": (flp.plot_quantile_returns_bar, mean_ret, {}),
    "quantile_returns_violin": (_violin, mean_ret_by_date, {}),
    "mean_return_spread": (flp.plot_mean_return_spread, daily, {}),
    "cumulative_returns": (flp.plot_cumulative_returns, lambda rng: growth(rng)[1], {}),
    "cumulative_returns_by_quantile": (flp.plot_cumulative_returns_by_quantile,
                                       lambda rng: growth(rng, 5), {}),
    "ic_ts": (flp.plot_ic_ts, lambda rng: daily(rng, 0.1, 0.02, "1D"), {}),
    "ic_hist": (flp.plot_ic_hist, lambda rng: ic_histogram(daily(rng, 0.1, 0.02, "1D"), bins=10), {}),
    "ic_qq": (flp.plot_ic_qq, lambda rng: ic_qq_points(daily(rng, 0.1, 0.02, "1D")), {}),
    "period_lines": (flp.plot_period_lines, lambda rng: growth(rng, 3),
                     {"ylabel": "growth", "title": "three lines"}),
    "monthly_ic_heatmap": (flp.plot_monthly_ic_heatmap, monthly_ic, {}),
    "ic_by_group": (flp.plot_ic_by_group,
                    lambda rng: pd.DataFrame(rng.normal(0, .05, (4, 2)), index=list("abcd"),
                                             columns=PERIODS[:2]), {}),
    "ic_decay": (flp.plot_ic_decay, lambda rng: pd.Series([0.05, 0.03, 0.01], index=PERIODS), {}),
    "top_bottom_turnover": (flp.plot_top_bottom_quantile_turnover,
                            lambda rng: pd.DataFrame(rng.uniform(0, 1, (len(DATES), 2)), index=DATES,
                                                     columns=["top quantile", "bottom quantile"]), {}),
    "rank_autocorrelation": (flp.plot_factor_rank_autocorrelation,
                             lambda rng: daily(rng, 0.02, 0.9, "1D"), {}),
    "average_cumulative_return": (flp.plot_quantile_average_cumulative_return, avg_cum, {"std_bar": True}),
}

FIGURE_CASES = {
    "quantile_returns_bar_by_group": (flp.plot_quantile_returns_bar_by_group, mean_ret_by_group, {}),
    "average_cumulative_return_by_quantile": (flp.plot_quantile_average_cumulative_return_by_quantile,
                                              avg_cum, {"std_bar": True}),
}

ALL_CASES = {**AXES_CASES, **FIGURE_CASES}


@pytest.mark.parametrize("name", AXES_CASES)
def test_draws_on_the_given_axes_and_returns_it(name, rng):
    func, build, kwargs = AXES_CASES[name]
    fig, ax = plt.subplots()
    out = func(build(rng), ax=ax, **kwargs)
    assert out is ax
    assert plt.get_fignums() == [fig.number]
    assert ax.has_data()
    assert ax.get_title()


@pytest.mark.parametrize("name", AXES_CASES)
def test_creates_a_figure_only_without_axes(name, rng):
    func, build, kwargs = AXES_CASES[name]
    assert plt.get_fignums() == []
    out = func(build(rng), **kwargs)
    assert isinstance(out, Axes)
    assert len(plt.get_fignums()) == 1


@pytest.mark.parametrize("name", FIGURE_CASES)
def test_multi_panel_functions_return_a_figure(name, rng):
    func, build, kwargs = FIGURE_CASES[name]
    out = func(build(rng), **kwargs)
    assert isinstance(out, Figure)
    visible = [a for a in out.axes if a.get_visible()]
    assert len(visible) >= 2
    assert all(a.get_title() for a in visible)


@pytest.mark.parametrize("name", ALL_CASES)
def test_input_is_not_mutated(name, rng):
    func, build, kwargs = ALL_CASES[name]
    data = build(rng)
    before = copy.deepcopy(data)
    func(data, **kwargs)
    if isinstance(data, pd.DataFrame):
        pd.testing.assert_frame_equal(data, before)
    else:
        pd.testing.assert_series_equal(data, before)


@pytest.mark.parametrize("name", ALL_CASES)
def test_no_printing_and_no_global_style_change(name, rng, capsys):
    func, build, kwargs = ALL_CASES[name]
    rc_before = dict(matplotlib.rcParams)
    func(build(rng), **kwargs)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    changed = {k for k, v in matplotlib.rcParams.items() if str(rc_before.get(k)) != str(v)}
    assert changed == set()


@pytest.mark.parametrize("name", ALL_CASES)
def test_empty_input_raises_parameter_error(name, rng):
    func, build, kwargs = ALL_CASES[name]
    data = build(rng)
    empty = data.iloc[0:0]
    with pytest.raises(ParameterError, match="empty"):
        func(empty, **kwargs)


@pytest.mark.parametrize("name", ALL_CASES)
def test_all_nan_input_raises_parameter_error(name, rng):
    func, build, kwargs = ALL_CASES[name]
    data = build(rng) * np.nan
    with pytest.raises(ParameterError, match="empty|NaN"):
        func(data, **kwargs)


@pytest.mark.parametrize("name", ALL_CASES)
def test_wrong_type_raises_parameter_error(name):
    func, _build, kwargs = ALL_CASES[name]
    with pytest.raises(ParameterError, match="must be"):
        func([0.1, 0.2, 0.3], **kwargs)


@pytest.mark.parametrize("name", AXES_CASES)
def test_ax_of_wrong_type_raises(name, rng):
    func, build, kwargs = AXES_CASES[name]
    with pytest.raises(ParameterError, match="ax must be"):
        func(build(rng), ax="left", **kwargs)


def test_non_numeric_values_raise(rng):
    bad = mean_ret(rng).astype(str)
    with pytest.raises(ParameterError, match="numbers"):
        flp.plot_quantile_returns_bar(bad)


def test_public_names_are_exported():
    for name in flp.__all__:
        assert hasattr(flp, name), name
    expected = {"plot_quantile_returns_bar", "plot_ic_ts", "table_to_html", "figure_to_data_uri"}
    assert expected <= set(flp.__all__)


@pytest.mark.parametrize("max_ticks", [3, 4, 5, 6, 8])
@pytest.mark.parametrize("days", [2, 3, 40, 400, 900, 950, 1000, 2000, 7000])
def test_date_axes_pick_an_interval_for_every_range(max_ticks, days):
    """Matplotlib warns 'AutoDateLocator was unable to pick an appropriate interval' for 2-3 year ranges
    with few ticks (the explorer printed it on every update): our date axes do not."""
    import warnings

    from matplotlib.figure import Figure

    from factorlab.plotting._style import time_axis

    index = pd.date_range("2018-01-02", periods=days, freq="D")
    ax = Figure().subplots()
    ax.plot(index, np.arange(days, dtype=float))
    time_axis(ax, max_ticks=max_ticks)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.draw_without_rendering()
        ticks = ax.get_xticks()
    lo, hi = ax.get_xlim()
    assert len([t for t in ticks if lo <= t <= hi]) >= 1


def test_tick_labels_state_their_ticks():
    """The fewest decimals that keep ticks apart must also state each tick: 0.75 reads '0.75' (it read
    '0.8', and 1.05 read '1.1', on the quantile growth chart's log axis)."""
    from factorlab.plotting._style import bps_formatter

    fmt = bps_formatter(decimals=1)
    assert fmt.format_ticks([0.6, 0.75, 0.9, 1.05]) == ["0.60", "0.75", "0.90", "1.05"]
    assert fmt.format_ticks([0.0, 0.5, 1.0]) == ["0.0", "0.5", "1.0"]
    assert bps_formatter().format_ticks([-2.0, -1.5, 0.0, 1500.0]) == ["-2.0", "-1.5", "0.0", "1,500.0"]


@pytest.mark.parametrize("low, high", [(0.71, 1.354), (0.93, 1.02), (0.5, 3.7), (1.0, 1.6)])
def test_log_data_ticks_reach_both_ends_of_every_shared_axes(low, high):
    """Axes sharing a log y axis get one set of ticks from all their data; the lowest and highest
    values are each within a quarter tick step of a labelled tick (or inside the ticks), the limits
    show every value, and no unlabelled minor tick is drawn."""
    from factorlab.plotting._style import data_log_ticks

    fig = Figure()
    axes = fig.subplots(1, 2, sharey=True)
    axes[0].plot([0, 1, 2], [1.0, low, 1.1])
    axes[1].plot([0, 1, 2], [1.0, high, 0.99])
    for ax in axes:
        assert data_log_ticks(ax, 5)
    fig.draw_without_rendering()
    ticks = np.asarray(axes[0].get_yticks())
    assert np.array_equal(ticks, axes[1].get_yticks())
    step = np.diff(ticks).min()
    assert ticks[0] - low <= 0.25 * step + 1e-12 and high - ticks[-1] <= 0.25 * step + 1e-12
    bottom, top = axes[0].get_ylim()
    assert bottom <= min(low, ticks[0]) and top >= max(high, ticks[-1])
    assert len(axes[0].yaxis.get_minorticklocs()) == 0


def test_long_lines_are_drawn_from_their_envelope():
    """A line of 130,000 minute bars is drawn from the first, last, lowest and highest point of
    each of 1,500 runs (and the ends of its gaps): a few thousand vertices, every extreme kept,
    and the same picture as the full line (PNG pixels compared)."""
    import io

    from matplotlib.figure import Figure
    from PIL import Image

    from factorlab.plotting._style import LINE_BUCKETS, line_points

    rng = np.random.default_rng(3)
    index = pd.date_range("2024-01-01", periods=130_000, freq="min")
    y = np.cumsum(rng.normal(0, 1e-3, len(index)))
    y[50_000:50_400] = np.nan  # a gap stays a gap
    x_kept, y_kept = line_points(index.to_numpy(), y)
    assert len(x_kept) <= 4 * LINE_BUCKETS + 10
    assert np.nanmin(y_kept) == np.nanmin(y) and np.nanmax(y_kept) == np.nanmax(y)
    assert x_kept[0] == index[0] and x_kept[-1] == index[-1]
    in_gap = (x_kept >= index[50_000]) & (x_kept <= index[50_399])
    assert in_gap.any() and np.isnan(y_kept[in_gap]).all() and np.isnan(y_kept).sum() == in_gap.sum()
    short = np.arange(10.0)
    assert all(np.array_equal(a, b) for a, b in zip(line_points(short, short), (short, short)))

    def png(xs, ys):
        fig = Figure(figsize=(8, 3.4))
        ax = fig.subplots()
        ax.plot(xs, ys, lw=1.0)
        ax.set_xlim(index[0], index[-1])
        ax.set_ylim(np.nanmin(y) - 0.01, np.nanmax(y) + 0.01)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        return np.asarray(Image.open(buffer).convert("L"), dtype=float)

    full, drawn = png(index.to_numpy(), y), png(x_kept, y_kept)
    differ = np.abs(full - drawn) > 64
    assert differ.mean() < 0.005, f"{differ.sum()} of {differ.size} pixels differ"
    # the envelope: in every pixel column the line's highest and lowest inked pixel agree within 1 pixel
    ink_full, ink_drawn = full < 160, drawn < 160
    for column in np.flatnonzero(ink_full.any(axis=0) & ink_drawn.any(axis=0)):
        rows_full, rows_drawn = np.flatnonzero(ink_full[:, column]), np.flatnonzero(ink_drawn[:, column])
        assert abs(rows_full[0] - rows_drawn[0]) <= 1 and abs(rows_full[-1] - rows_drawn[-1]) <= 1, column
    for plot in (flp.plot_ic_ts, flp.plot_factor_rank_autocorrelation):  # the chart functions use it
        ax = plot(pd.Series(y, index=index))
        assert len(ax.lines[0].get_xdata()) <= 4 * LINE_BUCKETS + 10
        plt.close(ax.get_figure())


@pytest.mark.parametrize("name", ALL_CASES)
def test_value_axes_label_a_few_round_ticks(name, rng):
    """Every axis a chart leaves to a locator (not fixed category positions) labels 3 to 6 ticks within
    its view: matplotlib's default put 9 and 10 on the IC histogram's and Q-Q plot's axes, each a label to
    lay out and draw. Bar offsets around the event are whole numbers."""
    from matplotlib.ticker import FixedLocator, NullLocator

    func, build, kwargs = ALL_CASES[name]
    out = func(build(rng), **kwargs)
    fig = out if isinstance(out, Figure) else out.get_figure()
    fig.draw_without_rendering()
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            if isinstance(axis.get_major_locator(), (FixedLocator, NullLocator)) or axis.get_scale() != "linear":
                continue
            lo, hi = min(lo, hi), max(lo, hi)
            shown = [t for t in axis.get_majorticklocs() if lo - 1e-9 * (hi - lo) <= t <= hi + 1e-9 * (hi - lo)]
            assert 3 <= len(shown) <= 6, (name, axis.axis_name, shown)
            if "average_cumulative_return" in name and axis is ax.xaxis:
                assert all(float(t).is_integer() for t in shown), shown
