"""Charts of a tear sheet vs backtest comparison (takes precomputed data from ``fl.compare``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from factorlab.errors import ParameterError
from factorlab.plotting._style import get_axes, line_points, zero_line

__all__ = ["plot_backtest_comparison", "plot_friction_attribution", "plot_comparison_report"]


def plot_backtest_comparison(cumulative: pd.DataFrame, *, gap: pd.Series | None = None,
                             title: str | None = None, ax: Axes | None = None, **style) -> Axes:
    """Cumulative returns of the reference (tear sheet) and of the backtest, with their gap.

    Parameters
    ----------
    cumulative : pd.DataFrame, shape (bars, 2+)
        Cumulative returns (0.1 = 10%) per bar, one column per line
        (e.g. 'tear sheet', 'backtest').
    gap : pd.Series, optional
        Backtest minus reference cumulative return, drawn as a filled area.
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    if not isinstance(cumulative, pd.DataFrame) or cumulative.empty:
        raise ParameterError("cumulative must be a non-empty DataFrame (bars x lines)")
    ax = get_axes(ax)
    for col in cumulative.columns:
        ax.plot(*line_points(cumulative.index.to_numpy(), cumulative[col].to_numpy(dtype=float)), label=str(col),
                **style)
    if gap is not None:
        ax.fill_between(*line_points(gap.index.to_numpy(), gap.to_numpy(dtype=float)), 0.0, alpha=0.3,
                        color="grey", label="gap")
    zero_line(ax)
    ax.set_ylabel("cumulative return")
    ax.set_title(title or "Tear sheet vs backtest")
    ax.legend(loc="best")
    return ax


def plot_friction_attribution(attribution: pd.Series, *, title: str | None = None, ax: Axes | None = None,
                              **style) -> Axes:
    """Horizontal bars: contribution of each friction to the total-return gap (0.01 = 1 point).

    Parameters
    ----------
    attribution : pd.Series
        friction name -> total-return difference it causes.
    """
    if not isinstance(attribution, pd.Series) or attribution.empty:
        raise ParameterError("attribution must be a non-empty Series (friction -> return gap)")
    ax = get_axes(ax, figsize=(7.0, 4.5))
    vals = attribution.to_numpy(dtype=float)
    colors = np.where(vals >= 0, "tab:green", "tab:red")
    ax.barh(np.arange(len(vals)), vals, color=colors, **style)
    ax.set_yticks(np.arange(len(vals)), [str(i) for i in attribution.index])
    zero_line(ax, vertical=True)
    ax.set_xlabel("total-return gap")
    ax.set_title(title or "Gap by friction")
    return ax


def plot_comparison_report(cumulative: pd.DataFrame, gap: pd.Series, attribution: pd.Series | None) -> Figure:
    """Two panels: the cumulative returns with their gap, and the gap by friction."""
    n = 1 if attribution is None or attribution.empty else 2
    fig, axes = plt.subplots(1, n, figsize=(14.0 if n == 2 else 10.0, 4.5), squeeze=False,
                             gridspec_kw={"width_ratios": [2, 1][:n]})
    plot_backtest_comparison(cumulative, gap=gap, ax=axes[0, 0])
    if n == 2:
        plot_friction_attribution(attribution, ax=axes[0, 1])
    fig.tight_layout()
    return fig
