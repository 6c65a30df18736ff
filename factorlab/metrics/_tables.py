"""Calendar aggregation: daily/monthly/annual returns, best and worst periods, runtime.

Returns are compounded within each calendar period, ``prod(1 + r) - 1``,
skipping NaN; a period whose returns are all NaN is NaN. Periods follow the
timestamps of the index as they are (their time zone, if any). These
functions need a Series or DataFrame with a :class:`pandas.DatetimeIndex`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from factorlab.errors import InvalidIndexError, ParameterError

__all__ = [
    "aggregate_returns",
    "monthly_returns_table",
    "annual_returns",
    "best_period",
    "worst_period",
    "runtime_days",
]

Period = Literal["daily", "weekly", "monthly", "quarterly", "yearly"]
_PERIODS = ("daily", "weekly", "monthly", "quarterly", "yearly")
_ALIASES = {"day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly",
            "year": "yearly", "annual": "yearly"}


def _dated(returns: pd.Series | pd.DataFrame, what: str) -> pd.DatetimeIndex:
    if not isinstance(returns, (pd.Series, pd.DataFrame)):
        raise ParameterError(f"{what} needs a Series or DataFrame with a DatetimeIndex, "
                             f"got {type(returns).__name__}")
    if not isinstance(returns.index, pd.DatetimeIndex):
        raise InvalidIndexError(f"{what} needs a DatetimeIndex, got {type(returns.index).__name__}")
    return returns.index


def _keys(index: pd.DatetimeIndex, period: str) -> list[pd.Index]:
    if period == "daily":
        return [pd.Index(index.normalize(), name="date")]
    if period == "weekly":
        iso = index.isocalendar()
        return [pd.Index(iso["year"].to_numpy(), name="year"), pd.Index(iso["week"].to_numpy(), name="week")]
    year = pd.Index(index.year, name="year")
    if period == "monthly":
        return [year, pd.Index(index.month, name="month")]
    if period == "quarterly":
        return [year, pd.Index(index.quarter, name="quarter")]
    return [year]


def aggregate_returns(returns: pd.Series | pd.DataFrame, period: Period = "monthly"):
    """Compounded returns per calendar period.

    Parameters
    ----------
    returns : Series or DataFrame, shape (bars,) or (bars, columns)
        Simple per-bar returns with a DatetimeIndex.
    period : {'daily', 'weekly', 'monthly', 'quarterly', 'yearly'}
        'weekly' uses ISO (year, week).

    Returns
    -------
    Series / DataFrame indexed by the period: 'date' (daily), ('year', 'week'),
    ('year', 'month'), ('year', 'quarter') or 'year'.
    """
    period = _ALIASES.get(period, period)
    if period not in _PERIODS:
        raise ParameterError(f"period must be one of {_PERIODS}, got {period!r}")
    index = _dated(returns, "aggregate_returns")
    keys = _keys(index, period)
    grouped = (1.0 + returns.astype(float)).groupby(keys if len(keys) > 1 else keys[0], sort=True)
    return grouped.prod(min_count=1) - 1.0


def monthly_returns_table(returns: pd.Series) -> pd.DataFrame:
    """Monthly compounded returns as a year x month table (for a heatmap).

    Returns
    -------
    DataFrame, index 'year', columns 1..12 ('month'); NaN for months outside
    the period. Empty for empty input.
    """
    if isinstance(returns, pd.DataFrame):
        raise ParameterError("monthly_returns_table takes one return Series")
    monthly = aggregate_returns(returns, "monthly")
    table = monthly.unstack("month") if len(monthly) else pd.DataFrame(index=pd.Index([], name="year"))
    table = table.reindex(columns=pd.Index(range(1, 13), name="month"))
    return table


def annual_returns(returns: pd.Series | pd.DataFrame):
    """Compounded return per calendar year (Series / DataFrame indexed by 'year')."""
    return aggregate_returns(returns, "yearly")


def _extreme(returns, period: str, best: bool):
    agg = aggregate_returns(returns, period)
    out = agg.max() if best else agg.min()
    if isinstance(returns, pd.Series):
        return float(out) if np.ndim(out) == 0 else float("nan")
    return out.astype(float)


def best_period(returns: pd.Series | pd.DataFrame, period: Period = "daily"):
    """Highest compounded return of a calendar period ('daily', 'monthly', 'yearly', ...).

    float for a Series, Series per column for a DataFrame; NaN without valid returns.
    """
    return _extreme(returns, period, best=True)


def worst_period(returns: pd.Series | pd.DataFrame, period: Period = "daily"):
    """Lowest compounded return of a calendar period; see :func:`best_period`."""
    return _extreme(returns, period, best=False)


def runtime_days(returns_or_index: pd.Series | pd.DataFrame | pd.DatetimeIndex) -> float:
    """Calendar days the period spans, first to last timestamp inclusive.

    ``(last.normalize() - first.normalize()).days + 1``: one day of hourly
    bars is 1, 2015-01-05 .. 2015-01-09 is 5. NaN for an empty index.
    """
    if isinstance(returns_or_index, pd.Index):
        index = returns_or_index
    else:
        index = _dated(returns_or_index, "runtime_days")
    if not isinstance(index, pd.DatetimeIndex):
        raise InvalidIndexError(f"runtime_days needs a DatetimeIndex, got {type(index).__name__}")
    if len(index) == 0:
        return float("nan")
    first, last = index.min(), index.max()
    return float((last.normalize() - first.normalize()).days + 1)
