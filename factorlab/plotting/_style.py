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
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FixedLocator, Formatter, MaxNLocator, NullLocator

from factorlab.errors import ParameterError

__all__ = [
    "BPS",
    "FIGSIZE",
    "PALETTE",
    "QUANTILE_CMAP",
    "bps_formatter",
    "cell_label",
    "cell_text_colors",
    "fixed_margins",
    "get_axes",
    "grouped_bars",
    "is_time_index",
    "line_points",
    "panel_grid",
    "period_colors",
    "period_linestyles",
    "quantile_colors",
    "stats_box",
    "time_axis",
    "value_ticks",
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

#: Tick steps of every value axis: 1, 2, 2.5 or 5 times a power of ten (no 1.5, 3, 4, 6 or 8 steps).
ROUND_STEPS = [1, 2, 2.5, 5, 10]

#: Default size of a single-panel figure, in inches.
FIGSIZE: tuple[float, float] = (14.0, 5.0)

_PERIOD_CYCLE = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
                 "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan")


class _DistinctDecimals(Formatter):
    """Numbers with a thousands separator and the fewest decimals (from ``decimals`` up to 6) that give
    the axis' distinct ticks distinct labels that state them (-1.5 and -1 never both read '-2', and a
    tick at 0.75 reads '0.75', not '0.8')."""

    def __init__(self, decimals: int = 0) -> None:
        self.decimals = int(decimals)
        self._current = self.decimals

    def __call__(self, value, pos=None) -> str:
        return f"{value:,.{self._current}f}"

    def format_ticks(self, values) -> list[str]:
        values = [float(v) for v in values]
        for d in range(self.decimals, 7):
            labels = [f"{v:,.{d}f}" for v in values]
            exact = all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v)) for v in values)
            if exact and len(set(labels)) == len(set(values)):
                break
        self._current = d
        return labels


def bps_formatter(decimals: int = 0) -> Formatter:
    """Tick formatter for an axis already in basis points: at least ``decimals`` digits after the point,
    more when needed to tell the ticks apart.

    Parameters
    ----------
    decimals : int
        Fewest digits after the decimal point.
    """
    return _DistinctDecimals(decimals)


def cell_label(value: float, fmt: str) -> str:
    """``format(value, fmt)`` without the minus sign of a value that rounds to zero ('-0.00' -> '0.00'):
    a heatmap cell that shows zero should not read as negative."""
    text = format(value, fmt)
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        return text[1:]
    return text


def cell_text_colors(mesh, values: np.ndarray, *, threshold: float = 0.5) -> list[str]:
    """'white' on cells whose colour (as ``mesh``, a colour-mapped artist such as ``pcolormesh``'s,
    draws ``values``) is dark, 'black' elsewhere: the text colour follows the colour actually drawn,
    so a cell that is pale on a shared colour scale keeps dark text."""
    rgba = np.asarray(mesh.to_rgba(np.asarray(values, dtype="float64")), dtype="float64").reshape(-1, 4)
    luminance = rgba[:, :3] @ np.array([0.2126, 0.7152, 0.0722])
    return np.where(luminance < threshold, "white", "black").tolist()


def quantile_colors(n: int, cmap: str = QUANTILE_CMAP) -> list[tuple[float, float, float, float]]:
    """``n`` colours from a diverging colormap, lowest quantile first.

    The lowest quantile gets the red end of ``coolwarm`` and the highest the
    blue end, as in Alphalens; pale colours (the colormap's middle) are
    darkened to a luminance of at most 0.6 so every quantile stays visible.
    """
    if n < 1:
        raise ParameterError(f"need at least one quantile to colour, got {n}")
    try:
        colormap = colormaps[cmap]
    except KeyError as exc:
        raise ParameterError(f"unknown colormap {cmap!r}") from exc
    colors = [colormap(x) for x in np.linspace(1.0, 0.0, n)] if n > 1 else [colormap(0.0)]
    return [_visible(c) for c in colors]


def _visible(color: tuple[float, float, float, float], max_luminance: float = 0.6):
    """The colour darkened (same hue) until its luminance is at most ``max_luminance``: the pale middle
    of a diverging colormap (coolwarm's near-white) stays visible on a white background."""
    r, g, b, a = color
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    if lum <= max_luminance:
        return color
    k = max_luminance / lum
    return (r * k, g * k, b * k, a)


def period_colors(n: int) -> list[str]:
    """``n`` qualitative colours, one per forward period (cycled if needed)."""
    return [_PERIOD_CYCLE[i % len(_PERIOD_CYCLE)] for i in range(n)]


#: Line styles of the periods where colour already means something else (solid, dashed, dotted,
#: dash-dot, then longer dash patterns).
_PERIOD_LINESTYLES = ["-", "--", ":", "-.", (0, (8, 2)), (0, (4, 1, 1, 1, 1, 1)), (0, (1, 3))]


def period_linestyles(n: int) -> list:
    """``n`` line styles, one per forward period (cycled if needed), for charts whose colours carry
    another dimension (the quantiles)."""
    return [_PERIOD_LINESTYLES[i % len(_PERIOD_LINESTYLES)] for i in range(n)]


def legend_row_above(ax: Axes, ncols: int, title: str | None = None) -> None:
    """The legend as one row above the axes (off the data), and ``title`` above that row.

    The title's pad leaves room for the row at the font size of the style in use (2.2 times the
    legend's 'small' size: 18 points at matplotlib's default 10-point font), so a larger style
    font does not put the legend under the title.
    """
    if title is not None:
        ax.set_title(title, pad=2.2 * FontProperties(size="small").get_size_in_points())
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(ncols, 6), fontsize="small", frameon=False,
              borderaxespad=0.1, handlelength=1.5, columnspacing=1.2)


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


def font_scale() -> float:
    """How much larger than matplotlib's default 10-point font the style in use writes: the factor
    (at least 1) by which the fixed-layout charts scale their size and margins, so that their text
    fits as it does at 10 points (``rcParams['font.size']`` 13: 1.3)."""
    return max(1.0, FontProperties(size="medium").get_size_in_points() / 10.0)


def fixed_margins(fig: Figure, nrows: int = 1, ncols: int = 1, *, left: float = 0.8, right: float = 0.2,
                  bottom: float = 0.55, top: float = 0.75, hgap: float = 0.95, wgap: float = 0.8) -> None:
    """Place a grid of axes with margins and gaps given in inches.

    A tight or constrained layout measures every text, which costs about one
    extra draw of the figure; charts with known labels do with fixed room:
    ``top`` for a title (and suptitle), ``left`` for y tick labels and label,
    ``hgap`` between rows for x tick labels and the next panel's title.
    The room is given for matplotlib's default 10-point font and grows with
    the font size of the style in use (``rcParams['font.size']`` 13: 1.3
    times), so a larger font does not push labels past the figure's edge.
    """
    scale = font_scale()
    left, right, bottom, top, hgap, wgap = (scale * v for v in (left, right, bottom, top, hgap, wgap))
    width, height = fig.get_size_inches()
    ax_w = max((width - left - right - (ncols - 1) * wgap) / ncols, 0.1)
    ax_h = max((height - top - bottom - (nrows - 1) * hgap) / nrows, 0.1)
    fig.subplots_adjust(left=min(left / width, 0.4), right=max(1 - right / width, 0.6),
                        bottom=min(bottom / height, 0.4), top=max(1 - top / height, 0.6),
                        wspace=wgap / ax_w, hspace=hgap / ax_h)


def date_locator(*, minticks: int = 3, maxticks: int = 6) -> mdates.AutoDateLocator:
    """An ``AutoDateLocator`` that finds an interval for every range with few ticks.

    Matplotlib's intervals stop below one unit of the next coarser frequency
    (every 6 months, 12 hours, 30 minutes): with few ticks a range just short
    of ``minticks`` years (or days, hours) has no interval, and the locator
    warns on every draw ("unable to pick an appropriate interval"; the
    explorer printed it on each update for a 2-3 year sample). One whole
    unit (12 months, 24 hours, 60 minutes, 60 seconds) closes the gap, set
    through the locator's public ``intervald`` mapping, and ``minticks`` is
    kept below ``maxticks``.
    """
    locator = mdates.AutoDateLocator(minticks=min(minticks, max(2, maxticks - 1)), maxticks=maxticks)
    for freq, whole in ((mdates.MONTHLY, 12), (mdates.HOURLY, 24), (mdates.MINUTELY, 60), (mdates.SECONDLY, 60)):
        if whole not in locator.intervald[freq]:
            locator.intervald[freq] = [*locator.intervald[freq], whole]
    return locator


def data_log_ticks(ax: Axes, n_ticks: int, *, min_ticks: int = 2, slack: float = 0.02,
                   max_ratio: float = np.inf) -> bool:
    """Put the y axis on a log scale with ticks evenly spaced over the data's range.

    A log locator offers decades (or a few fixed multiples), so a curve that
    moves from 0.8 to 1.7 gets one or two ticks; ``MaxNLocator`` over the
    data limits gives ``n_ticks`` or so readable ones. The ticks kept lie
    within ``slack`` (a fraction) of the data (of every axes sharing this
    y axis), plus the nearest tick below the lowest value (above the
    highest) when the nearest kept tick is more than a quarter step away
    and that tick lies within one step (the y limits then extend to it), so both ends of a curve can be
    read off a labelled tick; minor ticks (unlabelled) are turned off. The ticks are set only
    when at least ``min_ticks`` remain and the range spans less than
    ``max_ratio`` (high / low).

    Returns
    -------
    bool
        Whether the ticks were set (else the scale is log, the locator unchanged).
    """
    ax.set_yscale("log")
    shared = ax.get_shared_y_axes().get_siblings(ax)  # axes sharing y share the locator: one range for all
    lo, hi = min(a.dataLim.y0 for a in shared), max(a.dataLim.y1 for a in shared)
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi and hi / lo < max_ratio):
        return False
    values = MaxNLocator(n_ticks, steps=ROUND_STEPS).tick_values(lo, hi)  # no 1.5 steps: 1.0 is a tick
    ticks = [t for t in values if lo * (1 - slack) <= t <= hi * (1 + slack) and t > 0]
    if len(ticks) < min_ticks:
        return False
    step = float(values[1] - values[0]) if len(values) > 1 else 0.0
    reach = 0.25 * step  # a curve ending within a quarter step of its last tick is read off that tick
    below = []
    if ticks[0] - lo > reach:  # the next tick down, or (when that is <= 0) a finer one at or below lo
        below = [t for t in values if 0 < t < ticks[0] and lo - t <= step] or \
            [t for t in MaxNLocator(n_ticks, steps=ROUND_STEPS).tick_values(lo, ticks[0]) if 0 < t <= lo]
    above = [t for t in values if t > ticks[-1] and t - hi <= step] if hi - ticks[-1] > reach else []
    ticks = below[-1:] + ticks + above[:1]
    bottom, top = ax.get_ylim()
    ax.set_ylim(min(bottom, lo, ticks[0]), max(top, hi, ticks[-1]))
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(NullLocator())
    return True


#: Buckets a long line is reduced to for drawing: more than the pixel columns of any chart here.
LINE_BUCKETS = 1500


def line_points(x, *ys, buckets: int = LINE_BUCKETS) -> tuple[np.ndarray, ...]:
    """The vertices to draw a long line (or band) with: the same picture from far fewer points.

    A line of more than ``4 * buckets`` points is cut into ``buckets`` runs of
    consecutive points, and of each run only its first and last points and
    the points holding its lowest and highest value (of any of ``ys``) are
    kept, in order, with the points that start or end a gap (NaN). Every
    bucket is narrower than a pixel column, so the drawn envelope is the
    full line's; matplotlib no longer transforms and simplifies 100,000+
    vertices per line (a minute-bar tear sheet). Shorter lines are returned
    unchanged.

    Parameters
    ----------
    x : array-like, shape (n,)
        x values (dates or numbers).
    *ys : array-like, shape (n,)
        One or more y series drawn against ``x`` (a band's lower and upper edge).

    Returns
    -------
    tuple of ndarray
        ``(x, *ys)`` at the kept points.
    """
    x = np.asarray(x)
    ys = [np.asarray(y, dtype="float64") for y in ys]
    n = len(x)
    if n <= 4 * buckets:
        return (x, *ys)
    starts = np.linspace(0, n, buckets + 1).astype(np.int64)[:-1]
    keep = np.zeros(n, dtype=bool)
    keep[starts] = True
    keep[np.append(starts[1:], n) - 1] = True
    sizes = np.diff(np.append(starts, n))
    for y in ys:
        nan = np.isnan(y)
        keep[1:] |= nan[1:] & ~nan[:-1]   # a gap starts
        keep[:-1] |= nan[:-1] & ~nan[1:]  # a gap ends
        for fill, reduce in ((np.inf, np.minimum), (-np.inf, np.maximum)):
            filled = np.where(nan, fill, y)
            extreme = reduce.reduceat(filled, starts)
            keep |= (filled == np.repeat(extreme, sizes)) & ~nan
    return (x[keep], *(y[keep] for y in ys))


#: Most intervals between labelled ticks on a value axis (:func:`value_ticks`, the y axis of :func:`time_axis`).
VALUE_TICKS = 5


def time_axis(ax: Axes, *, max_ticks: int = 6, y_ticks: int | None = VALUE_TICKS) -> None:
    """Few, short date labels on the x axis ('2016', 'Mar', ...) and at most ``y_ticks`` intervals between
    round y ticks (:func:`value_ticks`).

    Text is the dearest part of drawing a chart, so time-series charts keep
    their tick labels few and short. Only the given axes is changed.
    """
    locator = date_locator(minticks=3, maxticks=max_ticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    if y_ticks is not None and ax.get_yscale() == "linear":
        value_ticks(ax.yaxis, n=y_ticks)


def value_ticks(axis, *, n: int = VALUE_TICKS, integer: bool = False) -> None:
    """At most ``n`` intervals between round ticks (1, 2, 2.5 or 5 times a power of ten) on a value axis.

    Matplotlib's default locator fits a tick about every two to three font
    heights (8 to 10 labels on a 3-inch axis); each labelled tick is text to
    lay out and draw, the dearest part of a chart, and 4 to 6 labels read the
    same values. At least 3 ticks stay within the view. ``integer``: whole
    numbers only (bar offsets, counts).

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        ``ax.xaxis`` or ``ax.yaxis`` (of a linear scale).
    n : int
        Most intervals.
    integer : bool
        Ticks at whole numbers only.
    """
    axis.set_major_locator(MaxNLocator(nbins=n, steps=ROUND_STEPS, integer=integer, min_n_ticks=3))


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
