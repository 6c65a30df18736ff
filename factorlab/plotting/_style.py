"""The shared look of factorlab charts: palette, units and small axes helpers.

Nothing here touches matplotlib's global state (``rcParams``): colours and
widths are set on each artist, and a new figure is only created when the
caller did not pass an axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colormaps, rcParams
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from factorlab.errors import ParameterError

__all__ = [
    "BPS",
    "FIGSIZE",
    "PALETTE",
    "QUANTILE_CMAP",
    "bps_formatter",
    "fixed_margins",
    "get_axes",
    "grouped_bars",
    "is_time_index",
    "panel_grid",
    "period_colors",
    "quantile_colors",
    "reset_axes",
    "stats_box",
    "time_axis",
    "zero_line",
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
               sharey: bool = False, fig: Figure | None = None) -> tuple[Figure, list[Axes]]:
    """A figure with ``n_panels`` axes on a grid, fixed spacing; unused cells stay empty.

    Parameters
    ----------
    n_panels, ncols : int
        Number of panels and panels per row.
    panel_size : (float, float)
        Size of one panel in inches (sets the size of a new figure).
    sharey : bool
        Share the y axis across panels.
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw the grid on (e.g. a ``Figure()`` not managed
        by pyplot, for reports); by default a new pyplot figure.

    Returns
    -------
    (Figure, list of Axes)
        The figure and its first ``n_panels`` axes, row by row.
    """
    if n_panels < 1:
        raise ParameterError(f"need at least one panel, got {n_panels}")
    if ncols < 1:
        raise ParameterError(f"ncols must be a positive integer, got {ncols}")
    if fig is not None and not isinstance(fig, Figure):
        raise ParameterError(f"fig must be a matplotlib Figure or None, got {type(fig).__name__}")
    ncols = min(ncols, n_panels)
    nrows = (n_panels - 1) // ncols + 1
    size = (panel_size[0] * ncols, panel_size[1] * nrows)
    if fig is None:
        fig = plt.figure(figsize=size)
    fixed_margins(fig, nrows, ncols)
    grid = fig.add_gridspec(nrows, ncols)
    axes: list[Axes] = []
    for i in range(n_panels):  # only the panels asked for: an axes costs as much to make as to draw
        axes.append(fig.add_subplot(grid[i // ncols, i % ncols], sharey=axes[0] if sharey and axes else None))
    return fig, axes


def fixed_margins(fig: Figure, nrows: int = 1, ncols: int = 1, *, left: float = 0.8, right: float = 0.2,
                  bottom: float = 0.55, top: float = 0.75, hgap: float = 0.95, wgap: float = 0.8) -> None:
    """Place a grid of axes with margins and gaps given in inches.

    A tight or constrained layout measures every text, which costs about one
    extra draw of the figure; charts with known labels do with fixed room:
    ``top`` for a title (and suptitle), ``left`` for y tick labels and label,
    ``hgap`` between rows for x tick labels and the next panel's title.
    """
    width, height = fig.get_size_inches()
    ax_w = max((width - left - right - (ncols - 1) * wgap) / ncols, 0.1)
    ax_h = max((height - top - bottom - (nrows - 1) * hgap) / nrows, 0.1)
    fig.subplots_adjust(left=min(left / width, 0.4), right=max(1 - right / width, 0.6),
                        bottom=min(bottom / height, 0.4), top=max(1 - top / height, 0.6),
                        wspace=wgap / ax_w, hspace=hgap / ax_h)


def time_axis(ax: Axes, *, max_ticks: int = 6, y_ticks: int | None = 5) -> None:
    """Few, short date labels on the x axis ('2016', 'Mar', ...) and at most ``y_ticks`` y ticks.

    Text is the dearest part of drawing a chart, so time-series charts keep
    their tick labels few and short. Only the given axes is changed.
    """
    locator = mdates.AutoDateLocator(minticks=3, maxticks=max_ticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    if y_ticks is not None and ax.get_yscale() == "linear":
        ax.yaxis.set_major_locator(MaxNLocator(nbins=y_ticks))


def is_time_index(index: pd.Index) -> bool:
    """Whether ``index`` holds timestamps (drawn on a date axis)."""
    return isinstance(index, pd.DatetimeIndex)


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


def freeze_ticks(ax: Axes, *, restore_on_zoom: bool = True) -> None:
    """Fix each axis' major ticks to those drawn at the current view limits, with the labels drawn.

    matplotlib makes one Tick (five artists) per location its locator gives,
    including the locations just outside the view that are never drawn, and
    asks the locator (date locators are costly) and formatter again several
    times per draw. The labels are formatted from all locations (as
    matplotlib does) and only the visible ticks kept: the same picture,
    cheaper to draw. Call it once an axes' limits are final.

    ``restore_on_zoom``: when the limits of an axis change later (a user
    zooming a figure), that axis gets its own locator and formatter back, so
    its ticks follow the new view. Off for an axes that is drawn once and
    reset (a callback per use would pile up).
    """
    for axis, event in ((ax.xaxis, "xlim_changed"), (ax.yaxis, "ylim_changed")):
        locator = axis.get_major_locator()
        if isinstance(locator, NullLocator):
            continue
        formatter = axis.get_major_formatter()
        locs = np.asarray(axis.get_majorticklocs(), dtype="float64")
        labels = formatter.format_ticks(locs)
        offset = formatter.get_offset()
        low, high = sorted(axis.get_transform().transform(np.asarray(axis.get_view_interval(), dtype="float64")))
        locs_t = axis.get_transform().transform(locs)
        eps = 1e-10 * (high - low)  # matplotlib's closeness test for drawing a tick
        keep = (locs_t >= low - eps) & (locs_t <= high + eps)
        fixed = FixedFormatter([lab for lab, k in zip(labels, keep) if k])
        fixed.set_offset_string(offset)
        axis.set_major_locator(FixedLocator(locs[keep]))
        axis.set_major_formatter(fixed)
        if restore_on_zoom:
            ax.callbacks.connect(event, _restore_ticks(axis, locator, formatter))


def _restore_ticks(axis, locator, formatter):
    """Callback for a limits change: give ``axis`` back its live locator and formatter."""

    def restore(_ax) -> None:
        if axis.get_major_locator() is not locator:
            axis.set_major_locator(locator)
            axis.set_major_formatter(formatter)

    return restore


def reset_axes(ax: Axes, *, tick_style: bool = False, grid: bool = True) -> None:
    """Return a used axes to a blank state (artists, legend, scales, units, labels, limits).

    The Axis and Tick objects are kept (building them is most of the cost of
    a new axes); everything a chart sets on them is put back as on a new
    axes, so the next chart draws the same picture as on a fresh figure.

    ``tick_style``: also restore the default tick length, label size and
    label rotation (after a chart that restyled them: heatmap, crisis panel). ``grid``: also
    switch the grid off (each is a pass over every tick: skipped where the
    next chart sets the same state again).
    """
    for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images, *ax.artists]:
        artist.remove()
    ax.containers.clear()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.set_prop_cycle(None)  # the next default colour is C0 again
    ax.set_xscale("linear")  # also resets the locators and formatters
    ax.set_yscale("linear")
    ax.set_xlabel("")
    ax.set_ylabel("")
    for loc in ("left", "center", "right"):
        ax.set_title("", loc=loc)
    if grid:
        ax.grid(False)
    ax.set_axisbelow(rcParams["axes.axisbelow"])
    for side, spine in ax.spines.items():
        spine.set_visible(rcParams[f"axes.spines.{side}"])
    if tick_style:
        for axis, prefix in ((ax.xaxis, "xtick"), (ax.yaxis, "ytick")):
            axis.set_tick_params(which="major", length=rcParams[f"{prefix}.major.size"],
                                 labelsize=rcParams[f"{prefix}.labelsize"], labelrotation=0)
    ax.xaxis.set_inverted(False)  # the heatmap puts its first year on top
    ax.yaxis.set_inverted(False)
    for axis in (ax.xaxis, ax.yaxis):
        _forget_units(axis)
    ax.set_autoscale_on(True)
    ax.relim()
    ax.autoscale_view()


def _forget_units(axis) -> None:
    """Drop an axis' unit converter and units (dates, categories), as ``Axis.clear`` does.

    The next chart's data then sets them up (with their locator and
    formatter) as on a new axes: a date axis never keeps a category
    converter, a numeric chart never inherits a date converter.
    """
    if hasattr(axis, "_converter_is_explicit"):  # matplotlib >= 3.10 keeps the converter private
        axis._converter = None
        axis._converter_is_explicit = False
    else:
        axis.converter = None
    axis.units = None
