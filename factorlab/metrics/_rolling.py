"""Rolling Sharpe ratio and rolling beta over trailing windows of months.

The window is given in months and converted to bars with the bar frequency,
``round(months / 12 * periods_per_year)``: 126 / 252 bars for 6 / 12 months of
daily session bars, 4,380 / 8,760 for hourly 24/7 bars (see
:func:`factorlab.metrics.bar_frequency`). Pass ``window=`` (bars) to set it
directly.

The output has the input's index (and columns); the value at bar t uses the
``window`` bars ending at t. It is NaN until a full window of valid returns is
available, where any return in the window is NaN, and where the window's
denominator is zero (constant returns for the Sharpe, a constant benchmark for
the beta).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.metrics._base import Returns, align_benchmark, as_panel, resolve_ppy
from factorlab.metrics._periods import Market, rolling_window_bars

__all__ = ["rolling_sharpe", "rolling_beta"]


def _window(months: float, window: int | None, ppy: float) -> int:
    if window is None:
        return rolling_window_bars(months, ppy)
    if int(window) != window or window < 2:
        raise ParameterError(f"window must be an integer number of bars >= 2, got {window!r}")
    return int(window)


def _constant(frame: pd.DataFrame, w: int) -> np.ndarray:
    roll = frame.rolling(w, min_periods=w)
    return (roll.max() == roll.min()).to_numpy()


def rolling_sharpe(returns: Returns, months: float = 6, *, window: int | None = None,
                   risk_free: float = 0.0, periods_per_year: float | None = None,
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
    risk_free : float
        Per-bar risk-free return.

    Returns
    -------
    Same type and shape as ``returns``.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    w = _window(months, window, ppy)
    frame = pd.DataFrame(p.values - risk_free)
    roll = frame.rolling(w, min_periods=w)
    with np.errstate(invalid="ignore", divide="ignore"):
        sr = (roll.mean() / roll.std(ddof=1)).to_numpy() * np.sqrt(ppy)
    sr = np.where(_constant(frame, w) | ~np.isfinite(sr), np.nan, sr)
    return p.wrap_like(sr)


def rolling_beta(returns: Returns, benchmark: Returns, months: float = 6, *,
                 window: int | None = None, periods_per_year: float | None = None,
                 market: Market | None = None) -> Returns:
    """Beta to the benchmark over a trailing window, ``cov(r, b) / var(b)``.

    ``benchmark`` holds per-bar benchmark returns, aligned on the index as in
    :func:`beta`. Same type and shape as ``returns``.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    w = _window(months, window, ppy)
    b = np.broadcast_to(align_benchmark(p, benchmark), p.values.shape)
    both = ~np.isnan(p.values) & ~np.isnan(b)
    x = pd.DataFrame(np.where(both, p.values, np.nan))
    y = pd.DataFrame(np.where(both, b, np.nan))
    cov = x.rolling(w, min_periods=w).cov(y).to_numpy()
    var = y.rolling(w, min_periods=w).var().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = cov / var
    out = np.where(_constant(y, w) | ~np.isfinite(out), np.nan, out)
    return p.wrap_like(out)
