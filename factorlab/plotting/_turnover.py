"""Turnover charts: top/bottom quantile turnover and factor rank autocorrelation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from factorlab.errors import ParameterError
from factorlab.plotting._checks import as_frame, as_series
from factorlab.plotting._style import (
    PALETTE,
    get_axes,
    is_time_index,
    line_points,
    period_colors,
    stats_box,
    time_axis,
    zero_line,
)

__all__ = ["plot_factor_rank_autocorrelation", "plot_top_bottom_quantile_turnover"]


def _top_bottom(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the top and bottom quantile columns of a per-quantile turnover frame."""
    columns = pd.Index(frame.columns)
    if pd.api.types.is_numeric_dtype(columns) and len(columns) > 2:
        top, bottom = columns.max(), columns.min()
        return pd.DataFrame({"top quantile turnover": frame[top],
                             "bottom quantile turnover": frame[bottom]})
    return frame


def plot_top_bottom_quantile_turnover(turnover: pd.DataFrame, *, period: str | None = None,
                                      title: str | None = None, ax: Axes | None = None,
                                      **style) -> Axes:
    """Share of names new to the top and bottom quantiles, per date.

    Parameters
    ----------
    turnover : pd.DataFrame, shape (dates, lines)
        One column per line to draw, e.g. 'top quantile' and 'bottom
        quantile', values = fraction of names new to the quantile (0..1).
        If the columns are numeric quantile labels (more than two of them,
        the Alphalens ``quantile_turnover`` layout), only the highest and the
        lowest quantile are drawn.
    period : str, optional
        Period label for the title (e.g. '5D').
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    **style
        Passed to each ``plot`` call.

    Returns
    -------
    matplotlib.axes.Axes
        One line per drawn column, labelled with the column name.
    """
    frame = _top_bottom(as_frame(turnover, "turnover", allow_series=True))
    ax = get_axes(ax)
    colors = [PALETTE["top"], PALETTE["bottom"]] if frame.shape[1] == 2 else period_colors(frame.shape[1])
    for color, column in zip(colors, frame.columns):
        kwargs = {"color": color, "lw": 0.8, "alpha": 0.7, **style}
        ax.plot(*line_points(frame.index.to_numpy(), frame[column].to_numpy(dtype="float64", na_value=np.nan)),
                label=str(column), **kwargs)
    if is_time_index(frame.index):
        time_axis(ax)
    prefix = "" if period is None else f"{period} Period "
    ax.set(xlabel="", ylabel="Proportion Of Names New To Quantile",
           title=title if title is not None else f"{prefix}Top and Bottom Quantile Turnover")
    ax.legend(loc="upper right")
    return ax


def plot_factor_rank_autocorrelation(autocorr: pd.Series, *, period: str | None = None,
                                     mean: float | None = None, title: str | None = None,
                                     ax: Axes | None = None, **style) -> Axes:
    """Factor rank autocorrelation per date, with its mean in the title.

    Parameters
    ----------
    autocorr : pd.Series, shape (dates,)
        Rank correlation of the factor at t with the factor ``period`` bars
        earlier.
    period : str, optional
        Period label for the title (default: the Series name, if any).
    mean : float, optional
        Precomputed mean, shown in a text box and the title when given.
    title : str, optional
        Axes title (replaces the default, which includes the mean).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    **style
        Passed to the ``plot`` call.

    Returns
    -------
    matplotlib.axes.Axes
    """
    autocorr = as_series(autocorr, "autocorr")
    if period is None and autocorr.name is not None:
        period = str(autocorr.name)
    if mean is not None and not np.isscalar(mean):
        raise ParameterError(f"mean must be a number, got {type(mean).__name__}")
    ax = get_axes(ax)
    kwargs = {"color": PALETTE["main"], "lw": 1.0, **style}
    ax.plot(*line_points(autocorr.index.to_numpy(), autocorr.to_numpy(dtype="float64", na_value=np.nan)),
            label="rank autocorrelation", **kwargs)
    zero_line(ax)
    if is_time_index(autocorr.index):
        time_axis(ax)
    if mean is not None:
        stats_box(ax, [f"Mean {mean:.3f}"])
    prefix = "" if period is None else f"{period} Period "
    suffix = "" if mean is None else f" (mean {mean:.3f})"
    ax.set(xlabel="", ylabel="Autocorrelation Coefficient",
           title=title if title is not None else f"{prefix}Factor Rank Autocorrelation{suffix}")
    return ax
