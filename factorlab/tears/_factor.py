"""create_full_tear_sheet and its sections: compose statistics (FactorAnalysis) and plots."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from factorlab import plotting
from factorlab.errors import FactorlabError, ParameterError, StatisticUnavailableWarning
from factorlab.factor import FactorData, prepare_factor_data
from factorlab.factor._options import FactorOptions, resolve_options
from factorlab.plotting._charts import Chart
from factorlab.plotting._style import period_colors, period_linestyles
from factorlab.plotting._tables import HeatCells, RowFormats
from factorlab.portfolio._ruin import ruin_summary
from factorlab.portfolio._weights import concentration_message
from factorlab.report._model import benchmark_level
from factorlab.tears._analysis import SPREAD_LABEL, FactorAnalysis, bulk_limits
from factorlab.tears._tearsheet import TearSheet

__all__ = [
    "create_by_group_tear_sheet",
    "create_event_returns_tear_sheet",
    "create_factor_returns_tear_sheet",
    "create_full_tear_sheet",
    "create_information_tear_sheet",
    "create_summary_tear_sheet",
    "create_turnover_tear_sheet",
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


def _load_display_backend() -> None:
    """Make pyplot load its backend, as a pyplot figure would.

    The tear sheet's figures are plain ``Figure`` objects (no pyplot state to
    leak), but in Jupyter it is the inline backend, loaded with the first
    pyplot figure, that teaches IPython to show a bare Figure (e.g.
    ``ts.figures['ic_decay']``) as an image: one empty pyplot figure, closed
    at once, loads it.
    """
    plt.close(plt.figure())


def headline_formats(cost_bps: float) -> RowFormats:
    """Display formats of the headline rows: percent for returns, two decimals for ratios."""
    return RowFormats({
        "IC mean": "{:+.4f}", "IC t-stat (HAC)": "{:+.2f}", "IC t-stat (naive, dates independent)": "{:+.2f}",
        SPREAD_LABEL: "{:+.2f}", "long-short annual return": "{:+.2%}", "long-short Sharpe": "{:+.2f}",
        "long-short max drawdown": "{:.1%}", "turnover per bar": "{:.1%}",
        f"net annual return @ {cost_bps:g} bps": "{:+.2%}"}, default="{:.4f}")


#: Display formats of the IC summary rows: lags are counts, t-stats two decimals, p-values three.
IC_SUMMARY_FORMATS = RowFormats({"HAC lags": "{:,.0f}", "t-stat(IC)": "{:+.2f}", "HAC t-stat(IC)": "{:+.2f}",
                                 "p-value(IC)": "{:.3f}", "HAC p-value(IC)": "{:.3f}", "IC Std.": "{:.4f}",
                                 "IC Skew": "{:+.2f}", "IC Kurtosis": "{:+.2f}"}, default="{:+.4f}")


def returns_table_formats(table: pd.DataFrame) -> RowFormats:
    """Display formats of the returns table: alphas in percent a year; betas (ratios) and the bps rows
    with two signed decimals."""
    return RowFormats({row: "{:+.2%}" if row.startswith("Ann. alpha") else "{:+.2f}" for row in table.index},
                      default="{:.4f}")


#: Failures that real data can cause in a statistic (a regression on a constant series, a search that
#: cannot bracket, an empty cross-section): the statistic or section is reported unavailable with its
#: reason and the rest of the tear sheet is built. Other exceptions are bugs and propagate.
DATA_FAILURES = (FactorlabError, ArithmeticError, ValueError, np.linalg.LinAlgError)


def _reason(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _unavailable(ts: TearSheet, key: str, title: str, reason: str, item: str | None = None) -> None:
    """Record a statistic (``item``) or a whole section that could not be computed: one row in the
    ``unavailable`` table of the summary (or of the section) and one warning."""
    what = f"{title}: {item}" if item else f"the {title!r} section"
    warnings.warn(f"{what} could not be computed on this data and is left out ({reason}); the rest of "
                  "the tear sheet is built", StatisticUnavailableWarning, stacklevel=4)
    ts.section(key, title)
    row = pd.DataFrame({"section": [key], "statistic": [item or "(whole section)"], "reason": [reason]})
    if "unavailable" in ts.tables:
        ts.tables["unavailable"] = pd.concat([ts.tables["unavailable"], row], ignore_index=True)
    else:
        ts.add_table(key, "unavailable", row)


def _summary(ts: TearSheet, a: FactorAnalysis) -> None:
    ts.section("summary", SECTIONS["summary"])
    try:
        ts.verdict = a.verdict
        ts.add_table("summary", "verdict", a.verdict.summary())
    except DATA_FAILURES as exc:
        ts.verdict = None
        _unavailable(ts, "summary", SECTIONS["summary"], _reason(exc), item="verdict")
    ts.add_table("summary", "headline", a.headline, fmt=headline_formats(a.cost_bps))
    ts.add_table("summary", "data_quality", _data_quality(a), fmt={"entries": "{:,.0f}", "share": "{:.2%}"})
    conc = a.concentration
    if len(conc):  # every date where one name holds more than the limit of the long-short book
        ts.add_table("summary", "concentration", conc, fmt={"share": "{:.1%}", "weight": "{:+.4f}"})
    ruins = a.interleaved.ruins
    if len(ruins):  # every ruined sleeve: date, sleeve, the name whose move did it, the move
        ts.add_table("summary", "ruins", ruins, fmt={"value": "{:,.0f}", "move": "{:+.1%}", "shortfall": "{:,.0f}"})
    ts.add_table("summary", "quantile_statistics", a.quantile_stats,
                 fmt={"min": "{:.4g}", "max": "{:.4g}", "mean": "{:.4g}", "std": "{:.4g}", "count": "{:,.0f}",
                      "count %": "{:.1f}"})
    ts.add_table("summary", "returns_table", a.returns_table, fmt=returns_table_formats(a.returns_table))


def _data_quality(a: FactorAnalysis) -> pd.DataFrame:
    """The drop reasons that occurred (count, share of the input, meaning), or one 'nothing dropped' row."""
    if a.fd.quality is None:
        return pd.DataFrame(columns=["entries", "share", "meaning"])
    table = a.fd.quality.summary()
    occurred = table[table["entries"] > 0]
    extra = []
    ruins = a.interleaved.ruins
    if len(ruins):
        extra.append(pd.DataFrame({"entries": [len(ruins)], "share": [np.nan], "meaning": [ruin_summary(ruins)]},
                                  index=pd.Index(["ruined sleeves"])))
    conc = a.concentration
    if len(conc):
        extra.append(pd.DataFrame({"entries": [len(conc)], "share": [len(conc) / max(1, len(a.fd.dates))],
                                   "meaning": [concentration_message(conc, a.concentration_limit)]},
                                  index=pd.Index(["concentrated dates"])))
    if extra:
        occurred = pd.concat([occurred, *extra]) if len(occurred) else pd.concat(extra)
    if occurred.empty:
        return pd.DataFrame({"entries": [0], "share": [0.0], "meaning": ["no factor entry was dropped"]},
                            index=pd.Index(["none"]))
    return occurred


# Each chart's draw function takes the precomputed statistics (bound with partial) and the axes last.
# Statistics of several periods are compared on one axes (one line per period) rather than one panel each.
def _bulk_note(outside: int) -> str:
    return f"\n({outside} points outside the 1st-99th percentile range shown)" if outside else ""


def _spread(a: FactorAnalysis, ax) -> None:
    ma = a.spread_moving_average * 1e4
    limits, outside = bulk_limits(ma)
    plotting.plot_period_lines(
        ma, ax=ax, ylabel="bps per bar (top - bottom)", ylim=limits,
        title=f"Top - bottom spread (2x gross), {a.ma_window}-bar moving average{_bulk_note(outside)}")


def _legend_right_of(ax) -> None:
    """Move the legend the plot function drew to the right of the axes, unframed, titled 'Period'
    (the same legend moved through its public setters, not a second one built)."""
    legend = ax.get_legend()
    legend.set_loc("upper left")
    legend.set_bbox_to_anchor((1.01, 1.0))
    legend.set_frame_on(False)
    legend.set_title("Period")


#: Growth lines spanning more than this factor (highest / lowest) are drawn on a log axis, where a line at
#: 8x does not flatten the others into the floor.
LOG_SPAN = 4.0


def _log_growth(*frames) -> bool:
    """Whether growth-of-1 lines read better on a log axis: all above 0 and spanning more than LOG_SPAN."""
    vals = np.concatenate([np.asarray(f, dtype="float64").ravel() for f in frames if f is not None])
    vals = vals[np.isfinite(vals)]
    return bool(len(vals)) and bool((vals > 0).all()) and vals.max() / vals.min() > LOG_SPAN


def _cumulative_long_short(a: FactorAnalysis, ax) -> None:
    cum = pd.DataFrame({lab: 1.0 + a.interleaved.cumulative(lab)["long_short"] for lab in a.fd.labels})
    bench = a.benchmark_growth(cum.index)
    logy = _log_growth(cum, bench)
    weighting = "Equal-weight" if a.equal_weight else "Factor-weighted"
    plotting.plot_cumulative_returns(cum, ax=ax, benchmark=bench, logy=logy,
                                     title=f"{weighting} long-short portfolio, N interleaved sleeves per period"
                                           + (" (log scale)" if logy else ""))
    # right of the axes: inside, the legend covered where the curves start
    _legend_right_of(ax)


def _violin(a: FactorAnalysis, ax) -> None:
    rates = a.mean_return_by_date_rate
    limits, outside = bulk_limits(rates * 1e4)
    plotting.plot_quantile_returns_violin(
        a.violins, ax=ax, ylim=limits,
        title=f"Per-date mean return by quantile (bps per bar){_bulk_note(outside)}")
    _legend_right_of(ax)  # the periods' colours, moved off the data


def _event_returns(a: FactorAnalysis, ax) -> None:
    """Before and after the factor date on axes of their own: the move the factor saw is often far
    larger than the one it predicts, and one scale would flatten the part that matters."""
    before_ax, after_ax = ax
    ev = a.event_returns
    offsets = np.asarray(ev.columns, dtype=float)
    plotting.plot_quantile_average_cumulative_return(ev.loc[:, offsets <= 0], ax=before_ax,
                                                     title="Before the factor date (what it saw)\nat -k: "
                                                           "price k bars before / price on the date - 1")
    plotting.plot_quantile_average_cumulative_return(ev.loc[:, offsets >= 0], ax=after_ax,
                                                     title="After the factor date (what it predicts)")
    after_ax.get_legend().remove()
    after_ax.set_ylabel("")


def _cumulative_by_quantile(a: FactorAnalysis, ax) -> None:
    """Every quantile's sleeves relative to the quantiles' mean, every horizon on one axes: colour = quantile,
    line style = horizon, so each quantile's horizons form one bundle and the quantiles compare on one scale."""
    labels = list(a.fd.labels)
    styles = period_linestyles(len(labels))
    for k, lab in enumerate(labels):
        plotting.plot_cumulative_returns_by_quantile(
            a.relative_growth_by_quantile(lab), ax=ax, logy=True, ls=styles[k], lw=1.4,
            baseline=1.0 if k == 0 else None,
            title="Each quantile's sleeves relative to the quantiles' mean (colour: quantile; line: period)")
    ax.set_ylabel("growth vs quantiles' mean (log)")
    quantiles = ax.get_legend_handles_labels()
    n_q = len(quantiles[0]) // max(1, len(labels))
    horizon_handles = [Line2D([], [], color="0.35", ls=style, lw=1.4) for style in styles]
    ax.legend(quantiles[0][:n_q] + horizon_handles, quantiles[1][:n_q] + [f"{lab} sleeves" for lab in labels],
              loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize="small")


def _returns(ts: TearSheet, a: FactorAnalysis) -> None:
    ts.section("returns", SECTIONS["returns"])
    ts.add_table("returns", "mean_return_by_quantile", a.mean_return_rate * 1e4, fmt="{:.3f}")
    ts.add_chart("returns", "quantile_returns_bar", Chart(partial(
        plotting.plot_quantile_returns_bar, a.mean_return_rate, title="Mean return by quantile (bps per bar)")))
    ts.add_chart("returns", "quantile_returns_violin", Chart(partial(_violin, a), margins={"right": 1.1}))
    ts.add_chart("returns", "spread", Chart(partial(_spread, a)))
    ts.add_chart("returns", "cumulative_long_short", Chart(partial(_cumulative_long_short, a), margins={"right": 1.1}))
    ts.add_chart("returns", "cumulative_by_quantile", Chart(partial(_cumulative_by_quantile, a),
                                                            size=(9.6, 3.6), margins={"right": 1.6}))


def _ic_ts(a: FactorAnalysis, ax) -> None:
    table = a.ic_table
    labels = {lab: f"{lab}: mean {table.loc[lab, 'IC Mean']:.3f}, std {table.loc[lab, 'IC Std.']:.3f}"
              for lab in a.fd.labels}
    limits, outside = bulk_limits(a.ic_moving_average)
    plotting.plot_period_lines(a.ic_moving_average, ax=ax, labels=labels, ylabel="IC (rank correlation)",
                               ylim=limits, title=f"Information coefficient, {a.ma_window}-bar moving average"
                                                  f"{_bulk_note(outside)}")


def _ic_distribution(a: FactorAnalysis, ax) -> None:
    hist_ax, qq_ax = ax
    plotting.plot_ic_hist(a.ic_histogram, means=a.ic_table["IC Mean"], ax=hist_ax)
    # the periods' colours are named once, in the histogram's legend beside it
    plotting.plot_ic_qq(a.ic_qq, legend=False, title="IC Normal Q-Q (dotted: 45-degree line)",
                        ax=qq_ax)


def _ic_decay(decay: pd.DataFrame, ax) -> None:
    plotting.plot_ic_decay(decay["ic_mean"].set_axis(decay["label"]),
                           std_err=decay["ic_std_err"].set_axis(decay["label"]), ax=ax)


def _information(ts: TearSheet, a: FactorAnalysis) -> None:
    ts.section("information", SECTIONS["information"])
    ts.add_table("information", "ic_summary", a.ic_table.T, fmt=IC_SUMMARY_FORMATS)
    ts.add_chart("information", "ic_ts", Chart(partial(_ic_ts, a)))
    ts.add_chart("information", "ic_distribution", Chart(partial(_ic_distribution, a), size=(10.0, 3.6),
                                                         grid=(1, 2)))
    # the monthly IC heatmap as a table the browser colours: each month's value readable in its cell
    bound = a.monthly_ic_bound  # one colour scale for every period
    ts.add_table("information", "monthly_ic", a.monthly_ic_table,
                 fmt=HeatCells(-bound, bound, cmap="coolwarm_r", fmt=".2f",
                               legend=f"Mean daily IC (rank correlation) per month, per period and year; one colour "
                                      f"scale for every period: red -{bound:.2f}, pale 0, blue +{bound:.2f}."))
    decay = a.ic_decay
    ts.add_chart("information", "ic_decay", Chart(partial(_ic_decay, decay)))
    ts.add_table("information", "ic_decay_table", decay, fmt="{:.4f}")


def _top_bottom_turnover(a: FactorAnalysis, ax) -> None:
    n = len(a.fd.labels)
    colors = [c for c in period_colors(n) for _ in (0, 1)]
    plotting.plot_period_lines(a.top_bottom_turnover_moving_average, ax=ax, colors=colors,
                               linestyles=["-", "--"] * n, reference=None, ylabel="Share of names new to the quantile",
                               title=f"Top (solid) and bottom (dashed) quantile turnover, {a.ma_window}-bar moving "
                                     "average")


def _rank_autocorrelation(a: FactorAnalysis, ax) -> None:
    frame = pd.DataFrame(a.rank_autocorrelation)
    labels = {lab: f"{lab}: mean {a.rank_autocorrelation_mean[lab]:.3f}" for lab in frame.columns}
    plotting.plot_period_lines(frame, ax=ax, labels=labels, ylabel="Rank autocorrelation",
                               title="Factor rank autocorrelation (factor at t vs t - N)")


def _turnover(ts: TearSheet, a: FactorAnalysis) -> None:
    ts.section("turnover", SECTIONS["turnover"])
    ts.add_table("turnover", "turnover", a.turnover_table, fmt=_PCT)
    autocorr = a.rank_autocorrelation_mean.to_frame("Mean Factor Rank Autocorrelation").T
    ts.add_table("turnover", "rank_autocorrelation", autocorr, fmt="{:.3f}")
    ts.add_chart("turnover", "top_bottom_turnover", Chart(partial(_top_bottom_turnover, a)))
    ts.add_chart("turnover", "rank_autocorrelation", Chart(partial(_rank_autocorrelation, a)))


def _events(ts: TearSheet, a: FactorAnalysis) -> None:
    ts.section("events", SECTIONS["events"])
    ts.add_chart("events", "event_returns", Chart(partial(_event_returns, a), size=(12, 4.0), grid=(1, 2),
                                                  margins={"wgap": 0.9, "top": 0.95}))


def _by_group(ts: TearSheet, a: FactorAnalysis) -> None:
    ts.section("by_group", SECTIONS["by_group"])
    ts.add_table("by_group", "ic_by_group", a.ic_by_group, fmt="{:.4f}")
    ts.add_chart("by_group", "ic_by_group_bar", Chart(partial(plotting.plot_ic_by_group, a.ic_by_group),
                                                      size=(11, 4.5), margins={"bottom": 0.9}))
    index = a.mean_return_by_group.index
    n_groups = index.get_level_values("group" if "group" in index.names else 0).nunique()
    ts.add_chart("by_group", "quantile_returns_by_group", Chart(partial(
        plotting.plot_quantile_returns_bar_by_group, a.mean_return_by_group, ncols=3),
        size=(12, 3.2 * -(-n_groups // 3)), grid=None))


_BUILDERS = {"summary": _summary, "returns": _returns, "information": _information,
             "turnover": _turnover, "events": _events, "by_group": _by_group}


_HEAVY = {"summary": ("interleaved", "headline"), "returns": ("interleaved",), "information": ("ic_decay",),
          "turnover": ("rank_autocorrelation",), "events": ("event_returns",)}


def _analysis(factor, prices, opts: FactorOptions, groupby, benchmark, periods_per_year=None,
              benchmark_kind="auto") -> FactorAnalysis:
    if isinstance(factor, FactorData):
        fd = factor
        if fd.prices is None:
            raise ParameterError("this FactorData has no prices; build it with prepare_factor_data")
    else:
        if prices is None:
            raise ParameterError("prices are required unless a prepared FactorData is given")
        fd = prepare_factor_data(factor, prices, groupby=groupby, **opts.prepare_kwargs)
    if opts.group_neutral and fd.group is None:
        raise ParameterError("group_neutral=True needs groups: pass groupby=")
    if benchmark is not None:  # the one benchmark rule of every report: a price level or per-bar returns
        benchmark = benchmark_level(benchmark, fd.prices.index, kind=benchmark_kind)
    return FactorAnalysis(fd, long_short=opts.long_short, group_neutral=opts.group_neutral, benchmark=benchmark,
                          cost_bps=float(opts.cost_bps), bars_per_year=periods_per_year,
                          equal_weight=opts.equal_weight, concentration_limit=opts.concentration)


def _build(sections: Sequence[str], factor, prices, options, settings, *, groupby=None, benchmark=None,
           periods_per_year=None, benchmark_kind="auto", trials=None) -> TearSheet:
    opts = resolve_options(options, settings)
    a = _analysis(factor, prices, opts, groupby, benchmark, periods_per_year, benchmark_kind)
    fd = a.fd
    trials = trials or {}
    record = _trials(a, **trials)
    ts = TearSheet(title=f"Factor tear sheet: {len(fd.assets)} assets, {fd.dates[0].date()} .. "
                         f"{fd.dates[-1].date()}, periods {', '.join(fd.labels)}")
    ts.notes.append(a.annualisation_note)  # every tear sheet states its bars per year
    if fd.quality is not None:
        ts.notes.extend(str(fd.quality).splitlines())
    ts.notes.append(f"Periods count bars; delay {fd.delay} bar(s); cumulative returns are N interleaved "
                    "sleeves of 1/N capital (exact, not (1+R)^(1/N)).")
    ts.notes.append(f"The long-short portfolio is {opts.weighting}.")
    ts.options = opts
    _load_display_backend()
    if "by_group" in sections and fd.group is None:
        raise ParameterError("by_group=True needs groups: pass groupby= (e.g. sectors)")
    failed: dict[str, str] = {}
    # the statistics with large intermediate arrays first, while no figure is held in memory
    for key in sections:
        for name in _HEAVY.get(key, ()):
            try:
                getattr(a, name)
            except DATA_FAILURES as exc:
                failed.setdefault(key, _reason(exc))
    for key in sections:
        if key in failed and key != "summary":  # the summary keeps what does not need the failed part
            _unavailable(ts, key, SECTIONS[key], failed[key])
            continue
        try:
            _BUILDERS[key](ts, a)
        except DATA_FAILURES as exc:
            _unavailable(ts, key, SECTIONS[key], _reason(exc))
    ts.analysis = a
    if record is not None:
        ts.notes.append(f"Recorded as factor evaluation {record(a)} ({a.n_trials} trial(s) in the registry).")
    return ts


def _trials(a: FactorAnalysis, n_trials: int | None = None, track: bool = False, name: str | None = None,
            registry=None):
    """Set the analysis' trial count; with ``track``, return the function that records the evaluation."""
    if n_trials is not None:
        if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
            raise ParameterError(f"n_trials must be an integer >= 1, got {n_trials!r}")
        a.n_trials = int(n_trials)
    if not track:
        return None
    if not name:
        raise ParameterError("track=True needs name= (the factor's name in the registry)")
    from factorlab.registry import count_trials, record_factor_evaluation

    if n_trials is None:
        a.n_trials = count_trials(registry) + 1  # the evaluations recorded before, and this one
    return lambda an: record_factor_evaluation(name, an.fd, an.verdict, registry=registry,
                                               params={"periods": list(an.fd.periods),
                                                       "long_short": an.long_short,
                                                       "group_neutral": an.group_neutral})


Factor = FactorData | pd.Series | pd.DataFrame
Groups = Mapping[object, object] | pd.Series | None


def create_full_tear_sheet(factor: Factor, prices: pd.DataFrame | None = None,
                           options: FactorOptions | None = None, *, groupby: Groups = None,
                           benchmark: pd.Series | None = None, by_group: bool = False,
                           periods_per_year: float | None = None, benchmark_kind: str = "auto",
                           n_trials: int | None = None, track: bool = False, name: str | None = None,
                           registry=None, **settings) -> TearSheet:
    """The full factor tear sheet: summary, returns, information, turnover, event returns[, by group].

    Parameters
    ----------
    factor : FactorData, (date, asset) Series or wide DataFrame
        The factor, or factor data already prepared with
        :func:`prepare_factor_data` (then its own periods, binning, groups and delay are used).
    prices : pd.DataFrame, shape (bars, assets)
        Adjusted prices.
    options : FactorOptions, optional
        How the factor is prepared, weighted and costed, the same object for every section,
        :func:`factorlab.screen`, :func:`prepare_factor_data` and :class:`FactorStrategy`:
        ``periods``, ``quantiles``/``bins``, ``quantile_method``, ``max_loss``, ``stale``,
        ``stale_bars``, ``delay``, ``long_short``, ``group_neutral``, ``equal_weight``, ``cost_bps``,
        ``concentration`` (see :class:`FactorOptions`).
    **settings
        Any of those settings as keywords (``periods=(1, 5)``, ``cost_bps=10``, ``stale='drop'`` ...):
        they override ``options``.
    groupby : dict or Series, optional
        Group (sector) of each asset; needed for ``by_group`` and ``group_neutral``.
    benchmark : pd.Series, optional
        Benchmark price level (e.g. the S&P 500 index) or per-bar returns,
        drawn with the cumulative returns; read by the one rule of every
        report (:func:`factorlab.report.benchmark_kind`: a Series with a
        value <= 0 is returns, one all > 0 a price level).
    periods_per_year : float, optional
        Bars per year for every annualised figure (alpha, annual return,
        Sharpe). By default inferred from the price index: its calendar
        (weekend bars: 24/7, 365 days; else a 252-day session) and bar length
        (hourly 24/7 bars 8,760; 390 one-minute bars a session day 98,280;
        weekly 52; monthly 12). The tear sheet's notes state the figure used.
    benchmark_kind : {'auto', 'prices', 'returns'}
        How ``benchmark`` is read ('auto': the rule above).
    by_group : bool
        Add the by-group section (IC and quantile returns per group; needs ``groupby``).
    n_trials : int, optional
        Factors and parameter sets tried before this one: the verdict's
        p-values are Bonferroni-adjusted and its Sharpe deflated for them.
        Default 1, or with ``track`` the factor evaluations in the registry
        (counting this one).
    track : bool, default False
        Record this evaluation in the run registry (needs ``name``).
    name : str, optional
        The factor's name in the registry.
    registry : RunRegistry or path, optional
        Default ``$FACTORLAB_REGISTRY`` or ``./.factorlab``.

    Returns
    -------
    TearSheet
        Tables and figures by name; shows inline in a notebook, ``to_html(path)`` writes one file.
        A statistic or section that cannot be computed on the data is listed in the ``unavailable``
        table with its reason (and one :class:`StatisticUnavailableWarning`); the rest is built.

    Examples
    --------
    >>> opts = fl.FactorOptions(periods=(1, 5, 21), stale="drop", equal_weight=True, cost_bps=10)  # doctest: +SKIP
    >>> ts = fl.create_full_tear_sheet(factor, prices, opts)                                     # doctest: +SKIP
    >>> fl.screen({"reversal": factor}, prices, options=opts)                                     # doctest: +SKIP
    """
    sections = ["summary", "returns", "information", "turnover", "events"] + (["by_group"] if by_group else [])
    return _build(sections, factor, prices, options, settings, groupby=groupby, benchmark=benchmark,
                  periods_per_year=periods_per_year, benchmark_kind=benchmark_kind,
                  trials={"n_trials": n_trials, "track": track, "name": name, "registry": registry})


def create_summary_tear_sheet(factor: Factor, prices: pd.DataFrame | None = None,
                              options: FactorOptions | None = None, *, groupby: Groups = None,
                              benchmark: pd.Series | None = None, periods_per_year: float | None = None,
                              benchmark_kind: str = "auto", n_trials: int | None = None, track: bool = False,
                              name: str | None = None, registry=None, **settings) -> TearSheet:
    """Headline figures, data quality, quantile statistics, returns table.

    Parameters and result as :func:`create_full_tear_sheet` (which has ``by_group`` too).
    """
    return _build(["summary"], factor, prices, options, settings, groupby=groupby, benchmark=benchmark,
                  periods_per_year=periods_per_year, benchmark_kind=benchmark_kind,
                  trials={"n_trials": n_trials, "track": track, "name": name, "registry": registry})


def create_factor_returns_tear_sheet(factor: Factor, prices: pd.DataFrame | None = None,
                                     options: FactorOptions | None = None, *, groupby: Groups = None,
                                     benchmark: pd.Series | None = None, periods_per_year: float | None = None,
                                     benchmark_kind: str = "auto", **settings) -> TearSheet:
    """Quantile returns, the top-minus-bottom spread and interleaved cumulative returns, periods compared.

    Parameters and result as :func:`create_full_tear_sheet` (which has ``by_group`` too).
    """
    return _build(["returns"], factor, prices, options, settings, groupby=groupby, benchmark=benchmark,
                  periods_per_year=periods_per_year, benchmark_kind=benchmark_kind)


def create_information_tear_sheet(factor: Factor, prices: pd.DataFrame | None = None,
                                  options: FactorOptions | None = None, *, groupby: Groups = None,
                                  benchmark: pd.Series | None = None, periods_per_year: float | None = None,
                                  benchmark_kind: str = "auto", **settings) -> TearSheet:
    """Information coefficient: table, moving average, distribution and Q-Q, monthly heatmaps, decay.

    Parameters and result as :func:`create_full_tear_sheet` (which has ``by_group`` too).
    """
    return _build(["information"], factor, prices, options, settings, groupby=groupby, benchmark=benchmark,
                  periods_per_year=periods_per_year, benchmark_kind=benchmark_kind)


def create_turnover_tear_sheet(factor: Factor, prices: pd.DataFrame | None = None,
                               options: FactorOptions | None = None, *, groupby: Groups = None,
                               benchmark: pd.Series | None = None, periods_per_year: float | None = None,
                               benchmark_kind: str = "auto", **settings) -> TearSheet:
    """Quantile turnover and factor rank autocorrelation, periods compared.

    Parameters and result as :func:`create_full_tear_sheet` (which has ``by_group`` too).
    """
    return _build(["turnover"], factor, prices, options, settings, groupby=groupby, benchmark=benchmark,
                  periods_per_year=periods_per_year, benchmark_kind=benchmark_kind)


def create_event_returns_tear_sheet(factor: Factor, prices: pd.DataFrame | None = None,
                                    options: FactorOptions | None = None, *, groupby: Groups = None,
                                    benchmark: pd.Series | None = None, periods_per_year: float | None = None,
                                    benchmark_kind: str = "auto", **settings) -> TearSheet:
    """Average cumulative return by quantile around each factor date.

    Parameters and result as :func:`create_full_tear_sheet` (which has ``by_group`` too).
    """
    return _build(["events"], factor, prices, options, settings, groupby=groupby, benchmark=benchmark,
                  periods_per_year=periods_per_year, benchmark_kind=benchmark_kind)


def create_by_group_tear_sheet(factor: Factor, prices: pd.DataFrame | None = None,
                               options: FactorOptions | None = None, *, groupby: Groups = None,
                               benchmark: pd.Series | None = None, periods_per_year: float | None = None,
                               benchmark_kind: str = "auto", **settings) -> TearSheet:
    """IC and quantile returns per group (needs ``groupby``).

    Parameters and result as :func:`create_full_tear_sheet` (which has ``by_group`` too).
    """
    return _build(["by_group"], factor, prices, options, settings, groupby=groupby, benchmark=benchmark,
                  periods_per_year=periods_per_year, benchmark_kind=benchmark_kind)
