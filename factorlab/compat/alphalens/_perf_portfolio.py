"""Alphalens' portfolio functions (``alphalens.performance``): positions, cumulative returns, pyfolio input.

Same arguments and numbers as alphalens-reloaded 0.5.1, including its
documented quirk: ``factor_cumulative_returns(factor_data, '5D')`` compounds
the *5-day* factor return every day (``cumulative_returns(factor_returns['5D'])``),
so for N > 1 it is not the return of a tradable portfolio. factorlab's own
:func:`factorlab.interleaved_returns` gives the exact N-interleaved sleeves.
``positions`` is vectorised: the trades active at each time form a
contiguous run of the sorted trade dates, summed without a per-date loop.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BDay

from factorlab.compat.alphalens._calendar import add_custom_calendar_timedelta, get_forward_returns_columns
from factorlab.compat.alphalens._perf_returns import factor_returns, factor_weights
from factorlab.errors import ParameterError

__all__ = [
    "cumulative_returns",
    "positions",
    "factor_cumulative_returns",
    "factor_positions",
    "create_pyfolio_input",
]


def cumulative_returns(returns):
    """Growth of 1 from simple per-period returns (NaN counts as 0), empyrical's ``cum_returns(starting_value=1)``.

    Parameters
    ----------
    returns : pd.Series or pd.DataFrame
        Simple returns (0.01 = 1%).

    Returns
    -------
    Same type and index (a Series loses its name, as empyrical's does); the
    value after each period.
    """
    if len(returns) < 1:
        return returns.copy()
    values = np.asarray(returns, dtype="float64").copy()
    values[np.isnan(values)] = 0.0
    out = np.cumprod(values + 1.0, axis=0)
    if isinstance(returns, pd.DataFrame):
        return pd.DataFrame(out, index=returns.index, columns=returns.columns)
    return pd.Series(out, index=returns.index)


def positions(weights, period, freq=None):
    """Net position of each asset (share of the portfolio) at every trade and expiry time.

    Parameters
    ----------
    weights : pd.Series, (date, asset) index
        Factor weights (:func:`factor_weights`).
    period : pd.Timedelta or str
        Holding period ('5D', '1h', ...).
    freq : pandas offset, optional
        Trading calendar; default the weights' date frequency, else business
        days (with a ``UserWarning``, as Alphalens).

    Returns
    -------
    pd.DataFrame, shape (trade and expiry times, assets)
        The sum of the weights of the trades held at each time, scaled to
        gross 1; 0 where nothing is held.
    """
    wide = weights.unstack()
    if not isinstance(period, pd.Timedelta):
        period = pd.Timedelta(period)
    if freq is None:
        freq = wide.index.freq
    if freq is None:
        freq = BDay()
        warnings.warn("'freq' not set, using business day calendar", UserWarning, stacklevel=2)
    trades_idx = wide.index.copy()
    expiries = add_custom_calendar_timedelta(trades_idx, period, freq)
    weights_idx = trades_idx.union(expiries).drop_duplicates()
    w = np.nan_to_num(wide.to_numpy(dtype="float64"), nan=0.0)
    times = weights_idx.to_numpy()
    hi = np.searchsorted(trades_idx.to_numpy(), times, side="right")
    lo = np.searchsorted(np.asarray(expiries.to_numpy()), times, side="right")
    total = np.zeros((len(times), w.shape[1]))
    for k in range(int(np.max(hi - lo, initial=0))):
        take = lo + k < hi
        total[take] += w[lo[take] + k]
    with np.errstate(invalid="ignore", divide="ignore"):
        total = total / np.abs(total).sum(axis=1, keepdims=True)
    total[~(hi > lo)] = 0.0
    out = pd.DataFrame(np.nan_to_num(total, nan=0.0), index=weights_idx, columns=wide.columns, dtype=float)
    return out


def _portfolio_data(factor_data, period, quantiles, groups):
    fwd_ret_cols = get_forward_returns_columns(factor_data.columns)
    if period not in fwd_ret_cols:
        raise ParameterError("Period '%s' not found" % period)
    todrop = [c for c in fwd_ret_cols if c != period]
    data = factor_data.drop(todrop, axis=1)
    if quantiles is not None:
        data = data[data["factor_quantile"].isin(quantiles)]
    if groups is not None:
        data = data[data["group"].isin(groups)]
    return data


def factor_cumulative_returns(factor_data, period, long_short=True, group_neutral=False, equal_weight=False,
                              quantiles=None, groups=None):
    """Alphalens' cumulative factor return for ``period``: ``cumulative_returns(factor_returns[period])``.

    For a period of N > 1 bars this compounds the N-bar return every bar (an
    Alphalens quirk kept for parity); see :func:`factorlab.interleaved_returns`.
    """
    data = _portfolio_data(factor_data, period, quantiles, groups)
    returns = factor_returns(data, long_short, group_neutral, equal_weight)
    return cumulative_returns(returns[period])


def factor_positions(factor_data, period, long_short=True, group_neutral=False, equal_weight=False,
                     quantiles=None, groups=None):
    """Positions of the factor-weighted portfolio held ``period``, see :func:`positions`."""
    data = _portfolio_data(factor_data, period, quantiles, groups)
    weights = factor_weights(data, long_short, group_neutral, equal_weight)
    return positions(weights, period, freq=data.index.levels[0].freq)


def create_pyfolio_input(factor_data, period, capital=None, long_short=True, group_neutral=False,
                         equal_weight=False, quantiles=None, groups=None, benchmark_period="1D"):
    """Daily returns, positions (with 'cash') and benchmark returns in pyfolio's layout, as Alphalens.

    Returns
    -------
    returns : pd.Series
    positions : pd.DataFrame
        Shares of capital (or amounts with ``capital``) per asset and 'cash'.
    benchmark : pd.Series named 'benchmark', or None
        The equal-weighted universe traded at ``benchmark_period``.
    """
    cumrets = factor_cumulative_returns(factor_data, period, long_short, group_neutral, equal_weight,
                                        quantiles, groups)
    cumrets = cumrets.resample("1D").last().ffill()
    returns = cumrets.pct_change().fillna(0)
    pos = factor_positions(factor_data, period, long_short, group_neutral, equal_weight, quantiles, groups)
    pos = pos.resample("1D").sum().ffill()
    pos = pos.div(pos.abs().sum(axis=1), axis=0).fillna(0)
    pos["cash"] = 1.0 - pos.sum(axis=1)
    if capital is not None:
        pos = pos.mul(cumrets.reindex(pos.index) * capital, axis=0)
    benchmark = None
    if benchmark_period in get_forward_returns_columns(factor_data.columns):
        data = factor_data.copy()
        data["factor"] = data["factor"].abs()
        bench = factor_cumulative_returns(data, benchmark_period, long_short=False, group_neutral=False,
                                          equal_weight=True)
        benchmark = bench.resample("1D").last().ffill().pct_change().fillna(0)
        benchmark.name = "benchmark"
    return returns, pos, benchmark
