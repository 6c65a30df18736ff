"""Statistics of one return stream: growth, risk, risk-adjusted ratios, distribution.

Every function takes simple per-bar returns (0.01 = 1%) as a Series (-> float),
a DataFrame (-> Series, one value per column) or an ndarray (1-d -> float,
2-d -> 1-d array). NaN returns are skipped (compounding treats them as 0%).
Annualised statistics use ``periods_per_year`` (bars per year), inferred from
the index with an :class:`AnnualizationWarning` when not given; see
:func:`periods_per_year`.

Per-bar parameters
------------------
``risk_free`` (Sharpe, Omega) and ``required_return`` (downside risk,
Sortino, Omega) take a number (the same on every bar) or one value per bar:
a Series is aligned on the returns' index (a bar it lacks is NaN and is
skipped like a missing return), a 1-d array / list must have one value per
bar (in order), a DataFrame or 2-d array one value per bar and column.

Bars per year
-------------
The number of years behind the CAGR (and so Calmar) is ``bars / ppy`` where
``bars`` counts every row of the input, NaN rows included (a leading NaN
from ``pct_change`` counts): empyrical's ``annual_return`` convention.

NaN conventions (never inf)
---------------------------
- Empty or all-NaN input: NaN for every statistic.
- One valid return: level statistics (total return, CAGR, VaR, ...) are
  defined; statistics that need a dispersion (volatility, Sharpe, Sortino,
  Omega, stability) are NaN; skew, kurtosis and the PSR need 3 returns.
- Constant returns: volatility and downside risk are 0.0; every ratio whose
  denominator is then 0 (Sharpe, Sortino without losing bars, Omega without
  a bar below the threshold, Calmar without a drawdown, tail ratio with a 5th
  percentile of 0, skew, kurtosis, PSR) is NaN.

Parity with empyrical-reloaded: equal to 1e-9 on every input except these
degenerate cases (empyrical gives +-inf where a denominator is 0, 0.0 for
the CAGR / maximum drawdown of all-NaN input, a Sortino / Omega from one
valid return among two or more rows), and VaR, which skips NaN returns
(empyrical's ``value_at_risk`` is NaN when any return is). See
docs/differences.md.
"""

from __future__ import annotations

import numpy as np

from factorlab.errors import ParameterError
from factorlab.metrics._base import (
    Returns,
    Scalarish,
    as_panel,
    nan_where,
    nanmean,
    nanstd,
    per_bar,
    resolve_ppy,
    valid_count,
    zero_dispersion,
)
from factorlab.metrics._drawdown import _max_drawdown_values
from factorlab.metrics._periods import Market

__all__ = [
    "total_return",
    "cagr",
    "annual_volatility",
    "sharpe_ratio",
    "downside_risk",
    "sortino_ratio",
    "calmar_ratio",
    "omega_ratio",
    "stability_of_timeseries",
    "tail_ratio",
    "value_at_risk",
    "conditional_value_at_risk",
    "skew",
    "kurtosis",
    "win_rate",
    "probabilistic_sharpe_ratio",
]


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with NaN (not inf) where den is 0 or NaN."""
    bad = ~(np.abs(den) > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bad, np.nan, num / np.where(bad, 1.0, den))


def _total_return_values(x: np.ndarray) -> np.ndarray:
    growth = np.prod(1.0 + np.where(np.isnan(x), 0.0, x), axis=0) - 1.0
    return nan_where(growth, valid_count(x) == 0)


def _annual_growth(ending: np.ndarray, bars: np.ndarray | int, ppy: float) -> np.ndarray:
    """``ending ** (1 / (bars / ppy)) - 1`` as empyrical's ``annual_return`` computes it.

    NaN where ``bars`` is 0 or the ending value is negative or NaN; ``inf`` when the
    growth overflows a float.
    """
    bars = np.asarray(bars, dtype=float)
    ok = (bars > 0) & (ending >= 0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        years = np.where(bars > 0, bars, 1.0) / ppy
        out = np.power(np.where(ok, ending, 1.0), 1.0 / years) - 1.0
    return np.where(ok, out, np.nan)


def _cagr_values(x: np.ndarray, ppy: float) -> np.ndarray:
    """CAGR per column over all ``x.shape[0]`` rows (NaN rows count as bars, empyrical's rule)."""
    ending = _total_return_values(x) + 1.0
    return _annual_growth(ending, x.shape[0], ppy)


def _moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """n, biased central moments m2, m3, m4 per column (NaN skipped)."""
    n = valid_count(x)
    dev = np.where(np.isnan(x), 0.0, x - nanmean(x))
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(n > 0, n, 1)
        m2 = (dev**2).sum(axis=0) / d
        m3 = (dev**3).sum(axis=0) / d
        m4 = (dev**4).sum(axis=0) / d
    return n, m2, m3, m4


def total_return(returns: Returns) -> Scalarish:
    """Compounded return over the whole period, ``prod(1 + r) - 1`` (0.5 = +50%)."""
    p = as_panel(returns)
    return p.wrap(_total_return_values(p.values), "total_return")


def cagr(returns: Returns, *, periods_per_year: float | None = None,
         market: Market | None = None) -> Scalarish:
    """Compound annual growth rate, ``(1 + total_return) ** (ppy / bars) - 1`` (0.1 = 10% a year).

    ``bars`` is the number of rows of the input, NaN rows included (a leading
    NaN from ``pct_change`` counts as a bar), as empyrical's ``annual_return``
    / ``cagr`` count them; NaN returns compound as 0%. NaN for no valid return
    (empyrical: 0.0 for all-NaN input) or when the ending value is negative
    (losses beyond 100%); -1.0 after a total loss.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    return p.wrap(_cagr_values(p.values, ppy), "cagr")


def annual_volatility(returns: Returns, *, periods_per_year: float | None = None,
                      market: Market | None = None) -> Scalarish:
    """Annualised standard deviation, ``std(r, ddof=1) * sqrt(ppy)``; NaN below 2 returns."""
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    std = np.where(zero_dispersion(p.values), 0.0, nanstd(p.values, ddof=1))
    return p.wrap(nan_where(std * np.sqrt(ppy), valid_count(p.values) < 2), "annual_volatility")


def _sharpe_values(x: np.ndarray, ppy: float, risk_free: float | np.ndarray = 0.0) -> np.ndarray:
    adj = x - risk_free
    sr = _safe_div(nanmean(adj), nanstd(adj, ddof=1)) * np.sqrt(ppy)
    return nan_where(sr, zero_dispersion(adj) | (valid_count(adj) < 2))


def sharpe_ratio(returns: Returns, risk_free: float | Returns = 0.0, *,
                 periods_per_year: float | None = None, market: Market | None = None) -> Scalarish:
    """Annualised Sharpe ratio, ``mean(r - rf) / std(r - rf, ddof=1) * sqrt(ppy)``.

    ``risk_free`` is a per-bar return (0.0001 = 1 bp a bar): a number, or one
    rate per bar (a Series aligned on the index, an array in bar order; a bar
    without a rate is skipped). The mean and standard deviation run over the
    bars with both a return and a rate. NaN below 2 such bars or when the
    excess returns are constant (empyrical gives +-inf there).
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    return p.wrap(_sharpe_values(p.values, ppy, per_bar(p, risk_free, "risk_free")), "sharpe")


def _downside_values(x: np.ndarray, ppy: float, required_return: float | np.ndarray) -> np.ndarray:
    adj = x - required_return
    low = np.where(np.isnan(adj), np.nan, np.minimum(adj, 0.0))
    return np.sqrt(nanmean(low**2)) * np.sqrt(ppy)


def downside_risk(returns: Returns, required_return: float | Returns = 0.0, *,
                  periods_per_year: float | None = None, market: Market | None = None) -> Scalarish:
    """Annualised downside deviation, ``sqrt(mean(min(r - required, 0) ** 2)) * sqrt(ppy)``.

    A return (0.1 = 10% a year). ``required_return`` is per bar: a number or
    one value per bar (a Series aligned on the index, an array in bar order);
    the mean runs over the bars with both a return and a required return.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    rr = per_bar(p, required_return, "required_return")
    return p.wrap(_downside_values(p.values, ppy, rr), "downside_risk")


def _sortino_values(x: np.ndarray, ppy: float, required_return: float | np.ndarray = 0.0) -> np.ndarray:
    adj = x - required_return
    num = nanmean(adj) * ppy
    out = _safe_div(num, _downside_values(x, ppy, required_return))
    return nan_where(out, valid_count(adj) < 2)


def sortino_ratio(returns: Returns, required_return: float | Returns = 0.0, *,
                  periods_per_year: float | None = None, market: Market | None = None) -> Scalarish:
    """Annualised Sortino ratio, ``mean(r - required) * ppy / downside_risk``.

    ``required_return`` is per bar, a number or one value per bar (as in
    :func:`downside_risk`). NaN below 2 valid returns (empyrical counts rows,
    NaN included, and gives a number from one valid return) or when no bar
    is below ``required_return`` (empyrical: +inf).
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    rr = per_bar(p, required_return, "required_return")
    return p.wrap(_sortino_values(p.values, ppy, rr), "sortino")


def _calmar_values(x: np.ndarray, ppy: float) -> np.ndarray:
    mdd = _max_drawdown_values(x)
    out = _safe_div(_cagr_values(x, ppy), np.abs(mdd))
    return nan_where(out, ~(mdd < 0) | ~np.isfinite(out))


def calmar_ratio(returns: Returns, *, periods_per_year: float | None = None,
                 market: Market | None = None) -> Scalarish:
    """CAGR divided by the absolute maximum drawdown (a ratio); NaN without a drawdown.

    The CAGR counts every row as a bar, NaN rows included (see :func:`cagr`).
    NaN also where the ratio would be infinite (as empyrical).
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    return p.wrap(_calmar_values(p.values, ppy), "calmar")


def _omega_values(x: np.ndarray, ppy: float, risk_free: float | np.ndarray,
                  required_return: float | np.ndarray) -> np.ndarray:
    if ppy == 1:  # empyrical: no conversion, and no check of the required return
        threshold = required_return
    elif np.any(np.asarray(required_return) <= -1):
        return np.full(x.shape[1], np.nan)
    else:
        threshold = (1 + required_return) ** (1.0 / ppy) - 1
    with np.errstate(invalid="ignore"):
        ex = x - risk_free - threshold
    gains = np.where(ex > 0, ex, 0.0).sum(axis=0)
    losses = -np.where(ex < 0, ex, 0.0).sum(axis=0)
    return nan_where(_safe_div(gains, losses), valid_count(x) < 2)


def omega_ratio(returns: Returns, risk_free: float | Returns = 0.0, required_return: float | Returns = 0.0, *,
                periods_per_year: float | None = None, market: Market | None = None) -> Scalarish:
    """Omega ratio: sum of gains over sum of losses around a threshold (a ratio, 1 = balanced).

    The per-bar threshold is ``risk_free`` (per bar) plus the de-annualised
    ``required_return`` (annual): ``(1 + required_return) ** (1 / ppy) - 1``
    (with ``ppy == 1`` the required return is used as it is). Either can be a
    number or one value per bar (a Series aligned on the index, an array in
    bar order; a bar without one is skipped). NaN below 2 valid returns
    (empyrical counts rows and may give a number from one valid return), when
    no bar is below the threshold, or when a ``required_return <= -1`` must
    be de-annualised.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    rf = per_bar(p, risk_free, "risk_free")
    rr = per_bar(p, required_return, "required_return")
    return p.wrap(_omega_values(p.values, ppy, rf, rr), "omega")


def _stability_values(x: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(x)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore"):
        y = np.cumsum(np.where(ok, np.log1p(np.where(ok, x, 0.0)), 0.0), axis=0)
    t = np.cumsum(ok, axis=0) - 1.0  # position among the valid returns
    d = np.where(n > 0, n, 1)
    ym = np.where(ok, y, 0.0).sum(axis=0) / d
    tm = np.where(ok, t, 0.0).sum(axis=0) / d
    dy = np.where(ok, y - ym, 0.0)
    dt = np.where(ok, t - tm, 0.0)
    sxy, sxx, syy = (dt * dy).sum(axis=0), (dt**2).sum(axis=0), (dy**2).sum(axis=0)
    r2 = _safe_div(sxy**2, sxx * syy)
    return nan_where(np.minimum(r2, 1.0), n < 2)


def stability_of_timeseries(returns: Returns) -> Scalarish:
    """R-squared of a linear fit of cumulative log returns on time.

    ``log1p(r)`` of the valid returns is cumulated and regressed on 0..n-1.
    NaN below 2 returns or when the cumulative log return is flat (all zero).
    """
    p = as_panel(returns)
    return p.wrap(_stability_values(p.values), "stability")


def _percentile(x: np.ndarray, q: float) -> np.ndarray:
    """Per-column percentile (linear interpolation) of the valid values; NaN for none."""
    n = valid_count(x)
    if x.shape[0] == 0:
        return np.full(x.shape[1], np.nan)
    out = np.nanpercentile(np.where(n[None, :] > 0, x, 0.0), q, axis=0)
    return nan_where(np.asarray(out, dtype=float), n == 0)


def tail_ratio(returns: Returns) -> Scalarish:
    """``|95th percentile| / |5th percentile|`` of the returns; NaN when the 5th is 0."""
    p = as_panel(returns)
    out = _safe_div(np.abs(_percentile(p.values, 95)), np.abs(_percentile(p.values, 5)))
    return p.wrap(out, "tail_ratio")


def _check_cutoff(cutoff: float) -> None:
    if not 0 <= cutoff <= 1:
        raise ParameterError(f"cutoff must be in [0, 1], got {cutoff!r}")


def value_at_risk(returns: Returns, cutoff: float = 0.05) -> Scalarish:
    """Historical VaR: the ``cutoff`` percentile of per-bar returns (linear interpolation).

    A return, typically negative (-0.02 = a 2% loss on the worst 5% of bars).
    ``cutoff`` is a fraction in [0, 1]: 0 gives the worst return, 1 the best.
    NaN returns are skipped (empyrical's ``value_at_risk`` is NaN when any
    return is NaN); a DataFrame gives one VaR per column (empyrical pools
    every column into one percentile).
    """
    _check_cutoff(cutoff)
    p = as_panel(returns)
    return p.wrap(_percentile(p.values, 100.0 * cutoff), "var")


def conditional_value_at_risk(returns: Returns, cutoff: float = 0.05) -> Scalarish:
    """Historical CVaR (expected shortfall): mean of the ``k + 1`` lowest returns (a per-bar return).

    ``k = floor((n - 1) * cutoff)`` with ``n`` valid returns (empyrical's rule);
    ``cutoff`` is a fraction in [0, 1]: 0 gives the worst return, 1 the mean
    of all returns. NaN returns are skipped; a DataFrame gives one CVaR per
    column (empyrical pools every column).
    """
    _check_cutoff(cutoff)
    p = as_panel(returns)
    x = p.values
    n = valid_count(x)
    if x.shape[0] == 0:
        return p.wrap(np.full(x.shape[1], np.nan), "cvar")
    srt = np.sort(x, axis=0)  # NaN last
    csum = np.cumsum(np.where(np.isnan(srt), 0.0, srt), axis=0)
    k = np.floor(np.maximum(n - 1, 0) * cutoff).astype(int)
    out = csum[k, np.arange(x.shape[1])] / (k + 1)
    return p.wrap(nan_where(out, n == 0), "cvar")


def _skew_values(x: np.ndarray) -> np.ndarray:
    n, m2, m3, _ = _moments(x)
    out = _safe_div(m3, m2**1.5)
    return nan_where(out, (n < 3) | zero_dispersion(x))


def _kurtosis_values(x: np.ndarray) -> np.ndarray:
    n, m2, _, m4 = _moments(x)
    out = _safe_div(m4, m2**2) - 3.0
    return nan_where(out, (n < 3) | zero_dispersion(x))


def skew(returns: Returns) -> Scalarish:
    """Sample skewness, biased moment estimator ``m3 / m2 ** 1.5`` (scipy.stats.skew)."""
    p = as_panel(returns)
    return p.wrap(_skew_values(p.values), "skew")


def kurtosis(returns: Returns) -> Scalarish:
    """Excess kurtosis, biased moment estimator ``m4 / m2 ** 2 - 3`` (scipy.stats.kurtosis)."""
    p = as_panel(returns)
    return p.wrap(_kurtosis_values(p.values), "kurtosis")


def win_rate(returns: Returns) -> Scalarish:
    """Share of winning bars: bars with ``r > 0`` over bars with ``r != 0``.

    Flat bars (exactly 0, e.g. out of the market) are not counted; NaN when
    every valid bar is flat or there is none.
    """
    p = as_panel(returns)
    x = p.values
    wins = (x > 0).sum(axis=0)
    moved = ((x > 0) | (x < 0)).sum(axis=0)
    return p.wrap(_safe_div(wins.astype(float), moved.astype(float)), "win_rate")


def _psr_values(x: np.ndarray, ppy: float, benchmark_sharpe: float) -> np.ndarray:
    from scipy.special import ndtr  # imported here: scipy is not needed by the other statistics

    n, m2, m3, m4 = _moments(x)
    sr = _safe_div(nanmean(x), nanstd(x, ddof=1))
    g3 = _safe_div(m3, m2**1.5)
    g4 = _safe_div(m4, m2**2)
    var = 1.0 - g3 * sr + (g4 - 1.0) / 4.0 * sr**2
    sr_star = benchmark_sharpe / np.sqrt(ppy)
    with np.errstate(invalid="ignore"):
        z = _safe_div((sr - sr_star) * np.sqrt(np.maximum(n - 1, 0)), np.sqrt(np.where(var > 0, var, np.nan)))
    return nan_where(ndtr(z), (n < 3) | zero_dispersion(x) | ~(var > 0))


def probabilistic_sharpe_ratio(returns: Returns, benchmark_sharpe: float = 0.0, *,
                               periods_per_year: float | None = None,
                               market: Market | None = None) -> Scalarish:
    """Probability that the true Sharpe ratio exceeds ``benchmark_sharpe`` (Bailey & Lopez de Prado).

    ``PSR = Phi((SR - SR*) * sqrt(n - 1) / sqrt(1 - g3 * SR + (g4 - 1) / 4 * SR ** 2))``
    with the per-bar (not annualised) Sharpe ``SR = mean / std(ddof=1)`` of the
    ``n`` valid returns, their skewness ``g3`` and (non-excess) kurtosis ``g4``
    (biased moment estimators), and ``SR* = benchmark_sharpe / sqrt(ppy)``:
    ``benchmark_sharpe`` is annualised (1.0 asks "better than a Sharpe of 1?").

    Returns a probability in [0, 1]; NaN below 3 returns, for constant returns,
    or when the variance term under the root is not positive.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    return p.wrap(_psr_values(p.values, ppy, benchmark_sharpe), "psr")
