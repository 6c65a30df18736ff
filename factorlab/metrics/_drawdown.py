"""Cumulative returns, underwater curve, maximum drawdown and the drawdown table.

Conventions
-----------
Equity
    The equity curve compounds the simple returns from a starting value of 1
    held *before* the first bar, so a loss on the first bar is a drawdown.
    A NaN return is a bar without a return: equity carries over (as 0%).
Underwater
    ``equity / running_peak - 1``: 0 at a new high, negative below it
    (-0.25 is 25% under the peak). NaN before the first valid return.
Maximum drawdown
    The minimum of the underwater curve: a number <= 0 (empyrical's sign);
    NaN for empty or all-NaN input.
Drawdown episodes
    An episode starts at the last bar at the peak (``peak``; the first
    timestamp when the peak is the starting capital), reaches its lowest point
    at ``valley`` and ends at ``recovery``, the first bar back at the peak
    (NaT while not recovered).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.metrics._base import Returns, Scalarish, as_panel, valid_count

__all__ = [
    "cumulative_returns",
    "underwater",
    "max_drawdown",
    "max_drawdown_dates",
    "drawdown_table",
]


def _equity(values: np.ndarray) -> np.ndarray:
    """Compounded growth of 1 per column, NaN returns counted as 0% (bars x columns)."""
    return np.cumprod(1.0 + np.where(np.isnan(values), 0.0, values), axis=0)


def _leading_nan(values: np.ndarray) -> np.ndarray:
    """True on the bars before each column's first valid return."""
    return np.cumsum(~np.isnan(values), axis=0) == 0


def _underwater_values(values: np.ndarray) -> np.ndarray:
    eq = _equity(values)
    peak = np.maximum.accumulate(np.vstack([np.ones((1, values.shape[1])), eq]), axis=0)[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        dd = eq / peak - 1.0
    return np.where(_leading_nan(values), np.nan, dd)


def _max_drawdown_values(values: np.ndarray) -> np.ndarray:
    """Per-column maximum drawdown (<= 0), NaN for columns without a valid return."""
    n = valid_count(values)
    if values.shape[0] == 0:
        return np.full(values.shape[1], np.nan)
    dd = _underwater_values(values)
    low = np.where(np.isnan(dd), np.inf, dd).min(axis=0)
    return np.where(n > 0, low, np.nan)


def cumulative_returns(returns: Returns, starting_value: float = 0.0) -> Returns:
    """Compounded cumulative return at each bar.

    Parameters
    ----------
    returns : Series, DataFrame or ndarray, shape (bars,) or (bars, columns)
        Simple per-bar returns (0.01 = 1%). NaN counts as 0%.
    starting_value : float
        0 gives the cumulative return (0.10 = +10%); any other value gives the
        equity curve ``starting_value * prod(1 + r)``.

    Returns
    -------
    Same type and shape as ``returns``.
    """
    p = as_panel(returns)
    eq = _equity(p.values)
    out = eq - 1.0 if starting_value == 0 else eq * starting_value
    return p.wrap_like(out)


def underwater(returns: Returns) -> Returns:
    """Drawdown from the running peak at each bar, ``equity / peak - 1`` (<= 0).

    Same type and shape as ``returns``; NaN before the first valid return.
    """
    p = as_panel(returns)
    return p.wrap_like(_underwater_values(p.values))


def max_drawdown(returns: Returns) -> Scalarish:
    """Largest peak-to-trough decline, as a negative fraction (-0.2 is -20%).

    Returns
    -------
    float for a Series / 1-d array, Series per column for a DataFrame.
    0.0 when the equity never falls; NaN for empty or all-NaN input.
    """
    p = as_panel(returns)
    return p.wrap(_max_drawdown_values(p.values), name="max_drawdown")


def _episodes(dd: np.ndarray) -> list[tuple[int, int, int | None]]:
    """(peak, valley, recovery) bar positions of each drawdown episode of a 1-d curve."""
    under = np.nan_to_num(dd, nan=0.0) < 0
    if not under.any():
        return []
    edges = np.diff(np.concatenate([[0], under.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)  # first bar back at the peak (may be len)
    out = []
    for s, e in zip(starts, ends):
        valley = s + int(np.nanargmin(dd[s:e]))
        out.append((max(s - 1, 0), valley, int(e) if e < len(dd) else None))
    return out


def _one_column(returns: Returns, what: str) -> tuple[np.ndarray, pd.Index]:
    if isinstance(returns, pd.DataFrame):
        if returns.shape[1] != 1:
            raise ParameterError(f"{what} takes one return series; pass a Series or one column")
        returns = returns.iloc[:, 0]
    if not isinstance(returns, pd.Series):
        raise ParameterError(f"{what} needs a Series with a DatetimeIndex, got {type(returns).__name__}")
    p = as_panel(returns)
    return _underwater_values(p.values)[:, 0], returns.index


def max_drawdown_dates(returns: pd.Series) -> pd.Series:
    """Peak, valley and recovery timestamps of the maximum drawdown.

    Returns
    -------
    Series with keys 'peak', 'valley', 'recovery' (Timestamps; recovery is NaT
    while not recovered) and 'depth' (the maximum drawdown, <= 0). All NaT and
    a depth of 0.0 when there is no drawdown, NaN depth for no valid returns.
    """
    table = drawdown_table(returns, top=1)
    if len(table):
        return table.iloc[0][["peak", "valley", "recovery", "depth"]]
    depth = max_drawdown(returns)
    return pd.Series({"peak": pd.NaT, "valley": pd.NaT, "recovery": pd.NaT, "depth": depth}, dtype=object)


def drawdown_table(returns: pd.Series, top: int = 5) -> pd.DataFrame:
    """The ``top`` deepest drawdown episodes, deepest first.

    Parameters
    ----------
    returns : Series, shape (bars,)
        Simple per-bar returns with a DatetimeIndex.
    top : int
        Number of episodes to return (fewer if there are fewer).

    Returns
    -------
    DataFrame, one row per episode (index 0..k-1) with columns
    'peak', 'valley', 'recovery' (Timestamps; NaT when not recovered),
    'depth' (the episode's drawdown, < 0), 'duration' (bars from peak to
    recovery, or to the last bar when not recovered) and 'duration_days'
    (calendar days over the same span). Empty (with these columns) when the
    equity never falls.
    """
    if int(top) < 1:
        raise ParameterError(f"top must be a positive integer, got {top!r}")
    dd, index = _one_column(returns, "drawdown_table")
    rows = []
    last = len(dd) - 1
    for peak, valley, rec in _episodes(dd):
        end = rec if rec is not None else last
        span = index[end] - index[peak]
        rows.append({
            "peak": index[peak], "valley": index[valley],
            "recovery": index[rec] if rec is not None else pd.NaT,
            "depth": float(dd[valley]), "duration": int(end - peak),
            "duration_days": span / pd.Timedelta(days=1) if isinstance(span, pd.Timedelta) else np.nan,
        })
    cols = ["peak", "valley", "recovery", "depth", "duration", "duration_days"]
    table = pd.DataFrame(rows, columns=cols)
    if len(table):
        table = table.sort_values("depth", kind="stable").head(int(top)).reset_index(drop=True)
    return table
