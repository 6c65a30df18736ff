"""Alphalens' ``plotting`` names, drawn by factorlab's chart functions.

Every public function of ``alphalens.plotting`` (alphalens-reloaded 0.5.1)
with its signature: ``plot_*`` take Alphalens' inputs (the outputs of
``performance``), draw Alphalens' content (titles, axis labels, the same
panels) through :mod:`factorlab.plotting` on the given ``ax`` and return what
Alphalens returns (the Axes, or the array/list of Axes for multi-panel
charts). The ``plot_*_table`` functions return Alphalens' tables with
``return_df=True`` and otherwise display them (``utils.print_table``).

Differences: the style comes from factorlab's charts, not seaborn's;
``plotting_context``/``axes_style`` return matplotlib ``rc_context``
settings (dicts usable as context managers, as seaborn's are) and change no
global state; the histogram of ``plot_ic_hist`` has 25 bins over [-1, 1]
without a kernel density. matplotlib is imported when a function draws.
"""

from __future__ import annotations

import contextlib
from functools import wraps

import numpy as np
import pandas as pd
from scipy import stats

from factorlab.compat.alphalens._perf_portfolio import cumulative_returns
from factorlab.compat.alphalens.utils import print_table
from factorlab.errors import ParameterError

__all__ = [
    "axes_style",
    "customize",
    "plot_cumulative_returns",
    "plot_cumulative_returns_by_quantile",
    "plot_events_distribution",
    "plot_factor_rank_auto_correlation",
    "plot_ic_by_group",
    "plot_ic_hist",
    "plot_ic_qq",
    "plot_ic_ts",
    "plot_information_table",
    "plot_mean_quantile_returns_spread_time_series",
    "plot_monthly_ic_heatmap",
    "plot_quantile_average_cumulative_return",
    "plot_quantile_returns_bar",
    "plot_quantile_returns_violin",
    "plot_quantile_statistics_table",
    "plot_returns_table",
    "plot_top_bottom_quantile_turnover",
    "plot_turnover_table",
    "plotting_context",
]

DECIMAL_TO_BPS = 10000

_CONTEXT_SCALE = {"paper": 0.8, "notebook": 1.0, "talk": 1.5, "poster": 2.0}
_FONT_SIZES = {"font.size": 12, "axes.labelsize": 12, "axes.titlesize": 12, "xtick.labelsize": 11,
               "ytick.labelsize": 11, "legend.fontsize": 11, "legend.title_fontsize": 12}
_STYLES = {
    "darkgrid": {"axes.facecolor": "#EAEAF2", "axes.edgecolor": "white", "axes.grid": True,
                 "grid.color": "white", "axes.axisbelow": True},
    "whitegrid": {"axes.facecolor": "white", "axes.edgecolor": ".8", "axes.grid": True,
                  "grid.color": ".8", "axes.axisbelow": True},
    "dark": {"axes.facecolor": "#EAEAF2", "axes.edgecolor": "white", "axes.grid": False},
    "white": {"axes.facecolor": "white", "axes.edgecolor": ".15", "axes.grid": False},
    "ticks": {"axes.facecolor": "white", "axes.edgecolor": ".15", "axes.grid": False},
}


class _RcSettings(dict):
    """matplotlib rc settings usable as a context manager (``with plotting_context(): ...``)."""

    def __enter__(self):
        import matplotlib as mpl

        self._stack = contextlib.ExitStack()
        self._stack.enter_context(mpl.rc_context(dict(self)))
        return self

    def __exit__(self, *exc):
        self._stack.close()
        return False


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _flp():
    import factorlab.plotting as flp

    return flp


def plotting_context(context="notebook", font_scale=1.5, rc=None):
    """Font sizes of seaborn's ``context`` scaled by ``font_scale``, as temporary matplotlib settings."""
    if context not in _CONTEXT_SCALE:
        raise ParameterError(f"context must be one of {sorted(_CONTEXT_SCALE)}, got {context!r}")
    rc = {} if rc is None else dict(rc)
    rc.setdefault("lines.linewidth", 1.5)
    scale = _CONTEXT_SCALE[context] * font_scale
    return _RcSettings({**{k: v * scale for k, v in _FONT_SIZES.items()}, **rc})


def axes_style(style="darkgrid", rc=None):
    """seaborn's axes ``style`` ('darkgrid', 'whitegrid', 'dark', 'white', 'ticks') as temporary settings."""
    if style not in _STYLES:
        raise ParameterError(f"style must be one of {sorted(_STYLES)}, got {style!r}")
    return _RcSettings({**_STYLES[style], **({} if rc is None else rc)})


def customize(func):
    """Decorator: run ``func`` inside :func:`plotting_context` and :func:`axes_style` unless
    ``set_context=False`` is passed (Alphalens' convention)."""

    @wraps(func)
    def call_w_context(*args, **kwargs):
        if kwargs.pop("set_context", True):
            with plotting_context(), axes_style():
                return func(*args, **kwargs)
        return func(*args, **kwargs)

    return call_w_context


# ---------------------------------------------------------------- tables


def plot_returns_table(alpha_beta, mean_ret_quantile, mean_ret_spread_quantile, return_df=False):
    """Alpha, beta, top/bottom quantile mean return and the mean spread (bps); displayed or returned."""
    table = pd.concat([pd.DataFrame(), alpha_beta])
    table.loc["Mean Period Wise Return Top Quantile (bps)"] = mean_ret_quantile.iloc[-1] * DECIMAL_TO_BPS
    table.loc["Mean Period Wise Return Bottom Quantile (bps)"] = mean_ret_quantile.iloc[0] * DECIMAL_TO_BPS
    table.loc["Mean Period Wise Spread (bps, 100% gross)"] = mean_ret_spread_quantile.mean() * DECIMAL_TO_BPS
    if return_df:
        return table
    print_table(table.apply(lambda x: x.round(3)), name="Returns Analysis")
    return None


def plot_turnover_table(autocorrelation_data, quantile_turnover, return_df=False):
    """Mean turnover of each quantile and mean rank autocorrelation per period; displayed or returned."""
    turnover_table = pd.DataFrame()
    for period in sorted(quantile_turnover.keys()):
        for quantile, p_data in quantile_turnover[period].items():
            turnover_table.loc[f"Quantile {quantile} Mean Turnover ", f"{period}D"] = p_data.mean()
    auto_corr = pd.DataFrame()
    for period, p_data in autocorrelation_data.items():
        auto_corr.loc["Mean Factor Rank Autocorrelation", f"{period}D"] = p_data.mean()
    if return_df:
        return turnover_table, auto_corr
    print_table(turnover_table.apply(lambda x: x.round(3)), name="Turnover Analysis")
    print_table(auto_corr.apply(lambda x: x.round(3)))
    return None


def _per_column(ic_data, stat) -> pd.Series:
    frame = ic_data.to_frame() if isinstance(ic_data, pd.Series) else ic_data
    values = []
    for column in frame.columns:
        clean = frame[column].dropna().to_numpy()
        values.append(stat(clean))
    return pd.Series(values, index=frame.columns)


def _ttest(values: np.ndarray) -> tuple[float, float]:
    if len(values) < 2:
        return np.nan, np.nan
    res = stats.ttest_1samp(values, 0)
    return res.statistic, res.pvalue


def plot_information_table(ic_data, return_df=False):
    """IC mean, std, risk-adjusted IC, t-test, skew and kurtosis per period; displayed or returned."""
    table = pd.DataFrame()
    table["IC Mean"] = ic_data.mean()
    table["IC Std."] = ic_data.std()
    table["Risk-Adjusted IC"] = ic_data.mean() / ic_data.std()
    tests = _per_column(ic_data, _ttest)
    table["t-stat(IC)"] = tests.map(lambda t: t[0])
    table["p-value(IC)"] = tests.map(lambda t: t[1])
    table["IC Skew"] = _per_column(ic_data, lambda v: stats.skew(v) if len(v) else np.nan)
    table["IC Kurtosis"] = _per_column(ic_data, lambda v: stats.kurtosis(v) if len(v) else np.nan)
    if return_df:
        return table
    print_table(table.apply(lambda x: x.round(3)).T, name="Information Analysis")
    return None


def plot_quantile_statistics_table(factor_data, return_df=False):
    """Min, max, mean, std and count of the factor per quantile; displayed or returned."""
    table = factor_data.groupby("factor_quantile")["factor"].agg(["min", "max", "mean", "std", "count"])
    table["count %"] = table["count"] / table["count"].sum() * 100.0
    if return_df:
        return table
    print_table(table, name="Quantiles Statistics")
    return None


# ---------------------------------------------------------------- information


def _grid(n_panels: int, ncols: int, height: float, **kwargs) -> np.ndarray:
    rows = ((n_panels - 1) // ncols) + 1
    _, ax = _plt().subplots(rows, ncols, figsize=(18, rows * height), **kwargs)
    return np.asarray([ax]).flatten()


def _text_box(ax, text: str) -> None:
    ax.text(0.05, 0.95, text, fontsize=16, bbox={"facecolor": "white", "alpha": 1, "pad": 5},
            transform=ax.transAxes, verticalalignment="top")


def _drawable(series: pd.Series):
    """``series``, or None when it has no value to draw (a 22-date moving average over fewer dates)."""
    return series if series.notna().any() else None


def _empty_line(ax, label: str, color) -> None:
    """The legend entry of a line Alphalens draws with no point (its moving average over too few dates)."""
    ax.plot([], [], color=color, lw=1.6, alpha=0.9, label=label)


def plot_ic_ts(ic, ax=None):
    """IC per date and its 22-date moving average, one panel per period (shared y limits).

    Returns the array of Axes (or ``ax`` as given).
    """
    ic = ic.copy()
    if ax is None:
        _, ax = _plt().subplots(len(ic.columns), 1, figsize=(18, len(ic.columns) * 7))
        ax = np.asarray([ax]).flatten()
    flp = _flp()
    ymin, ymax = None, None
    for a, (period, col) in zip(ax, ic.items()):
        moving = _drawable(col.rolling(window=22).mean())
        flp.plot_ic_ts(col, moving_average=moving, ax=a,
                       title=f"{period} Period Forward Return Information Coefficient (IC)")
        if moving is None:  # fewer than 22 dates: Alphalens still lists the (empty) moving average
            _empty_line(a, "1 month moving avg", flp.PALETTE["moving_average"])
            a.legend(loc="upper right")
        a.set(ylabel="IC", xlabel="")
        _text_box(a, "Mean %.3f \n Std. %.3f" % (col.mean(), col.std()))
        lo, hi = a.get_ylim()
        ymin = lo if ymin is None else min(ymin, lo)
        ymax = hi if ymax is None else max(ymax, hi)
    for a in ax:
        a.set_ylim([ymin, ymax])
    return ax


def plot_ic_hist(ic, ax=None):
    """Histogram of the IC per period (25 bins over [-1, 1]) with its mean; returns the Axes array."""
    from factorlab import ic_histogram

    ic = ic.copy()
    num_plots = len(ic.columns)
    if ax is None:
        ax = _grid(num_plots, 3, 6)
    flp = _flp()
    for a, (period, col) in zip(ax, ic.items()):
        observed = col.dropna()
        if observed.empty:
            continue
        flp.plot_ic_hist(ic_histogram(observed.rename(period), bins=25), means=observed.mean(), ax=a,
                         title="%s Period IC" % period)
        _steps_to_bars(a)
        a.set(xlabel="IC", ylabel="Count")
        a.set_xlim([-1, 1])
        a.set_xticks(np.linspace(-1, 1, 5))
        _text_box(a, "Mean %.3f \n Std. %.3f" % (col.mean(), col.std()))
    if num_plots < len(ax):
        ax[-1].set_visible(False)
    return ax


def _steps_to_bars(ax) -> None:
    """Redraw the histogram's step outline as one bar (a ``Rectangle``) per bin, as seaborn's ``histplot``
    draws Alphalens' histogram: ``ax.patches`` are then bars with ``get_height()`` = the bin's count."""
    from matplotlib.patches import StepPatch

    for patch in [p for p in ax.patches if isinstance(p, StepPatch)]:
        values, edges, _ = patch.get_data()
        color, alpha = patch.get_facecolor(), patch.get_alpha()
        label = patch.get_label()
        patch.remove()
        heights = np.nan_to_num(np.asarray(values, dtype="float64"), nan=0.0)
        ax.bar(edges[:-1], heights, width=np.diff(edges), align="edge", color=color, alpha=alpha,
               edgecolor="white", linewidth=0.5, label=label)


def _dist_name(theoretical_dist) -> str:
    if isinstance(theoretical_dist, stats.norm.__class__):
        return "Normal"
    if isinstance(theoretical_dist, stats.t.__class__):
        return "T"
    return "Theoretical"


def plot_ic_qq(ic, theoretical_dist=stats.norm, ax=None):
    """Q-Q plot of the IC against ``theoretical_dist`` fitted to it, per period; returns the Axes array.

    The points are statsmodels' ``qqplot(fit=True)``'s: the fitted
    distribution's quantiles at ``i / (n + 1)`` against the sorted IC.
    """
    ic = ic.copy()
    if ax is None:
        ax = _grid(len(ic.columns), 3, 6)
    name = _dist_name(theoretical_dist)
    flp = _flp()
    for a, (period, col) in zip(ax, ic.items()):
        observed = np.sort(col.dropna().to_numpy(dtype="float64"))
        if len(observed) == 0:
            continue
        params = theoretical_dist.fit(observed)
        positions = np.arange(1, len(observed) + 1) / (len(observed) + 1)
        qq = pd.DataFrame({"theoretical": theoretical_dist.ppf(positions, *params), "observed": observed})
        flp.plot_ic_qq(qq, dist_name=name, ax=a, title="{} Period IC {} Dist. Q-Q".format(period, name))
        a.set(ylabel="Observed Quantile", xlabel="{} Distribution Quantile".format(name))
    return ax


def plot_ic_by_group(ic_group, ax=None):
    """Bars of the mean IC per group; returns the Axes."""
    if ax is None:
        _, ax = _plt().subplots(1, 1, figsize=(18, 6))
    _flp().plot_ic_by_group(ic_group, title="Information Coefficient By Group", ax=ax)
    ax.set(xlabel="", ylabel="")
    for label in ax.get_xticklabels():
        label.set_rotation(45)
    return ax


def plot_monthly_ic_heatmap(mean_monthly_ic, ax=None):
    """Heatmap of the monthly mean IC (years x months), one panel per period; returns the Axes array."""
    mean_monthly_ic = mean_monthly_ic.copy()
    num_plots = len(mean_monthly_ic.columns)
    if ax is None:
        ax = _grid(num_plots, 3, 6)
    flp = _flp()
    for a, (period, col) in zip(ax, mean_monthly_ic.items()):
        flp.plot_monthly_ic_heatmap(col, period=str(period), ax=a,
                                    title="Monthly Mean {} Period IC".format(period))
        a.set(ylabel="", xlabel="")
    if num_plots < len(ax):
        ax[-1].set_visible(False)
    return ax


# ---------------------------------------------------------------- returns


def _ylim_bps(values, ylim_percentiles):
    if ylim_percentiles is None:
        return None
    v = np.asarray(values, dtype="float64")
    return (np.nanpercentile(v, ylim_percentiles[0]) * DECIMAL_TO_BPS,
            np.nanpercentile(v, ylim_percentiles[1]) * DECIMAL_TO_BPS)


def plot_quantile_returns_bar(mean_ret_by_q, by_group=False, ylim_percentiles=None, ax=None):
    """Mean return per quantile in bps (one panel per group with ``by_group``).

    Returns the Axes, or the array/list of Axes with ``by_group``.
    """
    mean_ret_by_q = mean_ret_by_q.copy()
    ylim = _ylim_bps(mean_ret_by_q.to_numpy(), ylim_percentiles)
    flp = _flp()
    if by_group:
        num_group = len(mean_ret_by_q.index.get_level_values("group").unique())
        if ax is None:
            ax = _grid(num_group, 2, 6, sharex=False, sharey=True)
        for a, (group, frame) in zip(ax, mean_ret_by_q.groupby(level="group", observed=False)):
            flp.plot_quantile_returns_bar(frame.xs(group, level="group"), title=str(group), ylim=ylim, ax=a)
            a.set(xlabel="", ylabel="Mean Return (bps)")
        if num_group < len(ax):
            ax[-1].set_visible(False)
        return ax
    if ax is None:
        _, ax = _plt().subplots(1, 1, figsize=(18, 6))
    flp.plot_quantile_returns_bar(mean_ret_by_q, title="Mean Period Wise Return By Factor Quantile", ylim=ylim,
                                  ax=ax)
    ax.set(xlabel="", ylabel="Mean Return (bps)")
    return ax


def _violin_stats(return_by_q, points: int = 60):
    """factorlab's violin statistics (bps); a (quantile, period) whose values are equal up to rounding (a
    singular kernel density) gets no width, as seaborn draws Alphalens' singular violins (a flat line)."""
    from factorlab.tears import ViolinStats, violin_stats

    try:
        return violin_stats(return_by_q, points=points)
    except np.linalg.LinAlgError:
        pass
    level = return_by_q.index.get_level_values(0)
    quantiles = tuple(np.sort(level.unique().to_numpy()).tolist())
    stats = {}
    for q in quantiles:
        rows = return_by_q[np.asarray(level == q)]
        for period in rows.columns:
            values = rows[period].to_numpy(dtype="float64", na_value=np.nan) * DECIMAL_TO_BPS
            values = values[np.isfinite(values)]
            if not values.size:
                continue
            try:
                one = violin_stats(rows[[period]], points=points)
                stats[(q, str(period))] = one.stats[(q, str(period))]
            except np.linalg.LinAlgError:
                q1, median, q3 = np.percentile(values, [25.0, 50.0, 75.0])
                stats[(q, str(period))] = {
                    "coords": np.linspace(values.min(), values.max(), points), "vals": np.zeros(points),
                    "mean": float(values.mean()), "median": float(median), "min": float(values.min()),
                    "max": float(values.max()), "quantiles": np.array([q1, median, q3])}
    return ViolinStats(quantiles=quantiles, periods=tuple(str(c) for c in return_by_q.columns), stats=stats,
                       unit="bps")


def plot_quantile_returns_violin(return_by_q, ylim_percentiles=None, ax=None):
    """Distribution of the per-date quantile returns (bps), one violin per (quantile, period); returns the Axes."""
    return_by_q = return_by_q.copy()
    if ax is None:
        _, ax = _plt().subplots(1, 1, figsize=(18, 6))
    _flp().plot_quantile_returns_violin(_violin_stats(return_by_q), title="Period Wise Return By Factor Quantile",
                                        ylim=_ylim_bps(return_by_q.to_numpy(), ylim_percentiles), ax=ax)
    ax.set(xlabel="", ylabel="Return (bps)")
    return ax


def plot_mean_quantile_returns_spread_time_series(mean_returns_spread, std_err=None, bandwidth=1, ax=None):
    """Top-minus-bottom quantile return per date (bps) with its 22-date mean and a +/- ``bandwidth`` band.

    A DataFrame gives one panel per period (shared y limits) and returns the
    list of Axes; a Series returns its Axes (``ax`` unchanged when all NaN).
    """
    if isinstance(mean_returns_spread, pd.DataFrame):
        if ax is None:
            ax = [None for _ in mean_returns_spread.columns]
        ymin, ymax = None, None
        for i, (name, column) in enumerate(mean_returns_spread.items()):
            if i >= len(ax):
                break
            stdn = None if std_err is None else std_err[name]
            ax[i] = plot_mean_quantile_returns_spread_time_series(column, std_err=stdn, bandwidth=bandwidth,
                                                                  ax=ax[i])
            lo, hi = ax[i].get_ylim()
            ymin = lo if ymin is None else min(ymin, lo)
            ymax = hi if ymax is None else max(ymax, hi)
        for a in ax:
            a.set_ylim([ymin, ymax])
        return ax
    if mean_returns_spread.isnull().all():
        return ax
    period = mean_returns_spread.name
    title = ("Long-Short Quantile Return (100% gross) "
             "({} Period Forward Return)".format(period if period is not None else ""))
    if ax is None:
        _, ax = _plt().subplots(figsize=(18, 6))
    bps = mean_returns_spread * DECIMAL_TO_BPS
    ylim = np.nanpercentile(np.abs(bps.to_numpy(dtype="float64")), 95)
    flp = _flp()
    moving = _drawable(mean_returns_spread.rolling(window=22).mean())
    flp.plot_mean_return_spread(mean_returns_spread, std_err, moving_average=moving,
                                bandwidth=bandwidth, ax=ax, title=title, ylim=(-ylim, ylim))
    if moving is None:  # fewer than 22 dates: Alphalens still lists the (empty) moving average
        _empty_line(ax, "1 month moving avg", flp.PALETTE["spread_average"])
        ax.legend(loc="upper right")
    ax.set(ylabel="Long-Short Return (bps, 100% gross)", xlabel="")
    return ax


def plot_cumulative_returns(factor_returns, period, freq=None, title=None, ax=None):
    """Growth of 1 of the factor portfolio from its per-date returns (:func:`cumulative_returns`); the Axes."""
    if ax is None:
        _, ax = _plt().subplots(1, 1, figsize=(18, 6))
    cum = cumulative_returns(factor_returns)
    _flp().plot_cumulative_returns(
        cum, ax=ax, baseline=1.0,
        title="Portfolio Cumulative Return ({} Fwd Period)".format(period) if title is None else title)
    ax.set(ylabel="Cumulative Returns", xlabel="")
    if ax.get_legend() is not None:  # one unnamed line: Alphalens draws no legend
        ax.get_legend().remove()
    return ax


def plot_cumulative_returns_by_quantile(quantile_returns, period, freq=None, ax=None):
    """Growth of 1 of each quantile from its per-date mean returns, log scale; returns the Axes."""
    if ax is None:
        _, ax = _plt().subplots(1, 1, figsize=(18, 6))
    wide = quantile_returns.unstack("factor_quantile")
    cum = wide.apply(cumulative_returns)
    _flp().plot_cumulative_returns_by_quantile(
        cum, logy=bool((cum.to_numpy() > 0).all()), baseline=1.0, ax=ax,
        title="Cumulative Return by Quantile ({} Period Forward Return)".format(period))
    ax.set(ylabel="Log Cumulative Returns", xlabel="")
    return ax


# ---------------------------------------------------------------- turnover and events


def plot_factor_rank_auto_correlation(factor_autocorrelation, period=1, ax=None):
    """Factor rank autocorrelation per date with its mean; returns the Axes."""
    if ax is None:
        _, ax = _plt().subplots(1, 1, figsize=(18, 6))
    mean = factor_autocorrelation.mean()
    _flp().plot_factor_rank_autocorrelation(factor_autocorrelation, period=f"{period}D", ax=ax,
                                            title="{}D Period Factor Rank Autocorrelation".format(period))
    ax.set(ylabel="Autocorrelation Coefficient", xlabel="")
    _text_box(ax, "Mean %.3f" % mean)
    return ax


def plot_top_bottom_quantile_turnover(quantile_turnover, period=1, ax=None):
    """Share of names new to the top and the bottom quantile per date; returns the Axes."""
    if ax is None:
        _, ax = _plt().subplots(1, 1, figsize=(18, 6))
    turnover = pd.DataFrame()
    turnover["top quantile turnover"] = quantile_turnover[quantile_turnover.columns.max()]
    turnover["bottom quantile turnover"] = quantile_turnover[quantile_turnover.columns.min()]
    _flp().plot_top_bottom_quantile_turnover(turnover, period=f"{period}D", ax=ax,
                                             title="{}D Period Top and Bottom Quantile Turnover".format(period))
    ax.set(ylabel="Proportion Of Names New To Quantile", xlabel="")
    return ax


def plot_quantile_average_cumulative_return(avg_cumulative_returns, by_quantile=False, std_bar=False, title=None,
                                            ax=None):
    """Mean return (bps) around the factor date per quantile: one axes, or one panel per quantile.

    Returns the Axes, or the array/list of Axes with ``by_quantile``.
    """
    from matplotlib.ticker import MaxNLocator

    flp = _flp()
    quantiles = list(avg_cumulative_returns.index.get_level_values(0).unique())
    if by_quantile:
        if ax is None:
            ax = _grid(len(quantiles), 2, 6, sharex=False, sharey=False)
        for a, q in zip(ax, quantiles):
            flp.plot_quantile_average_cumulative_return(avg_cumulative_returns.loc[[q]], std_bar=std_bar, ax=a,
                                                        title="")
            a.set_ylabel("Mean Return (bps)")
            a.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
            a.legend(loc="best")
        return ax
    if ax is None:
        _, ax = _plt().subplots(1, 1, figsize=(18, 6))
    flp.plot_quantile_average_cumulative_return(
        avg_cumulative_returns, std_bar=std_bar, ax=ax,
        title="Average Cumulative Returns by Quantile" if title is None else title)
    ax.set(ylabel="Mean Return (bps)", xlabel="Periods")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
    ax.legend(loc="best")  # inside the axes: the title sits above them, as in Alphalens
    return ax


def plot_events_distribution(events, num_bars=50, ax=None):
    """Number of events in each of ``num_bars`` equal time intervals, as bars; returns the Axes."""
    if ax is None:
        _, ax = _plt().subplots(1, 1, figsize=(18, 6))
    dates = events.index.get_level_values("date")
    interval = (dates.max() - dates.min()) / num_bars
    counts = events.groupby(pd.Grouper(level="date", freq=interval)).count()
    x = np.arange(len(counts))
    ax.bar(x, counts.to_numpy(dtype="float64"), width=0.5, color=_flp().PALETTE["main"])
    step = max(1, len(x) // 10)
    ax.set_xticks(x[::step], [str(t) for t in counts.index[::step]], rotation=90)
    ax.set(ylabel="Number of events", title="Distribution of events in time", xlabel="Date")
    return ax
