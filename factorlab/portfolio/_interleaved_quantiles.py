"""Interleaved returns of every quantile basket and of the long-short portfolio, per period.

What the tear sheet's "cumulative return by quantile" needs, in one call: for
each period N of a :class:`FactorData`, the N-interleaved sleeves (see
:mod:`factorlab.portfolio._interleaved`) trading

- quantile ``q`` (q = 1..n_quantiles): the long-only, equal-weighted basket of
  the names in quantile q, ``factor_weights(fd, quantiles=q, long_short=False)``;
- ``'long_short'``: the factor-weighted, dollar-neutral portfolio,
  ``factor_weights(fd)``.

Prices and the execution delay come from the FactorData. For period N the
run stops at bar ``last factor date + delay + N`` (the end of the last
signal's holding period, or the last price bar if sooner), so each period's
curve covers the horizon of its own forward returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.factor._prepare import FactorData
from factorlab.portfolio._kernel import run_kernel
from factorlab.portfolio._ruin import bar_returns, bar_turnover, ruin_table
from factorlab.portfolio._sleeves import (
    PricePanel,
    Signals,
    align_weights,
    check_horizon,
    check_run_args,
    price_panel,
    signals,
)
from factorlab.portfolio._weights import factor_weights

__all__ = ["QuantileReturns", "interleaved_periods_at_costs", "mean_returns_at_costs", "quantile_interleaved_returns"]

LONG_SHORT = "long_short"


@dataclass(frozen=True, eq=False)
class QuantileReturns:
    """Per-bar interleaved returns by quantile and period.

    Attributes
    ----------
    returns : dict label -> pd.DataFrame, shape (bars, n_quantiles + 1)
        Per-bar returns (0.01 = 1%); columns 1..n_quantiles and ``'long_short'``.
        Index: price bars from the first execution bar to the period's end.
    turnover : dict label -> pd.DataFrame, same shape
        Traded notional / portfolio value per bar.
    gap_events : pd.DataFrame, shape (periods, n_quantiles + 1)
        Number of rebalances that met an asset without a tradeable price.
    periods : tuple of int
        Periods in bars, matching ``labels``.
    labels : tuple of str
        Period labels ('1D', '5D', ...).
    delay : int
        Execution delay in bars.
    cost_bps : float
        Cost per unit of traded notional, in bps.
    capital : float
        Starting capital of each portfolio (currency).
    ruins : pd.DataFrame
        Sleeves (and portfolios) ruined, one row each: ``period``, ``portfolio`` and the columns of
        :attr:`InterleavedResult.ruins` (``date``, ``sleeve``, ``value``, ``asset``, ``move``,
        ``shortfall``). Empty when none was.
    """

    returns: dict[str, pd.DataFrame] = field(repr=False)
    turnover: dict[str, pd.DataFrame] = field(repr=False)
    gap_events: pd.DataFrame = field(repr=False)
    periods: tuple[int, ...]
    labels: tuple[str, ...]
    delay: int = 0
    cost_bps: float = 0.0
    capital: float = 1_000_000.0
    ruins: pd.DataFrame | None = field(default=None, repr=False)

    def __getitem__(self, label: str) -> pd.DataFrame:
        return self.returns[label]

    @cached_property
    def cumulative_returns(self) -> dict[str, pd.DataFrame]:
        """label -> compounded return since the start, ``prod(1 + r) - 1``, per bar and column."""
        return {lab: (1.0 + r).cumprod() - 1.0 for lab, r in self.returns.items()}

    def cumulative(self, label: str) -> pd.DataFrame:
        """Cumulative returns of one period, shape (bars, n_quantiles + 1)."""
        if label not in self.returns:
            raise ParameterError(f"no period {label!r}; available: {list(self.labels)}")
        return self.cumulative_returns[label]

    def spread(self, label: str) -> pd.Series:
        """Per-bar return of the top quantile basket minus the bottom one (0.01 = 1%)."""
        r = self[label]
        quantiles = [c for c in r.columns if c != LONG_SHORT]
        return (r[quantiles[-1]] - r[quantiles[0]]).rename("top_minus_bottom")

    def summary(self) -> pd.DataFrame:
        """Total return (0.01 = 1%) of each column, one row per period label."""
        rows = {lab: self.cumulative_returns[lab].iloc[-1] for lab in self.labels}
        out = pd.DataFrame(rows).T
        out.index.name = "period"
        return out

    def __repr__(self) -> str:
        cols = list(next(iter(self.returns.values())).columns)
        return (f"QuantileReturns(periods {list(self.labels)}, columns {cols}, delay={self.delay}, "
                f"cost_bps={self.cost_bps:g})")

    def _repr_html_(self) -> str:
        head = (f"<b>Interleaved quantile returns</b> (total return), delay {self.delay} bar(s), "
                f"{self.cost_bps:g} bps")
        return head + self.summary().to_html(float_format=lambda x: f"{x:.2%}")


def quantile_interleaved_returns(fd: FactorData, cost_bps: float = 0.0,
                                 capital: float = 1_000_000.0, *, long_short: bool = True,
                                 group_neutral: bool = False, equal_weight: bool = False,
                                 weights: pd.DataFrame | None = None) -> QuantileReturns:
    """Interleaved returns of each quantile basket and the long-short portfolio, for every period.

    Parameters
    ----------
    fd : FactorData
        From :func:`prepare_factor_data` (needs its prices); ``fd.periods``
        give N and ``fd.delay`` the execution delay.
    cost_bps : float, default 0.0
        Cost in bps of the traded notional of each rebalance.
    capital : float, default 1,000,000
        Starting capital of each portfolio (currency; as :func:`factorlab.backtest`).
    long_short, group_neutral, equal_weight : bool
        The ``'long_short'`` portfolio's weights (:func:`factor_weights`).
    weights : pd.DataFrame, optional
        Those weights when already computed (``factor_weights(fd, ...)`` with the settings above).

    Returns
    -------
    QuantileReturns
        ``returns[label]``: per-bar returns, shape (bars, n_quantiles + 1),
        columns 1..n_quantiles (long-only equal-weight baskets) and
        ``'long_short'``; ``cumulative(label)`` compounds them.

    Raises
    ------
    ParameterError
        ``fd`` is not a FactorData or has no prices; bad ``cost_bps``/``capital``.
    """
    if not isinstance(fd, FactorData):
        raise ParameterError(f"fd must be a FactorData (prepare_factor_data), got {type(fd).__name__}")
    if fd.prices is None:
        raise ParameterError("this FactorData has no prices; build it with prepare_factor_data(factor, "
                             "prices) or FactorData.from_frame(frame, prices=prices)")
    check_run_args(1, fd.delay, cost_bps, capital)
    if len(fd.dates) == 0:
        raise ParameterError("the FactorData has no entries")
    columns = [*range(1, fd.n_quantiles + 1), LONG_SHORT]
    panel = price_panel(fd.prices, fd.assets)
    if weights is None:
        weights = factor_weights(fd, long_short=long_short, group_neutral=group_neutral,
                                 equal_weight=equal_weight)
    sig = _stacked_signals(fd, columns, panel, weights.reindex(columns=fd.assets))
    last = int(panel.index.get_indexer(fd.dates[-1:])[0])
    ends = [min(len(panel.index), last + fd.delay + p + 1) for p in fd.periods]
    returns, turnover, gaps, ruins = {}, {}, {}, []
    runs = _simulate_periods(panel, sig, list(fd.periods), fd.delay, float(cost_bps), float(capital), ends)
    for run, label, end in zip(runs, fd.labels, ends):
        index = panel.index[run.start:end]
        returns[label] = _frame(run.returns, index, columns)
        turnover[label] = _frame(run.turnover, index, columns)
        gaps[label] = dict(zip(columns, run.n_gap_events.tolist()))
        for col, rec in zip(columns, run.ruins):
            if len(rec):
                ruins.append(ruin_table(rec, index, panel.assets).assign(period=label, portfolio=col))
    gap_frame = pd.DataFrame(gaps).T.astype(np.int64)
    gap_frame.index.name = "period"
    return QuantileReturns(returns=returns, turnover=turnover, gap_events=gap_frame,
                           periods=tuple(fd.periods), labels=tuple(fd.labels), delay=int(fd.delay),
                           cost_bps=float(cost_bps), capital=float(capital), ruins=_ruins_frame(ruins))


def _ruins_frame(parts: list) -> pd.DataFrame:
    cols = ["period", "portfolio", "date", "sleeve", "value", "asset", "move", "shortfall"]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    return pd.concat(parts, ignore_index=True)[cols]


@dataclass(frozen=True, eq=False)
class _Baskets:
    """The target weights of every portfolio, kept compact; the sleeve kernel reads them cell by cell.

    Quantile ``q``'s basket is ``1 / (names in q)`` on its names and NaN
    elsewhere (the numbers of ``factor_weights(fd, quantiles=q,
    long_short=False)``); the long-short row is :func:`factor_weights`. Held
    as one small integer code per cell and one ``1 / count`` per (date,
    quantile) instead of a (portfolios, dates, assets) float array (720 MB
    for 6 portfolios on 3,000 x 5,000).
    """

    codes: np.ndarray       # (dates, assets) 0-based quantile code, -1: in no basket
    inv_count: np.ndarray   # (dates, quantiles) 1 / names in the quantile (unused where 0 names)
    long_short: np.ndarray  # (dates, assets)
    columns: tuple

    @property
    def n_portfolios(self) -> int:
        return len(self.columns)


def _stacked_signals(fd: FactorData, columns: list, panel: PricePanel, long_short: pd.DataFrame) -> Signals:
    """Target weights of every portfolio on the price timeline (``weights``: a :class:`_Baskets`).

    The quantile codes and the names per (date, quantile) come from one pass
    over the quantile labels; ``1 / count`` is the same division as
    ``factor_weights`` makes of ones by their sum.
    """
    one = signals(long_short, panel.index)
    labels = fd.quantile.to_numpy(dtype="float64")
    n_q = len(columns) - 1
    n_d, n_a = labels.shape
    codes = np.full((n_d, n_a), -1, dtype=np.int8 if n_q < 127 else np.int32)
    count = np.zeros((n_d, n_q), dtype=np.int64)
    step = max(1, 2**20 // max(1, n_a))  # a block of dates at a time: no whole-panel temporaries
    for lo in range(0, n_d, step):
        lab = labels[lo:lo + step]
        in_range = (lab >= 1) & (lab <= n_q) & (lab == np.round(lab))
        code = codes[lo:lo + step]
        code[in_range] = lab[in_range] - 1
        for q in range(n_q):
            count[lo:lo + step, q] = (code == q).sum(axis=1)
    with np.errstate(divide="ignore"):
        inv_count = np.divide(1.0, count)
    baskets = _Baskets(codes=codes, inv_count=inv_count, long_short=one.weights, columns=tuple(columns))
    return Signals(weights=baskets, row_of_bar=one.row_of_bar, first_bar=one.first_bar)


@dataclass(frozen=True, eq=False)
class _BatchRun:
    """Per-bar outputs of several portfolios run side by side, shape (portfolios, rows)."""

    start: int
    returns: np.ndarray
    turnover: np.ndarray
    n_gap_events: np.ndarray
    ruins: list = field(default_factory=list)


def _simulate_periods(panel: PricePanel, sig: Signals, periods: list[int], delay: int,
                      cost_bps: float | np.ndarray | list, capital: float, ends: list[int]) -> list[_BatchRun]:
    """The sleeve kernel for every period: each run holds every portfolio of ``sig`` (quantile baskets
    of a :class:`_Baskets`, or one weights array once per cost).

    ``cost_bps``: one cost for every run (a number, or an array with one cost per portfolio), or a
    list with one such cost per run (``periods[k]`` at ``cost_bps[k]``).
    """
    costs = cost_bps if isinstance(cost_bps, list) else [cost_bps] * len(periods)
    if len(costs) != len(periods):
        raise ValueError(f"one cost per run: {len(costs)} costs for {len(periods)} periods")
    w = sig.weights
    if isinstance(w, _Baskets):
        ls, codes, inv_count, P = w.long_short, w.codes, w.inv_count, w.n_portfolios
    else:
        ls, codes, inv_count = w, None, None
        P = max(np.size(c) for c in costs)
    start = sig.first_bar + delay
    out = []
    for period, cost, end in zip(periods, costs, ends):
        check_horizon(end, sig.first_bar, period, delay)
        rates = np.broadcast_to(np.asarray(cost, dtype="float64") * 1e-4, (P,))
        run = run_kernel(panel.prices, panel.marks, panel.blocked, sig.row_of_bar, ls, rates, start, end,
                         period, delay, capital, codes=codes, inv_count=inv_count)
        out.append(_BatchRun(start=start, returns=bar_returns(run.equity, capital),
                             turnover=bar_turnover(run.traded, run.equity, run.costs),
                             n_gap_events=run.gaps.sum(axis=1), ruins=run.ruins))
    return out


def _frame(values: np.ndarray, index: pd.DatetimeIndex, columns: list) -> pd.DataFrame:
    out = pd.DataFrame(values.T, index=index)
    out.columns = pd.Index(columns, name="quantile", dtype=object)
    return out


def _single_inputs(weights, prices: pd.DataFrame, periods: list, delay: int, capital: float, costs: list,
                   ) -> tuple[PricePanel, Signals, int]:
    """One weights frame prepared for the batch simulator with one portfolio per cost: inputs checked
    and aligned as :func:`interleaved_returns` checks them (for each period), price panel, signals, end."""
    for period in periods:
        for c in costs:
            check_run_args(period, delay, c, capital)
    wide = align_weights(weights, prices)
    panel = price_panel(prices, wide.columns)
    sig = signals(wide, panel.index)
    end = len(panel.index)
    for period in periods:
        check_horizon(end, sig.first_bar, int(period), int(delay))
    return panel, sig, end


def interleaved_periods_at_costs(weights: pd.DataFrame | pd.Series, prices: pd.DataFrame, periods, costs, *,
                                 delay: int = 0, capital: float = 1_000_000.0
                                 ) -> dict[int, list[tuple[pd.Series, pd.Series]]]:
    """Per-bar returns and turnover of the same interleaved sleeves at several costs and periods, in one
    preparation of the inputs and one kernel call per period (one portfolio per cost), without a ledger.

    ``out[period][k]`` equals ``interleaved_returns(weights, prices, period, delay,
    cost_bps=costs[k])``'s ``(returns, turnover)`` bit for bit; the weights are aligned and the prices
    checked once for every period (:func:`_simulate_periods`).

    Raises
    ------
    As :func:`interleaved_returns` (for each period and cost).
    """
    costs = [float(c) for c in costs]
    periods = [int(p) for p in periods]
    panel, sig, end = _single_inputs(weights, prices, periods, delay, capital, costs)
    runs = _simulate_periods(panel, sig, periods, int(delay), np.array(costs), float(capital),
                             [end] * len(periods))
    out = {}
    for period, run in zip(periods, runs):
        index = panel.index[run.start:end]
        out[period] = [(pd.Series(run.returns[k], index=index, name="return"),
                        pd.Series(run.turnover[k], index=index, name="turnover")) for k in range(len(costs))]
    return out


def mean_returns_at_costs(weights: pd.DataFrame | pd.Series, prices: pd.DataFrame, periods, delay: int = 0,
                          capital: float = 1_000_000.0):
    """A function ``{period: cost_bps} -> {period: mean per-bar return}`` of the interleaved sleeves (what a
    root finder over the cost needs), whose runs share one preparation of the inputs.

    Each mean equals ``interleaved_returns(weights, prices, period, delay, cost_bps=cost).returns.mean()``
    bit for bit, whichever periods are asked
    together: a root finder can evaluate every period's next guess in one pass.

    Raises
    ------
    As :func:`interleaved_returns` (for each period).
    """
    periods = [int(p) for p in periods]
    panel, sig, end = _single_inputs(weights, prices, periods, delay, capital, [0.0])

    def means(costs: dict) -> dict[int, float]:
        unknown = sorted(set(costs) - set(periods))
        if unknown:
            raise ParameterError(f"period(s) {unknown} were not prepared (periods {periods})")
        asked = list(costs)
        for p in asked:
            check_run_args(p, delay, costs[p], capital)
        runs = _simulate_periods(panel, sig, asked, int(delay), [float(costs[p]) for p in asked],
                                 float(capital), [end] * len(asked))
        return {p: float(pd.Series(run.returns[0]).mean()) for p, run in zip(asked, runs)}

    return means
