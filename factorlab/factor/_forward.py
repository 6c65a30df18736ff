"""Forward returns on wide price arrays, computed once and reusable."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from factorlab.data._fill import last_price_fill
from factorlab.data._validate import validate_prices
from factorlab.errors import ParameterError

__all__ = ["ForwardReturns", "forward_returns", "period_label", "parse_period_label", "bar_unit",
           "check_periods", "drop_stale_prices", "marked_prices", "STALE_OPTIONS"]


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


#: A label made of several whole amounts of time units, as Alphalens names horizons that are not a whole
#: number of one unit ('6h30m', '1D1h', '1D1ns'; pandas' Timedelta components, largest first).
_COMPOUND_LABEL = re.compile(r"^(?:\d+(?:ms|us|ns|D|h|m|s))+$")
_COMPOUND_PART = re.compile(r"(\d+)(ms|us|ns|D|h|m|s)")
_SIMPLE_LABEL = re.compile(r"^(\d+(?:\.\d+)?)(D|h|m|s|W|M|Y|ms|us|ns)$")
_UNIT_NANOS = {"D": 86_400 * 10**9, "h": 3_600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3,
               "ns": 1}


def parse_period_label(label) -> tuple[float, str] | None:
    """A period label as (amount, unit): '5D' -> (5.0, 'D'), '4h' -> (4.0, 'h'), '2W', '1M', '0.5D'.

    Compound labels, as Alphalens writes a horizon that is not a whole number
    of one unit, are given in their finest unit: '6h30m' -> (390.0, 'm'),
    '1D1h' -> (25.0, 'h'), '1D1ns' -> (86400000000001.0, 'ns').

    Parameters
    ----------
    label : object
        A column name.

    Returns
    -------
    (float, str) or None
        The amount and the unit (D, h, m, s, W, M, Y, ms, us, ns); None when
        ``label`` is not a period label.
    """
    if not isinstance(label, str):
        return None
    m = _SIMPLE_LABEL.match(label)
    if m is not None:
        return float(m.group(1)), m.group(2)
    if not _COMPOUND_LABEL.match(label):
        return None
    parts = [(int(n), unit) for n, unit in _COMPOUND_PART.findall(label)]
    finest = min((unit for _, unit in parts), key=_UNIT_NANOS.__getitem__)
    nanos = sum(n * _UNIT_NANOS[unit] for n, unit in parts)
    return float(nanos // _UNIT_NANOS[finest]), finest


def period_label_nanoseconds(label) -> int | None:
    """The length of a time period label in nanoseconds ('6h30m' -> 23_400_000_000_000); None for labels
    in weeks, months or years or that are not period labels."""
    parsed = parse_period_label(label)
    if parsed is None or parsed[1] not in _UNIT_NANOS:
        return None
    return int(round(parsed[0] * _UNIT_NANOS[parsed[1]]))


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


STALE_OPTIONS = ("report", "drop")


@dataclass(frozen=True)
class ForwardReturns:
    """Forward returns of every asset for several periods, marked to the last actual price.

    Attributes
    ----------
    prices : pd.DataFrame, shape (bars, assets)
        The validated prices (with ``stale="drop"``: stale runs already set to NaN).
    periods : tuple of int
        Horizons in bars, sorted.
    labels : tuple of str
        Column names ('1D', '5D', ... or '4h' for intraday bars).
    delay : int
        Execution delay in bars: returns run from P[t+delay] to the mark at t+delay+N.
    returns : dict label -> pd.DataFrame, shape (bars, assets)
        ``M[t+d+N] / P[t+d] - 1`` at row t, where ``P[t+d]`` is the actual
        price at the execution bar and ``M`` the mark: the last actual price
        at or before bar t+d+N (a name that stops trading returns to its last
        price; a zero is -100% for every horizon spanning it). NaN when the
        horizon runs past the last bar, when there is no price at the
        execution bar, or when that price is 0 (no return out of a bankrupt
        price).
    zero_start : dict label -> ndarray of bool, shape (bars, assets)
        Where the return is undefined because ``P[t+d] == 0``.
    stale : {'report', 'drop'}
        How stale price runs were treated (see :func:`drop_stale_prices`).
    stale_bars : int
        Shortest run counted as stale, in bars.
    stale_mask : ndarray of bool or None, shape (bars, assets)
        With ``stale="drop"``: the prices that were set to NaN as stale.
    """

    prices: pd.DataFrame
    periods: tuple[int, ...]
    labels: tuple[str, ...]
    delay: int
    returns: dict[str, pd.DataFrame] = field(repr=False)
    zero_start: dict[str, np.ndarray] = field(repr=False)
    stale: str = "report"
    stale_bars: int = 10
    stale_mask: np.ndarray | None = field(default=None, repr=False)

    def __getitem__(self, label: str) -> pd.DataFrame:
        return self.returns[label]


def marked_prices(values: np.ndarray) -> np.ndarray:
    """Prices with each gap filled by the last actual price (NaN before the first), shape (bars, assets)."""
    return last_price_fill(values)


def drop_stale_prices(prices: pd.DataFrame, stale_bars: int = 10) -> pd.DataFrame:
    """Prices with every bar that ends a run of ``stale_bars`` or more unchanged prices set to NaN.

    Point in time: bar s is stale when the price has been unchanged for
    ``stale_bars`` bars up to and including s (bars ``s - stale_bars + 1 .. s``
    all equal), so whether a bar is stale never depends on later bars. The
    first ``stale_bars - 1`` bars of a run stay prices (the first is the real
    last price of a delisted name; the next few are indistinguishable from a
    quiet market). Typical use: vendor files that pad a name with a constant
    price before its listing and after its delisting.

    Parameters
    ----------
    prices : pd.DataFrame, shape (bars, assets)
    stale_bars : int, >= 2
        Run length (in bars) from which a price counts as stale.

    Returns
    -------
    pd.DataFrame
        A copy with stale bars set to NaN.
    """
    if isinstance(stale_bars, bool) or not isinstance(stale_bars, (int, np.integer)) or stale_bars < 2:
        raise ParameterError(f"stale_bars must be an integer >= 2, got {stale_bars!r}")
    values = prices.to_numpy(dtype="float64", copy=True)
    T = values.shape[0]
    same = np.zeros(values.shape, dtype=np.int64)
    if T > 1:
        same[1:] = values[1:] == values[:-1]
    # length of the run of equal steps ending at each bar: cumulative count reset at each change
    csum = np.cumsum(same, axis=0)
    reset = np.where(same == 0, csum, 0)
    np.maximum.accumulate(reset, axis=0, out=reset)
    run = csum - reset  # equal steps ending at the bar; a run of k bars has k - 1 steps
    values[run >= stale_bars - 1] = np.nan
    return pd.DataFrame(values, index=prices.index, columns=prices.columns, copy=False)


def _shifted_ratio_ends(start_values: np.ndarray, end_values: np.ndarray, start: int, n: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """``end[t+start+n] / start[t+start] - 1`` per row t (NaN past the end or from a 0 start), and where
    the start is 0."""
    T = start_values.shape[0]
    out = np.empty(start_values.shape)
    zero = np.zeros(start_values.shape, dtype=bool)
    m = max(T - start - n, 0)
    out[m:] = np.nan
    if m > 0:
        p0 = start_values[start:start + m]
        r = out[:m]
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(end_values[start + n:start + n + m], p0, out=r)
        r -= 1.0
        np.equal(p0, 0.0, out=zero[:m])
        np.putmask(r, zero[:m], np.nan)
    return out, zero


def _check_stale(stale: str, stale_bars: int) -> None:
    if stale not in STALE_OPTIONS:
        raise ParameterError(f"stale must be one of {STALE_OPTIONS}, got {stale!r}")
    if isinstance(stale_bars, bool) or not isinstance(stale_bars, (int, np.integer)) or stale_bars < 2:
        raise ParameterError(f"stale_bars must be an integer >= 2, got {stale_bars!r}")


def forward_returns(prices: pd.DataFrame | ForwardReturns, periods: Sequence[int] = (1, 5, 10),
                    delay: int = 0, stale: str = "report", stale_bars: int = 10) -> ForwardReturns:
    """Compute forward returns for several periods, once, for reuse by many factors.

    Parameters
    ----------
    prices : pd.DataFrame, shape (bars, assets)
        Adjusted prices (validated here).
    periods : sequence of int
        Horizons N in bars.
    delay : int, default 0
        Execution delay d in bars: the return at t is ``M[t+d+N] / P[t+d] - 1``.
    stale : {'report', 'drop'}, default 'report'
        'drop' treats stale prices (see :func:`drop_stale_prices`) as no price.
    stale_bars : int, default 10
        Run length from which a price is stale.

    Returns
    -------
    ForwardReturns

    Notes
    -----
    Point in time (see docs/concepts.md): the end of a horizon is marked to
    the last actual price at or before it, so a name that stops trading
    returns to its last price and a bankrupt name (price 0) returns -100% for
    every horizon that spans the zero. A horizon is missing only past the
    last bar of the data. Alphalens instead drops a return whose end price is
    missing (``factorlab.compat.alphalens`` keeps that); on gap-free data both agree.
    """
    if isinstance(prices, ForwardReturns):
        prices = prices.prices
    prices, periods, labels, arrays, zeros, stale_mask = forward_arrays(prices, periods, delay, stale=stale,
                                                                        stale_bars=stale_bars)
    rets = {lab: pd.DataFrame(arrays[lab], index=prices.index, columns=prices.columns, copy=False)
            for lab in labels}
    return ForwardReturns(prices=prices, periods=periods, labels=labels, delay=int(delay),
                          returns=rets, zero_start=zeros, stale=stale, stale_bars=int(stale_bars),
                          stale_mask=stale_mask)


def forward_arrays(prices: pd.DataFrame, periods: Sequence[int], delay: int = 0, *, stale: str = "report",
                   stale_bars: int = 10, rule: str = "point_in_time"
                   ) -> tuple[pd.DataFrame, tuple[int, ...], tuple[str, ...], dict, dict, np.ndarray | None]:
    """:func:`forward_returns` as plain arrays: validated prices, periods, labels, returns, zero starts
    and the stale mask (None unless ``stale="drop"``).

    The returns arrays are new and writable (a frame's ``to_numpy()`` is a
    read-only view under pandas 3), for callers that mask them in place.
    ``rule="alphalens"`` gives Alphalens' returns: both ends on forward-filled
    prices (``prices.ffill().pct_change(N).shift(-N)``).
    """
    if isinstance(delay, bool) or not isinstance(delay, (int, np.integer)) or delay < 0:
        raise ParameterError(f"delay must be an integer number of bars >= 0, got {delay!r}")
    _check_stale(stale, stale_bars)
    if rule not in ("point_in_time", "alphalens"):
        raise ParameterError(f"rule must be 'point_in_time' or 'alphalens', got {rule!r}")
    prices = validate_prices(prices)
    stale_mask = None
    if stale == "drop":
        dropped = drop_stale_prices(prices, stale_bars)
        stale_mask = np.isnan(dropped.to_numpy()) & ~np.isnan(prices.to_numpy())
        prices = dropped
    periods = check_periods(periods, len(prices.index) - delay)
    values = prices.to_numpy()
    ends = marked_prices(values)
    starts = ends if rule == "alphalens" else values
    labels, rets, zeros = [], {}, {}
    for n in periods:
        label = period_label(n, prices.index)
        rets[label], zeros[label] = _shifted_ratio_ends(starts, ends, int(delay), n)
        labels.append(label)
    return prices, periods, tuple(labels), rets, zeros, stale_mask
