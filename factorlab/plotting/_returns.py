"""Return charts: mean return by quantile, the long-short spread, cumulative returns.

Every function draws precomputed numbers; returns are decimals (0.001 is
10 bps) and are shown in basis points where the chart says "bps".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

from factorlab.data._validate import QUANTILE_LEVEL_NAMES
from factorlab.errors import ParameterError
from factorlab.plotting._checks import (
    as_frame,
    as_series,
    check_multiindex,
    check_same_index,
    level_position,
)
from factorlab.plotting._style import (
    BPS,
    PALETTE,
    QUANTILE_CMAP,
    bps_formatter,
    data_log_ticks,
    get_axes,
    grouped_bars,
    is_time_index,
    legend_row_above,
    line_points,
    panel_grid,
    period_colors,
    quantile_colors,
    time_axis,
    value_ticks,
    zero_line,
)

__all__ = [
    "plot_cumulative_returns",
    "plot_cumulative_returns_by_quantile",
    "plot_mean_return_spread",
    "plot_quantile_returns_bar",
    "plot_quantile_returns_bar_by_group",
    "plot_quantile_returns_violin",
]

_GROUP_NAMES = ("group",)


def plot_quantile_returns_bar(mean_ret: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                              ylim: tuple[float, float] | None = None, **style) -> Axes:
    """Bar chart of the mean forward return of each factor quantile, in bps.

    Parameters
    ----------
    mean_ret : pd.DataFrame, shape (quantiles, periods)
        Index = quantile labels (e.g. 1..5), columns = period labels
        ('1D', '5D', ...), values = mean returns as decimals (0.001 = 10 bps).
        A Series is taken as one period. For a (group, quantile) index use
        :func:`plot_quantile_returns_bar_by_group`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when None.
    title : str, optional
        Axes title; the default states the unit.
    ylim : (float, float), optional
        y limits in bps.
    **style
        Passed to every ``Axes.bar`` call (e.g. ``alpha``, ``edgecolor``).

    Returns
    -------
    matplotlib.axes.Axes
        One ``BarContainer`` per period (in column order), bar heights =
        ``mean_ret * 1e4``.
    """
    frame = as_frame(mean_ret, "mean_ret", allow_series=True)
    if isinstance(frame.index, pd.MultiIndex):
        raise ParameterError(
            "mean_ret has a MultiIndex (levels "
            f"{list(frame.index.names)}); plot_quantile_returns_bar expects one row per quantile. "
            "For returns by group use plot_quantile_returns_bar_by_group.")
    ax = get_axes(ax)
    grouped_bars(ax, frame * BPS, period_colors(frame.shape[1]), **style)
    zero_line(ax)
    value_ticks(ax.yaxis)
    ax.yaxis.set_major_formatter(bps_formatter())
    ax.set(xlabel="Factor quantile", ylabel="Mean return (bps)")
    if ylim is not None:
        ax.set_ylim(ylim)
    # the periods as one legend row above the axes (off the bars, wherever they are), under the title
    legend_row_above(ax, frame.shape[1],
                     title if title is not None else "Mean Period Wise Return By Factor Quantile (bps)")
    return ax


def _split_group_quantile(frame: pd.DataFrame) -> tuple[int, int]:
    check_multiindex(frame, "mean_ret_by_group", 2, "(group, quantile)")
    group_level = level_position(frame.index, _GROUP_NAMES, -1)
    quantile_level = level_position(frame.index, QUANTILE_LEVEL_NAMES, -1)
    if group_level < 0 and quantile_level < 0:
        group_level, quantile_level = 0, 1
    elif group_level < 0:
        group_level = 1 - quantile_level
    elif quantile_level < 0 or quantile_level == group_level:
        quantile_level = 1 - group_level
    return group_level, quantile_level


def plot_quantile_returns_bar_by_group(mean_ret_by_group: pd.DataFrame, *, ncols: int = 2,
                                       sharey: bool = True, title: str | None = None,
                                       fig: Figure | None = None, **style) -> Figure:
    """One bar panel per group: mean forward return of each quantile, in bps.

    Parameters
    ----------
    mean_ret_by_group : pd.DataFrame, shape (groups * quantiles, periods)
        MultiIndex (group, quantile): the levels are found by name ('group'
        and 'factor_quantile' / 'quantile', so the Alphalens order
        (factor_quantile, group) works too), otherwise level 0 is the group.
        Columns = period labels, values = mean returns as decimals.
    ncols : int
        Panels per row.
    sharey : bool
        Share the y axis across panels.
    title : str, optional
        Figure title (suptitle).
    fig : matplotlib.figure.Figure, optional
        Empty figure to draw on (see :func:`panel_grid`); default a new one.
    **style
        Passed to every ``Axes.bar`` call.

    Returns
    -------
    matplotlib.figure.Figure
        Visible axes in sorted group order; each titled with its group.
    """
    frame = as_frame(mean_ret_by_group, "mean_ret_by_group", allow_series=True)
    group_level, _ = _split_group_quantile(frame)
    groups = frame.index.get_level_values(group_level).unique().sort_values()
    fig, axes = panel_grid(len(groups), ncols=ncols, sharey=sharey, panel_size=(5.0, 3.2), fig=fig)
    colors = period_colors(frame.shape[1])
    for ax, group in zip(axes, groups):
        panel = frame.xs(group, level=group_level).sort_index()
        grouped_bars(ax, panel * BPS, colors, **style)
        zero_line(ax)
        ax.set(title=str(group), xlabel="Factor quantile", ylabel="Mean Return (bps)")
    axes[0].legend(title="Period", loc="best")
    fig.suptitle(title if title is not None else "Mean Period Wise Return By Factor Quantile and Group (bps)")
    return fig


def plot_quantile_returns_violin(violins, *, ax: Axes | None = None, title: str | None = None,
                                 ylim: tuple[float, float] | None = None, **style) -> Axes:
    """Violin plot of per-date quantile returns, one violin per (quantile, period), in the violins' unit (bps).

    Parameters
    ----------
    violins : factorlab.tears.ViolinStats
        Densities and quartiles per (quantile, period), from
        :func:`factorlab.tears.violin_stats` of the per-date mean returns by
        quantile (this function draws them; it computes no statistics).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    title : str, optional
        Axes title.
    ylim : (float, float), optional
        y limits in the violins' unit.
    **style
        ``widths`` (of each violin, in quantiles; default 0.95 of its
        period's slot) and keywords of the bodies' ``PolyCollection``
        (e.g. ``alpha``, ``linewidth``).

    Returns
    -------
    matplotlib.axes.Axes
        One ``PolyCollection`` of the bodies, one path per (quantile,
        period) with values, quantile by quantile and the periods in column
        order within each (the density drawn to each side of the violin's
        centre, scaled so its peak is half the violin's width, as
        ``Axes.violin`` draws it); one ``LineCollection`` of the quartile
        marks, three per violin; violins are cut at the data range; the
        legend names the periods.
    """
    for attr in ("quantiles", "periods", "stats", "unit"):
        if not hasattr(violins, attr):
            raise ParameterError("violins must be a ViolinStats (factorlab.tears.violin_stats of the per-date "
                                 f"mean returns by quantile), got {type(violins).__name__}")
    if not violins.stats:
        raise ParameterError("violins are empty: no (quantile, period) has a finite value")
    ax = get_axes(ax)
    periods = list(violins.periods)
    colors = period_colors(len(periods))
    step = 0.8 / max(1, len(periods))
    style = dict(style)
    width = style.pop("widths", step * 0.95)
    if isinstance(width, bool) or not isinstance(width, (int, float, np.integer, np.floating)) \
            or not width > 0:
        raise ParameterError(f"widths must be one positive number (the width of every violin, in quantiles), "
                             f"got {width!r}")
    width = float(width)
    bodies, body_colors, marks = [], [], []
    for i, level in enumerate(violins.quantiles):
        for j, period in enumerate(periods):
            st = violins.stats.get((level, period))
            if st is None:
                continue
            centre = i + (j - (len(periods) - 1) / 2.0) * step
            y = np.asarray(st["coords"], dtype="float64")
            density = np.asarray(st["vals"], dtype="float64")
            peak = density.max() if len(density) else 0.0
            half = 0.5 * width * density / peak if peak > 0 else np.zeros_like(density)  # no spread: no width
            bodies.append(np.column_stack((np.concatenate((centre - half, (centre + half)[::-1])),
                                           np.concatenate((y, y[::-1])))))
            body_colors.append(colors[j])
            quartiles = st.get("quantiles")
            if quartiles is not None:
                marks.extend([(centre - width / 4, q), (centre + width / 4, q)]
                             for q in np.asarray(quartiles))
    # every body in one collection and every quartile mark in another: two artists, not one per violin
    ax.add_collection(PolyCollection(bodies, **{"facecolors": body_colors, "edgecolors": "0.3", "alpha": 0.8,
                                                 **style}))
    if marks:
        ax.add_collection(LineCollection(marks, colors="0.2", linewidths=0.8))
    ax.autoscale_view()
    ax.set_xticks(np.arange(len(violins.quantiles)), [str(level) for level in violins.quantiles])
    zero_line(ax)
    value_ticks(ax.yaxis)
    ax.legend(handles=[Patch(facecolor=c, label=p) for c, p in zip(colors, periods)], title="period",
              loc="upper right")
    ax.set(xlabel="Factor quantile", ylabel=f"Return ({violins.unit})",
           title=title if title is not None else f"Period Wise Return By Factor Quantile ({violins.unit})")
    if ylim is not None:
        ax.set_ylim(ylim)
    return ax


def plot_mean_return_spread(spread: pd.Series, std_err: pd.Series | None = None, *,
                            moving_average: pd.Series | None = None, bandwidth: float = 1.0,
                            ax: Axes | None = None, title: str | None = None,
                            ylim: tuple[float, float] | None = None, **style) -> Axes:
    """Top-minus-bottom quantile return per date, in bps, with error band and moving average.

    Parameters
    ----------
    spread : pd.Series, shape (dates,)
        Long-short quantile return per date as decimals. Its name (e.g. '5D')
        is used in the default title.
    std_err : pd.Series, optional
        Standard error of the spread per date (decimals), same index as
        ``spread``; drawn as a band of +/- ``bandwidth`` standard errors.
    moving_average : pd.Series, optional
        Precomputed moving average of the spread (e.g. 22-bar mean) in
        decimals; drawn as is on its own index.
    bandwidth : float
        Half-width of the band in standard errors.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    title : str, optional
        Axes title.
    ylim : (float, float), optional
        y limits in bps.
    **style
        Passed to the ``plot`` call of the spread line.

    Returns
    -------
    matplotlib.axes.Axes
        Lines labelled 'mean returns spread' and (if given) '1 month moving
        avg'; y data in bps.
    """
    spread = as_series(spread, "spread")
    if not np.isfinite(bandwidth) or bandwidth < 0:
        raise ParameterError(f"bandwidth must be a finite number >= 0, got {bandwidth!r}")
    ax = get_axes(ax)
    x = spread.index.to_numpy()
    y = spread.to_numpy(dtype="float64", na_value=np.nan) * BPS
    if std_err is not None:
        err = check_same_index(spread, std_err, "spread", "std_err")
        half = err.to_numpy(dtype="float64", na_value=np.nan) * BPS * bandwidth
        ax.fill_between(*line_points(x, y - half, y + half), color=PALETTE["band"], alpha=0.3, lw=0,
                        label=f"+/- {bandwidth:g} std. err.")
    kwargs = {"color": PALETTE["spread"], "lw": 0.8, "alpha": 0.6, **style}
    ax.plot(*line_points(x, y), label="mean returns spread", **kwargs)
    if moving_average is not None:
        ma = as_series(moving_average, "moving_average")
        ax.plot(*line_points(ma.index.to_numpy(), ma.to_numpy(dtype="float64", na_value=np.nan) * BPS),
                color=PALETTE["spread_average"], lw=1.6, alpha=0.9, label="1 month moving avg")
    zero_line(ax)
    if is_time_index(spread.index):
        time_axis(ax)
    period = "" if spread.name is None else f" ({spread.name} Period Forward Return)"
    ax.set(xlabel="", ylabel="Long-Short Return (bps, 100% gross)",
           title=title if title is not None else f"Top Minus Bottom Quantile Mean Return (bps){period}")
    if ylim is not None:
        ax.set_ylim(ylim)
    ax.legend(loc="upper right")
    return ax


def _check_log_scale(frame: pd.DataFrame, name: str) -> None:
    values = frame.to_numpy(dtype="float64", na_value=np.nan)
    if np.any(values[np.isfinite(values)] <= 0):
        raise ParameterError(f"{name} has values <= 0, which a log scale cannot show; "
                             "pass a growth index (1.0 = start) or logy=False")


#: Above this span (highest / lowest growth) evenly spaced ticks crowd one end of a log axis: the ticks
#: are then 1-2-5 per decade (or decades alone over more than three decades).
_EVEN_TICKS_SPAN = 10.0


def _plain_log_axis(ax: Axes, n_ticks: int = 5) -> None:
    """Log-scale y axis with a few plain-number ticks ('0.9', '1.0', '1.2', not '9x10^-1') chosen on the
    data's range, and no minor tick labels; over a wide range (more than 10x), 1-2-5 ticks per decade
    ('0.5', '1', '2', '5', '10', ... '1,000') so every part of the range has a labelled tick."""
    if data_log_ticks(ax, n_ticks, max_ratio=_EVEN_TICKS_SPAN):
        ax.yaxis.set_major_formatter(bps_formatter(decimals=1))
        ax.yaxis.set_minor_formatter(NullFormatter())
        return
    lo, hi = ax.dataLim.y0, ax.dataLim.y1
    subs = (1.0, 2.0, 5.0) if np.isfinite(lo) and lo > 0 and hi / lo <= 1e3 else (1.0,)
    ax.yaxis.set_major_locator(LogLocator(base=10.0, subs=subs, numticks=12))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))


def _finish_cumulative(ax: Axes, baseline: float | None, logy: bool, title: str, dates: bool) -> Axes:
    """Baseline, log scale, labels and legend shared by the cumulative-return charts."""
    if baseline is not None:
        zero_line(ax, baseline)
    if logy:
        _plain_log_axis(ax)
    if dates:
        time_axis(ax)
    ax.set(xlabel="", ylabel="Cumulative Return (growth of 1)" + (", log scale" if logy else ""), title=title)
    ax.legend(loc="upper left")
    return ax


def plot_cumulative_returns(cum: pd.Series | pd.DataFrame, *, benchmark: pd.Series | None = None,
                            title: str | None = None, baseline: float | None = 1.0, logy: bool = False,
                            ax: Axes | None = None, **style) -> Axes:
    """Cumulative growth of one or more portfolios (and an optional benchmark).

    Parameters
    ----------
    cum : pd.Series or pd.DataFrame, shape (bars,) or (bars, portfolios)
        Cumulative growth index per bar (1.0 = start, 1.25 = +25%). Each
        column of a DataFrame is one line labelled with its name.
    benchmark : pd.Series, optional
        Benchmark growth index on the same scale, drawn in grey.
    title : str, optional
        Axes title (default 'Portfolio Cumulative Return').
    baseline : float or None
        Level of the horizontal reference line (1.0 = break-even); None for
        no line.
    logy : bool
        Log-scale y axis (all values must be > 0).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    **style
        Passed to the ``plot`` call of each portfolio line.

    Returns
    -------
    matplotlib.axes.Axes
    """
    frame = as_frame(cum, "cum", allow_series=True)
    if logy:
        _check_log_scale(frame, "cum")
    ax = get_axes(ax)
    colors = [PALETTE["main"]] if frame.shape[1] == 1 else period_colors(frame.shape[1])
    for j, column in enumerate(frame.columns):
        kwargs = {"color": colors[j], "lw": 1.5, **style}
        ax.plot(*line_points(frame.index.to_numpy(), frame[column].to_numpy(dtype="float64", na_value=np.nan)),
                label=str(column), **kwargs)
    if benchmark is not None:
        bench = as_series(benchmark, "benchmark")
        ax.plot(*line_points(bench.index.to_numpy(), bench.to_numpy(dtype="float64", na_value=np.nan)),
                color=PALETTE["benchmark"], lw=1.2, alpha=0.8,
                label=str(bench.name) if bench.name is not None else "benchmark")
    return _finish_cumulative(ax, baseline, logy, title if title is not None else "Portfolio Cumulative Return",
                              is_time_index(frame.index))


def plot_cumulative_returns_by_quantile(cum_by_q: pd.DataFrame, *, logy: bool = False,
                                        title: str | None = None, cmap: str = QUANTILE_CMAP,
                                        baseline: float | None = 1.0, ax: Axes | None = None,
                                        **style) -> Axes:
    """Cumulative growth of each quantile portfolio, coloured along a diverging colormap.

    Parameters
    ----------
    cum_by_q : pd.DataFrame, shape (bars, quantiles)
        Cumulative growth index per bar (1.0 = start), one column per
        quantile, columns sortable (e.g. 1..5).
    logy : bool
        Log-scale y axis (all values must be > 0).
    title : str, optional
        Axes title.
    cmap : str
        Diverging matplotlib colormap; the lowest quantile takes its high
        end (red for 'coolwarm') and the top quantile its low end (blue).
    baseline : float or None
        Level of the reference line; None for no line.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    **style
        Passed to each quantile's ``plot`` call.

    Returns
    -------
    matplotlib.axes.Axes
        One line per quantile labelled 'Quantile q', in ascending order.
    """
    frame = as_frame(cum_by_q, "cum_by_q")
    if isinstance(frame.columns, pd.MultiIndex):
        raise ParameterError("cum_by_q must have one column per quantile, got MultiIndex columns; "
                             "unstack the quantile level first")
    if logy:
        _check_log_scale(frame, "cum_by_q")
    ax = get_axes(ax)
    columns = sorted(frame.columns)
    colors = quantile_colors(len(columns), cmap)
    x = frame.index.to_numpy()
    for color, column in zip(colors, columns):
        kwargs = {"color": color, "lw": 1.8, **style}
        ax.plot(*line_points(x, frame[column].to_numpy(dtype="float64", na_value=np.nan)),
                label=f"Quantile {column}", **kwargs)
    return _finish_cumulative(ax, baseline, logy, title if title is not None else "Cumulative Return by Quantile",
                              is_time_index(frame.index))
