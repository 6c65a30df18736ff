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
from factorlab.portfolio._sleeves import (
    PricePanel,
    Signals,
    _rolling_cash,
    align_weights,
    check_horizon,
    check_run_args,
    price_panel,
    signals,
)
from factorlab.portfolio._weights import factor_weights

__all__ = ["QuantileReturns", "interleaved_at_costs", "interleaved_periods_at_costs", "mean_return_at_costs",
           "mean_returns_at_costs", "quantile_interleaved_returns"]

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
    """

    returns: dict[str, pd.DataFrame] = field(repr=False)
    turnover: dict[str, pd.DataFrame] = field(repr=False)
    gap_events: pd.DataFrame = field(repr=False)
    periods: tuple[int, ...]
    labels: tuple[str, ...]
    delay: int = 0
    cost_bps: float = 0.0
    capital: float = 1_000_000.0

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
                                 capital: float = 1_000_000.0) -> QuantileReturns:
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
    sig = _stacked_signals(fd, columns, panel)
    last = int(panel.index.get_indexer(fd.dates[-1:])[0])
    ends = [min(len(panel.index), last + fd.delay + p + 1) for p in fd.periods]
    unit = _unit_blocks(panel, sig, fd.delay, max(ends))
    returns, turnover, gaps = {}, {}, {}
    # every period in step over the bars: each block of unit targets is built once for all of them
    runs = _simulate_periods(panel, sig, unit, list(fd.periods), fd.delay, float(cost_bps), float(capital), ends)
    for run, label, end in zip(runs, fd.labels, ends):
        index = panel.index[run.start:end]
        returns[label] = _frame(run.returns, index, columns)
        turnover[label] = _frame(run.turnover, index, columns)
        gaps[label] = dict(zip(columns, run.n_gap_events.tolist()))
    gap_frame = pd.DataFrame(gaps).T.astype(np.int64)
    gap_frame.index.name = "period"
    return QuantileReturns(returns=returns, turnover=turnover, gap_events=gap_frame,
                           periods=tuple(fd.periods), labels=tuple(fd.labels), delay=int(fd.delay),
                           cost_bps=float(cost_bps), capital=float(capital))


@dataclass(frozen=True, eq=False)
class _Baskets:
    """The target weights of every portfolio, kept compact and expanded a block of rows at a time.

    Quantile ``q``'s basket is ``1 / (names in q)`` on its names and NaN
    elsewhere (the numbers of ``factor_weights(fd, quantiles=q,
    long_short=False)``); the long-short row is :func:`factor_weights`. Held
    as one small integer code per cell and one ``1 / count`` per (date,
    quantile) instead of a (portfolios, dates, assets) float array (720 MB
    for 6 portfolios on 3,000 x 5,000): :meth:`take` builds the rows a cycle
    (or a block of cycles) needs.
    """

    codes: np.ndarray       # (dates, assets) 0-based quantile code, -1: in no basket
    inv_count: np.ndarray   # (dates, quantiles) 1 / names in the quantile (unused where 0 names)
    long_short: np.ndarray  # (dates, assets)
    columns: tuple

    @property
    def n_portfolios(self) -> int:
        return len(self.columns)

    def take(self, rows: np.ndarray) -> np.ndarray:
        """Weights of every portfolio on signal rows ``rows``, shape (portfolios, len(rows), assets)."""
        codes = self.codes[rows]
        out = np.empty((len(self.columns), len(rows), codes.shape[1]))
        for i, c in enumerate(self.columns):
            if c == LONG_SHORT:
                out[i] = self.long_short[rows]
            else:
                np.copyto(out[i], np.where(codes == c - 1, self.inv_count[rows, c - 1][:, None], np.nan))
        return out

    def unit_targets(self, rows: np.ndarray, prices: np.ndarray, nonzero: bool
                     ) -> tuple[np.ndarray, np.ndarray | None]:
        """``take(rows) / prices`` with 0 where that is not a finite number, shape (portfolios, len(rows),
        assets), and (when ``nonzero``) where each weight is a non-zero number.

        The same divisions as dividing :meth:`take` by the prices (``w / P`` with ``w = 1 / (names in the
        basket)``), made once per cell for the basket the cell is in, then spread to the baskets by
        their membership: a handful of passes over the rows instead of building NaN weights for every
        (basket, cell), dividing them all and clearing the NaNs.
        """
        codes = self.codes[rows]
        P, (m, A) = len(self.columns), codes.shape
        out = np.empty((P, m, A))
        flags = np.zeros((P, m, A), dtype=bool) if nonzero else None
        # w / P of each cell's own basket (cells in no basket read basket 1's and are cleared below)
        own = np.take_along_axis(self.inv_count[rows], np.maximum(codes, 0).astype(np.intp), axis=1)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.divide(own, prices, out=own)
        own[~np.isfinite(own)] = 0.0  # NaN or 0 price (or an overflow): no target
        for i, c in enumerate(self.columns):
            if c == LONG_SHORT:
                w = self.long_short[rows]
                if nonzero:
                    flags[i] = ~np.isnan(w) & (w != 0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    np.divide(w, prices, out=out[i])
                out[i][~np.isfinite(out[i])] = 0.0
            else:
                member = codes == c - 1
                if nonzero:
                    flags[i] = member  # 1 / (names in the basket) is never 0
                np.multiply(own, member, out=out[i])  # x 1 or x 0: the division's value or 0 exactly
        return out, flags


def _stacked_signals(fd: FactorData, columns: list, panel: PricePanel) -> Signals:
    """Target weights of every portfolio on the price timeline (``weights``: a :class:`_Baskets`).

    The quantile codes and the names per (date, quantile) come from one pass
    over the quantile labels; ``1 / count`` is the same division as
    ``factor_weights`` makes of ones by their sum.
    """
    long_short = factor_weights(fd)
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


#: Elements (portfolios x rows x assets) of one block of precomputed unit targets.
_UNIT_BLOCK_CELLS = 2**22


class _UnitBlocks:
    """Target shares per unit of sleeve value, ``w[t - delay] / P[t]``, a block of rows at a time.

    In the usual case (a signal on every bar up to the last factor date) a
    cycle's targets are a slice of this: blocks of
    about 4 million cells (32 MB) are computed as the run reaches them (the
    same division as ``_sleeves._unit_targets``), so no (portfolios x bars x
    assets) array is ever built. :func:`_unit_blocks` returns None
    otherwise, and each cycle computes its own targets from the weights.
    """

    def __init__(self, panel: PricePanel, sig: Signals, start: int, first_row: int, n: int) -> None:
        self.panel, self.sig, self.start, self.first_row, self.n = panel, sig, start, first_row, n
        n_assets = panel.prices.shape[1]
        self.step = max(1, _UNIT_BLOCK_CELLS // max(1, sig.weights.n_portfolios * n_assets))
        self.lo, self.hi, self.block = 0, 0, None

    def _load(self, lo: int, m: int) -> None:
        hi = min(self.n, max(lo + m, lo + self.step))
        rows = np.arange(self.first_row + lo, self.first_row + hi)
        # which weights are numbers to trade: read only where a blocked price can stop a trade
        blocked = bool(self.panel.any_blocked[self.start + lo:self.start + hi].any())
        unit, self.nonzero_block = self.sig.weights.unit_targets(
            rows, self.panel.prices[self.start + lo:self.start + hi], blocked)
        self.lo, self.hi, self.block = lo, hi, unit

    def nonzero(self, lo: int, m: int) -> np.ndarray:
        """Whether each portfolio's weight on rows ``lo .. lo + m`` is a non-zero number (NaN: no), shape
        (P, m, assets); False past the last signal. Call after :meth:`get` (or :meth:`ahead`) for the same
        rows, on rows with a blocked price (the block holds it only then)."""
        out = np.zeros((self.sig.weights.n_portfolios, m, self.panel.prices.shape[1]), dtype=bool)
        if lo < self.n:
            k = min(lo + m, self.n) - lo
            out[:, :k] = self.nonzero_block[:, lo - self.lo:lo - self.lo + k]
        return out

    def ahead(self, lo: int) -> np.ndarray:
        """Targets from row ``lo`` (< ``n``) to the end of the block that holds it (built if it is not
        the current one), shape (P, k, assets): a run that reads whole blocks follows the blocks the
        other runs built."""
        if not (self.lo <= lo < self.hi):
            self._load(lo, 1)
        return self.block[:, lo - self.lo:]

    def get(self, lo: int, m: int) -> np.ndarray:
        """Targets of rows ``lo .. lo + m`` (from the run's first execution bar), shape (P, m, assets);
        0 past the last signal."""
        if lo >= self.n:
            return np.zeros((self.sig.weights.n_portfolios, m, self.panel.prices.shape[1]))
        if not (self.lo <= lo and min(lo + m, self.n) <= self.hi):
            self._load(lo, min(m, self.n - lo))
        take = self.block[:, lo - self.lo:min(lo + m, self.n) - self.lo]
        if lo + m <= self.n:
            return take
        out = np.zeros((take.shape[0], m, take.shape[2]))  # bars past the last signal: no target
        out[:, :take.shape[1]] = take
        return out


def _unit_blocks(panel: PricePanel, sig: Signals, delay: int, end: int) -> _UnitBlocks | None:
    """A :class:`_UnitBlocks` for the run up to bar ``end`` when every bar up to the last signal has one
    (blocked prices are handled by each cycle, which keeps those shares); else None."""
    start = sig.first_bar + delay
    rows = sig.row_of_bar[start - delay:end - delay]
    n = int(np.argmin(rows >= 0)) if (rows < 0).any() else len(rows)
    if (rows[n:] >= 0).any() or not np.array_equal(rows[:n], np.arange(rows[0], rows[0] + n)):
        return None
    return _UnitBlocks(panel, sig, start, int(rows[0]), n)


@dataclass(frozen=True, eq=False)
class _BatchRun:
    """Per-bar outputs of several portfolios run side by side, shape (portfolios, rows)."""

    start: int
    returns: np.ndarray
    turnover: np.ndarray
    n_gap_events: np.ndarray


def _cycle_targets(panel: PricePanel, sig: Signals, unit: _UnitBlocks | None, rows: np.ndarray,
                   has: np.ndarray, lo: int, bar: int) -> np.ndarray:
    """Target shares per unit of value for one cycle's bars, shape (P, m, assets)."""
    m = len(rows)
    if unit is not None:
        return unit.get(lo, m)
    prices = panel.prices[bar:bar + m]
    out = np.zeros((sig.weights.n_portfolios, m, prices.shape[1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:, has] = sig.weights.take(rows[has]) / prices[has]
    out[~np.isfinite(out)] = 0.0
    return out


def _simulate_batch(panel: PricePanel, sig: Signals, unit: _UnitBlocks | None, period: int, delay: int,
                    cost_bps: float | np.ndarray, capital: float, end: int) -> _BatchRun:
    """:func:`factorlab.portfolio._sleeves.simulate` for P portfolios at once.

    ``sig.weights`` is a :class:`_Baskets` of P portfolios. The arithmetic is
    the single-portfolio simulation's, operation for operation (same sums in
    the same order), so each portfolio's returns equal an
    :func:`interleaved_returns` run bit for bit; but one cycle of N bars is
    computed for all P portfolios at once, and the holdings are kept only for
    the current and the previous cycle: O(P x N x assets) memory instead of
    O(P x bars x assets). One exception: the one-bar run without costs on
    prices with no gaps is computed in blocks of bars (:func:`_one_bar_steps`),
    equal to the cycle loop to about 1e-15 per bar.
    """
    return _simulate_periods(panel, sig, unit, [period], delay, cost_bps, capital, [end])[0]


def _simulate_periods(panel: PricePanel, sig: Signals, unit: _UnitBlocks | None, periods: list[int], delay: int,
                      cost_bps: float | np.ndarray | list, capital: float, ends: list[int]) -> list[_BatchRun]:
    """:func:`_simulate_batch` for several periods, run side by side in step over the bars.

    The runs advance together (always the one whose next cycle starts earliest), so the unit
    targets built for a block of bars serve every period before the next block is built: once
    per block instead of once per block and period. Each run's arithmetic is unchanged (its
    numbers equal a run of its own bit for bit). A one-bar period without costs and without price
    gaps runs as :func:`_one_bar_steps` (a block formula, not a loop over bars).

    ``cost_bps``: one cost for every run (a number, or an array with one cost per portfolio), or a
    list with one such cost per run (``periods[k]`` at ``cost_bps[k]``).
    """
    costs = cost_bps if isinstance(cost_bps, list) else [cost_bps] * len(periods)
    if len(costs) != len(periods):
        raise ValueError(f"one cost per run: {len(costs)} costs for {len(periods)} periods")
    runs = [_one_bar_steps(panel, sig, unit, delay, capital, e)
            if p == 1 and _one_bar_applies(panel, sig, unit, delay, c, e)
            else _one_bar_loop(panel, sig, unit, delay, c, capital, e)
            if p == 1 and _one_bar_loop_applies(unit)
            else _batch_steps(panel, sig, unit, p, delay, c, capital, e) for p, c, e in zip(periods, costs, ends)]
    out: list[_BatchRun | None] = [None] * len(runs)
    at = [next(r) for r in runs]  # the bar each run's next cycle starts at (every run has one: check_horizon)
    live = list(range(len(runs)))
    while live:
        k = min(live, key=lambda j: at[j])
        try:
            at[k] = next(runs[k])
        except StopIteration as done:
            out[k] = done.value
            live.remove(k)
    return out


def _batch_steps(panel: PricePanel, sig: Signals, unit: _UnitBlocks | None, period: int, delay: int,
                 cost_bps: float | np.ndarray, capital: float, end: int):
    """The batch simulation as a generator: yields the first bar (from the run's start) of each cycle
    before computing it, and returns the :class:`_BatchRun`."""
    check_horizon(end, sig.first_bar, period, delay)
    N, start = period, sig.first_bar + delay
    n, P, A = end - start, sig.weights.n_portfolios, panel.marks.shape[1]
    rows = sig.row_of_bar[start - delay:end - delay]
    has = rows >= 0
    marks = panel.marks[start:end]
    special = ~has | panel.any_blocked[start:end]
    cash, traded = np.empty((P, n)), np.empty((P, n))
    held_value = np.empty((P, n))  # all sleeves' shares valued at the bar's marks
    untradeable = np.zeros(P, dtype=np.int64)
    old = np.zeros((P, N, A))
    old_cash = np.full((P, N), capital / N)
    suffix = None  # previous cycle: shares of sleeves k+1..N-1 summed, at position k
    # one cost for all, or one per portfolio (shape (P, 1)): the same product per element either way
    rate = np.asarray(cost_bps, dtype="float64").reshape(-1, 1) * 1e-4 if np.ndim(cost_bps) else cost_bps * 1e-4
    for lo in range(0, n, N):
        yield lo
        hi = min(lo + N, n)
        m = hi - lo
        o, mark, h = old[:, :m], marks[lo:hi], has[lo:hi]
        value = old_cash[:, :m] + np.vecdot(o, mark)
        targets = _cycle_targets(panel, sig, unit, rows[lo:hi], h, lo, start + lo)
        if m == N:
            new = np.multiply(value[..., None], targets)
        else:  # the last, partial cycle: sleeves past the end hold nothing
            new = np.zeros((P, N, A))
            np.multiply(value[..., None], targets, out=new[:, :m])
        if special[lo:hi].any():
            untradeable += _keep_batch(panel, sig, new[:, :m], o, rows[lo:hi], h, start + lo, unit, lo)
        delta = new[:, :m] - o
        bar_traded = np.vecdot(np.abs(delta, out=delta), mark)
        new_value = np.vecdot(new[:, :m], mark)
        bar_cash = value - new_value - rate * bar_traded
        cash[:, lo:hi] = np.where(h, bar_cash, old_cash[:, :m])
        traded[:, lo:hi] = bar_traded
        if N == 1:  # one sleeve: its new shares are all the shares held
            held_value[:, lo:hi] = new_value
        else:
            held_value[:, lo:hi] = np.vecdot(_cycle_total(new, suffix)[:, :m], mark)
        suffix = _cycle_suffix(new)
        old, old_cash = new, cash[:, lo:hi]
    return _finish_run(start, cash, traded, held_value, rate, N, capital, untradeable)


def _finish_run(start: int, cash: np.ndarray, traded: np.ndarray, held_value: np.ndarray, rate, N: int,
                capital: float, untradeable: np.ndarray) -> _BatchRun:
    """Returns and turnover from the per-bar cash, traded notional and held value of each portfolio."""
    P = cash.shape[0]
    equity = np.stack([_rolling_cash(cash[p], N, capital) for p in range(P)]) + held_value
    costs = rate * traded
    prev = np.concatenate((np.full((P, 1), capital), equity[:, :-1]), axis=1)
    return _BatchRun(start=start, returns=equity / prev - 1.0, turnover=traded / (equity + costs),
                     n_gap_events=untradeable)


def _hold_to_the_end(shares: np.ndarray, marks: np.ndarray, n_sig: int, cash: np.ndarray,
                     held: np.ndarray) -> None:
    """A one-bar run after its last signal (bars ``n_sig ..``): the last shares and cash are held to the
    end, as the cycle loop holds them; fills ``held`` and ``cash`` (P, bars) in place."""
    if n_sig < cash.shape[1]:
        held[:, n_sig:] = np.vecdot(shares[:, None, :], marks[n_sig:])
        cash[:, n_sig:] = cash[:, n_sig - 1:n_sig]


def _one_bar_loop_applies(unit: _UnitBlocks | None) -> bool:
    """Whether :func:`_one_bar_loop` can run the one-bar sleeve: a signal on every bar up to the last
    one (unit blocks); any costs, any price gaps."""
    return unit is not None


#: Bars of the one-bar loop between two yields (the other periods' runs keep in step with it).
_ONE_BAR_LOOP_STEP = 256


def _one_bar_loop(panel: PricePanel, sig: Signals, unit: _UnitBlocks, delay: int, cost_bps: float | np.ndarray,
                  capital: float, end: int):
    """The one-bar sleeve (N = 1) at any cost: :func:`_batch_steps`' arithmetic bar for bar, bit for bit,
    without its per-cycle bookkeeping.

    With one sleeve every cycle is one bar, and with a signal on every bar (:func:`_one_bar_loop_applies`)
    each bar is the same five products and sums over the assets as the cycle loop's (value, new
    shares, traded notional, new holdings' value, cash), on (portfolios, assets) rows read straight
    from the unit blocks. On a bar where some price is missing or zero the shares of those assets are
    kept and the gap events counted by the cycle loop's rule (:func:`_kept_back`). Past the last
    signal the shares and the cash are held (traded 0), as the cycle loop holds them. A generator
    yielding every :data:`_ONE_BAR_LOOP_STEP` bars, so it runs in step with the other periods.
    """
    check_horizon(end, sig.first_bar, 1, delay)
    start = sig.first_bar + delay
    n, P, A = end - start, sig.weights.n_portfolios, panel.marks.shape[1]
    n_sig = min(unit.n, n)
    marks = panel.marks[start:end]
    blocked, any_blocked = panel.blocked[start:end], panel.any_blocked[start:end]
    untradeable = np.zeros(P, dtype=np.int64)
    # one cost for all, or one per portfolio: the cycle loop's rate (the same product per element)
    per_portfolio = np.ndim(cost_bps) > 0
    rate = np.asarray(cost_bps, dtype="float64").reshape(-1, 1) * 1e-4 if per_portfolio else cost_bps * 1e-4
    bar_rate = rate[:, 0] if per_portfolio else rate
    cash, traded, held_value = np.empty((P, n)), np.empty((P, n)), np.empty((P, n))
    old, old_cash = np.zeros((P, A)), np.full(P, capital / 1)  # capital / N, as the cycle loop starts
    lo = 0
    while lo < n_sig:
        yield lo
        block = unit.ahead(lo)
        hi = min(lo + block.shape[1], n_sig, lo + _ONE_BAR_LOOP_STEP)
        for t in range(lo, hi):
            mark = marks[t]
            value = old_cash + np.vecdot(old, mark)
            new = value[:, None] * block[:, t - lo]
            if any_blocked[t]:  # keep the shares of names without a tradeable price; count the events
                untradeable += _kept_back(new, old, blocked[t], unit.nonzero(t, 1)[:, 0])
            delta = new - old
            bar_traded = np.vecdot(np.abs(delta, out=delta), mark)
            new_value = np.vecdot(new, mark)
            old_cash = value - new_value - bar_rate * bar_traded
            cash[:, t], traded[:, t], held_value[:, t] = old_cash, bar_traded, new_value
            old = new
        lo = hi
    traded[:, n_sig:] = 0.0
    _hold_to_the_end(old, marks, n_sig, cash, held_value)
    return _finish_run(start, cash, traded, held_value, rate, 1, capital, untradeable)


def _one_bar_applies(panel: PricePanel, sig: Signals, unit: _UnitBlocks | None, delay: int,
                     cost_bps: float | np.ndarray, end: int) -> bool:
    """Whether :func:`_one_bar_steps` can run the one-bar sleeve: no costs, a signal on every bar up to
    the last one (:func:`_one_bar_loop_applies`) and a tradeable price for every asset on every bar of
    the run (no share is ever kept back)."""
    return (not np.any(cost_bps) and _one_bar_loop_applies(unit)
            and not panel.any_blocked[sig.first_bar + delay:end].any())


#: Elements (portfolios x bars x assets) of one chunk of the one-bar run: small enough to stay in cache.
_ONE_BAR_CHUNK_CELLS = 2**16


def _one_bar_steps(panel: PricePanel, sig: Signals, unit: _UnitBlocks, delay: int, capital: float, end: int):
    """The one-bar sleeve (N = 1) without costs, a chunk of bars at a time instead of one bar at a time.

    On each bar ``t`` with a signal the sleeve trades from its value ``V(t)`` to ``V(t) U(t)`` shares
    (``U`` the unit targets ``w / P``) and pays nothing, so its value on the next bar is
    ``V(t+1) = V(t) (1 - U(t).M(t) + U(t).M(t+1))`` (``M`` the marks): a running product of per-bar
    factors from two row-wise dot products over the assets. Shares, cash, traded notional and held
    value then follow per bar without a loop over bars. Past the last signal the shares and the cash
    are held, as :func:`_batch_steps` holds them.

    The same run as :func:`_batch_steps` (a generator yielding each chunk's first bar, so it runs
    in step with the other periods) up to rounding: the cycle loop adds cash and shares in
    another order; per-bar returns agree to about 1e-15. With one sleeve, the loop's cost is its
    per-bar overhead (numpy calls on one row per portfolio); here each call covers a chunk of bars.
    Preconditions: ``N = 1`` and :func:`_one_bar_applies`.
    """
    check_horizon(end, sig.first_bar, 1, delay)
    start = sig.first_bar + delay
    n, P, A = end - start, sig.weights.n_portfolios, panel.marks.shape[1]
    n_sig = min(unit.n, n)
    marks = panel.marks[start:end]
    chunk = int(np.clip(_ONE_BAR_CHUNK_CELLS // max(1, P * A), 8, 1024))
    cash, held, traded = np.empty((P, n)), np.empty((P, n)), np.zeros((P, n))
    value = np.full(P, float(capital))   # V on the chunk's first bar
    before = np.zeros((P, A))            # the shares held into the chunk's first bar
    lo = 0
    while lo < n_sig:
        yield lo  # a chunk at a time: the runs of the other periods stay in step (each block built once)
        rows = unit.ahead(lo)[:, :min(chunk, n_sig - lo)]
        hi = lo + rows.shape[1]
        value, before = _one_bar_chunk(rows, marks[lo:hi], marks[lo + 1:min(hi + 1, n)], value, before,
                                       cash[:, lo:hi], held[:, lo:hi], traded[:, lo:hi])
        lo = hi
    _hold_to_the_end(before, marks, n_sig, cash, held)
    equity = cash + held
    prev = np.concatenate((np.full((P, 1), float(capital)), equity[:, :-1]), axis=1)
    return _BatchRun(start=start, returns=equity / prev - 1.0, turnover=traded / equity,
                     n_gap_events=np.zeros(P, dtype=np.int64))


def _one_bar_chunk(unit: np.ndarray, mark: np.ndarray, after: np.ndarray, value: np.ndarray, before: np.ndarray,
                   cash: np.ndarray, held: np.ndarray, traded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One chunk of :func:`_one_bar_steps`: fills ``cash``, ``held`` and ``traded`` (P, k) in place;
    returns the value on the bar after the chunk and the chunk's last shares. ``after``: the marks of
    the next bars (one fewer than the chunk's at the run's last bar)."""
    k, m = unit.shape[1], len(after)
    growth = 1.0 - np.vecdot(unit[:, :m], mark[:m]) + np.vecdot(unit[:, :m], after)
    values = np.cumprod(np.concatenate((value[:, None], growth), axis=1), axis=1)  # V(t) .. V(t + m)
    shares = np.multiply(values[:, :k, None], unit)
    held[:] = np.vecdot(shares, mark)
    cash[:] = values[:, :k] - held
    delta = np.empty_like(shares)
    np.subtract(shares[:, :1], before[:, None], out=delta[:, :1])
    np.subtract(shares[:, 1:], shares[:, :-1], out=delta[:, 1:])
    traded[:] = np.vecdot(np.abs(delta, out=delta), mark)
    return values[:, -1], shares[:, -1].copy()


def _cycle_total(new: np.ndarray, suffix: np.ndarray | None) -> np.ndarray:
    """All sleeves' shares on each bar of a cycle, summed as ``_sleeves._total_holdings`` does.

    Bar k of the cycle holds sleeves 0..k of this cycle (a running sum) and
    k+1..N-1 of the previous one (``suffix``).
    """
    N = new.shape[1]
    if N == 1:
        return new
    total = new.copy()
    for k in range(1, N):
        total[:, k] += total[:, k - 1]
    if suffix is not None:
        total[:, :N - 1] += suffix
    return total


def _cycle_suffix(new: np.ndarray) -> np.ndarray | None:
    """Position k: shares of sleeves k+1..N-1 of this cycle, summed from the last sleeve down."""
    N = new.shape[1]
    if N == 1:
        return None
    suffix = new[:, 1:].copy()
    for k in range(N - 3, -1, -1):
        suffix[:, k] += suffix[:, k + 1]
    return suffix


def _keep_batch(panel: PricePanel, sig: Signals, new: np.ndarray, old: np.ndarray, rows: np.ndarray,
                has: np.ndarray, bar: int, unit: _UnitBlocks | None = None, lo: int = 0) -> np.ndarray:
    """Batched ``_keep_untradeable``: keep shares without a signal or a price; count gap events per portfolio.

    Whether each target weight is a non-zero number comes from the unit blocks when the run has them
    (row ``lo`` of the run), else from the weights."""
    counts = np.zeros(new.shape[0], dtype=np.int64)
    if panel.any_blocked[bar:bar + len(rows)].any():
        if unit is not None:
            nonzero = unit.nonzero(lo, len(rows))
        else:
            w = sig.weights.take(np.where(has, rows, 0))
            nonzero = ~np.isnan(w) & (w != 0)
        counts = _kept_back(new, old, panel.blocked[bar:bar + len(rows)] & has[:, None], nonzero)
    np.copyto(new, old, where=np.broadcast_to(~has[None, :, None], new.shape))  # no signal: hold
    return counts


def _kept_back(new: np.ndarray, old: np.ndarray, blocked: np.ndarray, nonzero: np.ndarray) -> np.ndarray:
    """Keep the shares held (``old``) where a name has no tradeable price (``blocked``, broadcast over the
    portfolios), in ``new`` in place; return per portfolio the gap events: blocked cells that held shares
    or were to trade (``nonzero`` target weight). ``new``, ``old``: (P, ..., assets)."""
    counts = (blocked & ((old != 0) | nonzero)).reshape(len(new), -1).sum(axis=1)
    np.copyto(new, old, where=blocked)
    return counts


def _frame(values: np.ndarray, index: pd.DatetimeIndex, columns: list) -> pd.DataFrame:
    out = pd.DataFrame(values.T, index=index)
    out.columns = pd.Index(columns, name="quantile", dtype=object)
    return out


class _OnePortfolio:
    """One portfolio's target weights as the batch simulator reads them, ``copies`` times (one per cost)."""

    def __init__(self, weights: np.ndarray, copies: int = 1) -> None:
        self.weights, self.n_portfolios = weights, int(copies)

    def take(self, rows: np.ndarray) -> np.ndarray:
        one = self.weights[rows][None]
        return one if self.n_portfolios == 1 else np.repeat(one, self.n_portfolios, axis=0)

    def unit_targets(self, rows: np.ndarray, prices: np.ndarray, nonzero: bool
                     ) -> tuple[np.ndarray, np.ndarray | None]:
        """``take(rows) / prices`` with 0 where that is not a finite number, and (when ``nonzero``) where
        each weight is a non-zero number: computed once and read by every copy (read-only views)."""
        w = self.weights[rows]
        flags = (~np.isnan(w) & (w != 0)) if nonzero else None
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(w, prices, out=w)
        w[~np.isfinite(w)] = 0.0
        shape = (self.n_portfolios, *w.shape)
        return np.broadcast_to(w, shape), None if flags is None else np.broadcast_to(flags, shape)


def _single_inputs(weights, prices: pd.DataFrame, periods: list, delay: int, capital: float, costs: list,
                   ) -> tuple[PricePanel, Signals, _UnitBlocks | None, int]:
    """One weights frame prepared for the batch simulator with one portfolio per cost: inputs checked
    and aligned as :func:`interleaved_returns` checks them (for each period), price panel, signals, unit
    blocks, end. The unit targets do not depend on the period: runs of several periods share them."""
    for period in periods:
        for c in costs:
            check_run_args(period, delay, c, capital)
    wide = align_weights(weights, prices)
    panel = price_panel(prices, wide.columns)
    one = signals(wide, panel.index)
    sig = Signals(weights=_OnePortfolio(one.weights, len(costs)), row_of_bar=one.row_of_bar,
                  first_bar=one.first_bar)
    end = len(panel.index)
    for period in periods:
        check_horizon(end, sig.first_bar, int(period), int(delay))
    return panel, sig, _unit_blocks(panel, sig, int(delay), end), end


def interleaved_at_costs(weights: pd.DataFrame | pd.Series, prices: pd.DataFrame, period: int, costs, *,
                         delay: int = 0, capital: float = 1_000_000.0) -> list[tuple[pd.Series, pd.Series]]:
    """Per-bar returns and turnover of the same interleaved sleeves at several costs, in one run.

    Entry k equals ``interleaved_returns(weights, prices, period, delay, cost_bps=costs[k])``'s
    ``(returns, turnover)`` bit for bit (for ``period=1`` with every cost 0 on prices without gaps, to
    about 1e-15 per bar: :func:`_one_bar_steps`): the runs at every cost share one preparation of the
    inputs and one loop over the bars (the batch simulator, one portfolio per cost), and keep no ledger.

    Raises
    ------
    As :func:`interleaved_returns` (for each cost).
    """
    return interleaved_periods_at_costs(weights, prices, (period,), costs, delay=delay, capital=capital)[period]


def interleaved_periods_at_costs(weights: pd.DataFrame | pd.Series, prices: pd.DataFrame, periods, costs, *,
                                 delay: int = 0, capital: float = 1_000_000.0
                                 ) -> dict[int, list[tuple[pd.Series, pd.Series]]]:
    """:func:`interleaved_at_costs` for several periods, from one preparation of the inputs.

    ``out[period][k]`` equals ``interleaved_returns(weights, prices, period, delay,
    cost_bps=costs[k])``'s ``(returns, turnover)`` bit for bit (the one-bar period without costs to
    about 1e-15 per bar, as :func:`interleaved_at_costs`); the weights are aligned, the prices
    checked and the unit targets (weight / price) built once for every period, and the periods run
    in step over the bars (:func:`_simulate_periods`).

    Raises
    ------
    As :func:`interleaved_returns` (for each period and cost).
    """
    costs = [float(c) for c in costs]
    periods = [int(p) for p in periods]
    panel, sig, unit, end = _single_inputs(weights, prices, periods, delay, capital, costs)
    runs = _simulate_periods(panel, sig, unit, periods, int(delay), np.array(costs), float(capital),
                             [end] * len(periods))
    out = {}
    for period, run in zip(periods, runs):
        index = panel.index[run.start:end]
        out[period] = [(pd.Series(run.returns[k], index=index, name="return"),
                        pd.Series(run.turnover[k], index=index, name="turnover")) for k in range(len(costs))]
    return out


def mean_return_at_costs(weights: pd.DataFrame | pd.Series, prices: pd.DataFrame, period: int, delay: int = 0,
                         capital: float = 1_000_000.0):
    """A function ``cost_bps -> mean per-bar return`` of the interleaved sleeves, inputs prepared once.

    ``f(c)`` equals ``interleaved_returns(weights, prices, period, delay, cost_bps=c).returns.mean()``
    bit for bit (the batch simulator's arithmetic is the single run's; ``f(0)`` of a one-bar
    period on prices without gaps to about 1e-15: :func:`_one_bar_steps`), but the weights are
    aligned, the prices checked and the price panel built once for every cost asked, and no
    holdings ledger is kept: what a root finder over the cost needs.

    Raises
    ------
    As :func:`interleaved_returns`.
    """
    means = mean_returns_at_costs(weights, prices, [period], delay=delay, capital=capital)
    return lambda cost_bps: means({int(period): cost_bps})[int(period)]


def mean_returns_at_costs(weights: pd.DataFrame | pd.Series, prices: pd.DataFrame, periods, delay: int = 0,
                          capital: float = 1_000_000.0):
    """:func:`mean_return_at_costs` for several periods: a function ``{period: cost_bps} -> {period: mean
    per-bar return}`` whose runs share one preparation of the inputs and run in step over the bars.

    Each mean equals ``interleaved_returns(weights, prices, period, delay, cost_bps=cost).returns.mean()``
    bit for bit (the exception of :func:`mean_return_at_costs` aside), whichever periods are asked
    together: a root finder can evaluate every period's next guess in one pass.

    Raises
    ------
    As :func:`interleaved_returns` (for each period).
    """
    periods = [int(p) for p in periods]
    panel, sig, unit, end = _single_inputs(weights, prices, periods, delay, capital, [0.0])

    def means(costs: dict) -> dict[int, float]:
        unknown = sorted(set(costs) - set(periods))
        if unknown:
            raise ParameterError(f"period(s) {unknown} were not prepared (periods {periods})")
        asked = list(costs)
        for p in asked:
            check_run_args(p, delay, costs[p], capital)
        runs = _simulate_periods(panel, sig, unit, asked, int(delay), [float(costs[p]) for p in asked],
                                 float(capital), [end] * len(asked))
        return {p: float(pd.Series(run.returns[0]).mean()) for p, run in zip(asked, runs)}

    return means
