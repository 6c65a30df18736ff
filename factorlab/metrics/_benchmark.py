"""Statistics against a benchmark: information ratio, excess Sharpe, alpha and beta.

``benchmark`` holds the benchmark's simple per-bar returns (not prices). A
labelled benchmark is aligned on the returns' index (bars it lacks are NaN);
an ndarray must have as many rows; a number is the same benchmark return on
every bar. Only bars where both the strategy and the benchmark have a return
are used (pairwise).

``risk_free`` is a per-bar return: a number or one rate per bar (a Series
aligned on the index, an array in bar order). As in empyrical, it enters the
alpha only: the beta is the slope of the returns on the benchmark returns,
which equals the slope of the excess returns when the rate is constant.

NaN conventions: fewer than 2 paired returns, a benchmark with a variance
below 1e-30 (beta, alpha; empyrical's threshold) or a constant active return
(information ratio, excess Sharpe: empyrical gives +-inf) give NaN.
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
    per_bar,
    resolve_ppy,
    valid_count,
    zero_dispersion,
)
from factorlab.metrics._periods import Market
from factorlab.metrics._returns_stats import _safe_div

__all__ = ["information_ratio", "excess_sharpe", "tracking_error", "alpha_beta", "alpha", "beta"]

#: empyrical's ``beta``: a benchmark variance below this is treated as zero (NaN beta).
MIN_BENCHMARK_VARIANCE = 1.0e-30


def _paired(returns: Returns, benchmark: Returns | float):
    p = as_panel(returns)
    b = align_benchmark(p, benchmark)
    both = ~np.isnan(p.values) & ~np.isnan(b)
    x = np.where(both, p.values, np.nan)
    y = np.where(both, np.broadcast_to(b, p.values.shape), np.nan)
    return p, x, y


def _beta_values(x: np.ndarray, bench: np.ndarray) -> np.ndarray:
    """Beta per column of pair-masked returns ``x`` on ``bench`` (population moments)."""
    bm = bench - nanmean(bench)
    cov = nanmean(bm * x)
    var = nanmean(bm**2)
    bad = (valid_count(x) < 2) | zero_dispersion(bench) | ~(var >= MIN_BENCHMARK_VARIANCE)
    return nan_where(_safe_div(cov, var), bad)


def _alpha_values(x: np.ndarray, bench: np.ndarray, b: np.ndarray, ppy: float,
                  risk_free: float | np.ndarray = 0.0) -> np.ndarray:
    """``(1 + mean((r - rf) - beta * (b - rf))) ** ppy - 1`` per column (empyrical's arithmetic)."""
    with np.errstate(invalid="ignore", over="ignore"):
        excess = (x - risk_free) - b * (bench - risk_free)
        out = np.power(nanmean(excess) + 1.0, ppy) - 1.0
    return nan_where(out, np.isnan(b))


def _excess_sharpe_values(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    active = x - y
    es = _safe_div(nanmean(active), nanstd(active, ddof=1))
    return nan_where(es, zero_dispersion(active) | (valid_count(active) < 2))


def tracking_error(returns: Returns, benchmark: Returns | float, *, periods_per_year: float | None = None,
                   market: Market | None = None) -> Scalarish:
    """Annualised standard deviation of the active return ``r - benchmark`` (ddof=1; 0.05 = 5% a year)."""
    p, x, y = _paired(returns, benchmark)
    ppy = resolve_ppy(p, periods_per_year, market)
    active = x - y
    te = np.where(zero_dispersion(active), 0.0, nanstd(active, ddof=1)) * np.sqrt(ppy)
    return p.wrap(nan_where(te, valid_count(active) < 2), "tracking_error")


def excess_sharpe(returns: Returns, factor_returns: Returns | float) -> Scalarish:
    """Per-bar (not annualised) excess Sharpe, ``mean(r - b) / std(r - b, ddof=1)``.

    empyrical's ``excess_sharpe``. ``factor_returns`` is the benchmark's
    per-bar returns, or a number (a constant per-bar benchmark return: 0.0
    gives the per-bar Sharpe ratio). NaN below 2 paired returns and for a
    constant active return (empyrical: +-inf, or NaN for a zero mean).
    """
    p, x, y = _paired(returns, factor_returns)
    return p.wrap(_excess_sharpe_values(x, y), "excess_sharpe")


def information_ratio(returns: Returns, benchmark: Returns | float, *, periods_per_year: float | None = None,
                      market: Market | None = None) -> Scalarish:
    """Annualised information ratio, ``mean(r - b) / std(r - b, ddof=1) * sqrt(ppy)``.

    Equals empyrical's ``excess_sharpe`` (which is per bar) times ``sqrt(ppy)``.
    ``benchmark`` is per-bar benchmark returns or a number (a constant per-bar
    return; ``information_ratio(r, 0.0)`` is the Sharpe ratio with no
    risk-free rate). NaN below 2 paired returns and for a constant active
    return, where empyrical's ``excess_sharpe`` gives +-inf (NaN when the mean
    active return is 0 as well): factorlab's ratios are never infinite.
    """
    p, x, y = _paired(returns, benchmark)
    ppy = resolve_ppy(p, periods_per_year, market)
    return p.wrap(_excess_sharpe_values(x, y) * np.sqrt(ppy), "information_ratio")


def _alpha_beta_arrays(returns, benchmark, risk_free, periods_per_year, market, mask=None):
    """(panel, alpha, beta) per column; ``mask`` (bars x columns) keeps only those bars."""
    p, x, y = _paired(returns, benchmark)
    if mask is not None:
        keep = mask(x, y)
        x, y = np.where(keep, x, np.nan), np.where(keep, y, np.nan)
    ppy = resolve_ppy(p, periods_per_year, market)
    rf = per_bar(p, risk_free, "risk_free")
    b = _beta_values(x, y)
    return p, _alpha_values(x, y, b, ppy, rf), b


def _wrap_pair(p, a: np.ndarray, b: np.ndarray):
    if p.kind in ("series", "array1"):
        return float(a[0]), float(b[0])
    if p.kind == "frame":
        return pd.DataFrame({"alpha": a, "beta": b}, index=p.columns)
    return np.column_stack([a, b])


def alpha_beta(returns: Returns, benchmark: Returns, risk_free: float | Returns = 0.0, *,
               periods_per_year: float | None = None, market: Market | None = None):
    """Annualised alpha and beta of a single-factor regression on the benchmark.

    ``beta = cov(r, b) / var(b)`` (population moments over the paired bars;
    NaN when ``var(b) < 1e-30``); ``alpha = (1 + mean(r - rf - beta * (b - rf)))
    ** ppy - 1`` (a return a year, 0.02 = 2%), ``risk_free`` per bar: a number
    or one rate per bar (a Series aligned on the index). As in empyrical the
    rate does not enter the beta (the same slope for a constant rate).

    Returns
    -------
    tuple (alpha, beta) of floats for a Series / 1-d array; a DataFrame with
    columns 'alpha', 'beta' (one row per column) for a DataFrame; an array of
    shape (columns, 2) for a 2-d array.
    """
    p, a, b = _alpha_beta_arrays(returns, benchmark, risk_free, periods_per_year, market)
    return _wrap_pair(p, a, b)


def beta(returns: Returns, benchmark: Returns, risk_free: float | Returns = 0.0) -> Scalarish:
    """Beta to the benchmark, ``cov(r, b) / var(b)`` (a ratio; 1 moves with the benchmark).

    NaN for a benchmark whose variance over the paired bars is below 1e-30
    (empyrical's threshold). ``risk_free`` is accepted for empyrical's
    signature and, as there, does not change the beta.
    """
    p, x, y = _paired(returns, benchmark)
    per_bar(p, risk_free, "risk_free")  # validated, as the other statistics do
    return p.wrap(_beta_values(x, y), "beta")


def alpha(returns: Returns, benchmark: Returns, risk_free: float | Returns = 0.0, *,
          periods_per_year: float | None = None, market: Market | None = None) -> Scalarish:
    """Annualised (compounded) alpha, a return a year (0.02 = 2%); see :func:`alpha_beta`."""
    p, a, _ = _alpha_beta_arrays(returns, benchmark, risk_free, periods_per_year, market)
    return p.wrap(a, "alpha")
