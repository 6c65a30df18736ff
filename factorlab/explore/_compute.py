"""What the explorer shows, recomputed for one set of control values (no plotting here).

The explorer composes existing statistics: :func:`prepare_factor_data`,
:class:`~factorlab.tears._analysis.FactorAnalysis` (the tear sheet's
statistics), :func:`factor_weights`, :func:`interleaved_returns` and
:mod:`factorlab.metrics`. Prepared factor data are cached per
(period, quantiles, delay, date range) and the tear sheet's statistics
per those and (long-short, group-neutral), so a cost or by-group change
only reruns the interleaved portfolio (or adds the IC by group).
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from factorlab import metrics
from factorlab.data._validate import validate_prices
from factorlab.errors import ParameterError
from factorlab.factor import FactorData, drop_stale_prices, prepare_factor_data
from factorlab.factor._forward import STALE_OPTIONS
from factorlab.portfolio import factor_weights, interleaved_returns
from factorlab.metrics._verdict import SPREAD_LABEL

if TYPE_CHECKING:  # the tear sheet (and matplotlib) load on the first analysis, not at import
    from factorlab.tears._analysis import FactorAnalysis

__all__ = ["ExplorerInputs", "ExplorerSettings", "PanelData", "PanelComputer", "explorer_inputs"]

_CACHE_SIZE = 16


@dataclass(frozen=True)
class ExplorerSettings:
    """The values of the explorer's controls.

    Attributes
    ----------
    period : int
        Forward-return horizon N in bars (also the number of interleaved sleeves).
    quantiles : int
        Number of equal-count factor quantiles per date.
    long_short : bool
        True: demeaned quantile returns and the factor-weighted long-short
        portfolio; False: raw quantile returns and the long-only,
        equal-weighted top-quantile basket.
    group_neutral : bool
        Demean within groups (needs groups).
    by_group : bool
        Show the IC of each group instead of the quantile turnover (needs groups).
    delay : int
        Execution delay in bars.
    cost_bps : float
        Cost in bps of traded notional, charged by the interleaved portfolio.
    start, end : pd.Timestamp or None
        First and last factor date used (None = the data's ends). Prices are
        used from ``start`` to ``period + delay`` bars after ``end``, so the
        last factor dates keep their forward returns and the interleaved
        portfolio closes its last positions.
    """

    period: int = 5
    quantiles: int = 5
    long_short: bool = True
    group_neutral: bool = False
    by_group: bool = False
    delay: int = 0
    cost_bps: float = 0.0
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None

    def updated(self, **changes) -> ExplorerSettings:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)


@dataclass(frozen=True, eq=False)
class ExplorerInputs:
    """The data the explorer works on, normalised once.

    Attributes
    ----------
    factor : pd.Series
        Factor values with a (date, asset) MultiIndex.
    prices : pd.DataFrame, shape (bars, assets)
    groups : pd.Series or None
        asset -> group, or (date, asset) -> group.
    benchmark : pd.Series or None
        Benchmark price level on the price bars.
    default : ExplorerSettings
        Initial control values (from a FactorData: its first period, quantile count and delay).
    """

    factor: pd.Series
    prices: pd.DataFrame
    groups: pd.Series | None
    benchmark: pd.Series | None
    default: ExplorerSettings

    @property
    def dates(self) -> pd.DatetimeIndex:
        """Sorted unique factor dates."""
        return self.factor.index.get_level_values(0).unique().sort_values()


def explorer_inputs(factor, prices=None, *, groupby=None, benchmark=None, stale: str = "report",
                    stale_bars: int = 10) -> ExplorerInputs:
    """Normalise the explorer's arguments.

    Parameters
    ----------
    factor : FactorData, (date, asset) Series or wide DataFrame (dates x assets)
        A FactorData supplies its prices, groups, first period, quantile count and delay.
    prices : pd.DataFrame, shape (bars, assets), optional
        Required unless ``factor`` is a FactorData with prices.
    groupby : dict or pd.Series, optional
        asset -> group (sector).
    benchmark : pd.Series, optional
        Benchmark price level on the price bars.
    stale : {'report', 'drop'}, default 'report'
        'drop': prices unchanged for ``stale_bars`` bars up to t become no price
        (:func:`drop_stale_prices`), before anything else is computed.
    stale_bars : int, default 10

    Returns
    -------
    ExplorerInputs

    Raises
    ------
    ParameterError
        No prices, or a factor of another type.
    """
    default = ExplorerSettings()
    if isinstance(factor, FactorData):
        fd = factor
        prices = fd.prices if prices is None else prices
        if groupby is None and fd.group is not None:
            groupby = fd.frame["group"]
        default = ExplorerSettings(period=int(fd.periods[0]), quantiles=int(fd.n_quantiles),
                                   delay=int(fd.delay))
        factor = fd.frame["factor"]
    elif isinstance(factor, pd.DataFrame):
        factor = factor.stack().rename("factor")
    elif not isinstance(factor, pd.Series):
        raise ParameterError(f"factor must be a FactorData, a (date, asset) Series or a wide DataFrame, "
                             f"got {type(factor).__name__}")
    if prices is None:
        raise ParameterError("prices are required unless a FactorData prepared with prices is given")
    if stale not in STALE_OPTIONS:
        raise ParameterError(f"stale must be one of {STALE_OPTIONS}, got {stale!r}")
    if stale == "drop":
        prices = drop_stale_prices(validate_prices(prices), stale_bars)
    groups = None if groupby is None else pd.Series(groupby)
    if isinstance(benchmark, pd.DataFrame) and benchmark.shape[1] == 1:
        benchmark = benchmark.iloc[:, 0]
    return ExplorerInputs(factor=factor, prices=prices, groups=groups, benchmark=benchmark, default=default)


@dataclass(frozen=True, eq=False)
class PanelData:
    """Everything the explorer draws and tabulates for one setting.

    Attributes
    ----------
    settings : ExplorerSettings
    label : str
        Period label ('5D', ...).
    analysis : FactorAnalysis
        The tear sheet's statistics on the prepared data.
    mean_return_rate : pd.DataFrame, shape (quantiles, 1)
        Mean return by quantile per bar (0.0001 = 1 bps).
    growth : pd.Series, shape (bars,)
        Growth of 1 of the interleaved portfolio, net of ``cost_bps``.
    benchmark : pd.Series or None
        Benchmark growth of 1 on the same bars.
    ic : pd.Series, shape (dates,)
        Information coefficient per date; ``ic_ma`` its one-month moving
        average (None when the range is shorter than a month).
    turnover : pd.DataFrame, shape (dates, 2)
        Share of names new to the top and bottom quantiles.
    ic_by_group : pd.DataFrame or None
        Mean IC per group (groups x 1) when ``settings.by_group``.
    headline : pd.DataFrame, shape (metrics, 1)
        The headline numbers (see :meth:`PanelComputer.compute`).
    """

    settings: ExplorerSettings
    label: str
    analysis: FactorAnalysis = field(repr=False)
    mean_return_rate: pd.DataFrame = field(repr=False)
    growth: pd.Series = field(repr=False)
    benchmark: pd.Series | None = field(repr=False)
    ic: pd.Series = field(repr=False)
    ic_ma: pd.Series | None = field(repr=False)
    turnover: pd.DataFrame = field(repr=False)
    ic_by_group: pd.DataFrame | None = field(repr=False)
    headline: pd.DataFrame = field(repr=False)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables shown under the figure, by name."""
        out = {"headline": self.headline}
        if self.ic_by_group is not None:
            out["ic_by_group"] = self.ic_by_group
        return out


class PanelComputer:
    """Recompute :class:`PanelData` for settings, caching the prepared factor data.

    Parameters
    ----------
    inputs : ExplorerInputs
    """

    def __init__(self, inputs: ExplorerInputs) -> None:
        self.inputs = inputs
        self._prepared: OrderedDict[tuple, FactorData] = OrderedDict()
        self._analyses: OrderedDict[tuple, FactorAnalysis] = OrderedDict()

    def prepared(self, s: ExplorerSettings) -> FactorData:
        """Factor data for the period, quantiles, delay and date range of ``s`` (cached)."""
        key = (s.period, s.quantiles, s.delay, s.start, s.end)
        if key in self._prepared:
            self._prepared.move_to_end(key)
            return self._prepared[key]
        factor, prices = self.inputs.factor, self.inputs.prices
        dates, bars = factor.index.get_level_values(0), prices.index
        keep = np.ones(len(factor), dtype=bool)
        lo, hi = 0, len(bars)
        if s.start is not None:
            keep &= dates >= s.start
            lo = int(bars.searchsorted(s.start, side="left"))
        if s.end is not None:  # prices run period + delay bars past the last factor date
            keep &= dates <= s.end
            hi = min(hi, int(bars.searchsorted(s.end, side="right")) + s.period + s.delay)
        prices = prices.iloc[lo:hi]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # losses are reported on fd.quality and in the status line
            fd = prepare_factor_data(factor[keep], prices, periods=(s.period,), quantiles=s.quantiles,
                                     groupby=self.inputs.groups, max_loss=1.0, delay=s.delay)
        self._prepared[key] = fd
        if len(self._prepared) > _CACHE_SIZE:
            self._prepared.popitem(last=False)
        return fd

    def analysis(self, s: ExplorerSettings) -> FactorAnalysis:
        """The tear sheet's statistics for ``s`` (cached; the cost only affects the portfolio run here)."""
        key = (s.period, s.quantiles, s.delay, s.start, s.end, s.long_short, s.group_neutral)
        if key in self._analyses:
            self._analyses.move_to_end(key)
            return self._analyses[key]
        from factorlab.tears._analysis import FactorAnalysis

        a = FactorAnalysis(self.prepared(s), long_short=s.long_short, group_neutral=s.group_neutral,
                           benchmark=self.inputs.benchmark)
        self._analyses[key] = a
        if len(self._analyses) > _CACHE_SIZE:
            self._analyses.popitem(last=False)
        return a

    def compute(self, s: ExplorerSettings) -> PanelData:
        """All panels and tables for the settings ``s``.

        Raises
        ------
        ParameterError
            ``group_neutral`` or ``by_group`` without groups, or settings the data cannot support.
        """
        if (s.group_neutral or s.by_group) and self.inputs.groups is None:
            raise ParameterError("group-neutral and by-group need groups: pass groupby=")
        a = self.analysis(s)
        fd = a.fd
        label = fd.labels[0]
        result = interleaved_returns(self._weights(fd, s), fd.prices[fd.assets], s.period, delay=s.delay,
                                     cost_bps=float(s.cost_bps))
        growth = (1.0 + result.returns).cumprod().rename("factor portfolio")
        ic = a.ic[label]
        window = max(1, int(round(a.periods_per_year / 12)))
        ic_ma = ic.rolling(window).mean()
        headline = self._headline(a, label, result, s)
        return PanelData(settings=s, label=label, analysis=a, mean_return_rate=a.mean_return_rate,
                         growth=growth, benchmark=a.benchmark_growth(growth.index), ic=ic,
                         ic_ma=ic_ma if ic_ma.notna().any() else None, turnover=a.top_bottom_turnover[label],
                         ic_by_group=a.ic_by_group if s.by_group else None, headline=headline)

    @staticmethod
    def _weights(fd: FactorData, s: ExplorerSettings) -> pd.DataFrame:
        if s.long_short:
            return factor_weights(fd, long_short=True, group_neutral=s.group_neutral)
        return factor_weights(fd, quantiles=int(fd.n_quantiles), long_short=False)

    @staticmethod
    def _headline(a: FactorAnalysis, label: str, result, s: ExplorerSettings) -> pd.DataFrame:
        ppy = a.periods_per_year
        r = result.returns
        kind = "long-short" if s.long_short else "long top quantile"
        rows = {
            "IC mean": a.ic_table.loc[label, "IC Mean"],
            "IC t-stat (HAC)": a.ic_table.loc[label, "HAC t-stat(IC)"],
            SPREAD_LABEL: a.spread_per_bar[label] * 1e4,
            f"{kind} annual return @ {s.cost_bps:g} bps": metrics.cagr(r, periods_per_year=ppy),
            f"{kind} Sharpe": metrics.sharpe_ratio(r, periods_per_year=ppy),
            f"{kind} max drawdown": metrics.max_drawdown(r),
            "turnover per bar": float(np.nanmean(result.turnover.to_numpy())),
            "costs paid (share of capital)": float(result.costs.sum() / result.capital),
            "factor dates": float(len(a.fd.dates)),
        }
        return pd.DataFrame({label: pd.Series(rows, dtype=float)})
