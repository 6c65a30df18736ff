"""One statistic of several forward periods compared on one axes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from factorlab.errors import ParameterError
from factorlab.plotting._checks import as_frame
from factorlab.plotting._style import (
    get_axes,
    is_time_index,
    legend_row_above,
    line_points,
    period_colors,
    time_axis,
    zero_line,
)

__all__ = ["plot_period_lines"]


def plot_period_lines(frame: pd.DataFrame | pd.Series, *, ylabel: str, title: str | None = None,
                      colors: Sequence[object] | None = None, linestyles: Sequence[str] | None = None,
                      labels: Mapping[object, str] | None = None, reference: float | None = 0.0,
                      ylim: tuple[float, float] | None = None, ax: Axes | None = None, **style) -> Axes:
    """One line per column (a forward period, or a period and a side) on one axes, as given.

    Comparing the horizons of one statistic (a moving average of the IC or
    of the spread, the rank autocorrelation, turnover) on one axes shows how
    they differ better than one small panel each.

    Parameters
    ----------
    frame : pd.DataFrame, shape (dates, lines)
        Precomputed values per date, one column per line; drawn as given
        (NaN are gaps).
    ylabel : str
        y axis label, with the unit.
    title : str, optional
        Axes title.
    colors, linestyles : sequence, optional
        One per column; default the period colours and solid lines.
    labels : mapping column -> str, optional
        Legend label per column (default the column name).
    reference : float or None
        Level of a thin horizontal reference line; None for none.
    ylim : (float, float), optional
        y limits (e.g. the bulk of the data, so one spike does not flatten the rest).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    **style
        Passed to every ``plot`` call.

    Returns
    -------
    matplotlib.axes.Axes
        One line per column, in column order, labelled with ``labels`` or the column name.
    """
    frame = as_frame(frame, "frame", allow_series=True)
    n = frame.shape[1]
    colors = list(colors) if colors is not None else period_colors(n)
    linestyles = list(linestyles) if linestyles is not None else ["-"] * n
    if len(colors) != n or len(linestyles) != n:
        raise ParameterError(f"colors and linestyles need one entry per column ({n})")
    labels = dict(labels or {})
    ax = get_axes(ax)
    x = frame.index.to_numpy()
    for color, linestyle, column in zip(colors, linestyles, frame.columns):
        kwargs = {"color": color, "linestyle": linestyle, "lw": 1.3, **style}
        ax.plot(*line_points(x, frame[column].to_numpy(dtype="float64", na_value=np.nan)),
                label=labels.get(column, str(column)), **kwargs)
    if reference is not None:
        zero_line(ax, reference)
    if is_time_index(frame.index):
        time_axis(ax)
    if ylim is not None:
        ax.set_ylim(ylim)
    ax.set(xlabel="", ylabel=ylabel)
    # the legend as one row above the axes (off the data), the title above it
    legend_row_above(ax, n, title)
    return ax
