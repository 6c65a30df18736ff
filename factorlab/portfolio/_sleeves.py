"""Numpy core of the N-interleaved sleeves: input alignment and the bar loop.

Everything here works on plain float64 arrays (bars x assets); labels are
attached by :mod:`factorlab.portfolio._interleaved`. The simulation loops over
bars only: at each bar exactly one sleeve can trade, so one bar costs a few
vector operations over the assets, and the whole run is O(bars x assets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from factorlab.data._fill import last_price_fill
from factorlab.data._validate import (
    _listing,
    check_same_timezone,
    factor_to_wide,
    validate_prices,
    validate_time_index,
)
from factorlab.errors import (
    AlignmentError,
    DuplicateEntriesError,
    EmptyDataError,
    InvalidWeightsError,
    NonNumericDataError,
    ParameterError,
)

__all__ = ["PricePanel", "Signals", "SleeveLedger", "check_run_args", "price_panel", "signals", "simulate"]


@dataclass(frozen=True, eq=False)
class PricePanel:
    """Prices prepared for the sleeves, restricted to the traded assets.

    Attributes
    ----------
    index : pd.DatetimeIndex, shape (bars,)
    assets : pd.Index, shape (assets,)
    marks : ndarray, shape (bars, assets)
        Last known price (forward-filled), 0 before an asset's first price.
        Holdings are valued at these marks.
    prices : ndarray, shape (bars, assets)
        Validated prices (NaN = no price).
    blocked : ndarray of bool, shape (bars, assets)
        No tradeable price: NaN or 0 (a bankrupt last price cannot be traded).
    any_blocked : ndarray of bool, shape (bars,)
        Whether a bar has any blocked asset.
    """

    index: pd.DatetimeIndex
    assets: pd.Index
    marks: np.ndarray
    prices: np.ndarray
    blocked: np.ndarray
    any_blocked: np.ndarray


@dataclass(frozen=True, eq=False)
class Signals:
    """Target weights on the price timeline.

    Attributes
    ----------
    weights : ndarray, shape (signal dates, assets)
        Target weights as given (read-only view; NaN = 0 is applied when used).
    row_of_bar : ndarray of int, shape (bars,)
        Row of ``weights`` holding the signal of each price bar, -1 for none.
    first_bar : int
        Position of the first signal date in the price index: the start of
        the sleeve schedule.
    """

    weights: np.ndarray
    row_of_bar: np.ndarray
    first_bar: int


@dataclass(eq=False)
class SleeveLedger:
    """Raw output of :func:`simulate`, one row per bar from the first execution bar.

    Attributes
    ----------
    start : int
        Position in the price index of the first row (first execution bar).
    equity : ndarray, shape (rows,)
        Portfolio value after the bar's trade and costs (currency).
    traded : ndarray, shape (rows,)
        Absolute traded notional of the bar (currency).
    costs : ndarray, shape (rows,)
        Costs paid on the bar (currency).
    sleeve : ndarray of int, shape (rows,)
        Sleeve that rebalanced on the bar, -1 when none did (no signal).
    untradeable : ndarray of int, shape (rows,)
        Assets held or targeted by the rebalancing sleeve that had no price.
    holdings : ndarray, shape (rows, assets)
        Shares of the bar's scheduled sleeve after the bar (the fill ledger):
        sleeve ``k`` holds ``holdings[r]`` on rows ``r .. r + N - 1``.
    cash : ndarray, shape (rows,)
        Cash of the bar's scheduled sleeve after the bar.
    events : list of tuple
        ``(row, sleeve, asset positions, shares kept, target weights ignored)``
        for every rebalance that met assets without a price.
    total_holdings : ndarray, shape (rows, assets)
        Shares of all sleeves together after each bar.
    """

    start: int
    equity: np.ndarray
    traded: np.ndarray
    costs: np.ndarray
    sleeve: np.ndarray
    untradeable: np.ndarray
    holdings: np.ndarray
    cash: np.ndarray
    events: list
    total_holdings: np.ndarray | None = None


def _is_int(x: object) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def check_run_args(period: int, delay: int, cost_bps: float, capital: float) -> None:
    """Raise :class:`ParameterError` for a bad period, delay, cost or capital."""
    if not _is_int(period) or period < 1:
        raise ParameterError(f"period must be an integer number of bars >= 1, got {period!r}")
    if not _is_int(delay) or delay < 0:
        raise ParameterError(f"delay must be an integer number of bars >= 0, got {delay!r}")
    if isinstance(cost_bps, bool) or not isinstance(cost_bps, (int, float, np.number)) \
            or not math.isfinite(cost_bps) or cost_bps < 0:
        raise ParameterError(f"cost_bps must be a finite number of basis points >= 0, got {cost_bps!r}")
    if isinstance(capital, bool) or not isinstance(capital, (int, float, np.number)) \
            or not math.isfinite(capital) or capital <= 0:
        raise ParameterError(f"capital must be a finite amount > 0, got {capital!r}")


def price_panel(prices: pd.DataFrame, assets: pd.Index | None = None) -> PricePanel:
    """Validate prices and prepare marks and tradeable prices for ``assets``.

    Parameters
    ----------
    prices : pd.DataFrame, shape (bars, all assets)
        Adjusted prices >= 0, NaN = no price.
    assets : pd.Index, optional
        Columns to keep (a subset of the price columns, already checked).
    """
    px = validate_prices(prices)
    values = px.to_numpy()
    if assets is not None and not assets.equals(px.columns):
        values = values[:, px.columns.get_indexer(assets)]
    else:
        assets = px.columns
    marks = _last_price(values)
    with np.errstate(invalid="ignore"):
        tradeable = values > 0
    blocked = ~tradeable
    return PricePanel(index=px.index, assets=pd.Index(assets), marks=marks, prices=values,
                      blocked=blocked, any_blocked=blocked.any(axis=1))


def _last_price(values: np.ndarray) -> np.ndarray:
    """Forward-fill NaN down each column; 0 before a column's first price."""
    if not np.isnan(values).any():
        return values
    return last_price_fill(values, before_first=0.0)


def _weights_frame(weights: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Weights as a wide frame; a wide float frame is checked, not copied."""
    if not isinstance(weights, pd.DataFrame):
        return factor_to_wide(weights, what="weights")[0]
    if weights.shape[0] == 0 or weights.shape[1] == 0:
        raise EmptyDataError(f"weights are empty (shape {weights.shape})")
    validate_time_index(weights.index, "weights", weights)
    if not weights.columns.is_unique:
        dup = weights.columns[weights.columns.duplicated()].unique()
        raise DuplicateEntriesError(f"weights have duplicate asset columns: {_listing(dup)}")
    def numeric(dt) -> bool:
        return pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt)

    if not all(numeric(dt) for dt in set(weights.dtypes)):
        bad = [c for c, dt in weights.dtypes.items() if not numeric(dt)]
        raise NonNumericDataError(f"weights have non-numeric columns: {_listing(bad)}")
    return weights


def align_weights(weights: pd.DataFrame | pd.Series, prices: pd.DataFrame) -> pd.DataFrame:
    """Check that weights fit the prices and return them as a wide float frame.

    Raises
    ------
    DuplicateDatesError, UnsortedDatesError
        The price index repeats or is out of order.
    TimezoneMismatchError
        Weights and prices disagree on time zones.
    AlignmentError
        Weight dates not in the price index, or assets not in the price columns.
    InvalidWeightsError
        Infinite weights.
    """
    wide = _weights_frame(weights)
    if not isinstance(prices, pd.DataFrame) or not isinstance(prices.index, pd.DatetimeIndex):
        return wide  # validate_prices reports what is wrong with prices
    validate_time_index(prices.index, "prices")  # duplicate or unsorted dates named as such, before alignment
    check_same_timezone(wide.index, prices.index, "weights", "prices")
    bad_dates = wide.index[~wide.index.isin(prices.index)]
    if len(bad_dates):
        raise AlignmentError(
            f"{len(bad_dates)} weight date(s) are not bars of prices: {_listing(bad_dates)}; "
            "weights' index must be a subset of the price index")
    bad_assets = wide.columns[prices.columns.get_indexer(wide.columns) < 0]
    if len(bad_assets):
        raise AlignmentError(
            f"{len(bad_assets)} weight asset(s) have no price column: {_listing(bad_assets)}; "
            "drop them or add their prices")
    vals = wide.to_numpy()
    if np.isinf(vals).any():
        r, c = np.nonzero(np.isinf(vals))
        where = [f"{wide.columns[j]} on {wide.index[i]} ({vals[i, j]})" for i, j in zip(r, c)]
        raise InvalidWeightsError(
            f"weights have {len(r)} infinite value(s): {_listing(where)}; "
            "weights must be finite (NaN means 'not held' = 0)")
    return wide


def signals(wide: pd.DataFrame, index: pd.DatetimeIndex) -> Signals:
    """Place aligned weights (see :func:`align_weights`) on the price bars."""
    rows = index.get_indexer(wide.index)
    row_of_bar = np.full(len(index), -1, dtype=np.int64)
    row_of_bar[rows] = np.arange(len(rows))
    w = wide.to_numpy(dtype="float64")
    return Signals(weights=w, row_of_bar=row_of_bar, first_bar=int(rows.min()))


def check_horizon(n_bars: int, first_bar: int, period: int, delay: int) -> None:
    """Every sleeve must be able to trade at least once within the prices."""
    first_exec = first_bar + delay
    if first_exec >= n_bars:
        raise ParameterError(
            f"delay {delay} puts the first execution (bar {first_exec}) past the last of the "
            f"{n_bars} price bars")
    n = n_bars - first_exec
    if period > n:
        raise ParameterError(
            f"period {period} is longer than the {n} bars from the first execution to the end of "
            "prices: some sleeves would never trade")


def simulate(panel: PricePanel, sig: Signals, period: int, delay: int, cost_bps: float,
             capital: float, end: int | None = None) -> SleeveLedger:
    """Run the N interleaved sleeves, one cycle of N bars at a time.

    Sleeve ``k`` is scheduled on signal bars ``first_bar + k + j*N`` and
    executes at ``+ delay``. On a rebalance with a signal: value ``V`` at the
    marks, target shares ``V * w / P`` where tradeable (kept shares
    elsewhere), cost ``cost_bps * 1e-4 * traded notional`` paid from cash.
    The sleeves are independent, so cycle ``j`` (ledger rows ``jN .. jN+N-1``,
    one bar per sleeve) is computed at once on (N, assets) arrays: the loop
    runs over bars in steps of N, each step vectorised over sleeves and assets.

    Parameters
    ----------
    end : int, optional
        Exclusive last bar position (defaults to all bars).
    """
    n_bars = len(panel.index) if end is None else end
    check_horizon(n_bars, sig.first_bar, period, delay)
    N, start = period, sig.first_bar + delay
    n, A = n_bars - start, panel.marks.shape[1]
    n_cycles = -(-n // N)
    hold = np.zeros((n_cycles * N, A))  # padded to whole cycles; rows >= n stay 0
    out = SleeveLedger(start=start, equity=np.empty(n), traded=np.zeros(n), costs=np.zeros(n),
                       sleeve=np.full(n, -1, dtype=np.int64), untradeable=np.zeros(n, dtype=np.int64),
                       holdings=hold[:n], cash=np.empty(n), events=[])
    unit, has = _unit_targets(panel, sig, start, n_bars, delay)
    out.sleeve[has] = np.arange(n)[has] % N
    marks = panel.marks[start:n_bars]
    special = ~has | panel.any_blocked[start:n_bars]
    old_cash = np.full(N, capital / N)
    rate = cost_bps * 1e-4
    for j in range(n_cycles):
        lo, hi = j * N, min(j * N + N, n)
        old = hold[lo - N:hi - N] if j else np.zeros((hi - lo, A))
        mark, new = marks[lo:hi], hold[lo:hi]
        value = old_cash[:hi - lo] + np.vecdot(old, mark)
        np.multiply(value[:, None], unit[lo:hi], out=new)
        if special[lo:hi].any():
            _keep_untradeable(panel, sig, out, lo, hi, start, delay, old, has[lo:hi])
        delta = new - old
        traded = np.vecdot(np.abs(delta, out=delta), mark)
        cost = rate * traded
        cash = value - np.vecdot(new, mark) - cost
        out.cash[lo:hi] = np.where(has[lo:hi], cash, old_cash[:hi - lo])
        out.traded[lo:hi], out.costs[lo:hi] = traded, cost
        old_cash = out.cash[lo:hi]
    out.total_holdings = _total_holdings(hold, N)[:n]
    cash_total = _rolling_cash(out.cash, N, capital)
    out.equity[:] = cash_total + np.vecdot(out.total_holdings, marks)
    return out


def _unit_targets(panel: PricePanel, sig: Signals, start: int, n_bars: int,
                  delay: int) -> tuple[np.ndarray, np.ndarray]:
    """Target shares per unit of sleeve value, ``w[t - delay] / P[t]``, for bars ``start ..``.

    Returns
    -------
    unit : ndarray, shape (rows, assets)
        0 where the asset is not tradeable or the bar has no signal.
    has : ndarray of bool, shape (rows,)
        Whether the bar's scheduled sleeve has a signal.
    """
    rows = sig.row_of_bar[start - delay:n_bars - delay]
    has = rows >= 0
    prices = panel.prices[start:n_bars]
    with np.errstate(divide="ignore", invalid="ignore"):
        if has.all() and np.array_equal(rows, np.arange(rows[0], rows[0] + len(rows))):
            unit = sig.weights[rows[0]:rows[0] + len(rows)] / prices
        else:
            unit = np.zeros(prices.shape)
            unit[has] = sig.weights[rows[has]] / prices[has]
    # NaN weight (not held), NaN price (no price), 0 price (w / 0 = inf or NaN): no target
    unit[~np.isfinite(unit)] = 0.0
    return unit, has


def _keep_untradeable(panel: PricePanel, sig: Signals, out: SleeveLedger, lo: int, hi: int, start: int,
                      delay: int, old: np.ndarray, has: np.ndarray) -> None:
    """Rows without a signal keep all shares; untradeable assets keep theirs (recorded as events)."""
    new = out.holdings[lo:hi]
    keep = np.broadcast_to(~has[:, None], new.shape)
    if panel.any_blocked[start + lo:start + hi].any():
        blocked = panel.blocked[start + lo:start + hi]
        w = np.where(has[:, None], sig.weights[sig.row_of_bar[start + lo - delay:start + hi - delay]], 0.0)
        w = np.nan_to_num(w, nan=0.0)
        hit = blocked & has[:, None] & ((old != 0) | (w != 0))
        counts = hit.sum(axis=1)
        out.untradeable[lo:hi] = counts
        for k in np.flatnonzero(counts):
            pos = np.flatnonzero(hit[k])
            out.events.append((lo + k, int(k), pos, old[k, pos].copy(), w[k, pos].copy()))
        keep = keep | blocked
    np.copyto(new, old, where=keep)


def _total_holdings(hold: np.ndarray, N: int) -> np.ndarray:
    """Shares of all sleeves per row: the sum of the last N ledger rows, shape (rows, assets).

    Row ``bN + k`` holds sleeves ``0..k`` from cycle ``b`` and ``k+1..N-1``
    from cycle ``b-1``: a prefix sum inside the cycle plus a suffix sum of the
    previous one (plain sums of at most N positions, no cancellation).
    """
    rows, A = hold.shape
    total = hold.copy()
    prefix = total.reshape(rows // N, N, A)
    suffix = hold.reshape(rows // N, N, A)[:, 1:].copy()
    for k in range(1, N):
        prefix[:, k] += prefix[:, k - 1]
    for k in range(N - 3, -1, -1):
        suffix[:, k] += suffix[:, k + 1]
    prefix[1:, :N - 1] += suffix[:-1]
    return total


def _rolling_cash(cash: np.ndarray, N: int, capital: float) -> np.ndarray:
    """Cash of all sleeves per row: the last N cash entries, capital / N for sleeves not started."""
    n = len(cash)
    total = cash.copy()
    for j in range(1, N):
        total[j:] += cash[:n - j]
        total[:min(j, n)] += capital / N
    return total
