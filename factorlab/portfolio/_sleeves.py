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
from factorlab.portfolio._kernel import run_kernel

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
    sleeve_values : ndarray, shape (rows, N)
        Each sleeve's value after each bar (0 once ruined), from the first ruin's row on (0 before it,
        where the values follow from ``holdings`` and ``cash``).
    ruins : ndarray, shape (events, 6)
        Ruin records (:data:`factorlab.portfolio._kernel.RUIN_FIELDS`).
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
    sleeve_values: np.ndarray | None = None
    ruins: np.ndarray | None = None


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
    values = np.ascontiguousarray(values, dtype="float64")
    marks = np.ascontiguousarray(_last_price(values))
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
    w = np.ascontiguousarray(wide.to_numpy(dtype="float64"))
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
    """Run the N interleaved sleeves bar by bar (the one kernel, :mod:`factorlab.portfolio._kernel`).

    Sleeve ``k`` is scheduled on signal bars ``first_bar + k + j*N`` and
    executes at ``+ delay``. On a rebalance with a signal: value ``V`` at the
    marks, target shares ``V * w / P`` where tradeable (kept shares
    elsewhere), cost ``cost_bps * 1e-4 * traded notional`` paid from cash.
    A sleeve worth 0 or less is ruined (closed, its shortfall paid by the
    others, no more trades); see the kernel's notes.

    Parameters
    ----------
    end : int, optional
        Exclusive last bar position (defaults to all bars).
    """
    n_bars = len(panel.index) if end is None else end
    check_horizon(n_bars, sig.first_bar, period, delay)
    start = sig.first_bar + delay
    run = run_kernel(panel.prices, panel.marks, panel.blocked, sig.row_of_bar, sig.weights,
                     np.array([cost_bps * 1e-4]), start, n_bars, period, delay, capital, ledger=True)
    out = SleeveLedger(start=start, equity=run.equity[0], traded=run.traded[0], costs=run.costs[0],
                       sleeve=run.sleeve[0], untradeable=run.gaps[0], holdings=run.holdings, cash=run.cash,
                       events=_gap_events(run, sig, start, delay), total_holdings=run.total_holdings,
                       sleeve_values=run.sleeve_values, ruins=run.ruins[0])
    return out


def _gap_events(run, sig: Signals, start: int, delay: int) -> list:
    """``(row, sleeve, asset positions, shares kept, target weights ignored)`` per rebalance with a gap."""
    events = []
    for r in np.flatnonzero(run.gaps[0]):
        pos = np.flatnonzero(run.gap_mask[r])
        w = np.nan_to_num(sig.weights[sig.row_of_bar[start + r - delay], pos], nan=0.0)
        events.append((int(r), int(run.sleeve[0, r]), pos, run.holdings[r, pos].copy(), w))
    return events
