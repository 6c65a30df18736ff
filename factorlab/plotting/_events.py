"""Event-study chart: average cumulative return around the factor date, by quantile."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from factorlab.errors import ParameterError
from factorlab.plotting._checks import as_frame, check_multiindex
from factorlab.plotting._style import (
    BPS,
    QUANTILE_CMAP,
    get_axes,
    legend_row_above,
    panel_grid,
    quantile_colors,
    value_ticks,
    zero_line,
)

__all__ = [
    "plot_quantile_average_cumulative_return",
    "plot_quantile_average_cumulative_return_by_quantile",
]

_STAT_VALUES = ("mean", "std")


def _split_stats(avg_cum: pd.DataFrame, std_bar: bool) -> tuple[list, pd.DataFrame, pd.DataFrame | None]:
    """Quantiles, the 'mean' rows and (if asked) the 'std' rows, each quantile x offset."""
    frame = as_frame(avg_cum, "avg_cum")
    check_multiindex(frame, "avg_cum", 2, "(quantile, 'mean'/'std')")
    stat_level = 1
    for position in range(2):
        if frame.index.get_level_values(position).isin(_STAT_VALUES).all():
            stat_level = position
    stat_values = frame.index.get_level_values(stat_level)
    if not stat_values.isin(_STAT_VALUES).all() or "mean" not in set(stat_values):
        raise ParameterError("avg_cum must have index (quantile, stat) with stat in {'mean', 'std'} "
                             "(Alphalens average_cumulative_return_by_quantile layout); got second-level "
                             f"values {sorted(set(map(str, stat_values)))[:5]}")
    means = frame.xs("mean", level=stat_level).sort_index()
    quantiles = list(means.index)
    if len(set(quantiles)) != len(quantiles):
        raise ParameterError("avg_cum must have exactly one 'mean' row per quantile")
    stds = None
    if std_bar:
        if "std" not in set(stat_values):
            raise ParameterError("std_bar=True needs 'std' rows in avg_cum, found only 'mean'")
        stds = frame.xs("std", level=stat_level).reindex(means.index)
        if (stds.to_numpy(dtype="float64", na_value=np.nan) < 0).any():
            raise ParameterError("avg_cum 'std' rows must be >= 0 (standard deviations)")
    return quantiles, means, stds


def _offsets(frame: pd.DataFrame) -> np.ndarray:
    try:
        return pd.Index(frame.columns).to_numpy(dtype="float64")
    except (TypeError, ValueError) as exc:
        raise ParameterError("avg_cum columns must be numeric offsets from the event "
                             f"(e.g. -5..10), got {list(frame.columns)[:5]}") from exc


def _draw_quantile(ax: Axes, x: np.ndarray, mean: pd.Series, std: pd.Series | None, label: str,
                   color, style: dict) -> None:
    y = mean.to_numpy(dtype="float64", na_value=np.nan) * BPS
    ax.plot(x, y, label=label, **{"color": color, "lw": 1.8, **style})
    if std is not None:
        ax.errorbar(x, y, yerr=std.to_numpy(dtype="float64", na_value=np.nan) * BPS, fmt="none",
                    ecolor=color, alpha=0.7, capsize=2, label="_std")


def plot_quantile_average_cumulative_return(avg_cum: pd.DataFrame, *, std_bar: bool = False,
                                            title: str | None = None, ax: Axes | None = None, **style) -> Axes:
    """Average cumulative return around the factor date, per quantile, in bps.

    Parameters
    ----------
    avg_cum : pd.DataFrame, shape (quantiles * 2, offsets)
        Index (quantile, stat) with stat in {'mean', 'std'}, columns =
        offsets in bars from the event (e.g. -5..10), values = cumulative
        returns as decimals (the layout of Alphalens'
        ``average_cumulative_return_by_quantile``).
    std_bar : bool
        Draw +/- 1 standard deviation error bars from the 'std' rows.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on. One panel per quantile:
        :func:`plot_quantile_average_cumulative_return_by_quantile`.
    **style
        Passed to the ``plot`` call of each quantile's mean line.

    Returns
    -------
    matplotlib.axes.Axes
        One line per quantile labelled 'Quantile q' (y in bps).
    """
    quantiles, means, stds = _split_stats(avg_cum, std_bar)
    x = _offsets(means)
    ax = get_axes(ax)
    colors = quantile_colors(len(quantiles), QUANTILE_CMAP)
    for color, quantile in zip(colors, quantiles):
        _draw_quantile(ax, x, means.loc[quantile], None if stds is None else stds.loc[quantile],
                       f"Quantile {quantile}", color, style)
    zero_line(ax, 0.0, vertical=True)
    value_ticks(ax.xaxis, integer=True)  # offsets are whole bars
    value_ticks(ax.yaxis)
    ax.set(xlabel="Bars relative to the factor date", ylabel="Mean Return (bps)")
    # the legend as one row above the axes: off the data
    legend_row_above(ax, len(quantiles),
                     title if title is not None else "Average Cumulative Returns by Quantile (bps)")
    return ax


def plot_quantile_average_cumulative_return_by_quantile(avg_cum: pd.DataFrame, *, std_bar: bool = False,
                                                        ncols: int = 2, title: str | None = None,
                                                        fig: Figure | None = None, **style) -> Figure:
    """One panel per quantile of the average cumulative return around the event, in bps.

    Parameters
    ----------
    avg_cum : pd.DataFrame
        Same layout as for :func:`plot_quantile_average_cumulative_return`.
    std_bar : bool
        Draw +/- 1 standard deviation error bars.
    ncols : int
        Panels per row.
    title : str, optional
        Figure title.
    fig : matplotlib.figure.Figure, optional
        Empty figure to draw on (see :func:`panel_grid`); default a new one.
    **style
        Passed to the ``plot`` call of each mean line.

    Returns
    -------
    matplotlib.figure.Figure
        Visible axes in ascending quantile order, one line each.
    """
    quantiles, means, stds = _split_stats(avg_cum, std_bar)
    x = _offsets(means)
    fig, axes = panel_grid(len(quantiles), ncols=ncols, panel_size=(5.0, 3.2), fig=fig)
    colors = quantile_colors(len(quantiles), QUANTILE_CMAP)
    for ax, color, quantile in zip(axes, colors, quantiles):
        _draw_quantile(ax, x, means.loc[quantile], None if stds is None else stds.loc[quantile],
                       f"Quantile {quantile}", color, style)
        zero_line(ax, 0.0, vertical=True)
        value_ticks(ax.xaxis, integer=True)
        value_ticks(ax.yaxis)
        ax.set(xlabel="Bars relative to the factor date", ylabel="Mean Return (bps)",
               title=f"Quantile {quantile}")
    fig.suptitle(title if title is not None else "Average Cumulative Returns by Quantile (bps)")
    return fig
