"""empyrical's ``roll_*`` family: a statistic over every trailing window of ``window`` bars.

Each value is the statistic of this package computed on the ``window`` rows
ending at that bar, exactly as the whole-sample function computes it (NaN
returns inside a window are skipped, as empyrical skips them). The windows
are evaluated column-wise in vectorised blocks (two passes per window, the
same arithmetic as the whole-sample statistic), so the result equals
empyrical-reloaded's ``roll_*`` to 1e-9.

Output
------
One value per complete window, labelled by the window's last bar (as
empyrical): a Series for a Series (index ``returns.index[window - 1:]``), a
DataFrame (one column per column) for a DataFrame, a 1-d / 2-d ndarray for a
1-d / 2-d ndarray. ``roll_alpha_beta`` gives the pair per window (columns
'alpha', 'beta'). When ``window`` exceeds the number of bars the result is
empty: there is no complete window (empyrical's vectorised ``roll_*`` then
return one value over the whole, shorter sample; its ``roll_up_capture``
family returns an empty result as here).

A window is a statistic's whole sample, so each window follows that
statistic's NaN conventions (never inf; NaN from too few valid returns).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from factorlab.errors import ParameterError
from factorlab.metrics._base import (
    Panel,
    Returns,
    align_benchmark,
    as_panel,
    nan_where,
    nanstd,
    per_bar,
    resolve_ppy,
    valid_count,
    zero_dispersion,
)
from factorlab.metrics._benchmark import _alpha_values, _beta_values, _excess_sharpe_values
from factorlab.metrics._capture import _side_capture_values, _up_down_values
from factorlab.metrics._drawdown import _max_drawdown_values
from factorlab.metrics._periods import Market
from factorlab.metrics._returns_stats import (
    _cagr_values,
    _downside_values,
    _sharpe_values,
    _sortino_values,
)

__all__ = [
    "roll_max_drawdown",
    "roll_cagr",
    "roll_annual_volatility",
    "roll_sharpe_ratio",
    "roll_sortino_ratio",
    "roll_downside_risk",
    "roll_excess_sharpe",
    "roll_alpha_beta",
    "roll_alpha",
    "roll_beta",
    "roll_up_capture",
    "roll_down_capture",
    "roll_up_down_capture",
]

#: Window cells (window x windows x columns) evaluated per block: bounds the memory of a block.
_BLOCK_CELLS = 1 << 22


def check_window(window: int, minimum: int = 1) -> int:
    """``window`` as an int >= ``minimum`` (bars), else a ParameterError."""
    try:
        ok = int(window) == window and window >= minimum
    except (TypeError, ValueError):
        ok = False
    if not ok or isinstance(window, bool):
        raise ParameterError(f"window must be an integer number of bars >= {minimum}, got {window!r}")
    return int(window)


def apply_windows(arrays: list[np.ndarray], window: int, func: Callable[..., np.ndarray]) -> np.ndarray:
    """``func`` on every trailing window of ``window`` rows of the (bars, columns) ``arrays``.

    ``func`` takes one (window, k) array per input (each column one window)
    and returns (k,) or (k, d). Returns (bars - window + 1, columns) or
    (bars - window + 1, columns, d); no rows when ``window`` exceeds the bars.
    """
    n, m = arrays[0].shape
    nw = n - window + 1
    if nw <= 0:
        probe = func(*[np.full((max(window, 1), 1), np.nan) for _ in arrays])
        return np.empty((0, m) + probe.shape[1:])
    views = [sliding_window_view(np.broadcast_to(a, (n, m)), window, axis=0) for a in arrays]  # (nw, m, w)
    step = max(1, _BLOCK_CELLS // (window * m))
    blocks = []
    for start in range(0, nw, step):
        stop = min(start + step, nw)
        cols = [v[start:stop].transpose(2, 0, 1).reshape(window, -1) for v in views]
        res = np.asarray(func(*cols), dtype=float)
        blocks.append(res.reshape((stop - start, m) + res.shape[1:]))
    return np.concatenate(blocks)


def _wrap(p: Panel, out: np.ndarray, window: int, names: tuple[str, ...] | None = None) -> Returns:
    """Put (windows, columns[, d]) back as the input's type, labelled by each window's last bar."""
    index = None if p.index is None else p.index[window - 1:][: out.shape[0]]
    if names is None:
        if p.kind == "series":
            return pd.Series(out[:, 0], index=index, name=p.name, dtype=float)
        if p.kind == "frame":
            return pd.DataFrame(out, index=index, columns=p.columns)
        return out[:, 0] if p.kind == "array1" else out
    if p.kind == "series":
        return pd.DataFrame(out[:, 0, :], index=index, columns=list(names))
    if p.kind == "frame":
        cols = pd.MultiIndex.from_product([p.columns, list(names)])
        return pd.DataFrame(out.reshape(out.shape[0], -1), index=index, columns=cols)
    return out[:, 0, :] if p.kind == "array1" else out


def _unary(returns: Returns, window: int, func, *, minimum: int = 1) -> Returns:
    p = as_panel(returns)
    w = check_window(window, minimum)
    return _wrap(p, apply_windows([p.values], w, func), w)


def _paired_arrays(p: Panel, factor_returns) -> tuple[np.ndarray, np.ndarray]:
    b = np.broadcast_to(align_benchmark(p, factor_returns), p.values.shape)
    both = ~np.isnan(p.values) & ~np.isnan(b)
    return np.where(both, p.values, np.nan), np.where(both, b, np.nan)


# ----------------------------------------------------------------- one return stream
def roll_max_drawdown(returns: Returns, window: int) -> Returns:
    """Maximum drawdown (<= 0, -0.2 = -20%) over each trailing window of ``window`` bars.

    Each window's equity starts at 1 before its first bar. NaN for a window
    without a valid return (empyrical: 0.0).
    """
    return _unary(returns, window, _max_drawdown_values)


def roll_cagr(returns: Returns, window: int, *, periods_per_year: float | None = None,
              market: Market | None = None) -> Returns:
    """CAGR (0.1 = 10% a year) over each trailing window: ``window`` bars are ``window / ppy`` years.

    NaN for a window without a valid return (empyrical: 0.0).
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    w = check_window(window)
    return _wrap(p, apply_windows([p.values], w, lambda x: _cagr_values(x, ppy)), w)


def _annual_vol_values(x: np.ndarray, ppy: float) -> np.ndarray:
    std = np.where(zero_dispersion(x), 0.0, nanstd(x, ddof=1))
    return nan_where(std * np.sqrt(ppy), valid_count(x) < 2)


def roll_annual_volatility(returns: Returns, window: int, *, periods_per_year: float | None = None,
                           market: Market | None = None) -> Returns:
    """Annualised volatility (0.2 = 20% a year; ddof=1) over each trailing window.

    NaN for a window with fewer than 2 valid returns.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    w = check_window(window)
    return _wrap(p, apply_windows([p.values], w, lambda x: _annual_vol_values(x, ppy)), w)


def roll_sharpe_ratio(returns: Returns, window: int, risk_free: float | Returns = 0.0, *,
                      periods_per_year: float | None = None, market: Market | None = None) -> Returns:
    """Annualised Sharpe ratio over each trailing window (see :func:`sharpe_ratio`).

    ``risk_free`` is per bar, a number or one rate per bar (a Series aligned on
    the index): each window uses its own bars' rates. NaN for a window with
    fewer than 2 valid excess returns or constant ones (empyrical: +-inf).
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    w = check_window(window)
    adj = p.values - per_bar(p, risk_free, "risk_free")
    return _wrap(p, apply_windows([adj], w, lambda x: _sharpe_values(x, ppy)), w)


def roll_sortino_ratio(returns: Returns, window: int, required_return: float | Returns = 0.0, *,
                       periods_per_year: float | None = None, market: Market | None = None) -> Returns:
    """Annualised Sortino ratio over each trailing window (see :func:`sortino_ratio`).

    ``required_return`` is per bar, a number or one value per bar. NaN for a
    window with fewer than 2 valid returns (empyrical: a number from one) or
    without a bar below the required return (empyrical: +inf).
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    w = check_window(window)
    adj = p.values - per_bar(p, required_return, "required_return")
    return _wrap(p, apply_windows([adj], w, lambda x: _sortino_values(x, ppy)), w)


def roll_downside_risk(returns: Returns, window: int, required_return: float | Returns = 0.0, *,
                       periods_per_year: float | None = None, market: Market | None = None) -> Returns:
    """Annualised downside deviation (0.1 = 10% a year) over each trailing window (see :func:`downside_risk`)."""
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    w = check_window(window)
    adj = p.values - per_bar(p, required_return, "required_return")
    return _wrap(p, apply_windows([adj], w, lambda x: _downside_values(x, ppy, 0.0)), w)


# ----------------------------------------------------------------- against a benchmark
def roll_excess_sharpe(returns: Returns, factor_returns: Returns | float, window: int) -> Returns:
    """Per-bar excess Sharpe ``mean(r - b) / std(r - b)`` over each trailing window (see :func:`excess_sharpe`).

    NaN for a window with fewer than 2 paired returns or a constant active return (empyrical: +-inf).
    """
    p = as_panel(returns)
    w = check_window(window)
    x, y = _paired_arrays(p, factor_returns)
    return _wrap(p, apply_windows([x, y], w, _excess_sharpe_values), w)


def _alpha_beta_windows(returns, factor_returns, window, risk_free, periods_per_year, market):
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    w = check_window(window)
    x, y = _paired_arrays(p, factor_returns)
    rf = np.broadcast_to(per_bar(p, risk_free, "risk_free"), x.shape)

    def pair(xw, yw, rw):
        b = _beta_values(xw, yw)
        return np.column_stack([_alpha_values(xw, yw, b, ppy, rw), b])

    return p, w, apply_windows([x, y, rf], w, pair)


def roll_alpha_beta(returns: Returns, factor_returns: Returns, window: int = 10,
                    risk_free: float | Returns = 0.0, *, periods_per_year: float | None = None,
                    market: Market | None = None):
    """Annualised alpha (a return a year) and beta (a ratio) over each trailing window.

    See :func:`alpha_beta`. Returns a DataFrame with columns 'alpha' and 'beta'
    for a Series (empyrical labels them 0 and 1), columns (column, 'alpha' /
    'beta') for a DataFrame, an array (windows, 2) for a 1-d array and
    (windows, columns, 2) for a 2-d array.
    """
    p, w, out = _alpha_beta_windows(returns, factor_returns, window, risk_free, periods_per_year, market)
    return _wrap(p, out, w, ("alpha", "beta"))


def roll_alpha(returns: Returns, factor_returns: Returns, window: int, risk_free: float | Returns = 0.0, *,
               periods_per_year: float | None = None, market: Market | None = None) -> Returns:
    """Annualised alpha (a return a year) over each trailing window (see :func:`alpha_beta`)."""
    p, w, out = _alpha_beta_windows(returns, factor_returns, window, risk_free, periods_per_year, market)
    return _wrap(p, out[..., 0], w)


def roll_beta(returns: Returns, factor_returns: Returns, window: int,
              risk_free: float | Returns = 0.0) -> Returns:
    """Beta to the benchmark (a ratio) over each trailing window (see :func:`beta`).

    NaN for a window whose paired benchmark returns have a variance below 1e-30.
    """
    p = as_panel(returns)
    w = check_window(window)
    per_bar(p, risk_free, "risk_free")
    x, y = _paired_arrays(p, factor_returns)
    return _wrap(p, apply_windows([x, y], w, _beta_values), w)


def _capture_windows(returns, factor_returns, window, periods_per_year, market, func):
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    w = check_window(window)
    b = np.broadcast_to(align_benchmark(p, factor_returns), p.values.shape)
    return _wrap(p, apply_windows([p.values, b], w, lambda x, y: func(x, y, ppy)), w)


def roll_up_capture(returns: Returns, factor_returns: Returns, window: int = 10, *,
                    periods_per_year: float | None = None, market: Market | None = None) -> Returns:
    """Up-market capture (a ratio, 1.0 = the benchmark's rate) over each trailing window (see :func:`up_capture`)."""
    return _capture_windows(returns, factor_returns, window, periods_per_year, market,
                            lambda x, y, ppy: _side_capture_values(x, y, ppy, "up"))


def roll_down_capture(returns: Returns, factor_returns: Returns, window: int = 10, *,
                      periods_per_year: float | None = None, market: Market | None = None) -> Returns:
    """Down-market capture (a ratio) over each trailing window (see :func:`down_capture`)."""
    return _capture_windows(returns, factor_returns, window, periods_per_year, market,
                            lambda x, y, ppy: _side_capture_values(x, y, ppy, "down"))


def roll_up_down_capture(returns: Returns, factor_returns: Returns, window: int = 10, *,
                         periods_per_year: float | None = None, market: Market | None = None) -> Returns:
    """Up capture over down capture (a ratio) over each trailing window (see :func:`up_down_capture`)."""
    return _capture_windows(returns, factor_returns, window, periods_per_year, market, _up_down_values)
