"""The shared look of factorlab charts: palette, units and small axes helpers.

Nothing here touches matplotlib's global state (``rcParams``): colours and
widths are set on each artist, and a new figure is only created when the
caller did not pass an axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from factorlab.errors import ParameterError

__all__ = [
    "BPS",
    "PALETTE",
    "QUANTILE_CMAP",
    "FIGSIZE",
    "bps_formatter",
    "quantile_colors",
    "period_colors",
    "get_axes",
    "panel_grid",
    "zero_line",
    "stats_box",
    "grouped_bars",
]

#: Multiply a return (0.01 = 1%) by this to get basis points.
BPS: float = 1e4

#: Named colours used across the charts.
PALETTE: dict[str, str] = {
    "main": "steelblue",
    "moving_average": "forestgreen",
    "spread": "forestgreen",
    "spread_average": "orangered",
    "band": "steelblue",
    "benchmark": "dimgray",
    "reference": "black",
    "mean": "darkorange",
    "top": "steelblue",
    "bottom": "firebrick",
}

#: Diverging colormap for quantiles: bottom quantile red, top quantile blue.
QUANTILE_CMAP: str = "coolwarm"

#: Default size of a single-panel figure, in inches.
FIGSIZE: tuple[float, float] = (14.0, 5.0)

_PERIOD_CYCLE = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
                 "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan")


def bps_formatter(decimals: int = 0) -> FuncFormatter:
    """Tick formatter for an axis already in basis points ('12 bps').

    Parameters
    ----------
    decimals : int
        Digits after the decimal point.
    """
    return FuncFormatter(lambda value, _pos: f"{value:,.{decimals}f}")


def quantile_colors(n: int, cmap: str = QUANTILE_CMAP) -> list[tuple[float, float, float, float]]:
    """``n`` colours from a diverging colormap, lowest quantile first.

    The lowest quantile gets the red end of ``coolwarm`` and the highest the
    blue end, as in Alphalens.
    """
    if n < 1:
        raise ParameterError(f"need at least one quantile to colour, got {n}")
    try:
        colormap = colormaps[cmap]
    except KeyError as exc:
        raise ParameterError(f"unknown colormap {cmap!r}") from exc
    return [colormap(x) for x in np.linspace(1.0, 0.0, n)] if n > 1 else [colormap(0.0)]


def period_colors(n: int) -> list[str]:
    """``n`` qualitative colours, one per forward period (cycled if needed)."""
    return [_PERIOD_CYCLE[i % len(_PERIOD_CYCLE)] for i in range(n)]


def get_axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """Return ``ax`` or, when it is None, the axes of a new figure."""
    if ax is None:
        _fig, ax = plt.subplots(figsize=figsize)
        return ax
    if not isinstance(ax, Axes):
        raise ParameterError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def panel_grid(n_panels: int, *, ncols: int = 2, panel_size: tuple[float, float] = (7.0, 4.5),
               sharey: bool = False) -> tuple[Figure, list[Axes]]:
    """A new figure with ``n_panels`` axes on a grid; unused cells are hidden.

    Returns
    -------
    (Figure, list of Axes)
        The figure and its first ``n_panels`` axes, row by row.
    """
    if n_panels < 1:
        raise ParameterError(f"need at least one panel, got {n_panels}")
    if ncols < 1:
        raise ParameterError(f"ncols must be a positive integer, got {ncols}")
    ncols = min(ncols, n_panels)
    nrows = (n_panels - 1) // ncols + 1
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, sharey=sharey,
                             figsize=(panel_size[0] * ncols, panel_size[1] * nrows))
    flat = list(axes.ravel())
    for extra in flat[n_panels:]:
        extra.set_visible(False)
    return fig, flat[:n_panels]


def zero_line(ax: Axes, y: float = 0.0, *, vertical: bool = False) -> None:
    """Draw a thin reference line at ``y`` (or a vertical one at x=``y``)."""
    kwargs = {"color": PALETTE["reference"], "lw": 0.8, "alpha": 0.8, "zorder": 1, "label": "_reference"}
    if vertical:
        ax.axvline(y, linestyle="--", **kwargs)
    else:
        ax.axhline(y, linestyle="-", **kwargs)


def stats_box(ax: Axes, lines: Sequence[str]) -> None:
    """Write a small white text box in the top-left corner of ``ax``."""
    ax.text(0.02, 0.95, "\n".join(lines), transform=ax.transAxes, va="top", ha="left",
            fontsize=10, bbox={"facecolor": "white", "alpha": 0.9, "pad": 4, "edgecolor": "0.7"})


def grouped_bars(ax: Axes, frame, colors: Sequence[object] | None = None, *, width: float = 0.8,
                 **style) -> None:
    """Draw one bar per cell of ``frame``: rows on the x axis, one bar series per column.

    ``frame`` is drawn as given (already in the display unit). Each column
    becomes one ``BarContainer`` labelled with the column name, in column
    order; x tick labels are the row labels.
    """
    n_rows, n_cols = frame.shape
    colors = list(colors) if colors is not None else period_colors(n_cols)
    step = width / n_cols
    x = np.arange(n_rows, dtype="float64")
    for j, column in enumerate(frame.columns):
        offset = (j - (n_cols - 1) / 2.0) * step
        heights = frame[column].to_numpy(dtype="float64", na_value=np.nan)
        kwargs = {"color": colors[j % len(colors)], **style}
        ax.bar(x + offset, heights, step, label=str(column), **kwargs)
    ax.set_xticks(x)
    ax.set_xticklabels([str(label) for label in frame.index])
    ax.set_xlim(-0.5, n_rows - 0.5)
