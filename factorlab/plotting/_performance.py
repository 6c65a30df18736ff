"""Returns-report charts: equity vs benchmark, calendar returns, drawdowns, rolling risk.

Every function draws precomputed pandas objects (from :mod:`factorlab.metrics`
or :mod:`factorlab.report`) and returns the axes it drew on; nothing here
computes a statistic. Returns are decimals (0.01 = 1%) and are shown as
percentages. Time series need a :class:`pandas.DatetimeIndex`.

Artists the charts leave (what the tests inspect):

- ``plot_daily_returns``: two ``Line2D`` (profitable, unprofitable bars),
  one vertical segment per bar from 0 to the return, separated by NaN.
- ``plot_monthly_heatmap``: one ``QuadMesh`` whose array is the year x month
  table (masked where NaN, drawn white) and one :class:`CellLabels` artist
  with one centred label per valued cell (``get_texts()``, ``get_positions()``).
- ``plot_annual_returns``: one ``BarContainer`` labelled 'annual return'
  ('strategy' beside a benchmark's bars) with bar heights = the annual
  returns and a dotted red mean line.
- ``plot_drawdown_periods`` / ``plot_underwater``: one shaded span
  (``Rectangle`` patch labelled 'drawdown k') per drawdown episode, from its
  peak to its recovery (the last bar when not recovered).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.ticker import (
    FixedLocator,
    FuncFormatter,
    LogLocator,
    NullLocator,
    PercentFormatter,
)

from factorlab.errors import InvalidIndexError, ParameterError
from factorlab.plotting._checks import as_frame, as_series
from factorlab.plotting._style import (
    cell_label,
    cell_text_colors,
    data_log_ticks,
    date_locator,
    line_points,
    value_ticks,
)

__all__ = [
    "PERFORMANCE_COLORS",
    "CellLabels",
    "plot_annual_returns",
    "plot_crisis_event",
    "plot_cumulative_vs_benchmark",
    "plot_daily_returns",
    "plot_drawdown_periods",
    "plot_exposure",
    "plot_leverage",
    "plot_monthly_heatmap",
    "plot_return_distribution",
    "plot_returns_per_trade",
    "plot_rolling_beta",
    "plot_rolling_sharpe",
    "plot_underwater",
]

#: Colours of the returns report (the reference report's conventions).
PERFORMANCE_COLORS: dict[str, str] = {
    "strategy": "#1f77b4",
    "benchmark": "#8c8c8c",
    "profit": "#1f77b4",
    "loss": "#a0a0a0",
    "annual": "#1f77b4",
    "mean": "#d62728",
    "underwater": "#d62728",
    "short_window": "#7fb8e6",
    "long_window": "#08306b",
    "long": "#2ca02c",
    "short": "#d62728",
    "net": "#1f1f1f",
}
_DRAWDOWN_SPAN_COLORS = ("#e41a1c", "#ff7f00", "#984ea3", "#4daf4a", "#377eb8",
                         "#a65628", "#f781bf", "#999999")
_PCT = PercentFormatter(1.0, decimals=0)


# ------------------------------------------------------------------ helpers
def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax`` or the axes of a new pyplot figure (only when ``ax`` is None)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _fig, ax = plt.subplots(figsize=figsize)
        return ax
    if not isinstance(ax, Axes):
        raise ParameterError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _dated(obj: object, name: str, *, frame: bool = False) -> pd.Series | pd.DataFrame:
    """A numeric, non-empty Series (or DataFrame) with a DatetimeIndex."""
    data = as_frame(obj, name, allow_series=False) if frame else as_series(obj, name)
    if not isinstance(data.index, pd.DatetimeIndex):
        raise InvalidIndexError(f"{name} needs a DatetimeIndex, got {type(data.index).__name__}; "
                                "set the dates as the index (e.g. with pd.to_datetime)")
    return data


def _values(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _xdates(index: pd.DatetimeIndex) -> np.ndarray:
    """Matplotlib date numbers of a DatetimeIndex (time zone dropped, wall time kept)."""
    if index.tz is not None:
        index = index.tz_localize(None)
    return mdates.date2num(index.to_numpy())


def _date_axis(ax: Axes, maxticks: int = 8) -> None:
    locator = date_locator(minticks=2 if maxticks < 7 else 3, maxticks=maxticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _finish(ax: Axes, title: str | None, default: str, ylabel: str | None = None) -> None:
    # an explicit y skips matplotlib's title auto-positioning (a tight-bbox pass per draw)
    ax.set_title(default if title is None else title, loc="left", fontsize=11, y=1.0)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if ax.get_yscale() == "linear":
        value_ticks(ax.yaxis)
    ax.grid(True, axis="y", color="0.9", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _hline(ax: Axes, y: float) -> None:
    ax.axhline(y, color="black", lw=0.7, alpha=0.7, zorder=1, label="_reference")


def _growth_log_axis(ax: Axes, n_ticks: int = 6) -> None:
    """Log y axis of growth-of-1 lines, labelled as cumulative returns ('-20%', '0%', '+50%').

    The ticks are evenly spaced in the data's growth range (``MaxNLocator``
    on the data limits, 4-7 of them), so a curve that moves from 0.8 to 1.7
    gets readable ticks instead of the one or two decades a log locator
    offers; a range spanning several decades keeps the log locator.
    """
    if not data_log_ticks(ax, n_ticks, min_ticks=3, slack=0.03, max_ratio=20):
        ax.yaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v - 1:+.0%}" if abs(v - 1) > 1e-12 else "0%"))


# ----------------------------------------------------------- equity lines
def plot_cumulative_vs_benchmark(cumulative: pd.Series, benchmark: pd.Series | None = None, *,
                                 logy: bool = False, ax: Axes | None = None,
                                 title: str | None = None, **style) -> Axes:
    """Cumulative return of the strategy (blue) and of the benchmark (grey).

    Parameters
    ----------
    cumulative : pd.Series, shape (bars,)
        Compounded cumulative return per bar (0.25 = +25%), DatetimeIndex,
        e.g. :func:`factorlab.metrics.cumulative_returns`.
    benchmark : pd.Series, optional
        The benchmark's cumulative return on the same scale.
    logy : bool
        Log scale: the lines then show the growth of 1 (``1 + cumulative``,
        which must be > 0) on a logarithmic axis.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title : str, optional
        Axes title.
    **style
        Passed to the strategy's ``plot`` call.

    Returns
    -------
    matplotlib.axes.Axes
        Lines labelled 'strategy' (and the benchmark's name, 'benchmark' when unnamed); y data = ``cumulative``
        (or ``1 + cumulative`` with ``logy``).
    """
    ax = _axes(ax, (10.0, 4.0))
    _equity_lines(ax, cumulative, benchmark, logy, style)
    if logy:
        _growth_log_axis(ax)
        _hline(ax, 1.0)
    else:
        ax.yaxis.set_major_formatter(_PCT)
        _hline(ax, 0.0)
    _date_axis(ax)
    # above the lines, right of the (left-aligned) title: a legend inside the axes covers the curves
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False, borderaxespad=0.1)
    _finish(ax, title, "Cumulative returns" + (" (log scale)" if logy else ""))
    return ax


def _equity_lines(ax: Axes, cumulative: pd.Series, benchmark: pd.Series | None, logy: bool,
                  style: Mapping[str, object]) -> None:
    """The strategy (blue) and benchmark (grey) lines; ``1 + cumulative`` with ``logy``."""
    lines = {"strategy": _dated(cumulative, "cumulative")}
    if benchmark is not None:
        lines["benchmark"] = _dated(benchmark, "benchmark")
    for key, series in lines.items():
        label = key if key == "strategy" or series.name in (None, "") else str(series.name)
        y = _values(series) + (1.0 if logy else 0.0)
        if logy and np.nanmin(y) <= 0:
            raise ParameterError(f"{label} falls to -100% or below: a log scale needs 1 + cumulative > 0")
        kwargs = {"color": PERFORMANCE_COLORS[key], "lw": 1.4 if key == "strategy" else 1.1}
        ax.plot(*line_points(_xdates(series.index), y), label=label,
                **(kwargs | dict(style) if key == "strategy" else kwargs))


def _stems(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertical segments (x, 0) -> (x, y) as one polyline broken by NaN (one fast Line2D)."""
    xs = np.repeat(x, 3)
    ys = np.column_stack([np.zeros_like(y), y, np.full_like(y, np.nan)]).ravel()
    xs[2::3] = np.nan
    return xs, ys


def plot_daily_returns(returns: pd.Series, *, ax: Axes | None = None, title: str | None = None,
                       **style) -> Axes:
    """Return of each bar as a thin vertical bar: blue when profitable, grey otherwise.

    Parameters
    ----------
    returns : pd.Series, shape (bars,)
        Per-bar returns (0.01 = 1%), DatetimeIndex. NaN bars are not drawn.
    ax, title
        As in :func:`plot_cumulative_vs_benchmark`.
    **style
        Passed to both ``plot`` calls (e.g. ``lw``).

    Returns
    -------
    matplotlib.axes.Axes
        Two lines, 'profitable' (returns > 0) and 'unprofitable' (returns
        <= 0); each draws one vertical segment (x, 0) -> (x, return) per bar,
        the segments separated by NaN (every third point).
    """
    series = _dated(returns, "returns")
    x, y = _xdates(series.index), _values(series)
    valid = np.isfinite(y)
    ax = _axes(ax, (10.0, 3.0))
    for label, mask in (("profitable", valid & (y > 0)), ("unprofitable", valid & (y <= 0))):
        color = PERFORMANCE_COLORS["profit" if label == "profitable" else "loss"]
        ax.plot(*_stems(x[mask], y[mask]), label=label, **({"color": color, "lw": 0.8} | style))
    if len(x) > 1:
        ax.set_xlim(x[0], x[-1])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    _hline(ax, 0.0)
    _date_axis(ax)
    _finish(ax, title, "Daily returns")
    return ax


# ----------------------------------------------------- calendar returns
def _heatmap_limits(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 0.01


def plot_monthly_heatmap(table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                         cmap: str = "RdYlGn", annotate: bool = True, **style) -> Axes:
    """Year x month heatmap of monthly returns: green gains, red losses, yellow near 0.

    Parameters
    ----------
    table : pd.DataFrame, shape (years, 12)
        Monthly compounded returns, index = years, columns = months 1..12
        (:func:`factorlab.metrics.monthly_returns_table`). NaN = month
        outside the period, drawn as a white cell.
    annotate : bool
        Write each value in its cell, in percent with one decimal.
    cmap : str
        Diverging colormap, centred on 0 with symmetric limits.
    **style
        Passed to ``pcolormesh``.

    Returns
    -------
    matplotlib.axes.Axes
        One ``QuadMesh``: ``get_array()`` is the table (masked where NaN),
        row i = ``table.index[i]`` (first year on top); with ``annotate``, a
        :class:`CellLabels` artist (in ``ax.artists``) holding the cell texts.
    """
    frame = as_frame(table, "table")
    values = frame.to_numpy(dtype="float64", na_value=np.nan)
    ax = _axes(ax, (10.0, max(2.5, 0.4 * len(frame) + 1.2)))
    limit = _heatmap_limits(values)
    try:
        colormap = colormaps[cmap].with_extremes(bad="white")
    except KeyError as exc:
        raise ParameterError(f"unknown colormap {cmap!r}") from exc
    mesh = ax.pcolormesh(np.ma.masked_invalid(values), cmap=colormap,
                         norm=Normalize(-limit, limit), **({"edgecolors": "white", "linewidth": 0.5} | style))
    if annotate:
        rows, cols = np.nonzero(np.isfinite(values))
        cells = values[rows, cols]
        ax.add_artist(CellLabels(np.column_stack([cols + 0.5, rows + 0.5]),
                                 [cell_label(v * 100, ".1f") for v in cells],
                                 cell_text_colors(mesh, cells), fontsize=7))
    ax.set_xticks(np.arange(frame.shape[1]) + 0.5, [_month_label(c) for c in frame.columns])
    ax.set_yticks(np.arange(frame.shape[0]) + 0.5, [str(i) for i in frame.index])
    ax.set_xlim(0, frame.shape[1])
    ax.set_ylim(frame.shape[0], 0)
    ax.tick_params(length=0)
    ax.set_title("Monthly returns (%)" if title is None else title, loc="left", fontsize=11, y=1.0)
    return ax


class CellLabels(Artist):
    """Centred text labels at many points, drawn as one artist (a heatmap's cell values).

    One :class:`matplotlib.text.Text` is laid out and drawn at each point in
    turn, so the output equals one ``ax.text(x, y, s, ha='center',
    va='center')`` per label, without building and clipping a Text artist
    per cell.

    Parameters
    ----------
    positions : array, shape (n, 2)
        Label centres in data coordinates (the axes' ``transData``).
    texts : sequence of str, length n
    colors : sequence of colours, length n
    fontsize : float
    """

    zorder = 3  # as Text

    def __init__(self, positions, texts, colors, *, fontsize: float = 7) -> None:
        super().__init__()
        self._positions = np.asarray(positions, dtype="float64").reshape(-1, 2)
        self._texts = [str(t) for t in texts]
        self._colors = list(colors)
        if not len(self._texts) == len(self._colors) == len(self._positions):
            raise ParameterError("positions, texts and colors need the same length")
        self._text = Text(0.0, 0.0, "", ha="center", va="center", fontsize=fontsize)

    def get_texts(self) -> list[str]:
        """The labels, in drawing order."""
        return list(self._texts)

    def get_positions(self) -> np.ndarray:
        """Label centres, shape (n, 2), in data coordinates."""
        return self._positions.copy()

    def get_colors(self) -> list:
        """Label colours."""
        return list(self._colors)

    def draw(self, renderer) -> None:
        if not self.get_visible():
            return
        text = self._text
        text.set_figure(self.figure)
        text.set_transform(self.get_transform())
        for (x, y), label, color in zip(self._positions, self._texts, self._colors):
            text.set_position((x, y))
            text.set_text(label)
            text.set_color(color)
            text.draw(renderer)
        self.stale = False


def _month_label(month: object) -> str:
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return names[month - 1] if isinstance(month, (int, np.integer)) and 1 <= month <= 12 else str(month)


def _label_step(ax: Axes, labels: list[str]) -> int:
    """Every how many categories a label fits on the axes' width (1: all of them).

    Each label needs its characters at about 0.6 em plus an em of space, at the tick labels' font size.
    """
    if not labels:
        return 1
    fig = ax.get_figure()
    width_pt = ax.get_position().width * fig.get_figwidth() * 72.0
    size = FontProperties(size=mpl.rcParams["xtick.labelsize"]).get_size_in_points()
    need = (0.6 * max(len(t) for t in labels) + 1.0) * size
    fit = max(1, int(width_pt // need))
    return max(1, -(-len(labels) // fit))


def plot_annual_returns(annual: pd.Series, *, mean: float | None = None, benchmark: pd.Series | None = None,
                        ax: Axes | None = None, title: str | None = None, **style) -> Axes:
    """Blue bar per calendar year (grey benchmark bar beside it) and a red dotted line at the average.

    Parameters
    ----------
    annual : pd.Series, shape (years,)
        Compounded return per year, index = years
        (:func:`factorlab.metrics.annual_returns`).
    mean : float, optional
        Level of the red dotted line (the caller's average of the annual
        returns); no line when None.
    benchmark : pd.Series, optional
        The benchmark's compounded return per year (same years); drawn as a
        grey bar to the right of each strategy bar.
    **style
        Passed to the strategy's ``Axes.bar``.

    Returns
    -------
    matplotlib.axes.Axes
        One ``BarContainer`` of the strategy (heights = ``annual``), labelled
        'annual return' alone or 'strategy' beside a benchmark; with
        ``benchmark`` one labelled with its name ('benchmark' when unnamed);
        with ``mean`` a line labelled 'mean' ('strategy mean' beside a
        benchmark).
    """
    series = as_series(annual, "annual")
    ax = _axes(ax, (10.0, 3.5))
    x = np.arange(len(series), dtype="float64")
    width = 0.7 if benchmark is None else 0.4
    shift = 0.0 if benchmark is None else width / 2
    ax.bar(x - shift, _values(series), width, label="strategy" if benchmark is not None else "annual return",
           **({"color": PERFORMANCE_COLORS["annual"]} | style))
    if benchmark is not None:
        bench = as_series(benchmark, "benchmark").reindex(series.index)
        ax.bar(x + shift, _values(bench), width, color=PERFORMANCE_COLORS["benchmark"],
               label=str(bench.name) if bench.name not in (None, "benchmark") else "benchmark")
    if mean is not None:
        ax.axhline(float(mean), color=PERFORMANCE_COLORS["mean"], ls=":", lw=1.5,
                   label="mean" if benchmark is None else "strategy mean")
    labels = [str(i) for i in series.index]
    step = _label_step(ax, labels)
    ax.set_xticks(x[::step], labels[::step])  # every step-th year named: the labels never overlap
    if step > 1:
        ax.set_xticks(x, minor=True)  # every year still has its tick
    ax.yaxis.set_major_formatter(_PCT)
    _hline(ax, 0.0)
    if benchmark is not None:
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, frameon=False, fontsize=8,
                  borderaxespad=0.1, handlelength=1.2, columnspacing=0.8)  # above the bars, right of the title
    _finish(ax, title, "Annual returns")
    return ax


def _histogram_edges(hist: pd.Series) -> np.ndarray:
    index = hist.index
    if not isinstance(index, pd.IntervalIndex) or not index.is_non_overlapping_monotonic or len(index) == 0:
        raise ParameterError("hist must be counts indexed by their bins (a sorted pandas IntervalIndex), "
                             "e.g. ReturnsTearSheet.return_histogram")
    return np.append(index.left.to_numpy(dtype="float64"), float(index.right[-1]))


def plot_return_distribution(hist: pd.Series, *, benchmark: pd.Series | None = None, ax: Axes | None = None,
                             title: str | None = None, **style) -> Axes:
    """Histogram of the per-bar returns (precomputed counts per bin), with a line at 0.

    Parameters
    ----------
    hist : pd.Series, shape (bins,)
        Number of bars per return bin, indexed by the bins (an IntervalIndex,
        e.g. :attr:`factorlab.report.ReturnsTearSheet.return_histogram`).
        Drawn as given.
    benchmark : pd.Series, optional
        The benchmark's counts on the same bins
        (:attr:`~factorlab.report.ReturnsTearSheet.benchmark_histogram`):
        drawn as a grey outline over the strategy's bars.
    **style
        Passed to the strategy's ``Axes.stairs``.

    Returns
    -------
    matplotlib.axes.Axes
        One filled ``StepPatch`` labelled 'strategy' ('histogram' without a
        benchmark): ``get_data()`` gives the counts and the bin edges; with
        ``benchmark`` an unfilled one labelled 'benchmark'.
    """
    series = as_series(hist, "hist")
    edges = _histogram_edges(series)
    ax = _axes(ax, (6.0, 3.5))
    ax.stairs(_values(series), edges, fill=True, label="histogram" if benchmark is None else "strategy",
              **({"color": PERFORMANCE_COLORS["strategy"], "alpha": 0.85} | style))
    if benchmark is not None:
        bench = as_series(benchmark, "benchmark")
        if len(bench) != len(series) or not np.allclose(_histogram_edges(bench), edges):
            raise ParameterError("benchmark counts must be on the strategy histogram's bins "
                                 "(ReturnsTearSheet.benchmark_histogram)")
        ax.stairs(_values(bench), edges, fill=False, color="#4d4d4d", lw=1.1,
                  label="benchmark" if bench.name in (None, "", "count") else str(bench.name))
        ax.legend(loc="upper right", frameon=False, fontsize=8)
    ax.axvline(0.0, color="black", lw=0.7, label="_reference")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    _finish(ax, title, "Distribution of per-bar returns", ylabel="bars")
    return ax


# --------------------------------------------------------------- drawdowns
def _shade_drawdowns(ax: Axes, drawdowns: pd.DataFrame, last: pd.Timestamp) -> None:
    """One axvspan per episode, peak -> recovery (or the last bar)."""
    missing = {"peak", "recovery"} - set(drawdowns.columns)
    if missing:
        raise ParameterError(f"drawdowns needs the columns 'peak' and 'recovery' "
                             f"(factorlab.metrics.drawdown_table); missing {sorted(missing)}")
    for k, row in enumerate(drawdowns.itertuples(index=False)):
        end = row.recovery if pd.notna(row.recovery) else last
        x0, x1 = _xdates(pd.DatetimeIndex([row.peak, end]))
        ax.axvspan(x0, x1, color=_DRAWDOWN_SPAN_COLORS[k % len(_DRAWDOWN_SPAN_COLORS)], alpha=0.22,
                   lw=0, label=f"drawdown {k + 1}")


def plot_drawdown_periods(cumulative: pd.Series, drawdowns: pd.DataFrame, *, ax: Axes | None = None,
                          title: str | None = None, **style) -> Axes:
    """Cumulative return with the top drawdown periods shaded, each in its own colour.

    Parameters
    ----------
    cumulative : pd.Series, shape (bars,)
        Compounded cumulative return per bar (0.25 = +25%).
    drawdowns : pd.DataFrame
        One row per episode with 'peak' and 'recovery' timestamps (NaT = not
        recovered), e.g. ``factorlab.metrics.drawdown_table(returns, top=5)``.
    **style
        Passed to the line's ``plot`` call.

    Returns
    -------
    matplotlib.axes.Axes
        A line labelled 'strategy' and one ``Rectangle`` span per episode
        labelled 'drawdown 1', 'drawdown 2', ... in the table's order.
    """
    series = _dated(cumulative, "cumulative")
    ax = _axes(ax, (10.0, 3.5))
    ax.plot(*line_points(_xdates(series.index), _values(series)), label="strategy",
            **({"color": PERFORMANCE_COLORS["strategy"], "lw": 1.3} | style))
    _shade_drawdowns(ax, drawdowns, series.index[-1])
    ax.yaxis.set_major_formatter(_PCT)
    _date_axis(ax)
    _finish(ax, title, f"Top {len(drawdowns)} drawdown periods")
    return ax


def plot_underwater(underwater: pd.Series, drawdowns: pd.DataFrame | None = None, *,
                    ax: Axes | None = None, title: str | None = None, **style) -> Axes:
    """Drawdown from the running peak (filled red area), top periods optionally shaded.

    Parameters
    ----------
    underwater : pd.Series, shape (bars,)
        ``equity / running peak - 1`` per bar (<= 0),
        :func:`factorlab.metrics.underwater`.
    drawdowns : pd.DataFrame, optional
        Episodes to shade, as in :func:`plot_drawdown_periods`.
    **style
        Passed to ``fill_between``.

    Returns
    -------
    matplotlib.axes.Axes
        A ``PolyCollection`` labelled 'underwater' and the shaded spans.
    """
    series = _dated(underwater, "underwater")
    ax = _axes(ax, (10.0, 3.0))
    y = np.nan_to_num(_values(series), nan=0.0)
    ax.fill_between(*line_points(_xdates(series.index), y), 0.0, label="underwater", lw=0.6,
                    **({"color": PERFORMANCE_COLORS["underwater"], "alpha": 0.45} | style))
    if drawdowns is not None:
        _shade_drawdowns(ax, drawdowns, series.index[-1])
    ax.yaxis.set_major_formatter(_PCT)
    _date_axis(ax)
    _finish(ax, title, "Underwater (drawdown from peak)")
    return ax


# ----------------------------------------------------------------- rolling
def _rolling(ax: Axes | None, rolling: pd.DataFrame, name: str, title: str, level: float | None,
             style: Mapping[str, object]) -> Axes:
    frame = _dated(rolling, name, frame=True) if isinstance(rolling, pd.DataFrame) \
        else _dated(rolling, name).to_frame()
    ax = _axes(ax, (10.0, 3.0))
    x = _xdates(frame.index)
    shades = ([PERFORMANCE_COLORS["short_window"], PERFORMANCE_COLORS["long_window"]]
              if frame.shape[1] == 2 else [PERFORMANCE_COLORS["strategy"]] * frame.shape[1])
    for color, column in zip(shades, frame.columns):
        ax.plot(*line_points(x, _values(frame[column])), label=str(column),
                **({"color": color, "lw": 1.2} | dict(style)))
    if level is not None:
        _hline(ax, level)
    _date_axis(ax)
    ax.legend(loc="upper left", frameon=False, ncols=frame.shape[1])
    _finish(ax, None, title)
    return ax


def plot_rolling_beta(rolling_beta: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                      **style) -> Axes:
    """Rolling beta to the benchmark, one line per window (6 months light, 12 months dark blue).

    Parameters
    ----------
    rolling_beta : pd.DataFrame, shape (bars, windows)
        One column per trailing window (e.g. '6 months', '12 months'),
        :func:`factorlab.metrics.rolling_beta`. A Series is one window.

    Returns
    -------
    matplotlib.axes.Axes
        One line per column, labelled with the column name, and a line at 1.
    """
    return _rolling(ax, rolling_beta, "rolling_beta", title or "Rolling portfolio beta", 1.0, style)


def plot_rolling_sharpe(rolling_sharpe: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                        **style) -> Axes:
    """Rolling annualised Sharpe ratio, one line per window (6 and 12 months).

    Parameters
    ----------
    rolling_sharpe : pd.DataFrame, shape (bars, windows)
        One column per trailing window, :func:`factorlab.metrics.rolling_sharpe`.

    Returns
    -------
    matplotlib.axes.Axes
        One line per column, labelled with the column name, and a line at 0.
    """
    return _rolling(ax, rolling_sharpe, "rolling_sharpe", title or "Rolling Sharpe ratio", 0.0, style)


# ---------------------------------------------------------------- exposure
def plot_leverage(leverage: pd.Series, *, ax: Axes | None = None, title: str | None = None,
                  **style) -> Axes:
    """Gross leverage over time (sum of absolute positions / equity; 1.0 = fully invested).

    Returns
    -------
    matplotlib.axes.Axes
        A line labelled 'leverage' with y data = ``leverage``.
    """
    series = _dated(leverage, "leverage")
    ax = _axes(ax, (10.0, 3.0))
    ax.plot(*line_points(_xdates(series.index), _values(series)), label="leverage",
            **({"color": PERFORMANCE_COLORS["strategy"], "lw": 1.2} | style))
    _hline(ax, 1.0)
    _date_axis(ax)
    _finish(ax, title, "Leverage", ylabel="gross / equity")
    return ax


def plot_exposure(exposure: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                  **style) -> Axes:
    """Long (green) and short (red) exposure as filled areas and the net exposure as a line.

    Parameters
    ----------
    exposure : pd.DataFrame, shape (bars, k)
        Columns 'long' (>= 0) and 'short' (<= 0) as fractions of equity, and
        optionally 'net'; DatetimeIndex.

    Returns
    -------
    matplotlib.axes.Axes
        ``PolyCollection`` areas labelled 'long' and 'short', a line 'net'.
    """
    frame = _dated(exposure, "exposure", frame=True)
    missing = {"long", "short"} - set(frame.columns)
    if missing:
        raise ParameterError(f"exposure needs the columns 'long' and 'short'; missing {sorted(missing)}")
    ax = _axes(ax, (10.0, 3.0))
    x = _xdates(frame.index)
    for side in ("long", "short"):
        ax.fill_between(*line_points(x, np.nan_to_num(_values(frame[side]))), 0.0, label=side, lw=0,
                        **({"color": PERFORMANCE_COLORS[side], "alpha": 0.45} | style))
    if "net" in frame.columns:
        ax.plot(*line_points(x, _values(frame["net"])), label="net", color=PERFORMANCE_COLORS["net"], lw=1.0)
    ax.yaxis.set_major_formatter(_PCT)
    _hline(ax, 0.0)
    _date_axis(ax)
    ax.legend(loc="upper left", frameon=False, ncols=3)
    _finish(ax, title, "Long-short exposure")
    return ax


def plot_returns_per_trade(hist: pd.Series, *, ax: Axes | None = None, title: str | None = None,
                           **style) -> Axes:
    """Histogram of the return of each trade (0.02 = +2% on the trade), from precomputed counts per bin.

    Returns
    -------
    matplotlib.axes.Axes
        As :func:`plot_return_distribution` (``hist``: e.g.
        :attr:`factorlab.report.ReturnsTearSheet.trade_return_histogram`).
    """
    out = plot_return_distribution(hist, ax=ax, title=title or "Returns per trade", **style)
    out.set_ylabel("trades")
    return out


def plot_crisis_event(cumulative: pd.Series, benchmark: pd.Series | None = None, *,
                      ax: Axes | None = None, title: str | None = None, **style) -> Axes:
    """Cumulative return through one historical event: strategy blue, benchmark grey.

    Parameters
    ----------
    cumulative : pd.Series, shape (bars,)
        The strategy's cumulative return from the event's first bar.
    benchmark : pd.Series, optional
        The benchmark's cumulative return over the same bars.
    title : str, optional
        The event's name.

    Returns
    -------
    matplotlib.axes.Axes
        Lines labelled 'strategy' (and the benchmark's name, 'benchmark' when unnamed); x ticks at the first
        and last bar only.
    """
    ax = _axes(ax, (4.5, 3.0))
    _equity_lines(ax, cumulative, benchmark, False, style)  # no legend: the panels are small
    ax.yaxis.set_major_formatter(_PCT)
    _hline(ax, 0.0)
    first, last = _xdates(cumulative.index[[0, -1]])
    ax.xaxis.set_major_locator(FixedLocator([first, last]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    _finish(ax, title or None, "Event")
    value_ticks(ax.yaxis, n=4)
    ax.tick_params(labelsize=7)
    return ax
