"""Charts of a backtest's trading: an asset's orders, capacity, turnover, allocation, exposure by group.

Each takes precomputed data (:mod:`factorlab.backtest._chart_data`, ``BacktestResult.turnover``)
and an ``ax``, draws on it and returns it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from factorlab.errors import ParameterError
from factorlab.plotting._style import get_axes, line_points, time_axis, zero_line

__all__ = ["plot_allocation", "plot_asset_orders", "plot_capacity", "plot_group_exposure", "plot_turnover"]

#: Marker, colour and label of each order event (the reference's icons).
EVENT_STYLE = {
    "submitted": {"marker": "o", "color": "0.55", "label": "submitted", "s": 18},
    "buy": {"marker": "^", "color": "tab:green", "label": "buy fill", "s": 36},
    "sell": {"marker": "v", "color": "tab:red", "label": "sell fill", "s": 36},
    "cancelled": {"marker": "s", "color": "0.35", "label": "cancelled", "s": 20},
}
_PCT = PercentFormatter(1.0, decimals=0)
#: Category colours: tab10 without its grey (grey is 'other').
_COLORS = [f"C{i}" for i in (0, 1, 2, 3, 4, 5, 6, 8, 9)]


def _money(value: float, _pos=None) -> str:
    for size, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:,.3g}{unit}"
    return f"{value:,.0f}"


def _legend_above_data(ax: Axes, ncols: int) -> None:
    """A compact legend in the top band of the axes, the y range raised so it sits above the data."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    rows = -(-len(handles) // ncols)
    lo, hi = ax.get_ylim()
    if ax.get_yscale() == "linear":
        ax.set_ylim(lo, hi + (hi - lo) * 0.12 * rows / (1 - 0.12 * rows))
    ax.legend(handles, labels, loc="upper left", ncols=ncols, fontsize=7, frameon=True, framealpha=0.85,
              edgecolor="none", borderaxespad=0.3, handlelength=1.2, columnspacing=1.0)


def _dated(obj, name: str) -> None:
    if not isinstance(obj, (pd.Series, pd.DataFrame)) or not isinstance(obj.index, pd.DatetimeIndex):
        raise ParameterError(f"{name} must be a pandas object with a DatetimeIndex, got {type(obj).__name__}")


def plot_asset_orders(prices: pd.Series, events: pd.DataFrame, *, ax: Axes | None = None,
                      title: str | None = None) -> Axes:
    """An asset's price with its order events: submissions (grey circles), buy fills (green up
    triangles) and sell fills (red down triangles) at their fill prices, cancellations (grey squares).

    Parameters
    ----------
    prices : pd.Series
        Close prices of the asset, DatetimeIndex.
    events : pd.DataFrame
        Columns time, event (one of 'submitted', 'buy', 'sell', 'cancelled'), price
        (:meth:`BacktestResult.order_events`).

    Returns
    -------
    Axes
        One line (the price) and one PathCollection per event kind present, labelled.
    """
    _dated(prices, "prices")
    missing = {"time", "event", "price"} - set(events.columns)
    if missing:
        raise ParameterError(f"events lack column(s) {sorted(missing)}")
    unknown = set(events["event"]) - set(EVENT_STYLE)
    if unknown:
        raise ParameterError(f"unknown event kind(s) {sorted(unknown)}; expected {list(EVENT_STYLE)}")
    ax = get_axes(ax, (10.0, 3.4))
    ax.plot(*line_points(prices.index.to_numpy(), prices.to_numpy(dtype=float)), color="tab:blue", lw=1.0,
            label=str(prices.name or "price"))
    for kind, style in EVENT_STYLE.items():
        e = events[events["event"] == kind]
        if len(e):
            ax.scatter(pd.DatetimeIndex(e["time"]), e["price"].to_numpy(dtype=float), zorder=3, lw=0, **style)
    ax.set_ylabel("price")
    time_axis(ax)
    _legend_above_data(ax, 5)
    ax.set_title(title or f"{prices.name}: price and orders")
    return ax


def plot_capacity(capacity: pd.Series, *, trend: pd.Series | None = None, trend_label: str = "21-bar median",
                  ax: Axes | None = None, title: str | None = None) -> Axes:
    """Strategy capacity over time (currency): each bar's snapshot and, when given, its trend (e.g. the
    trailing 21-bar median, :attr:`factorlab.report.ReturnsTearSheet.capacity_trend`), drawn as given;
    the y axis follows the bulk of the data (to the 99th percentile), the title counts the bars above it.

    Returns
    -------
    Axes
        Lines 'per bar' and (with ``trend``) ``trend_label``.
    """
    _dated(capacity, "capacity")
    ax = get_axes(ax, (10.0, 3.0))
    s = capacity.astype(float).dropna()
    s = s[s > 0]
    if s.empty:
        raise ParameterError("capacity has no positive values to draw")
    ax.plot(*line_points(s.index.to_numpy(), s.to_numpy()), lw=0.6, color="0.6", label="per bar")
    if trend is not None:
        _dated(trend, "trend")
        ax.plot(*line_points(trend.index.to_numpy(), trend.to_numpy(dtype=float)), lw=1.4, color="tab:blue",
                label=trend_label)
    hi = float(np.nanpercentile(s.to_numpy(), 99))
    ax.set_ylim(0.0, hi * 1.1)
    _legend_above_data(ax, 2)  # a band of its own at the top: the legend covers no line
    out = int((s > ax.get_ylim()[1]).sum())
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    ax.set_ylabel("capacity (currency)")
    time_axis(ax)
    ax.set_title(title or ("Strategy capacity (1% of bar volume)" + (f", {out} bar(s) above the axis" if out
                                                                      else "")))
    return ax


def plot_turnover(turnover: pd.Series, *, trend: pd.Series | None = None, trend_label: str = "21-bar mean",
                  ax: Axes | None = None, title: str | None = None) -> Axes:
    """Portfolio turnover per bar (traded notional / equity, two sided; NaN drawn as 0) and, when given,
    its trend (e.g. the trailing 21-bar mean, :attr:`factorlab.report.ReturnsTearSheet.turnover_trend`),
    drawn as given.

    Returns
    -------
    Axes
        Lines 'per bar' and (with ``trend``) ``trend_label``; y axis in % of equity per bar.
    """
    _dated(turnover, "turnover")
    ax = get_axes(ax, (10.0, 3.0))
    t = turnover.astype(float).fillna(0.0)
    ax.plot(*line_points(t.index.to_numpy(), t.to_numpy()), lw=0.6, color="0.6", label="per bar")
    if trend is not None:
        _dated(trend, "trend")
        ax.plot(*line_points(trend.index.to_numpy(), trend.to_numpy(dtype=float)), lw=1.4, color="tab:blue",
                label=trend_label)
    hi = float(np.nanpercentile(t.to_numpy(), 99)) if len(t) else 0.0
    ax.set_ylim(0.0, max(hi * 1.1, 1e-6))
    _legend_above_data(ax, 2)  # a band of its own at the top: the legend covers no line
    out = int((t > ax.get_ylim()[1]).sum())
    ax.yaxis.set_major_formatter(_PCT)
    ax.set_ylabel("% of equity per bar")
    time_axis(ax)
    ax.set_title(title or ("Portfolio turnover" + (f" ({out} bar(s) above the axis)" if out else "")))
    return ax


def plot_allocation(allocation: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Position allocation over time: stacked |position value| / equity per name (the top stack
    reaches the gross exposure).

    Returns
    -------
    Axes
        One PolyCollection per column (stackplot), labelled by name.
    """
    _dated(allocation, "allocation")
    ax = get_axes(ax, (10.0, 3.4))
    values = np.nan_to_num(allocation.to_numpy(dtype=float)).T
    labels = [str(c) for c in allocation.columns]
    colors = [_COLORS[i % len(_COLORS)] for i in range(len(labels))]
    if "other" in labels:
        colors[labels.index("other")] = "0.75"
    ax.stackplot(allocation.index, values, labels=labels, colors=colors, lw=0)
    ax.yaxis.set_major_formatter(_PCT)
    ax.set_ylabel("% of equity (gross)")
    ax.set_ylim(0.0, max(float(values.sum(axis=0).max()) * 1.05 if values.size else 1.0, 1e-6))
    time_axis(ax)
    _legend_above_data(ax, 5)
    ax.set_title(title or "Position allocation")
    return ax


def plot_group_exposure(exposure: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Long (stacked above 0) and short (stacked below 0) exposure by group, as fractions of equity.

    Parameters
    ----------
    exposure : pd.DataFrame
        Columns (group, 'long'/'short') (:meth:`BacktestResult.group_exposure`).

    Returns
    -------
    Axes
        Two stackplots (long and short), one colour per group, and a zero line.
    """
    _dated(exposure, "exposure")
    if not isinstance(exposure.columns, pd.MultiIndex) or set(exposure.columns.get_level_values(1)) - {"long",
                                                                                                     "short"}:
        raise ParameterError("exposure needs columns (group, 'long'/'short')")
    ax = get_axes(ax, (10.0, 3.4))
    groups = list(dict.fromkeys(exposure.columns.get_level_values(0)))
    colors = [_COLORS[i % len(_COLORS)] for i in range(len(groups))]
    longs = np.nan_to_num(np.array([exposure[(g, "long")].to_numpy(dtype=float) for g in groups]))
    shorts = np.nan_to_num(np.array([exposure[(g, "short")].to_numpy(dtype=float) for g in groups]))
    ax.stackplot(exposure.index, longs, labels=groups, colors=colors, lw=0, alpha=0.8)
    ax.stackplot(exposure.index, shorts, colors=colors, lw=0, alpha=0.5)
    zero_line(ax)
    ax.yaxis.set_major_formatter(_PCT)
    ax.set_ylabel("% of equity (short < 0)")
    time_axis(ax)
    _legend_above_data(ax, 6)
    ax.set_title(title or "Long-short exposure by group")
    return ax
