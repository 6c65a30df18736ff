"""Statistics against a benchmark: information ratio, alpha and beta.

``benchmark`` holds the benchmark's simple per-bar returns (not prices). A
labelled benchmark is aligned on the returns' index (bars it lacks are NaN);
an ndarray must have as many rows. Only bars where both the strategy and the
benchmark have a return are used (pairwise).

NaN conventions: fewer than 2 paired returns, a constant benchmark (beta,
alpha) or a constant active return (information ratio) give NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.metrics._base import (
    Returns,
    Scalarish,
    align_benchmark,
    as_panel,
    nan_where,
    nanmean,
    nanstd,
    resolve_ppy,
    valid_count,
    zero_dispersion,
)
from factorlab.metrics._periods import Market, annualise_return
from factorlab.metrics._returns_stats import _safe_div

__all__ = ["information_ratio", "tracking_error", "alpha_beta", "alpha", "beta"]


def _paired(returns: Returns, benchmark: Returns):
    p = as_panel(returns)
    b = align_benchmark(p, benchmark)
    both = ~np.isnan(p.values) & ~np.isnan(b)
    x = np.where(both, p.values, np.nan)
    y = np.where(both, np.broadcast_to(b, p.values.shape), np.nan)
    return p, x, y


def _beta_values(x: np.ndarray, bench: np.ndarray) -> np.ndarray:
    bm = bench - nanmean(bench)
    cov = nanmean(bm * x)
    var = nanmean(bm**2)
    return nan_where(_safe_div(cov, var), (valid_count(x) < 2) | zero_dispersion(bench))


def _alpha_values(x: np.ndarray, bench: np.ndarray, b: np.ndarray, ppy: float) -> np.ndarray:
    return annualise_return(nanmean(x - b * bench), ppy)  # log space: inf beyond a float, never an error


def tracking_error(returns: Returns, benchmark: Returns, *, periods_per_year: float | None = None,
                   market: Market | None = None) -> Scalarish:
    """Annualised standard deviation of the active return ``r - benchmark`` (ddof=1)."""
    p, x, y = _paired(returns, benchmark)
    ppy = resolve_ppy(p, periods_per_year, market)
    active = x - y
    te = np.where(zero_dispersion(active), 0.0, nanstd(active, ddof=1)) * np.sqrt(ppy)
    return p.wrap(nan_where(te, valid_count(active) < 2), "tracking_error")


def information_ratio(returns: Returns, benchmark: Returns, *, periods_per_year: float | None = None,
                      market: Market | None = None) -> Scalarish:
    """Annualised information ratio, ``mean(r - b) / std(r - b, ddof=1) * sqrt(ppy)``.

    Equals empyrical's ``excess_sharpe`` (which is per bar) times ``sqrt(ppy)``.
    NaN below 2 paired returns or for a constant active return.
    """
    p, x, y = _paired(returns, benchmark)
    ppy = resolve_ppy(p, periods_per_year, market)
    active = x - y
    ir = _safe_div(nanmean(active), nanstd(active, ddof=1)) * np.sqrt(ppy)
    return p.wrap(nan_where(ir, zero_dispersion(active) | (valid_count(active) < 2)),
                  "information_ratio")


def alpha_beta(returns: Returns, benchmark: Returns, risk_free: float = 0.0, *,
               periods_per_year: float | None = None, market: Market | None = None):
    """Annualised alpha and beta of a single-factor regression on the benchmark.

    ``beta = cov(r, b) / var(b)`` (population moments over the paired bars);
    ``alpha = (1 + mean(r - rf - beta * (b - rf))) ** ppy - 1``, ``risk_free``
    per bar.

    Returns
    -------
    tuple (alpha, beta) of floats for a Series / 1-d array; a DataFrame with
    columns 'alpha', 'beta' (one row per column) for a DataFrame; an array of
    shape (columns, 2) for a 2-d array.
    """
    p, x, y = _paired(returns, benchmark)
    ppy = resolve_ppy(p, periods_per_year, market)
    xr, yr = x - risk_free, y - risk_free
    b = _beta_values(xr, yr)
    a = nan_where(_alpha_values(xr, yr, b, ppy), np.isnan(b))
    if p.kind in ("series", "array1"):
        return float(a[0]), float(b[0])
    if p.kind == "frame":
        return pd.DataFrame({"alpha": a, "beta": b}, index=p.columns)
    return np.column_stack([a, b])


def beta(returns: Returns, benchmark: Returns, risk_free: float = 0.0) -> Scalarish:
    """Beta to the benchmark, ``cov(r, b) / var(b)``; NaN for a constant benchmark."""
    p, x, y = _paired(returns, benchmark)
    return p.wrap(_beta_values(x - risk_free, y - risk_free), "beta")


def alpha(returns: Returns, benchmark: Returns, risk_free: float = 0.0, *,
          periods_per_year: float | None = None, market: Market | None = None) -> Scalarish:
    """Annualised (compounded) alpha, see :func:`alpha_beta`."""
    p, x, y = _paired(returns, benchmark)
    ppy = resolve_ppy(p, periods_per_year, market)
    xr, yr = x - risk_free, y - risk_free
    b = _beta_values(xr, yr)
    return p.wrap(nan_where(_alpha_values(xr, yr, b, ppy), np.isnan(b)), "alpha")
