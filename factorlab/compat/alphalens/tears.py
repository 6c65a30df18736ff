"""Alphalens' ``tears`` names: the same tear sheets, drawn by factorlab's charts.

Every ``create_*_tear_sheet`` of ``alphalens.tears`` (alphalens-reloaded
0.5.1) with its signature. Each computes what Alphalens computes (through
:mod:`factorlab.compat.alphalens.performance`), displays Alphalens' tables,
draws Alphalens' panels in the same grid (14 inches wide, 7 per row) through
:mod:`factorlab.compat.alphalens.plotting`, and returns None. Unlike
Alphalens it neither calls ``plt.show()`` nor closes its figures: they stay
open (a notebook shows them under the cell; ``plt.gcf()`` / ``plt.get_fignums()``
reach them in a script). matplotlib is imported when a tear sheet runs.
"""

from __future__ import annotations

import warnings

import pandas as pd

from factorlab.compat.alphalens import performance as perf
from factorlab.compat.alphalens import plotting, utils

__all__ = [
    "create_event_returns_tear_sheet",
    "create_event_study_tear_sheet",
    "create_full_tear_sheet",
    "create_information_tear_sheet",
    "create_returns_tear_sheet",
    "create_summary_tear_sheet",
    "create_turnover_tear_sheet",
]


class _Grid:
    """Alphalens' GridFigure: a pyplot figure of ``rows`` x ``cols`` cells filled row by row."""

    def __init__(self, rows: int, cols: int) -> None:
        import matplotlib.pyplot as plt
        from matplotlib.gridspec import GridSpec

        self.fig = plt.figure(figsize=(14, rows * 7))
        self.gs = GridSpec(rows, cols, figure=self.fig, wspace=0.4, hspace=0.3)
        self.cols = cols
        self.row, self.col = 0, 0

    def show(self) -> None:
        """``plt.show()``, where Alphalens shows (and then closes) a grid; the figure is left open."""
        import matplotlib.pyplot as plt

        plt.show()

    def next_row(self):
        if self.col != 0:
            self.row, self.col = self.row + 1, 0
        ax = self.fig.add_subplot(self.gs[self.row, :])
        self.row += 1
        return ax

    def next_cell(self):
        if self.col >= self.cols:
            self.row, self.col = self.row + 1, 0
        ax = self.fig.add_subplot(self.gs[self.row, self.col])
        self.col += 1
        return ax


def _rate(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.apply(utils.rate_of_return, axis=0, base_period=frame.columns[0])


def _quantile_returns(factor_data, long_short, group_neutral):
    """Mean quantile returns as per-first-period rates, overall and by date, and the spread."""
    mean_q, _ = perf.mean_return_by_quantile(factor_data, by_group=False, demeaned=long_short,
                                             group_adjust=group_neutral)
    by_date, std_by_date = perf.mean_return_by_quantile(factor_data, by_date=True, by_group=False,
                                                        demeaned=long_short, group_adjust=group_neutral)
    by_date_rate = _rate(by_date)
    std_rate = std_by_date.apply(utils.std_conversion, axis=0, base_period=std_by_date.columns[0])
    spread, spread_std = perf.compute_mean_returns_spread(by_date_rate, factor_data["factor_quantile"].max(),
                                                          factor_data["factor_quantile"].min(), std_err=std_rate)
    return _rate(mean_q), by_date, by_date_rate, spread, spread_std


def _turnover(factor_data, periods, quantiles):
    quantile_factor = factor_data["factor_quantile"]
    turnover = {p: pd.concat([perf.quantile_turnover(quantile_factor, q, p) for q in quantiles], axis=1)
                for p in periods}
    autocorrelation = pd.concat([perf.factor_rank_autocorrelation(factor_data, p) for p in periods], axis=1) \
        if periods else pd.DataFrame()
    return turnover, autocorrelation


@plotting.customize
def create_summary_tear_sheet(factor_data, long_short=True, group_neutral=False):
    """Quantile statistics, returns, information and turnover tables and the quantile return bars."""
    mean_rate, _, _, spread, _ = _quantile_returns(factor_data, long_short, group_neutral)
    alpha_beta = perf.factor_alpha_beta(factor_data, demeaned=long_short, group_adjust=group_neutral)
    fr_cols = len(utils.get_forward_returns_columns(factor_data.columns))
    gf = _Grid(rows=2 + fr_cols * 3, cols=1)
    plotting.plot_quantile_statistics_table(factor_data)
    plotting.plot_returns_table(alpha_beta, mean_rate, spread)
    plotting.plot_quantile_returns_bar(mean_rate, by_group=False, ylim_percentiles=None, ax=gf.next_row())
    plotting.plot_information_table(perf.factor_information_coefficient(factor_data))
    periods = utils.turnover_periods_from_columns(factor_data.columns)
    quantiles = range(1, int(factor_data["factor_quantile"].max()) + 1)
    turnover, autocorrelation = _turnover(factor_data, periods, quantiles)
    plotting.plot_turnover_table(autocorrelation, turnover)
    gf.show()


@plotting.customize
def create_returns_tear_sheet(factor_data, long_short=True, group_neutral=False, by_group=False):
    """Returns analysis: tables, quantile bars and violins, cumulative returns, spreads (and by group)."""
    factor_returns = perf.factor_returns(factor_data, long_short, group_neutral)
    mean_rate, by_date, by_date_rate, spread, spread_std = _quantile_returns(factor_data, long_short,
                                                                             group_neutral)
    alpha_beta = perf.factor_alpha_beta(factor_data, factor_returns, long_short, group_neutral)
    fr_cols = len(factor_returns.columns)
    gf = _Grid(rows=2 + fr_cols * 3, cols=1)
    plotting.plot_returns_table(alpha_beta, mean_rate, spread)
    plotting.plot_quantile_returns_bar(mean_rate, by_group=False, ylim_percentiles=None, ax=gf.next_row())
    plotting.plot_quantile_returns_violin(by_date_rate, ylim_percentiles=(1, 99), ax=gf.next_row())
    if factor_data.index.levels[0].freq is None:
        warnings.warn("'freq' not set in factor_data index: assuming business day", UserWarning, stacklevel=3)
    if "1D" in factor_returns:
        title = ("Factor Weighted " + ("Group Neutral " if group_neutral else "")
                 + ("Long/Short " if long_short else "") + "Portfolio Cumulative Return (1D Period)")
        plotting.plot_cumulative_returns(factor_returns["1D"], period="1D", title=title, ax=gf.next_row())
        plotting.plot_cumulative_returns_by_quantile(by_date["1D"], period="1D", ax=gf.next_row())
    axes = [gf.next_row() for _ in range(fr_cols)]
    plotting.plot_mean_quantile_returns_spread_time_series(spread, std_err=spread_std, bandwidth=0.5, ax=axes)
    gf.show()
    if by_group:
        mean_group, _ = perf.mean_return_by_quantile(factor_data, by_date=False, by_group=True,
                                                     demeaned=long_short, group_adjust=group_neutral)
        mean_group_rate = _rate(mean_group)
        num_groups = len(mean_group_rate.index.get_level_values("group").unique())
        gf = _Grid(rows=1 + ((num_groups - 1) // 2) + 1, cols=2)
        axes = [gf.next_cell() for _ in range(num_groups)]
        plotting.plot_quantile_returns_bar(mean_group_rate, by_group=True, ylim_percentiles=(5, 95), ax=axes)
        gf.show()


@plotting.customize
def create_information_tear_sheet(factor_data, group_neutral=False, by_group=False):
    """Information analysis: the IC table, IC per date, histograms, Q-Q plots, monthly heatmaps (or by group)."""
    ic = perf.factor_information_coefficient(factor_data, group_neutral)
    plotting.plot_information_table(ic)
    fr_cols = len(ic.columns)
    rows_when_wide = ((fr_cols - 1) // 2) + 1
    gf = _Grid(rows=fr_cols + 3 * rows_when_wide + 2 * fr_cols, cols=2)
    plotting.plot_ic_ts(ic, ax=[gf.next_row() for _ in range(fr_cols)])
    cells = [gf.next_cell() for _ in range(fr_cols * 2)]
    plotting.plot_ic_hist(ic, ax=cells[::2])
    plotting.plot_ic_qq(ic, ax=cells[1::2])
    if not by_group:
        monthly = perf.mean_information_coefficient(factor_data, group_adjust=group_neutral, by_group=False,
                                                    by_time=pd.offsets.MonthEnd())
        plotting.plot_monthly_ic_heatmap(monthly, ax=[gf.next_cell() for _ in range(fr_cols)])
    else:
        by_group_ic = perf.mean_information_coefficient(factor_data, group_adjust=group_neutral, by_group=True)
        plotting.plot_ic_by_group(by_group_ic, ax=gf.next_row())
    gf.show()


@plotting.customize
def create_turnover_tear_sheet(factor_data, turnover_periods=None):
    """Turnover analysis: the turnover table, top/bottom quantile turnover and rank autocorrelation."""
    if turnover_periods is None:
        labels = utils.get_forward_returns_columns(factor_data.columns, require_exact_day_multiple=True)
        turnover_periods = utils.timedelta_strings_to_integers(labels.to_numpy())
    else:
        turnover_periods = utils.timedelta_strings_to_integers(turnover_periods)
    quantiles = factor_data["factor_quantile"].sort_values().unique().tolist()
    turnover, autocorrelation = _turnover(factor_data, turnover_periods, quantiles)
    plotting.plot_turnover_table(autocorrelation, turnover)
    fr_cols = len(turnover_periods)
    gf = _Grid(rows=fr_cols + 3 * fr_cols + 2 * fr_cols, cols=1)
    for period in turnover_periods:
        if not turnover[period].isnull().all().all():
            plotting.plot_top_bottom_quantile_turnover(turnover[period], period=period, ax=gf.next_row())
    for period in autocorrelation:
        if not autocorrelation[period].isnull().all():
            plotting.plot_factor_rank_auto_correlation(autocorrelation[period], period=period, ax=gf.next_row())
    gf.show()


@plotting.customize
def create_full_tear_sheet(factor_data, long_short=True, group_neutral=False, by_group=False):
    """Quantile statistics, then the returns, information and turnover tear sheets."""
    plotting.plot_quantile_statistics_table(factor_data)
    create_returns_tear_sheet(factor_data, long_short, group_neutral, by_group, set_context=False)
    create_information_tear_sheet(factor_data, group_neutral, by_group, set_context=False)
    create_turnover_tear_sheet(factor_data, set_context=False)


@plotting.customize
def create_event_returns_tear_sheet(factor_data, returns, avgretplot=(5, 15), long_short=True,
                                    group_neutral=False, std_bar=True, by_group=False):
    """Average returns around the factor date per quantile (one axes, per-quantile panels, per group)."""
    before, after = avgretplot
    avg = perf.average_cumulative_return_by_quantile(factor_data, returns, periods_before=before,
                                                     periods_after=after, demeaned=long_short,
                                                     group_adjust=group_neutral)
    num_quantiles = int(factor_data["factor_quantile"].max())
    rows = 1 + ((((num_quantiles - 1) // 2) + 1) if std_bar else 0)
    gf = _Grid(rows=rows, cols=2 if num_quantiles != 1 else 1)
    plotting.plot_quantile_average_cumulative_return(avg, by_quantile=False, std_bar=False, ax=gf.next_row())
    if std_bar:
        axes = [gf.next_cell() for _ in range(num_quantiles)]
        plotting.plot_quantile_average_cumulative_return(avg, by_quantile=True, std_bar=True, ax=axes)
    gf.show()
    if by_group:
        num_groups = len(factor_data["group"].unique())
        gf = _Grid(rows=((num_groups - 1) // 2) + 1, cols=2)
        by_grp = perf.average_cumulative_return_by_quantile(factor_data, returns, periods_before=before,
                                                            periods_after=after, demeaned=long_short,
                                                            group_adjust=group_neutral, by_group=True)
        for group, frame in by_grp.groupby(level="group"):
            frame.index = frame.index.droplevel("group")
            plotting.plot_quantile_average_cumulative_return(frame, by_quantile=False, std_bar=False,
                                                             title=group, ax=gf.next_cell())
        gf.show()


@plotting.customize
def create_event_study_tear_sheet(factor_data, returns, avgretplot=(5, 15), rate_of_ret=True, n_bars=50):
    """Event study: events over time, average returns around them, quantile returns (long only)."""
    long_short = False
    plotting.plot_quantile_statistics_table(factor_data)
    gf = _Grid(rows=1, cols=1)
    plotting.plot_events_distribution(events=factor_data["factor"], num_bars=n_bars, ax=gf.next_row())
    gf.show()
    if returns is not None and avgretplot is not None:
        create_event_returns_tear_sheet(factor_data=factor_data, returns=returns, avgretplot=avgretplot,
                                        long_short=long_short, group_neutral=False, std_bar=True,
                                        by_group=False, set_context=False)
    factor_returns = perf.factor_returns(factor_data, demeaned=False, equal_weight=True)
    mean_q, _ = perf.mean_return_by_quantile(factor_data, by_group=False, demeaned=long_short)
    by_date, _ = perf.mean_return_by_quantile(factor_data, by_date=True, by_group=False, demeaned=long_short)
    if rate_of_ret:
        mean_q, by_date = _rate(mean_q), _rate(by_date)
    gf = _Grid(rows=2 + len(factor_returns.columns) + 1, cols=1)
    plotting.plot_quantile_returns_bar(mean_q, by_group=False, ylim_percentiles=None, ax=gf.next_row())
    plotting.plot_quantile_returns_violin(by_date, ylim_percentiles=(1, 99), ax=gf.next_row())
    if factor_data.index.levels[0].freq is None:
        warnings.warn("'freq' not set in factor_data index: assuming business day", UserWarning, stacklevel=3)
    gf.show()
