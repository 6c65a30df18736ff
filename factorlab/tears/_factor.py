"""create_full_tear_sheet and its sections: compose statistics (FactorAnalysis) and plots."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import matplotlib.pyplot as plt
import pandas as pd

from factorlab import plotting
from factorlab._gc import fewer_collections
from factorlab.errors import ParameterError
from factorlab.factor import FactorData, prepare_factor_data
from factorlab.tears._analysis import FactorAnalysis
from factorlab.tears._charts import Chart
from factorlab.tears._tearsheet import TearSheet

__all__ = [
    "create_full_tear_sheet",
    "create_summary_tear_sheet",
    "create_factor_returns_tear_sheet",
    "create_information_tear_sheet",
    "create_turnover_tear_sheet",
    "create_event_returns_tear_sheet",
    "create_by_group_tear_sheet",
]

SECTIONS = {
    "summary": "Summary",
    "returns": "Returns analysis",
    "information": "Information analysis",
    "turnover": "Turnover analysis",
    "events": "Event returns",
    "by_group": "By group",
}
_PCT = "{:.2%}"
_NUM = "{:.4f}"


def _load_display_backend() -> None:
    """Make pyplot load its backend, as a pyplot figure would.

    The tear sheet's figures are plain ``Figure`` objects (no pyplot state to
    leak), but in Jupyter it is the inline backend, loaded with the first
    pyplot figure, that teaches IPython to show a bare Figure (e.g.
    ``ts.figures['ic_decay']``) as an image: one empty pyplot figure, closed
    at once, loads it.
    """
    plt.close(plt.figure())


def _summary(ts: TearSheet, a: FactorAnalysis) -> None:
    ts.section("summary", SECTIONS["summary"])
    ts.add_table("summary", "headline", a.headline, fmt=_NUM)
    ts.add_table("summary", "data_quality", a.fd.quality.summary() if a.fd.quality is not None
                 else pd.DataFrame())
    ts.add_table("summary", "quantile_statistics", a.quantile_stats, fmt="{:.4g}")
    ts.add_table("summary", "returns_table", a.returns_table, fmt=_NUM)


def _ma_window(a: FactorAnalysis) -> int:
    """Bars in the charts' moving averages: one month (``periods_per_year / 12``), at most half the dates."""
    return max(1, min(int(round(a.periods_per_year / 12)), len(a.fd.dates) // 2))


# Each chart's draw function takes the precomputed statistics (bound with partial) and the axes last.
def _spread(spread, std, ma_window, lab, ax) -> None:
    plotting.plot_mean_return_spread(spread, std, ax=ax, moving_average=spread.rolling(ma_window).mean(),
                                     title=f"Top minus bottom quantile mean return ({lab}), bps")


def _cumulative_long_short(a: FactorAnalysis, lab, ax) -> None:
    cum = 1.0 + a.interleaved.cumulative(lab)
    plotting.plot_cumulative_returns(cum["long_short"].rename("factor portfolio"), ax=ax,
                                     benchmark=a.benchmark_growth(cum.index),
                                     title=f"Factor-weighted long-short portfolio, {lab} interleaved sleeves")


def _cumulative_by_quantile(a: FactorAnalysis, lab, ax) -> None:
    cum = 1.0 + a.interleaved.cumulative(lab)
    plotting.plot_cumulative_returns_by_quantile(cum.drop(columns="long_short"), ax=ax,
                                                 title=f"Cumulative return by quantile, {lab} interleaved sleeves")


def _returns(ts: TearSheet, a: FactorAnalysis) -> None:
    ts.section("returns", SECTIONS["returns"])
    ts.add_table("returns", "mean_return_by_quantile", a.mean_return_rate * 1e4, fmt="{:.3f}")
    ts.add_chart("returns", "quantile_returns_bar", Chart(partial(
        plotting.plot_quantile_returns_bar, a.mean_return_rate, title="Mean return by quantile (bps per bar)")))
    ts.add_chart("returns", "quantile_returns_violin", Chart(partial(
        plotting.plot_quantile_returns_violin, a.mean_return_by_date_rate)))
    spread, std = a.spread
    ma_window = _ma_window(a)
    for lab in a.fd.labels:
        ts.add_chart("returns", f"spread_{lab}", Chart(partial(_spread, spread[lab], std[lab], ma_window, lab),
                                                       kind="spread"))
    for lab in a.fd.labels:
        ts.add_chart("returns", f"cumulative_long_short_{lab}",
                     Chart(partial(_cumulative_long_short, a, lab), kind="cumulative_long_short"))
        ts.add_chart("returns", f"cumulative_by_quantile_{lab}",
                     Chart(partial(_cumulative_by_quantile, a, lab), kind="cumulative_by_quantile"))


def _ic_ts(ic, ma_window, lab, ax) -> None:
    plotting.plot_ic_ts(ic, moving_average=ic.rolling(ma_window).mean(), ax=ax,
                        title=f"{lab} forward return information coefficient (IC)")


def _ic_distribution(ic, monthly_ic, lab, ax) -> None:
    ax1, ax2, ax3 = ax
    plotting.plot_ic_hist(ic, ax=ax1, bins=25, title=f"{lab} IC histogram")
    plotting.plot_ic_qq(ic, ax=ax2, title=f"{lab} IC normal Q-Q")
    plotting.plot_monthly_ic_heatmap(monthly_ic, period=lab, ax=ax3, annot=False)


def _ic_decay(decay: pd.DataFrame, ax) -> None:
    plotting.plot_ic_decay(decay["ic_mean"].set_axis(decay["label"]),
                           std_err=decay["ic_std_err"].set_axis(decay["label"]), ax=ax)


def _information(ts: TearSheet, a: FactorAnalysis) -> None:
    ts.section("information", SECTIONS["information"])
    ts.add_table("information", "ic_summary", a.ic_table.T, fmt="{:.4f}")
    ma_window = _ma_window(a)
    for lab in a.fd.labels:
        ic = a.ic[lab]
        ts.add_chart("information", f"ic_ts_{lab}", Chart(partial(_ic_ts, ic, ma_window, lab), kind="ic_ts"))
        ts.add_chart("information", f"ic_distribution_{lab}",
                     Chart(partial(_ic_distribution, ic, a.monthly_ic[lab], lab), size=(12, 3.6), grid=(1, 3),
                           kind="ic_distribution", restyles_ticks=True))  # the heatmap's ticks have no length
    decay = a.ic_decay
    ts.add_chart("information", "ic_decay", Chart(partial(_ic_decay, decay)))
    ts.add_table("information", "ic_decay_table", decay, fmt="{:.4f}")


def _turnover(ts: TearSheet, a: FactorAnalysis) -> None:
    ts.section("turnover", SECTIONS["turnover"])
    ts.add_table("turnover", "turnover", a.turnover_table, fmt=_PCT)
    autocorr = pd.DataFrame({lab: [a.rank_autocorrelation[lab].mean()] for lab in a.fd.labels},
                            index=["Mean Factor Rank Autocorrelation"])
    ts.add_table("turnover", "rank_autocorrelation", autocorr, fmt="{:.3f}")
    for lab in a.fd.labels:
        ts.add_chart("turnover", f"top_bottom_turnover_{lab}", Chart(partial(
            plotting.plot_top_bottom_quantile_turnover, a.top_bottom_turnover[lab], period=lab),
            kind="top_bottom_turnover"))
        ts.add_chart("turnover", f"rank_autocorrelation_{lab}", Chart(partial(
            plotting.plot_factor_rank_autocorrelation, a.rank_autocorrelation[lab], period=lab),
            kind="rank_autocorrelation"))


def _events(ts: TearSheet, a: FactorAnalysis) -> None:
    ts.section("events", SECTIONS["events"])
    ts.add_chart("events", "event_returns", Chart(partial(
        plotting.plot_quantile_average_cumulative_return, a.event_returns)))
    ts.add_chart("events", "event_returns_by_quantile", Chart(partial(
        plotting.plot_quantile_average_cumulative_return_by_quantile, a.event_returns, std_bar=True, ncols=3),
        size=(12, 6.4), grid=None))


def _by_group(ts: TearSheet, a: FactorAnalysis) -> None:
    if a.fd.group is None:
        raise ParameterError("by_group=True needs groups: pass groupby= (e.g. sectors)")
    ts.section("by_group", SECTIONS["by_group"])
    ts.add_table("by_group", "ic_by_group", a.ic_by_group, fmt="{:.4f}")
    ts.add_chart("by_group", "ic_by_group_bar", Chart(partial(plotting.plot_ic_by_group, a.ic_by_group),
                                                      size=(8, 4.5), restyles_ticks=True))  # rotated labels
    index = a.mean_return_by_group.index
    n_groups = index.get_level_values("group" if "group" in index.names else 0).nunique()
    ts.add_chart("by_group", "quantile_returns_by_group", Chart(partial(
        plotting.plot_quantile_returns_bar_by_group, a.mean_return_by_group, ncols=3),
        size=(12, 3.2 * -(-n_groups // 3)), grid=None))


_BUILDERS = {"summary": _summary, "returns": _returns, "information": _information,
             "turnover": _turnover, "events": _events, "by_group": _by_group}


_HEAVY = {"summary": ("interleaved", "headline"), "returns": ("interleaved",), "information": ("ic_decay",),
          "turnover": ("rank_autocorrelation",), "events": ("event_returns",)}


def _analysis(factor, prices, periods, quantiles, bins, groupby, long_short, group_neutral, benchmark,
              delay, cost_bps, periods_per_year=None) -> FactorAnalysis:
    if isinstance(factor, FactorData):
        fd = factor
        if fd.prices is None:
            raise ParameterError("this FactorData has no prices; build it with prepare_factor_data")
    else:
        if prices is None:
            raise ParameterError("prices are required unless a prepared FactorData is given")
        fd = prepare_factor_data(factor, prices, periods=periods, quantiles=quantiles, bins=bins,
                                 groupby=groupby, delay=delay)
    if group_neutral and fd.group is None:
        raise ParameterError("group_neutral=True needs groups: pass groupby=")
    if benchmark is not None and not isinstance(benchmark, pd.Series):
        if isinstance(benchmark, pd.DataFrame) and benchmark.shape[1] == 1:
            benchmark = benchmark.iloc[:, 0]
        else:
            raise ParameterError("benchmark must be a price-level Series (e.g. an index) on the price dates")
    return FactorAnalysis(fd, long_short=long_short, group_neutral=group_neutral, benchmark=benchmark,
                          cost_bps=float(cost_bps), bars_per_year=periods_per_year)


def _build(sections: Sequence[str], *args, **kwargs) -> TearSheet:
    with fewer_collections():
        return _build_sheet(sections, *args, **kwargs)


def _build_sheet(sections: Sequence[str], factor, prices=None, periods=(1, 5, 10), quantiles=5, bins=None,
                 groupby=None, long_short=True, group_neutral=False, benchmark=None, delay=0,
                 cost_bps=0.0, periods_per_year=None, title=None) -> TearSheet:
    a = _analysis(factor, prices, periods, quantiles, bins, groupby, long_short, group_neutral,
                  benchmark, delay, cost_bps, periods_per_year)
    fd = a.fd
    ts = TearSheet(title=title or f"Factor tear sheet: {len(fd.assets)} assets, {fd.dates[0].date()} .. "
                                  f"{fd.dates[-1].date()}, periods {', '.join(fd.labels)}")
    ts.notes.append(a.annualisation_note)  # every tear sheet states its bars per year
    if fd.quality is not None:
        ts.notes.extend(str(fd.quality).splitlines())
    ts.notes.append(f"Periods count bars; delay {fd.delay} bar(s); cumulative returns are N interleaved "
                    "sleeves of 1/N capital (exact, not (1+R)^(1/N)).")
    _load_display_backend()
    # the statistics with large intermediate arrays first, while no figure is held in memory
    for key in sections:
        for name in _HEAVY.get(key, ()):
            getattr(a, name)
    for key in sections:
        _BUILDERS[key](ts, a)
    ts.analysis = a
    return ts


_PARAMS_DOC = """
    Parameters
    ----------
    factor : FactorData, (date, asset) Series or wide DataFrame
        The factor, or factor data already prepared with
        :func:`prepare_factor_data` (then ``prices``, ``periods``,
        ``quantiles``, ``bins``, ``groupby`` and ``delay`` are not used).
    prices : pd.DataFrame, shape (bars, assets)
        Adjusted prices.
    periods : sequence of int
        Forward-return horizons in bars.
    quantiles, bins : int or sequence
        Binning (exactly one is given).
    groupby : dict or Series, optional
        Group (sector) of each asset; needed for ``by_group`` and ``group_neutral``.
    long_short : bool
        Demean the factor (dollar-neutral long-short portfolio and demeaned quantile returns).
    group_neutral : bool
        Demean within groups.
    by_group : bool
        Add the by-group section (IC and quantile returns per group).
    benchmark : pd.Series, optional
        Benchmark price level (e.g. the S&P 500 index) on the price dates,
        drawn with the cumulative returns.
    delay : int
        Execution delay in bars.
    cost_bps : float
        Cost in bps of traded notional for the headline's net-of-cost return.
    periods_per_year : float, optional
        Bars per year for every annualised figure (alpha, annual return,
        Sharpe). By default inferred from the price index: its calendar
        (weekend bars: 24/7, 365 days; else a 252-day session) and bar length
        (hourly 24/7 bars 8,760; 390 one-minute bars a session day 98,280;
        weekly 52; monthly 12). The tear sheet's notes state the figure used.

    Returns
    -------
    TearSheet
        Tables and figures by name; shows inline in a notebook, ``to_html(path)`` writes one file.
"""


def create_full_tear_sheet(factor, prices=None, periods=(1, 5, 10), quantiles=5, bins=None, groupby=None,
                           long_short=True, group_neutral=False, by_group=False, benchmark=None, delay=0,
                           cost_bps=0.0, periods_per_year=None) -> TearSheet:
    """The full factor tear sheet: summary, returns, information, turnover, event returns[, by group]."""
    sections = ["summary", "returns", "information", "turnover", "events"] + (["by_group"] if by_group else [])
    return _build(sections, factor, prices, periods, quantiles, bins, groupby, long_short, group_neutral,
                  benchmark, delay, cost_bps, periods_per_year)


def _section_fn(key: str, doc: str):
    def create(factor, prices=None, periods=(1, 5, 10), quantiles=5, bins=None, groupby=None, long_short=True,
               group_neutral=False, benchmark=None, delay=0, cost_bps=0.0, periods_per_year=None) -> TearSheet:
        return _build([key], factor, prices, periods, quantiles, bins, groupby, long_short, group_neutral,
                      benchmark, delay, cost_bps, periods_per_year)
    create.__doc__ = doc + "\n" + _PARAMS_DOC.replace("    by_group : bool\n        Add the by-group section "
                                                      "(IC and quantile returns per group).\n", "")
    name = {"returns": "factor_returns", "events": "event_returns", "information": "information"}.get(key, key)
    create.__name__ = create.__qualname__ = f"create_{name}_tear_sheet"
    return create


create_full_tear_sheet.__doc__ += "\n" + _PARAMS_DOC
create_summary_tear_sheet = _section_fn("summary", "Headline figures, data quality, quantile statistics, "
                                                   "returns table.")
create_factor_returns_tear_sheet = _section_fn("returns", "Quantile returns, spreads and interleaved "
                                                          "cumulative returns for every period.")
create_information_tear_sheet = _section_fn("information", "Information coefficient: table, time series, "
                                                           "distribution, monthly heatmap, decay.")
create_turnover_tear_sheet = _section_fn("turnover", "Quantile turnover and factor rank autocorrelation.")
create_event_returns_tear_sheet = _section_fn("events", "Average cumulative return by quantile around "
                                                        "each factor date.")
create_by_group_tear_sheet = _section_fn("by_group", "IC and quantile returns per group (needs groupby).")
