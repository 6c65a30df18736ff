"""Forward returns on wide price arrays, computed once and reusable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from factorlab.data._validate import validate_prices
from factorlab.errors import ParameterError

__all__ = ["ForwardReturns", "forward_returns", "period_label", "bar_unit", "check_periods"]


def bar_unit(index: pd.DatetimeIndex) -> tuple[str, float]:
    """The bar in the data's own unit, for naming periods: (unit, units per bar).

    Intraday bars give their length in the largest whole unit: hourly ->
    ('h', 1.0), 5-minute -> ('m', 5.0). One bar per trading day gives
    ('D', 1.0) on any calendar (every other trading day ('D', 2.0)); weekly
    bars ('W', 1.0), monthly ('M', 1.0), quarterly ('M', 3.0), yearly
    ('Y', 1.0). Fewer than two timestamps: ('D', 1.0). The same rule sets
    the bars per year (:func:`factorlab.metrics.bar_frequency`).
    """
    from factorlab.metrics._periods import bar_frequency  # the one bar-frequency rule

    freq = bar_frequency(index if isinstance(index, pd.DatetimeIndex) else None)
    return freq.unit, freq.size


def period_label(period: int, index: pd.DatetimeIndex) -> str:
    """Column name of a period in the data's own unit: '5D' (5 daily bars), '4h', '2W', '1M'.

    Parameters
    ----------
    period : int
        Horizon in bars.
    index : pd.DatetimeIndex
        The price bars; their median spacing gives the unit (see :func:`bar_unit`).

    Returns
    -------
    str
        ``period`` times the bar length in the largest whole unit ('D' for daily bars).
    """
    unit, size = bar_unit(index)
    n = period * size
    n_txt = str(int(n)) if float(n).is_integer() else f"{n:g}"
    return f"{n_txt}{unit}"


def check_periods(periods: Sequence[int], n_bars: int | None = None) -> tuple[int, ...]:
    """Validate periods (positive ints, unique) and return them sorted."""
    if isinstance(periods, (int, np.integer)):
        periods = (periods,)
    bad = [p for p in periods if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1]
    if bad or len(periods) == 0:
        raise ParameterError(f"periods must be positive integers (bars), got {periods!r}")
    out = tuple(sorted({int(p) for p in periods}))
    if n_bars is not None and out[-1] >= n_bars:
        raise ParameterError(f"period {out[-1]} is not shorter than the {n_bars} bars of prices")
    return out


@dataclass(frozen=True)
class ForwardReturns:
    """Forward returns of every asset for several periods.

    Attributes
    ----------
    prices : pd.DataFrame, shape (bars, assets)
        The validated prices.
    periods : tuple of int
        Horizons in bars, sorted.
    labels : tuple of str
        Column names ('1D', '5D', ... or '4h' for intraday bars).
    delay : int
        Execution delay in bars: returns run from P[t+delay] to P[t+delay+N].
    returns : dict label -> pd.DataFrame, shape (bars, assets)
        ``P[t+d+N] / P[t+d] - 1`` at row t; NaN when a price is missing, the
        horizon runs past the data, or ``P[t+d]`` is 0 (no return out of a
        bankrupt price).
    zero_start : dict label -> ndarray of bool, shape (bars, assets)
        Where the return is undefined because ``P[t+d] == 0``.
    """

    prices: pd.DataFrame
    periods: tuple[int, ...]
    labels: tuple[str, ...]
    delay: int
    returns: dict[str, pd.DataFrame] = field(repr=False)
    zero_start: dict[str, np.ndarray] = field(repr=False)

    def __getitem__(self, label: str) -> pd.DataFrame:
        return self.returns[label]


def _shifted_ratio(values: np.ndarray, start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    T = values.shape[0]
    out = np.empty(values.shape)
    zero = np.zeros(values.shape, dtype=bool)
    m = max(T - start - n, 0)
    out[m:] = np.nan
    if m > 0:
        p0 = values[start:start + m]
        r = out[:m]
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(values[start + n:start + n + m], p0, out=r)
        r -= 1.0
        np.equal(p0, 0.0, out=zero[:m])
        np.putmask(r, zero[:m], np.nan)
    return out, zero


def forward_returns(prices: pd.DataFrame | ForwardReturns, periods: Sequence[int] = (1, 5, 10),
                    delay: int = 0) -> ForwardReturns:
    """Compute forward returns for several periods, once, for reuse by many factors.

    Parameters
    ----------
    prices : pd.DataFrame, shape (bars, assets)
        Adjusted prices (validated here).
    periods : sequence of int
        Horizons N in bars.
    delay : int, default 0
        Execution delay d in bars: the return at t is ``P[t+d+N] / P[t+d] - 1``.

    Returns
    -------
    ForwardReturns

    Notes
    -----
    Prices are not forward-filled: a return whose start or end price is
    missing is NaN (Alphalens forward-fills; on gap-free data both agree).
    """
    if isinstance(prices, ForwardReturns):
        prices = prices.prices
    prices, periods, labels, arrays, zeros = forward_arrays(prices, periods, delay)
    rets = {lab: pd.DataFrame(arrays[lab], index=prices.index, columns=prices.columns, copy=False)
            for lab in labels}
    return ForwardReturns(prices=prices, periods=periods, labels=labels, delay=int(delay),
                          returns=rets, zero_start=zeros)


def forward_arrays(prices: pd.DataFrame, periods: Sequence[int], delay: int = 0
                   ) -> tuple[pd.DataFrame, tuple[int, ...], tuple[str, ...], dict, dict]:
    """:func:`forward_returns` as plain arrays: validated prices, periods, labels, returns, zero starts.

    The returns arrays are new and writable (a frame's ``to_numpy()`` is a
    read-only view under pandas 3), for callers that mask them in place.
    """
    if isinstance(delay, bool) or not isinstance(delay, (int, np.integer)) or delay < 0:
        raise ParameterError(f"delay must be an integer number of bars >= 0, got {delay!r}")
    prices = validate_prices(prices)
    periods = check_periods(periods, len(prices.index) - delay)
    values = prices.to_numpy()
    labels, rets, zeros = [], {}, {}
    for n in periods:
        label = period_label(n, prices.index)
        rets[label], zeros[label] = _shifted_ratio(values, int(delay), n)
        labels.append(label)
    return prices, periods, tuple(labels), rets, zeros
