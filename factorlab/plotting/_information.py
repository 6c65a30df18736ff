"""Information coefficient charts: time series, histogram, Q-Q, monthly heatmap, by group, decay.

The IC is a rank correlation (unitless, -1..1); none of these charts uses bps.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from factorlab.errors import ParameterError
from factorlab.plotting._checks import (
    as_frame,
    as_series,
    check_option,
    check_same_index,
)
from factorlab.plotting._style import (
    PALETTE,
    cell_label,
    cell_text_colors,
    get_axes,
    grouped_bars,
    is_time_index,
    line_points,
    period_colors,
    stats_box,
    time_axis,
    value_ticks,
    zero_line,
)

__all__ = [
    "plot_ic_by_group",
    "plot_ic_decay",
    "plot_ic_hist",
    "plot_ic_qq",
    "plot_ic_ts",
    "plot_monthly_ic_heatmap",
]

def _period_suffix(period: object) -> str:
    return "" if period is None else f"{period} Period "


def plot_ic_ts(ic: pd.Series, *, moving_average: pd.Series | None = None, mean: float | None = None,
               std: float | None = None, title: str | None = None, ax: Axes | None = None,
               **style) -> Axes:
    """Information coefficient per date, with an optional precomputed moving average.

    Parameters
    ----------
    ic : pd.Series, shape (dates,)
        IC per date for one forward period; its name ('1D', ...) goes in the
        title.
    moving_average : pd.Series, optional
        Precomputed moving average of the IC (e.g. the 22-bar mean), drawn
        as is.
    mean, std : float, optional
        Precomputed mean and standard deviation of the IC, written in a text
        box when given (nothing is computed here).
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    **style
        Passed to the ``plot`` call of the IC line.

    Returns
    -------
    matplotlib.axes.Axes
        Lines labelled 'IC' and (if given) '1 month moving avg'.
    """
    ic = as_series(ic, "ic")
    ax = get_axes(ax)
    kwargs = {"color": PALETTE["main"], "lw": 0.7, "alpha": 0.7, **style}
    ax.plot(*line_points(ic.index.to_numpy(), ic.to_numpy(dtype="float64", na_value=np.nan)), label="IC", **kwargs)
    if moving_average is not None:
        ma = as_series(moving_average, "moving_average")
        ax.plot(*line_points(ma.index.to_numpy(), ma.to_numpy(dtype="float64", na_value=np.nan)),
                color=PALETTE["moving_average"], lw=2.0, alpha=0.8, label="1 month moving avg")
    zero_line(ax)
    if is_time_index(ic.index):
        time_axis(ax)
    box = [f"Mean {mean:.3f}"] if mean is not None else []
    box += [f"Std. {std:.3f}"] if std is not None else []
    if box:
        stats_box(ax, box)
    ax.set(xlabel="", ylabel="IC (rank correlation)",
           title=title if title is not None
           else f"{_period_suffix(ic.name)}Forward Return Information Coefficient (IC)")
    ax.legend(loc="upper right")
    return ax


def _edges(index: pd.Index, name: str) -> np.ndarray:
    if not isinstance(index, pd.IntervalIndex) or not index.is_non_overlapping_monotonic:
        raise ParameterError(f"{name} must be indexed by its bins (a sorted pandas IntervalIndex, as "
                             "factorlab.tears.ic_histogram returns)")
    return np.append(index.left.to_numpy(dtype="float64"), float(index.right[-1]))


def plot_ic_hist(hist: pd.DataFrame | pd.Series, *, means: pd.Series | float | None = None,
                 title: str | None = None, ax: Axes | None = None, **style) -> Axes:
    """Histogram of the daily IC: one step outline per forward period on one axes, dashed means.

    Parameters
    ----------
    hist : pd.DataFrame, shape (bins, periods), or pd.Series
        Number of dates per IC bin, one column per period, indexed by the
        bins (an IntervalIndex): the output of
        :func:`factorlab.tears.ic_histogram`. Drawn as given.
    means : pd.Series or float, optional
        Precomputed mean IC per period (index = the columns of ``hist``),
        drawn as dashed vertical lines in the period's colour.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    **style
        Passed to each ``Axes.stairs`` call.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.patches`` holds one ``StepPatch`` per period, in column order:
        ``get_data()`` gives its counts and the bin edges. x limits are the
        outer bin edges.
    """
    frame = as_frame(hist, "hist", allow_series=True)
    edges = _edges(frame.index, "hist")
    ax = get_axes(ax)
    colors = [PALETTE["main"]] if frame.shape[1] == 1 else period_colors(frame.shape[1])
    single = frame.shape[1] == 1
    for color, column in zip(colors, frame.columns):
        kwargs = {"color": color, "fill": single, "alpha": 0.8 if single else 1.0, "lw": 1.5, **style}
        ax.stairs(frame[column].to_numpy(dtype="float64", na_value=np.nan), edges, label=str(column), **kwargs)
    if means is not None:
        mean_values = means if isinstance(means, pd.Series) else pd.Series(float(means), index=frame.columns)
        for color, column in zip(colors, frame.columns):
            ax.axvline(float(mean_values[column]), color=PALETTE["mean"] if single else color,
                       linestyle="--", lw=1.5, label=f"_mean {column}")
    ax.set_xlim(edges[0], edges[-1])
    value_ticks(ax.xaxis)
    value_ticks(ax.yaxis, integer=True)
    ax.set(xlabel="IC (rank correlation)", ylabel="Number of dates",
           title=title if title is not None else "IC distribution (dashed: mean)")
    if not single:
        ax.legend(title="Period", loc="upper left")
    return ax


def plot_ic_qq(qq: pd.DataFrame, *, dist_name: str = "Normal", title: str | None = None,
               legend: bool = True, ax: Axes | None = None, **style) -> Axes:
    """Q-Q plot of the daily IC: observed against fitted-distribution quantiles, one line per period.

    Parameters
    ----------
    qq : pd.DataFrame
        Precomputed Q-Q points (:func:`factorlab.tears.ic_qq_points`):
        columns (period, 'theoretical') and (period, 'observed'), in IC
        units, NaN-padded; or two flat columns 'theoretical' and 'observed'
        for one period.
    dist_name : str
        Name of the fitted distribution, for the axis label.
    title : str, optional
        Axes title.
    legend : bool, default True
        Name the periods and the 45-degree line in a legend. False when
        another chart beside it already names the periods' colours (then
        say in the title that the dotted line is the 45-degree line).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    **style
        Passed to each period's ``plot`` call.

    Returns
    -------
    matplotlib.axes.Axes
        One line per period (x theoretical, y observed quantiles), in column
        order, then the 45-degree reference line (dotted).
    """
    frame = as_frame(qq, "qq")
    if not isinstance(frame.columns, pd.MultiIndex):
        frame = pd.concat({"IC": frame}, axis=1)
    if set(frame.columns.get_level_values(1)) != {"theoretical", "observed"}:
        raise ParameterError("qq must have columns 'theoretical' and 'observed' (per period); "
                             f"got {list(frame.columns)[:6]}")
    periods = list(dict.fromkeys(frame.columns.get_level_values(0)))
    ax = get_axes(ax, figsize=(6.0, 6.0))
    colors = [PALETTE["main"]] if len(periods) == 1 else period_colors(len(periods))
    low, high = np.inf, -np.inf
    for color, period in zip(colors, periods):
        x = frame[(period, "theoretical")].to_numpy(dtype="float64", na_value=np.nan)
        y = frame[(period, "observed")].to_numpy(dtype="float64", na_value=np.nan)
        keep = np.isfinite(x) & np.isfinite(y)
        ax.plot(x[keep], y[keep], label=str(period), **{"color": color, "lw": 1.5, **style})
        if keep.any():
            low = min(low, x[keep].min(), y[keep].min())
            high = max(high, x[keep].max(), y[keep].max())
    if np.isfinite(low):
        ax.plot([low, high], [low, high], color=PALETTE["reference"], lw=1.0, linestyle=":",
                label="45-degree line")
    value_ticks(ax.xaxis)
    value_ticks(ax.yaxis)
    ax.set(xlabel=f"{dist_name} distribution quantile (fitted)", ylabel="Observed IC quantile",
           title=title if title is not None else f"IC {dist_name} Q-Q")
    if legend:
        ax.legend(loc="upper left")
    return ax


def _monthly_grid(monthly_ic: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Check a year x month table, or lay out a monthly Series as one."""
    if isinstance(monthly_ic, pd.Series) and isinstance(monthly_ic.index, pd.DatetimeIndex):
        series = as_series(monthly_ic, "monthly_ic")
        grid = pd.DataFrame({"year": series.index.year, "month": series.index.month,
                             "ic": series.to_numpy(dtype="float64", na_value=np.nan)})
        if grid.duplicated(["year", "month"]).any():
            raise ParameterError("monthly_ic has more than one value for some month; "
                                 "pass one mean IC per month")
        return grid.pivot(index="year", columns="month", values="ic")
    frame = as_frame(monthly_ic, "monthly_ic")
    months = pd.Index(frame.columns)
    if not pd.api.types.is_integer_dtype(months) or not months.isin(range(1, 13)).all():
        raise ParameterError("monthly_ic must have index = year and columns = month numbers 1..12 "
                             f"(one period); got columns {list(frame.columns)[:12]}. For the output of "
                             "mean_monthly_ic pass one column, e.g. monthly['5D']")
    return frame


def plot_monthly_ic_heatmap(monthly_ic: pd.DataFrame | pd.Series, *, period: str | None = None,
                            annot: bool = True, fmt: str = ".3f", cmap: str = "coolwarm_r",
                            month_ticks: int = 1, title: str | None = None, ax: Axes | None = None,
                            annot_size: float = 8, **style) -> Axes:
    """Heatmap of the mean IC per calendar month (rows = years, columns = months).

    Parameters
    ----------
    monthly_ic : pd.DataFrame, shape (years, months)
        Mean IC of ONE forward period: index = year, columns = month numbers
        in 1..12; cells are drawn exactly as given (NaN cells are blank). A
        Series indexed by month timestamps (one period of
        :func:`factorlab.mean_monthly_ic`) is laid out as such a table.
    period : str, optional
        Period label for the title (default: the Series name, if any).
    annot : bool
        Write each value in its cell with format ``fmt``.
    fmt : str
        Format of the annotations.
    cmap : str
        Diverging colormap, centred on 0 (positive IC blue by default): the
        colour range is +/- the largest absolute value.
    annot_size : float
        Font size of the annotations (points), smaller for small panels.
    month_ticks : int
        Label every ``month_ticks``-th month column (1: every month; 3:
        months 1, 4, 7, 10 of a full year), for small panels.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    **style
        Passed to ``Axes.pcolormesh``.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.collections[0]`` is the QuadMesh whose array holds the values,
        row by row (first year on top); with ``annot``, a
        :class:`~factorlab.plotting.CellLabels` artist (in ``ax.artists``)
        holds the cell texts (``get_texts()``, row by row).
    """
    if period is None and isinstance(monthly_ic, pd.Series):
        period = monthly_ic.name
    grid = _monthly_grid(monthly_ic)
    check_option(annot, "annot", (True, False))
    ax = get_axes(ax, figsize=(12.0, max(3.0, 0.5 * len(grid) + 1.5)))
    values = grid.to_numpy(dtype="float64", na_value=np.nan)
    finite = values[np.isfinite(values)]
    bound = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
    kwargs = {"cmap": cmap, "vmin": -bound, "vmax": bound, "edgecolors": "white", "linewidth": 0.5, **style}
    n_rows, n_cols = values.shape
    mesh = ax.pcolormesh(np.arange(n_cols + 1), np.arange(n_rows + 1), np.ma.masked_invalid(values), **kwargs)
    if annot:  # one artist laying out every cell's value (no Text artist per cell)
        from factorlab.plotting._performance import CellLabels

        rows, cols = np.nonzero(np.isfinite(values))
        cells = values[rows, cols]
        ax.add_artist(CellLabels(np.column_stack([cols + 0.5, rows + 0.5]), [cell_label(v, fmt) for v in cells],
                                 cell_text_colors(mesh, cells), fontsize=annot_size))
    if isinstance(month_ticks, bool) or not isinstance(month_ticks, (int, np.integer)) or month_ticks < 1:
        raise ParameterError(f"month_ticks must be a positive integer, got {month_ticks!r}")
    shown = np.arange(0, n_cols, int(month_ticks))
    ax.set_xticks(shown + 0.5, [str(grid.columns[k]) for k in shown])
    ax.set_yticks(np.arange(n_rows) + 0.5, [str(y) for y in grid.index])
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set(xlabel="Month", ylabel="Year",
           title=title if title is not None else f"Monthly Mean {_period_suffix(period)}IC")
    return ax


def plot_ic_by_group(ic_by_group: pd.DataFrame | pd.Series, *, title: str | None = None,
                     ax: Axes | None = None, **style) -> Axes:
    """Bars of the mean IC of each group (sector), one bar series per period.

    Parameters
    ----------
    ic_by_group : pd.DataFrame, shape (groups, periods)
        Index = group labels, columns = period labels, values = mean IC. A
        Series is taken as one period.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    **style
        Passed to every ``Axes.bar`` call.

    Returns
    -------
    matplotlib.axes.Axes
        One ``BarContainer`` per period, heights = the mean IC values.
    """
    frame = as_frame(ic_by_group, "ic_by_group", allow_series=True)
    if isinstance(frame.index, pd.MultiIndex):
        raise ParameterError("ic_by_group must have one row per group (flat index), got a MultiIndex "
                             f"with levels {list(frame.index.names)}; average over dates first")
    ax = get_axes(ax)
    grouped_bars(ax, frame, period_colors(frame.shape[1]), **style)
    zero_line(ax)
    # group names wrapped on two or three lines, upright: long sector names stay inside the figure
    ax.set_xticks(range(len(frame.index)), [textwrap.fill(str(g), 13) for g in frame.index], fontsize=8)
    ax.set(xlabel="", ylabel="Mean IC",
           title=title if title is not None else "Information Coefficient By Group")
    ax.legend(title="Period", loc="best")
    return ax


def plot_ic_decay(mean_ic_by_horizon: pd.Series, *, std_err: pd.Series | None = None,
                  title: str | None = None, ax: Axes | None = None, **style) -> Axes:
    """Mean IC by forward horizon (IC decay), as bars with optional error bars.

    Parameters
    ----------
    mean_ic_by_horizon : pd.Series, shape (horizons,)
        Index = horizon labels ('1D', '5D', ...) or bar counts, in the order
        to draw; values = mean IC.
    std_err : pd.Series, optional
        Standard error of each mean IC, same index; drawn as +/- 1 error bar.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    **style
        Passed to ``Axes.bar``.

    Returns
    -------
    matplotlib.axes.Axes
        One ``BarContainer``; heights = the mean IC values.
    """
    mean_ic = as_series(mean_ic_by_horizon, "mean_ic_by_horizon")
    yerr = None
    if std_err is not None:
        yerr = check_same_index(mean_ic, std_err, "mean_ic_by_horizon", "std_err").to_numpy(
            dtype="float64", na_value=np.nan)
    ax = get_axes(ax)
    x = np.arange(len(mean_ic), dtype="float64")
    kwargs = {"color": PALETTE["main"], "alpha": 0.85, **style}
    ax.bar(x, mean_ic.to_numpy(dtype="float64", na_value=np.nan), 0.7, yerr=yerr, capsize=4,
           label="mean IC", **kwargs)
    ax.set_xticks(x)
    ax.set_xticklabels([str(label) for label in mean_ic.index])
    zero_line(ax)
    value_ticks(ax.yaxis)
    ax.set(xlabel="Forward horizon", ylabel="Mean IC",
           title=title if title is not None else "IC Decay: Mean IC by Forward Horizon")
    return ax
