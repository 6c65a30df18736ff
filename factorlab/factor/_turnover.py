"""Turnover of a factor: quantile membership turnover and factor rank autocorrelation.

Both statistics compare each date's cross-section with the one ``period``
dates earlier. Everything is computed on the wide (dates x assets) arrays of
a :class:`~factorlab.factor.FactorData`: a date is a row, "``period`` dates
earlier" is a row shift, and the statistics are row-wise vector operations.

Which dates count when shifting (Alphalens' convention, kept exactly):

* when the date index carries a frequency (Alphalens frames carry the
  trading calendar it inferred from the prices), dates are shifted on that
  calendar grid, so a date missing from the data gives NaN at the date
  ``period`` bars later;
* otherwise (``prepare_factor_data`` output) dates are shifted over the dates
  present: for :func:`quantile_turnover` the dates on which that quantile has
  at least one name, for :func:`factor_rank_autocorrelation` the dates of the
  factor data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.factor._blocks import blockwise
from factorlab.factor._forward import period_label
from factorlab.factor._prepare import FactorData
from factorlab.factor._rank import rank_rows

__all__ = ["quantile_turnover", "quantile_turnover_table", "factor_rank_autocorrelation"]


# --------------------------------------------------------------------------- checks and helpers
def check_period(period: int) -> int:
    """Validate a lag in dates (a positive integer) and return it as int."""
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 1:
        raise ParameterError(f"period must be a positive integer number of dates (1, 2, ...), got {period!r}")
    return int(period)


def check_quantile(quantile: int, n_quantiles: int) -> int:
    """Validate a 1-based quantile label against the number of quantiles."""
    ok = isinstance(quantile, (int, np.integer, float, np.floating)) and not isinstance(quantile, bool)
    if not ok or float(quantile) != int(quantile) or not 1 <= int(quantile) <= n_quantiles:
        raise ParameterError(f"quantile must be one of 1..{n_quantiles}, got {quantile!r}")
    return int(quantile)


def _grid(dates: pd.DatetimeIndex, freq) -> pd.DatetimeIndex:
    """The frequency grid spanning ``dates`` (what ``Series.asfreq(freq)`` would use)."""
    if freq is None or len(dates) == 0:
        return dates
    return pd.date_range(dates.min(), dates.max(), freq=freq, name=dates.name)


def _on_grid(values: np.ndarray, dates: pd.DatetimeIndex, freq) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Rows of ``values`` placed on the frequency grid (missing rows all NaN / False)."""
    grid = _grid(dates, freq)
    if grid is dates:
        return values, dates
    out = np.zeros((len(grid),) + values.shape[1:], dtype=values.dtype)
    if values.dtype.kind == "f":
        out[:] = np.nan
    out[grid.get_indexer(dates)] = values
    return out, grid


def _shift_rows(values: np.ndarray, period: int, fill) -> np.ndarray:
    out = np.empty_like(values)
    out[:period] = fill
    out[period:] = values[:-period] if period < len(values) else values[:0]
    return out


def quantile_turnover_array(quant: np.ndarray, dates: pd.DatetimeIndex, quantile: int, period: int,
                            freq=None) -> pd.Series:
    """Turnover of one quantile from a wide array of quantile labels.

    Parameters
    ----------
    quant : ndarray, shape (dates, assets)
        1-based quantile labels, NaN where the asset is not in the data.
    dates : pd.DatetimeIndex, shape (dates,)
    quantile, period : int
    freq : offset or None
        Shift on this calendar grid instead of over the dates present.

    Returns
    -------
    pd.Series
        Fraction of the quantile's names (0.25 = 25%) that were not in it
        ``period`` dates earlier; indexed by the dates on which the quantile
        has names (or the grid), NaN for the first ``period`` dates.
    """
    member = quant == quantile
    present = member.any(axis=1)
    member, index = _on_grid(member[present], dates[present], freq)
    on_date = member.any(axis=1)
    before = _shift_rows(member, period, False)
    had = _shift_rows(on_date, period, False)
    with np.errstate(invalid="ignore", divide="ignore"):
        turnover = (member & ~before).sum(axis=1) / member.sum(axis=1)
    turnover = np.where(on_date & had, turnover, np.nan)
    return pd.Series(turnover, index=index, name=quantile)


def row_ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) along each row, NaN stays NaN; shape preserved."""
    return rank_rows(np.asarray(x, dtype="float64"))


@blockwise
def row_corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Pearson correlation over the columns where both are non-NaN.

    Parameters
    ----------
    a, b : ndarray, shape (rows, columns)

    Returns
    -------
    ndarray, shape (rows,)
        NaN where fewer than two common values or a constant row (as
        ``DataFrame.corrwith(axis=1)``).
    """
    both = ~np.isnan(a) & ~np.isnan(b)
    n = both.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(both, a, 0.0)
        b = np.where(both, b, 0.0)
        ad = np.where(both, a - (a.sum(axis=1) / n)[:, None], 0.0)
        bd = np.where(both, b - (b.sum(axis=1) / n)[:, None], 0.0)
        num = np.einsum("ij,ij->i", ad, bd)
        sa = np.sqrt(np.einsum("ij,ij->i", ad, ad) / (n - 1))
        sb = np.sqrt(np.einsum("ij,ij->i", bd, bd) / (n - 1))
        out = num / ((n - 1) * sa * sb)
    return np.where(n > 1, out, np.nan)


@blockwise
def _row_squares(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the number of non-NaN values and the sum of their squares."""
    ok = ~np.isnan(r)
    r0 = np.where(ok, r, 0.0)
    return ok.sum(axis=1), np.einsum("ij,ij->i", r0, r0)


@blockwise
def _row_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: whether ``a`` and ``b`` have values in the same cells, and the sum of ``a * b`` over them."""
    va, vb = ~np.isnan(a), ~np.isnan(b)
    return (va == vb).all(axis=1), np.einsum("ij,ij->i", np.where(va, a, 0.0), np.where(vb, b, 0.0))


def rank_autocorrelations(fd: FactorData, periods: Sequence[int]) -> dict[int, pd.Series]:
    """:func:`factor_rank_autocorrelation` for several lags, from per-date sums of the ranks.

    On a pair of dates that rank the same ``n`` names, the Pearson
    correlation of the two rank vectors is ``(sum(a * b) - n m_a m_b) /
    sqrt((sum(a^2) - n m_a^2) (sum(b^2) - n m_b^2))`` with ``m = (n + 1) / 2``
    the mean of average ranks: sums of products of half-integers, exact in
    float64, so only the last division rounds. The sums of squares are taken
    once for every lag and no date x asset array is built; the other pairs
    (names entering or leaving between the two dates) are correlated over the
    names common to both, as :func:`factor_rank_autocorrelation` documents.

    Returns
    -------
    dict period -> pd.Series
        As :func:`factor_rank_autocorrelation` for each period (equal up to rounding, about 1e-16).
    """
    periods = [check_period(p) for p in periods]
    ranks, index = _on_grid(fd.factor_ranks, fd.dates, fd.dates.freq)
    n, squares = _row_squares(ranks)
    mid = (n + 1) / 2.0
    spread = squares - n * mid * mid  # n times the variance of the date's ranks (exact)
    out = {}
    for p in periods:
        rho = np.full(len(ranks), np.nan)
        if p < len(ranks):
            same, products = _row_pairs(ranks[p:], ranks[:-p])
            ok = same & (n[p:] >= 2) & (spread[p:] > 0) & (spread[:-p] > 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                value = (products - n[p:] * mid[p:] * mid[:-p]) / np.sqrt(spread[p:] * spread[:-p])
            rho[p:][ok] = np.clip(value[ok], -1.0, 1.0)
            # same names but fewer than two or constant ranks: NaN; other names: over the common ones
            slow = np.flatnonzero(~same)
            if len(slow):
                rho[p + slow] = row_corr(ranks[p + slow], ranks[slow])
        out[p] = pd.Series(rho, index=index, name=p)
    return out


# --------------------------------------------------------------------------- public
def quantile_turnover(fd: FactorData, quantile: int, period: int = 1) -> pd.Series:
    """Share of the names in a quantile that were not in it ``period`` dates earlier.

    Parameters
    ----------
    fd : FactorData
    quantile : int
        1-based quantile label, one of ``1..fd.n_quantiles``.
    period : int, default 1
        Lag in dates (see the module notes on which dates count).

    Returns
    -------
    pd.Series, named ``quantile``
        Turnover per date as a fraction (0.2 = 20% of the names are new),
        indexed by the dates on which the quantile has names; NaN for the
        first ``period`` of them. Same numbers as Alphalens'
        ``quantile_turnover(factor_data['factor_quantile'], quantile, period)``.

    Raises
    ------
    ParameterError
        ``quantile`` outside ``1..n_quantiles`` or ``period`` < 1.
    """
    quantile = check_quantile(quantile, fd.n_quantiles)
    period = check_period(period)
    return quantile_turnover_array(fd.quantile.to_numpy(), fd.dates, quantile, period, fd.dates.freq)


def quantile_turnover_table(fd: FactorData, periods: Sequence[int] | None = None) -> pd.DataFrame:
    """Mean turnover of every quantile for several lags (the turnover tear sheet table).

    Parameters
    ----------
    fd : FactorData
    periods : sequence of int, optional
        Lags in dates; default ``fd.periods`` (the forward-return periods).

    Returns
    -------
    pd.DataFrame, shape (quantiles, periods)
        Index 'Quantile 1 Mean Turnover', ... (one row per quantile label
        present), columns the lags named like the forward-return labels
        (``'1D'``, ``'5D'``, ...; ``'{p}D'`` for other lags): the mean over
        dates (NaN skipped) of :func:`quantile_turnover`, as a fraction.
    """
    periods = fd.periods if periods is None else periods
    if isinstance(periods, (int, np.integer)):
        periods = (periods,)
    periods = [check_period(p) for p in periods]
    if not periods:
        raise ParameterError("periods must name at least one lag, e.g. periods=(1, 5, 10)")
    quant = fd.quantile.to_numpy()
    labels = fd.quantile_labels
    table = np.full((len(labels), len(periods)), np.nan)
    for j, p in enumerate(periods):
        for i, q in enumerate(labels):
            table[i, j] = quantile_turnover_array(quant, fd.dates, int(q), p, fd.dates.freq).mean()
    names = dict(zip(fd.periods, fd.labels))
    return pd.DataFrame(table, index=[f"Quantile {q} Mean Turnover" for q in labels],
                        columns=[names.get(p) or period_label(p, fd.dates) for p in periods])


def factor_rank_autocorrelation(fd: FactorData, period: int = 1) -> pd.Series:
    """Correlation of each date's factor ranks with the ranks ``period`` dates earlier.

    Ranks are average ranks of the factor within each date's whole
    cross-section; the correlation is Pearson's, over the assets present on
    both dates (Alphalens ranks per date, pivots the ranks wide and uses
    ``corrwith(shifted, axis=1)``; this is the same computation on arrays).

    Parameters
    ----------
    fd : FactorData
    period : int, default 1
        Lag in dates (see the module notes on which dates count).

    Returns
    -------
    pd.Series, named ``period``, indexed by date
        Autocorrelation in [-1, 1]; NaN for the first ``period`` dates and
        where fewer than two assets are common to both dates or the ranks of
        the common assets are constant. Same numbers as Alphalens'
        ``factor_rank_autocorrelation(factor_data, period)``.

    Raises
    ------
    ParameterError
        ``period`` < 1.
    """
    period = check_period(period)
    return rank_autocorrelations(fd, (period,))[period]
