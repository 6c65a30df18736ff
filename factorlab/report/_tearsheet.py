"""The returns tear sheet: statistics and chart data of one return stream, composed.

:class:`ReturnsTearSheet` holds the inputs and derives everything else lazily
(cached properties) from :mod:`factorlab.metrics`; charts are drawn by
:mod:`factorlab.plotting` only when a figure, the notebook view or the HTML
report asks for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from factorlab import metrics as mt
from factorlab.errors import ParameterError
from factorlab.plotting._charts import Figures
from factorlab.report import _inputs
from factorlab.report._crisis import CRISIS_EVENTS, CrisisWindow, crisis_windows
from factorlab.report._model import (
    DEFAULT_DPI,
    DEFAULT_IMAGE_FORMAT,
    Section,
    _series,
    benchmark_kind,
    benchmark_returns,
    check_image_options,
)
from factorlab.report._names import PLOT_NAMES

__all__ = ["ROLLING_MONTHS", "ReturnsTearSheet", "create_returns_tear_sheet"]

#: Trailing windows of the rolling beta and Sharpe charts, in months.
ROLLING_MONTHS: tuple[int, int] = (6, 12)
_NOTIONAL_COLUMNS = ("value", "notional", "amount")


def _finite(values: pd.Series) -> np.ndarray:
    out = values.to_numpy(dtype="float64", na_value=np.nan)
    return out[np.isfinite(out)]


def _histogram(values: pd.Series, bins: int | np.ndarray) -> pd.Series:
    """Counts of the finite values in ``bins`` equal-width bins (or on the given edges), indexed by
    the bins (closed left; the last bin also holds its right edge, as ``np.histogram`` counts)."""
    counts, edges = np.histogram(_finite(values), bins=bins)
    return pd.Series(counts.astype("float64"), index=pd.IntervalIndex.from_breaks(edges, closed="left"),
                     name="count")


@dataclass(eq=False)
class ReturnsTearSheet:
    """A returns report: key statistics, chart data, figures, notebook view and HTML.

    A :class:`factorlab.report.Report` (the one report model it shares with
    the factor tear sheet): ``sections``, ``tables``, ``figures``,
    ``image_format``, ``dpi``, ``_repr_html_()``, ``to_html(path=None)``.
    Build it with :func:`create_returns_tear_sheet`; a backtest's is
    ``result.tear_sheet()``. The inputs are validated once here; every
    derived table is a cached property.

    Attributes
    ----------
    returns : pd.Series, shape (bars,)
        Strategy per-bar returns (0.01 = 1%), sorted DatetimeIndex.
    benchmark : pd.Series or None
        Benchmark per-bar returns on the strategy's bars (NaN where missing),
        from the price level or returns given (the one rule of every report,
        :func:`factorlab.report.benchmark_kind`), counted from the strategy's
        first traded bar: before it (the strategy all cash) the benchmark's
        returns are 0, so both total returns cover the same bars.
    positions, trades, volumes
        Optional inputs, see :func:`create_returns_tear_sheet`.
    parameters : dict
        Strategy parameters, shown in the report's parameters table.
    title : str
        Report title.
    periods_per_year : float
        Bars per year used to annualise: given, or inferred from the index
        (:func:`factorlab.metrics.bar_frequency`: 252 daily session bars, 365
        daily 24/7 bars, 8,760 hourly 24/7 bars, ...).
    bar_frequency : BarFrequency
        That figure and how it was found; the report's subtitle states it
        (``bar_frequency.note``).
    capital : float or None
        Starting capital, used for turnover/capacity when positions carry no cash.
    risk_free : float
        Per-bar risk-free return for the Sharpe ratio.
    dpi : int
        Resolution of the report's charts.
    image_format : {'png', 'svg'}
        How charts are embedded.
    workers : int
        Processes that render the charts (1: this process only; more uses
        forked processes where the platform has them).
    warnings : sequence
        What the run met (a backtest's :attr:`BacktestResult.warnings`), shown
        in the Warnings section (``str`` of each).
    log : pd.DataFrame or None
        The strategy's ``ctx.log`` messages (time, strategy, level, message).
    round_trips : pd.DataFrame or None
        Closed trades (a backtest's :attr:`BacktestResult.round_trips`): the
        returns-per-trade histogram and the trade statistics
        (:func:`factorlab.metrics.trade_statistics`).
    markets : str or None
        What the strategy trades, in words (the report's 'Markets').
    trading : mapping or None
        Data of a backtest's trading charts: 'turnover' (per-bar Series),
        'capacity' (per-bar Series), 'allocation' (|weight| per name, stacked
        to the gross exposure), 'group_exposure' (columns (group, side)),
        'asset_prices' and 'asset_events' (one asset's price and order
        events); ``BacktestResult.tear_sheet()`` fills it.
    """

    returns: pd.Series
    benchmark: pd.Series | None = None
    positions: pd.DataFrame | None = None
    trades: pd.DataFrame | pd.Series | None = None
    volumes: pd.DataFrame | None = None
    parameters: Mapping[str, object] = field(default_factory=dict)
    title: str = "Strategy returns report"
    periods_per_year: float | None = None
    capital: float | None = None
    risk_free: float = 0.0
    dpi: int = DEFAULT_DPI
    workers: int = 1
    image_format: str = DEFAULT_IMAGE_FORMAT
    bar_frequency: mt.BarFrequency = field(init=False, repr=False)
    benchmark_kind: str = "auto"
    warnings: Sequence[object] = ()
    log: pd.DataFrame | None = None
    round_trips: pd.DataFrame | None = None
    markets: str | None = None
    trading: Mapping[str, object] | None = None

    def __post_init__(self) -> None:
        self.returns = _inputs.check_returns(self.returns)
        if self.benchmark is not None:
            aligned = _inputs.align_benchmark(self.benchmark, self.returns)  # overlap and time zones checked
            if benchmark_kind(_series(self.benchmark), self.benchmark_kind) == "prices":
                aligned = benchmark_returns(self.benchmark, self.returns.index, kind="prices").rename(aligned.name)
            self.benchmark = _from_first_traded_bar(aligned, self.returns, self.positions)
        if self.parameters is None:
            self.parameters = {}
        if not isinstance(self.parameters, Mapping):
            raise ParameterError(f"parameters must be a mapping name -> value, "
                                 f"got {type(self.parameters).__name__}")
        self.bar_frequency = mt.bar_frequency(self.returns.index, periods_per_year=self.periods_per_year)
        self.periods_per_year = self.bar_frequency.periods_per_year
        if self.capital is not None and not (np.isfinite(self.capital) and self.capital > 0):
            raise ParameterError(f"capital must be a positive number, got {self.capital!r}")
        self.image_format, self.dpi = check_image_options(self.image_format, self.dpi)
        from factorlab.backtest._warnings import summarize_warnings

        raw = tuple(self.warnings or ())
        self.warning_lines = tuple(summarize_warnings(raw))  # one line per kind, the worst examples
        self.warnings = tuple(str(w) for w in raw)
        if self.log is not None and not isinstance(self.log, pd.DataFrame):
            raise ParameterError(f"log must be a DataFrame of messages, got {type(self.log).__name__}")
        if int(self.workers) != self.workers or self.workers < 1:
            raise ParameterError(f"workers must be a positive integer, got {self.workers!r}")
        if self.positions is not None:
            self.exposure  # noqa: B018 - validate now: errors belong to the call that passed the data

    # ------------------------------------------------------------ statistics
    @property
    def _ppy(self) -> dict[str, float]:
        return {"periods_per_year": float(self.periods_per_year)}

    @cached_property
    def stats(self) -> pd.DataFrame:
        """:func:`factorlab.metrics.summary_stats` per column 'strategy' (and 'benchmark')."""
        return mt.summary_stats(self._frame(), self.benchmark, risk_free=self.risk_free, **self._ppy)

    def _frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"strategy": self.returns})
        if self.benchmark is not None:
            frame["benchmark"] = self.benchmark
        return frame

    @cached_property
    def equity(self) -> pd.Series | None:
        """Portfolio value per bar: positions + cash, else ``capital`` compounded; None if unknown."""
        if self.positions is not None:
            cash = [c for c in self.positions.columns if str(c).lower() == "cash"]
            if cash:
                return self.positions.sum(axis=1).reindex(self.returns.index, method="ffill")
        if self.capital is not None:
            return mt.cumulative_returns(self.returns, starting_value=float(self.capital))
        return None

    @cached_property
    def trading_stats(self) -> pd.Series:
        """'turnover' (annual, two sided), 'trades_per_day' and 'capacity'; NaN when not computable."""
        out = pd.Series(np.nan, index=["turnover", "trades_per_day", "capacity"], dtype=float)
        if self.trades is None:
            return out
        notional = isinstance(self.trades, pd.DataFrame) and (
            any(str(c).lower() in _NOTIONAL_COLUMNS for c in self.trades.columns)
            or self.trade_returns is None)
        if not notional:
            days = mt.runtime_days(self.returns)
            out["trades_per_day"] = len(self.trade_returns) / days
            return out
        out["trades_per_day"] = mt.trades_per_day(self.trades, self.returns.index)
        if self.equity is not None:
            out["turnover"] = mt.turnover(self.trades, self.equity, **self._ppy)
            if self.volumes is not None:
                out["capacity"] = mt.capacity(self.trades, self.equity, self.volumes)
        return out

    @cached_property
    def kpi(self) -> dict[str, float]:
        """Key statistics of the strategy (fractions and ratios as floats; see ``summary_stats``)."""
        values = {key: float(v) for key, v in self.stats["strategy"].items()}
        values.update({key: float(v) for key, v in self.trading_stats.items()})
        values["periods_per_year"] = float(self.periods_per_year)
        values["bars"] = float(self.returns.notna().sum())
        return values

    # ------------------------------------------------------------ chart data
    @cached_property
    def cumulative(self) -> pd.DataFrame:
        """Cumulative return per bar, columns 'strategy' (and 'benchmark')."""
        frame = pd.DataFrame({"strategy": mt.cumulative_returns(self.returns)})
        if self.benchmark is not None:
            frame["benchmark"] = mt.cumulative_returns(self.benchmark)
        return frame

    @cached_property
    def turnover_trend(self) -> pd.Series | None:
        """Trailing 21-bar mean of the per-bar turnover of :attr:`trading` (NaN turnover counts as 0:
        no trade); None without it."""
        if not self.trading or self.trading.get("turnover") is None:
            return None
        return self.trading["turnover"].astype(float).fillna(0.0).rolling(21, min_periods=1).mean()

    @cached_property
    def capacity_trend(self) -> pd.Series | None:
        """Trailing 21-bar median of the positive capacity snapshots of :attr:`trading` (bars without
        one left out); None without them."""
        if not self.trading or self.trading.get("capacity") is None:
            return None
        capacity = self.trading["capacity"].astype(float).dropna()
        return capacity[capacity > 0].rolling(21, min_periods=1).median()

    @cached_property
    def drawdowns(self) -> pd.DataFrame:
        """The five deepest drawdown episodes (:func:`factorlab.metrics.drawdown_table`)."""
        return mt.drawdown_table(self.returns, top=5)

    @cached_property
    def underwater(self) -> pd.Series:
        """Drawdown from the running peak per bar (<= 0)."""
        return mt.underwater(self.returns)

    @cached_property
    def monthly_returns(self) -> pd.DataFrame:
        """Year x month table of compounded monthly returns."""
        return mt.monthly_returns_table(self.returns)

    @cached_property
    def annual_returns(self) -> pd.DataFrame:
        """Compounded return per calendar year, columns 'strategy' (and 'benchmark')."""
        return mt.annual_returns(self._frame())

    @cached_property
    def rolling_sharpe(self) -> pd.DataFrame:
        """Rolling annualised Sharpe ratio, one column per window ('6 months', '12 months')."""
        return pd.DataFrame({f"{m} months": mt.rolling_sharpe(self.returns, m, risk_free=self.risk_free,
                                                              **self._ppy)
                             for m in ROLLING_MONTHS})

    @cached_property
    def rolling_beta(self) -> pd.DataFrame | None:
        """Rolling beta to the benchmark per window; None without a benchmark."""
        if self.benchmark is None:
            return None
        return pd.DataFrame({f"{m} months": mt.rolling_beta(self.returns, self.benchmark, m, **self._ppy)
                             for m in ROLLING_MONTHS})

    @cached_property
    def exposure(self) -> pd.DataFrame | None:
        """'long', 'short', 'net', 'gross' exposure per bar (fractions of equity); None without positions."""
        if self.positions is None:
            return None
        return _inputs.exposure_from_positions(self.positions, self.returns.index)

    @cached_property
    def trade_returns(self) -> pd.Series | None:
        """Return of each trade: the round trips' returns, else the trades' when they carry them
        (see :func:`create_returns_tear_sheet`)."""
        if self.round_trips is not None:
            r = self.round_trips["return"].dropna()
            return r.rename("trade_return").reset_index(drop=True) if len(r) else None
        return None if self.trades is None else _inputs.trade_returns(self.trades)

    @cached_property
    def trade_stats(self) -> pd.Series | None:
        """Per-trade statistics of the round trips (:func:`factorlab.metrics.trade_statistics`), or None."""
        return None if self.round_trips is None else mt.trade_statistics(self.round_trips)

    @cached_property
    def _return_edges(self) -> np.ndarray:
        """60 equal bins over the strategy's finite returns and, with a benchmark, the benchmark's too."""
        values = [_finite(self.returns)]
        if self.benchmark is not None:
            values.append(_finite(self.benchmark))
        return np.histogram_bin_edges(np.concatenate(values), bins=60)

    @cached_property
    def return_histogram(self) -> pd.Series:
        """Bars per return bin (60 equal bins over the finite returns of the strategy and of the
        benchmark, so both histograms share them), indexed by the bins."""
        return _histogram(self.returns, self._return_edges)

    @cached_property
    def benchmark_histogram(self) -> pd.Series | None:
        """The benchmark's bars per return bin, on :attr:`return_histogram`'s bins; None without one."""
        if self.benchmark is None:
            return None
        return _histogram(self.benchmark, self._return_edges).rename(self.benchmark.name or "benchmark")

    @cached_property
    def trade_return_histogram(self) -> pd.Series | None:
        """Trades per return bin (40 equal bins), indexed by the bins; None without trade returns."""
        return None if self.trade_returns is None else _histogram(self.trade_returns, 40)

    @cached_property
    def crisis(self) -> list[CrisisWindow]:
        """The crisis events the returns cover (:data:`CRISIS_EVENTS`), each sliced."""
        return crisis_windows(self.returns, self.benchmark, events=CRISIS_EVENTS)

    # ---------------------------------------------------------------- output
    def summary(self) -> pd.DataFrame:
        """Key statistics table: one row per statistic, columns 'strategy' (and 'benchmark')."""
        table = self.stats.copy()
        if self.trades is not None:
            extra = pd.DataFrame({"strategy": self.trading_stats})
            table = pd.concat([table, extra.reindex(columns=table.columns)])
        return table

    # ------------------------------------------------------- the report model
    @cached_property
    def figures(self) -> Figures:
        """Chart name -> matplotlib Figure (built when first asked for, then kept): the charts of
        :data:`PLOT_NAMES` that apply, then 'crisis_0', 'crisis_1', ... (one per :attr:`crisis` window)."""
        from factorlab.report._figures import chart, crisis_chart

        figures = Figures()
        for name in PLOT_NAMES:
            recipe = chart(self, name)
            if recipe is not None:
                figures[name] = recipe
        for k, window in enumerate(self.crisis):
            figures[f"crisis_{k}"] = crisis_chart(window)
        return figures

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """'stats' (:meth:`summary`), 'drawdowns', 'annual_returns', 'monthly_returns'."""
        out = {"stats": self.summary(), "drawdowns": self.drawdowns, "annual_returns": self.annual_returns,
               "monthly_returns": self.monthly_returns}
        if self.warnings:
            out["warnings"] = pd.DataFrame({"warning": list(self.warnings)})
        if self.log is not None and len(self.log):
            out["log"] = self.log
        if self.trade_stats is not None:
            out["trade_stats"] = self.trade_stats.to_frame("strategy")
        return out

    @cached_property
    def sections(self) -> dict[str, Section]:
        """The report's parts in display order, each with its tables and figures."""
        layout = [
            ("warnings", "Warnings", ["warnings"]),
            ("returns", "Returns", ["stats", "cumulative", "cumulative_log", "daily_returns", "monthly_heatmap",
                                    "monthly_returns", "annual_returns", "distribution"]),
            ("trades", "Trades", ["trade_stats", "returns_per_trade"]),
            ("drawdowns", "Drawdowns", ["drawdowns", "drawdown", "underwater"]),
            ("rolling", "Rolling statistics", ["rolling_beta", "rolling_sharpe"]),
            ("exposure", "Exposure", ["leverage", "exposure"]),
            ("trading", "Trading", ["allocation", "group_exposure", "turnover", "capacity", "asset_orders"]),
            ("crisis", "Crisis events", [f"crisis_{k}" for k in range(len(self.crisis))]),
            ("log", "Log", ["log"]),
        ]
        out = {}
        for key, title, names in layout:
            items = [("table" if n in self.tables else "figure", n) for n in names
                     if n in self.tables or n in self.figures]
            if items:
                out[key] = Section(key, title, items)
        return out

    def figure(self, name: str):
        """The matplotlib Figure of one chart (see :data:`factorlab.report.PLOT_NAMES`)."""
        from factorlab.report._figures import build_figure

        return build_figure(self, name)

    @cached_property
    def _rendered(self) -> tuple[dict[str, str | None], list[str]]:
        from factorlab.report._figures import render_all

        for name in ("stats", "cumulative", "drawdowns", "monthly_returns", "annual_returns",
                     "rolling_sharpe", "rolling_beta", "crisis", "trade_returns"):
            getattr(self, name)  # computed once here, before any worker process starts
        return render_all(self, int(self.workers))

    @property
    def images(self) -> dict[str, str | None]:
        """Each chart as an SVG/PNG ``data:`` URI (None where the chart does not apply); cached."""
        return self._rendered[0]

    @property
    def crisis_images(self) -> list[str]:
        """One SVG/PNG ``data:`` URI per :attr:`crisis` window, in the same order; cached."""
        return self._rendered[1]

    def to_html(self, path=None, template=None, *, css=None) -> str:
        """Render the report as one self-contained HTML page (images embedded).

        See :func:`factorlab.report.render_html` for ``template`` and ``css``
        and :data:`factorlab.report.TEMPLATE_KEYS` for the template keys.

        Returns
        -------
        str
            The HTML; also written to ``path`` (UTF-8) when given.
        """
        from factorlab.report._html import render_html

        return render_html(self, path, template=template, css=css)

    def _repr_html_(self) -> str:
        from factorlab.report._html import render_fragment

        return render_fragment(self)

    def __repr__(self) -> str:
        first, last = self.returns.index[0], self.returns.index[-1]
        return (f"<ReturnsTearSheet {self.title!r}: {len(self.returns)} bars {first:%Y-%m-%d} .. "
                f"{last:%Y-%m-%d}, benchmark={'yes' if self.benchmark is not None else 'no'}>")


def _from_first_traded_bar(benchmark: pd.Series, returns: pd.Series, positions) -> pd.Series:
    """The benchmark's returns set to 0 before the strategy is invested: up to the first bar with a
    position when positions are given, else before the first non-zero strategy return."""
    if positions is not None and len(positions):
        held = positions.reindex(returns.index).fillna(0.0).abs().sum(axis=1) > 0
        invested = returns.index[held.to_numpy()]
        first = invested[0] if len(invested) else None
        before = returns.index <= first if first is not None else np.zeros(len(returns), dtype=bool)
    else:
        moved = np.flatnonzero(returns.to_numpy() != 0)
        before = np.arange(len(returns)) < (moved[0] if len(moved) else 0)
    if not before.any():
        return benchmark
    out = benchmark.copy()
    out[before] = 0.0
    return out


def create_returns_tear_sheet(returns: pd.Series, benchmark: pd.Series | None = None,
                              positions: pd.DataFrame | None = None,
                              trades: pd.DataFrame | pd.Series | None = None,
                              volumes: pd.DataFrame | None = None, *,
                              parameters: Mapping[str, object] | None = None,
                              title: str = "Strategy returns report",
                              periods_per_year: float | None = None, capital: float | None = None,
                              risk_free: float = 0.0, dpi: int = DEFAULT_DPI, workers: int = 1,
                              image_format: str = DEFAULT_IMAGE_FORMAT,
                              benchmark_kind: str = "auto", warnings: Sequence[object] = (),
                              log: pd.DataFrame | None = None, round_trips: pd.DataFrame | None = None,
                              markets: str | None = None,
                              trading: Mapping[str, object] | None = None) -> ReturnsTearSheet:
    """Returns tear sheet of a strategy; shows inline in a notebook, ``.to_html()`` writes a report.

    Parameters
    ----------
    returns : pd.Series, shape (bars,)
        Strategy per-bar simple returns (0.01 = 1%), sorted unique DatetimeIndex.
    benchmark : pd.Series, optional
        Benchmark price level or per-bar returns, by the one rule of every
        report (:func:`factorlab.report.benchmark_kind`: a Series with a
        value <= 0 is returns, one all > 0 a price level; ``benchmark_kind``
        says it explicitly); aligned on the strategy's bars (must share at
        least two timestamps).
    positions : pd.DataFrame, optional
        Position values per bar and asset with a 'cash' column (pyfolio
        layout), or portfolio weights without one: adds leverage and
        long/short exposure.
    trades : pd.DataFrame or pd.Series, optional
        A Series of per-trade returns, or a DataFrame with a 'return' /
        'returns' / 'pnl_pct' column (returns-per-trade histogram), and/or
        traded notional in the layout of :mod:`factorlab.metrics` (turnover
        and trades per day; turnover needs the equity from positions+cash or
        ``capital``).
    volumes : pd.DataFrame, optional
        Dollar volume per bar and asset, for the strategy capacity.
    parameters : mapping, optional
        Strategy parameters to list in the report.
    title : str
        Report title.
    periods_per_year : float, optional
        Bars per year; inferred from the index when None: its calendar
        (weekend bars: 24/7, 365 days; else a 252-day session) and bar length
        (hourly 24/7 8,760; 390 one-minute bars a session day 98,280; weekly
        52; monthly 12). The report's subtitle states the figure used.
    capital : float, optional
        Starting capital (when positions do not give the equity).
    risk_free : float
        Per-bar risk-free return.
    dpi : int
        Resolution of the PNG charts.
    image_format : {'png', 'svg'}
        Charts embedded as PNG (default) or SVG data URIs.
    benchmark_kind : {'auto', 'prices', 'returns'}
        How ``benchmark`` is read ('auto': the rule above).
    workers : int
        Processes rendering the charts: 1 renders here; ``n > 1`` forks
        ``n - 1`` helpers (POSIX 'fork' only, else 1), about ``n`` times
        faster on ``n`` free cores. Same images either way.
    warnings : sequence, optional
        Problems the run met (``BacktestResult.warnings``): the Warnings section.
    log : pd.DataFrame, optional
        The strategy's log messages (``BacktestResult.log``): the Log section.
    round_trips : pd.DataFrame, optional
        Closed trades (``BacktestResult.round_trips``): returns per trade and
        the per-trade statistics (win rate, profit factor, expectancy, ...).
    markets : str, optional
        What the strategy trades, shown as 'Markets'.
    trading : mapping, optional
        Data of the trading charts (see :class:`ReturnsTearSheet`).

    Returns
    -------
    ReturnsTearSheet

    Raises
    ------
    ParameterError, InvalidIndexError, AlignmentError, EmptyDataError
        Malformed returns, a benchmark that does not overlap, bad options.
    """
    return ReturnsTearSheet(returns, benchmark, positions, trades, volumes, parameters or {}, title,
                            periods_per_year, capital, risk_free, dpi, workers, image_format,
                            benchmark_kind=benchmark_kind, warnings=warnings, log=log, round_trips=round_trips,
                            markets=markets, trading=trading)
