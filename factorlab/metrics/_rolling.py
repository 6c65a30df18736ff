"""Rolling Sharpe ratio and rolling beta over trailing windows of months.

The window is given in months and converted to bars with the bar frequency,
``round(months / 12 * periods_per_year)``: 126 / 252 bars for 6 / 12 months of
daily session bars, 4,380 / 8,760 for hourly 24/7 bars (see
:func:`factorlab.metrics.bar_frequency`). Pass ``window=`` (bars) to set it
directly.

The output has the input's index (and columns); the value at bar t is the
statistic of the ``window`` bars ending at t, NaN returns in the window
skipped as empyrical's ``roll_sharpe_ratio`` / ``roll_beta`` skip them (a bar
pairs for the beta only when both returns are present). It is NaN before the
first full window, where the window has fewer than 2 valid returns (pairs),
and where the window's denominator is zero (constant returns for the Sharpe
(empyrical: +-inf), a benchmark variance below 1e-30 for the beta). For
empyrical's output shape (one value per complete window) see the ``roll_*``
functions.

Each window is computed exactly (two passes, as the whole-sample statistic)
up to 10 million window cells per call; beyond that (e.g. a 6-month window
of minute bars) the windows' moments are updated incrementally (pandas'
rolling moments), which agree with the exact values to about 1e-12 on
ordinary returns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.metrics._base import Returns, align_benchmark, as_panel, per_bar, resolve_ppy
from factorlab.metrics._benchmark import MIN_BENCHMARK_VARIANCE, _beta_values
from factorlab.metrics._periods import Market, rolling_window_bars
from factorlab.metrics._returns_stats import _sharpe_values
from factorlab.metrics._roll import apply_windows

__all__ = ["rolling_sharpe", "rolling_beta"]

#: Window cells (window x windows x columns) up to which every window is computed exactly.
_EXACT_CELLS = 10_000_000


def _window(months: float, window: int | None, ppy: float) -> int:
    if window is None:
        return rolling_window_bars(months, ppy)
    if int(window) != window or window < 2:
        raise ParameterError(f"window must be an integer number of bars >= 2, got {window!r}")
    return int(window)


def _exact(n: int, m: int, w: int) -> bool:
    return max(n - w + 1, 0) * w * m <= _EXACT_CELLS


def _full(values: np.ndarray, windows: np.ndarray, w: int) -> np.ndarray:
    """(bars, columns): NaN before the first full window, then one value per window."""
    out = np.full(values.shape, np.nan)
    if len(windows):
        out[w - 1:] = windows
    return out


def _constant(frame: pd.DataFrame, w: int) -> np.ndarray:
    roll = frame.rolling(w, min_periods=1)
    return (roll.max() == roll.min()).to_numpy()


def rolling_sharpe(returns: Returns, months: float = 6, *, window: int | None = None,
                   risk_free: float | Returns = 0.0, periods_per_year: float | None = None,
                   market: Market | None = None) -> Returns:
    """Annualised Sharpe ratio over a trailing window (see :func:`sharpe_ratio`).

    Parameters
    ----------
    returns : Series, DataFrame or ndarray, shape (bars,) or (bars, columns)
        Simple per-bar returns.
    months : float
        Window length in months (6 and 12 in the report), converted to bars.
    window : int, optional
        Window in bars; overrides ``months``.
    risk_free : float, Series or ndarray
        Per-bar risk-free return: a number or one rate per bar (a Series is
        aligned on the index).

    Returns
    -------
    Same type and shape as ``returns``; NaN before the first full window.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    w = _window(months, window, ppy)
    adj = p.values - per_bar(p, risk_free, "risk_free")
    n, m = adj.shape
    if _exact(n, m, w):
        return p.wrap_like(_full(adj, apply_windows([adj], w, lambda x: _sharpe_values(x, ppy)), w))
    frame = pd.DataFrame(adj)
    roll = frame.rolling(w, min_periods=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sr = (roll.mean() / roll.std(ddof=1)).to_numpy() * np.sqrt(ppy)
    sr = np.where(_constant(frame, w) | ~np.isfinite(sr), np.nan, sr)
    sr[: w - 1] = np.nan
    return p.wrap_like(sr)


def rolling_beta(returns: Returns, benchmark: Returns, months: float = 6, *,
                 window: int | None = None, periods_per_year: float | None = None,
                 market: Market | None = None) -> Returns:
    """Beta to the benchmark over a trailing window, ``cov(r, b) / var(b)`` (a ratio).

    ``benchmark`` holds per-bar benchmark returns, aligned on the index as in
    :func:`beta`; bars where either return is missing are skipped. Same type
    and shape as ``returns``; NaN before the first full window.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    w = _window(months, window, ppy)
    b = np.broadcast_to(align_benchmark(p, benchmark), p.values.shape)
    both = ~np.isnan(p.values) & ~np.isnan(b)
    x, y = np.where(both, p.values, np.nan), np.where(both, b, np.nan)
    n, m = x.shape
    if _exact(n, m, w):
        return p.wrap_like(_full(x, apply_windows([x, y], w, _beta_values), w))
    xf, yf = pd.DataFrame(x), pd.DataFrame(y)
    var = yf.rolling(w, min_periods=1).var(ddof=0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = xf.rolling(w, min_periods=1).cov(yf, ddof=0).to_numpy() / var
    out = np.where(_constant(yf, w) | ~(var >= MIN_BENCHMARK_VARIANCE) | ~np.isfinite(out), np.nan, out)
    out[: w - 1] = np.nan
    return p.wrap_like(out)
