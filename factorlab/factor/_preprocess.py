"""Factor preprocessing per date: winsorise, standardise, rank, neutralise, combine.

Every transform works on the wide (dates x assets) array one row (date) at a
time, vectorised over the rows: the value at t uses only the cross-section of
t (point in time: nothing at t uses data after t). The one exception that
looks across dates, IC-weighted combination, uses only information
coefficients already known at t: the IC of date s for an N-bar horizon (with
delay d) needs the return up to bar s + d + N, so at t it uses s <= t - d - N.

Inputs are a wide DataFrame (dates x assets) or a (date, asset) Series;
outputs have the input's layout. NaN is "no value" and stays NaN.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from factorlab.data._validate import factor_grid, groups_to_wide
from factorlab.errors import AlignmentError, ParameterError
from factorlab.factor._forward import forward_returns
from factorlab.factor._rank import rank_rows

__all__ = ["winsorize", "zscore", "rank", "neutralize", "combine_factors", "information_coefficient_by_date"]

WINSORIZE_METHODS = ("quantile", "mad")
MAD_SCALE = 1.482602218505602  # 1 / Phi^-1(3/4): MAD * this estimates a normal standard deviation


def _to_wide(factor, what: str = "factor") -> tuple[pd.DataFrame, bool]:
    if not isinstance(factor, (pd.DataFrame, pd.Series)):
        raise ParameterError(f"{what} must be a wide DataFrame (dates x assets) or a (date, asset) Series, "
                             f"got {type(factor).__name__}")
    wide, _, _ = factor_grid(factor, what)
    return wide, isinstance(factor, pd.Series)


def _out(values: np.ndarray, wide: pd.DataFrame, long: bool, name=None):
    out = pd.DataFrame(values, index=wide.index, columns=wide.columns, copy=False)  # values: new arrays
    if not long:
        return out
    s = out.stack(future_stack=True).dropna()
    s.index.names = ["date", "asset"]
    return s.rename(name)


def winsorize(factor, *, method: str = "quantile", limits: tuple[float, float] = (0.01, 0.99),
              n_mad: float = 3.0):
    """Clip extreme values per date.

    Parameters
    ----------
    factor : wide DataFrame (dates x assets) or (date, asset) Series
    method : {'quantile', 'mad'}
        'quantile': clip each date to its ``limits`` quantiles (linear
        interpolation, as ``np.nanquantile``). 'mad': clip to
        ``median +/- n_mad * 1.4826 * MAD`` of the date (MAD = median absolute
        deviation from the median; 1.4826 makes it a normal standard deviation).
    limits : (float, float), default (0.01, 0.99)
        Lower and upper quantile, 0 <= low < high <= 1.
    n_mad : float, default 3
        Width of the MAD band.

    Returns
    -------
    Same layout as ``factor``; NaN stays NaN.
    """
    if method not in WINSORIZE_METHODS:
        raise ParameterError(f"method must be one of {WINSORIZE_METHODS}, got {method!r}")
    wide, long = _to_wide(factor)
    x = wide.to_numpy(dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN dates give NaN bounds, kept NaN
        if method == "quantile":
            lo, hi = limits
            if not (0 <= lo < hi <= 1):
                raise ParameterError(f"limits must be two quantiles 0 <= low < high <= 1, got {limits!r}")
            low = np.nanquantile(x, lo, axis=1, keepdims=True)
            high = np.nanquantile(x, hi, axis=1, keepdims=True)
        else:
            if not (isinstance(n_mad, (int, float)) and n_mad > 0):
                raise ParameterError(f"n_mad must be a positive number, got {n_mad!r}")
            med = np.nanmedian(x, axis=1, keepdims=True)
            mad = np.nanmedian(np.abs(x - med), axis=1, keepdims=True) * MAD_SCALE
            low, high = med - n_mad * mad, med + n_mad * mad
    return _out(np.clip(x, low, high), wide, long, getattr(factor, "name", None))


def zscore(factor, *, ddof: int = 1):
    """Standardise per date: ``(x - mean) / std`` over the date's values.

    NaN on dates with fewer than ``ddof + 1`` values or no dispersion.
    """
    wide, long = _to_wide(factor)
    x = wide.to_numpy(dtype="float64")
    z = _zscore_rows(x, ddof)
    return _out(z, wide, long, getattr(factor, "name", None))


def _zscore_rows(x: np.ndarray, ddof: int = 1) -> np.ndarray:
    valid = ~np.isnan(x)
    n = valid.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(valid, x, 0.0).sum(axis=1, keepdims=True) / n
        d = np.where(valid, x - mean, 0.0)
        std = np.sqrt((d * d).sum(axis=1, keepdims=True) / (n - ddof))
        return np.where(valid & (std > 0), (x - mean) / std, np.nan)


def rank(factor, *, pct: bool = False):
    """Average rank per date (1..n, ties share their mean position); ``pct=True`` divides by n."""
    wide, long = _to_wide(factor)
    r = rank_rows(wide.to_numpy(dtype="float64"))
    if pct:
        r = r / (~np.isnan(r)).sum(axis=1, keepdims=True)
    return _out(r, wide, long, getattr(factor, "name", None))


def _group_codes(groups, wide: pd.DataFrame) -> tuple[np.ndarray, int]:
    g = groups_to_wide(groups, wide.index, wide.columns)
    flat = g.to_numpy(dtype=object).ravel()
    codes, uniques = pd.factorize(flat)
    return codes.reshape(g.shape), len(uniques)


def _demean_groups(x: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Subtract each (date, group) mean; NaN where the value or the group is missing."""
    valid = ~np.isnan(x) & (codes >= 0)
    T = x.shape[0]
    key = np.where(valid, np.arange(T)[:, None] * n_groups + codes, 0)
    sums = np.bincount(key[valid], weights=x[valid], minlength=T * n_groups)
    counts = np.bincount(key[valid], minlength=T * n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    return np.where(valid, x - means[key], np.nan)


def _exposure_arrays(exposures, wide: pd.DataFrame) -> list[np.ndarray]:
    if isinstance(exposures, (pd.DataFrame, pd.Series)):
        exposures = {"exposure": exposures}
    if not isinstance(exposures, Mapping) or not exposures:
        raise ParameterError("exposures must be a non-empty mapping name -> wide DataFrame or (date, asset) Series")
    out = []
    for name, e in exposures.items():
        ew, _ = _to_wide(e, f"exposure {name!r}")
        missing = wide.index.difference(ew.index)
        if len(missing):
            raise AlignmentError(f"exposure {name!r} has no row for {len(missing)} factor date(s), first "
                                 f"{missing[0]}; give it on every date of the factor")
        out.append(ew.reindex(index=wide.index, columns=wide.columns).to_numpy(dtype="float64"))
    return out


def neutralize(factor, *, groups=None, exposures=None):
    """Remove group means and numeric exposures per date.

    Parameters
    ----------
    factor : wide DataFrame (dates x assets) or (date, asset) Series
    groups : dict or Series asset -> group, or (date, asset) Series, optional
        Demean within each group on each date (the residual has zero mean in
        every group).
    exposures : mapping name -> wide DataFrame or (date, asset) Series, or one frame, optional
        Numeric exposures (size, beta, ...). Per date, the residuals of the
        cross-sectional OLS of the factor on an intercept and the exposures
        (with groups: on group dummies and the exposures, by demeaning both
        within groups first, Frisch-Waugh-Lovell). The residual has zero
        coefficient on every exposure (and zero mean) on every date.

    Returns
    -------
    Same layout as ``factor``. An asset missing any exposure or its group
    on a date is NaN on that date; with exposures, a date with no more
    names than regressors (groups present + exposures) is NaN.
    """
    if groups is None and exposures is None:
        raise ParameterError("neutralize needs groups= or exposures= (or both)")
    wide, long = _to_wide(factor)
    y = wide.to_numpy(dtype="float64")
    xs = _exposure_arrays(exposures, wide) if exposures is not None else []
    valid = ~np.isnan(y)
    for e in xs:
        valid &= np.isfinite(e)
    if groups is not None:
        codes, n_groups = _group_codes(groups, wide)
        valid &= codes >= 0
        y = _demean_groups(np.where(valid, y, np.nan), codes, n_groups)
        xs = [_demean_groups(np.where(valid, e, np.nan), codes, n_groups) for e in xs]
    else:
        y = np.where(valid, y, np.nan)
        mean = lambda a: np.nansum(a, axis=1, keepdims=True) / valid.sum(axis=1, keepdims=True)  # noqa: E731
        with np.errstate(invalid="ignore", divide="ignore"):
            y = y - mean(y)
            xs = [np.where(valid, e, np.nan) - mean(np.where(valid, e, np.nan)) for e in xs]
    if xs:
        y = _residuals(y, xs, valid)
        # a date with no more names than regressors has nothing left to neutralise
        fixed = 1 if groups is None else _groups_per_row(codes, valid)
        y = np.where(valid.sum(axis=1, keepdims=True) > fixed + len(xs), y, np.nan)
    return _out(y, wide, long, getattr(factor, "name", None))


def _groups_per_row(codes: np.ndarray, valid: np.ndarray) -> np.ndarray:
    T = codes.shape[0]
    n_codes = int(codes.max()) + 1 if codes.size else 0
    key = np.arange(T)[:, None] * max(n_codes, 1) + codes
    present = np.zeros(T * max(n_codes, 1), dtype=bool)
    present[key[valid]] = True
    return present.reshape(T, -1).sum(axis=1, keepdims=True)


def _residuals(y: np.ndarray, xs: list[np.ndarray], valid: np.ndarray) -> np.ndarray:
    """Per row, ``y - X b`` with ``b`` the least-squares fit of demeaned ``y`` on demeaned ``X``."""
    X = np.stack([np.where(valid, e, 0.0) for e in xs], axis=2)  # (dates, assets, k)
    yy = np.where(valid, y, 0.0)
    xtx = np.einsum("tak,tal->tkl", X, X)
    xty = np.einsum("tak,ta->tk", X, yy)
    beta = np.einsum("tkl,tl->tk", np.linalg.pinv(xtx), xty)
    return np.where(valid, y - np.einsum("tak,tk->ta", X, beta), np.nan)


def information_coefficient_by_date(factor, prices: pd.DataFrame, period: int, *, delay: int = 0) -> pd.Series:
    """Spearman rank IC per date between a factor and its N-bar forward return.

    Over the names with a finite factor, a positive price at t and a forward
    return (:func:`forward_returns`, point in time). NaN on dates with fewer
    than two such names or no dispersion.
    """
    wide, _ = _to_wide(factor)
    fwd = forward_returns(prices, (period,), delay=delay)
    label = fwd.labels[0]
    r = fwd.returns[label].reindex(index=wide.index, columns=wide.columns).to_numpy()
    p = fwd.prices.reindex(index=wide.index, columns=wide.columns).to_numpy()
    f = wide.to_numpy(dtype="float64")
    ok = np.isfinite(f) & np.isfinite(r) & (p > 0)
    rf = rank_rows(np.where(ok, f, np.nan), fill=0.0)
    rr = rank_rows(np.where(ok, r, np.nan), fill=0.0)
    n = ok.sum(axis=1)
    mid = (n + 1) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(ok, rf - mid[:, None], 0.0)
        b = np.where(ok, rr - mid[:, None], 0.0)
        ic = (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    return pd.Series(np.where(n > 1, ic, np.nan), index=wide.index, name=label)


def combine_factors(factors: Mapping, *, weights: str = "equal", prices: pd.DataFrame | None = None,
                    period: int = 5, window: int = 252, min_periods: int = 20, delay: int = 0):
    """Combine factors into one: a weighted mean of their per-date z-scores.

    Parameters
    ----------
    factors : mapping name -> wide DataFrame or (date, asset) Series
    weights : {'equal', 'ic'}
        'equal': the mean of the z-scores available for the name on the
        date. 'ic': each factor weighted by its trailing mean IC for the
        ``period``-bar horizon, using only ICs already known at t (the IC of
        date s needs returns up to s + delay + period: at t the window ends at
        t - delay - period); the weights are divided by the sum of their
        absolute values (a negative IC flips the factor).
    prices : pd.DataFrame, optional
        Needed for ``weights='ic'``.
    period, window, min_periods, delay : int
        IC horizon in bars, trailing window of dates and the fewest known ICs
        for a weight (NaN before: the combination is NaN), execution delay.

    Returns
    -------
    Wide DataFrame on the union of the factors' dates and assets (a Series
    when every factor was a Series): NaN where no factor (with a weight) has a z-score.
    """
    if weights not in ("equal", "ic"):
        raise ParameterError(f"weights must be 'equal' or 'ic', got {weights!r}")
    if not isinstance(factors, Mapping) or not factors:
        raise ParameterError("factors must be a non-empty mapping name -> factor")
    wides = {name: _to_wide(f, f"factor {name!r}")[0] for name, f in factors.items()}
    index = wides[next(iter(wides))].index
    columns = wides[next(iter(wides))].columns
    for w in wides.values():
        index, columns = index.union(w.index), columns.union(w.columns)
    z = np.stack([_zscore_rows(w.reindex(index=index, columns=columns).to_numpy(dtype="float64"))
                  for w in wides.values()])  # (factors, dates, assets)
    if weights == "equal":
        wt = np.ones((len(wides), len(index)))
    else:
        if prices is None:
            raise ParameterError("weights='ic' needs prices= to compute each factor's IC")
        for name, value in (("period", period), ("window", window), ("min_periods", min_periods)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ParameterError(f"{name} must be an integer >= 1, got {value!r}")
        wt = np.stack([_trailing_ic_weight(w.reindex(index=index, columns=columns), prices, period, window,
                                           min_periods, delay).to_numpy() for w in wides.values()])
        with np.errstate(invalid="ignore", divide="ignore"):
            wt = wt / np.nansum(np.abs(wt), axis=0, keepdims=True)
    w3 = np.where(np.isnan(z), 0.0, np.nan_to_num(wt)[:, :, None])
    has = (~np.isnan(z)) & np.isfinite(wt)[:, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        num = (np.where(has, z, 0.0) * w3).sum(axis=0)
        den = np.where(has, np.abs(w3), 0.0).sum(axis=0)
        out = np.where(has.any(axis=0) & (den > 0), num / den, np.nan)
    combined = pd.DataFrame(out, index=index, columns=columns, copy=False)
    if all(isinstance(f, pd.Series) for f in factors.values()):
        s = combined.stack(future_stack=True).dropna()
        s.index.names = ["date", "asset"]
        return s.rename("combined")
    return combined


def _trailing_ic_weight(wide: pd.DataFrame, prices: pd.DataFrame, period: int, window: int, min_periods: int,
                        delay: int) -> pd.Series:
    """Mean IC over the ``window`` dates ending ``delay + period`` bars before t (known at t)."""
    missing = wide.index.difference(prices.index)
    if len(missing):
        raise AlignmentError(f"{len(missing)} factor date(s) are not bars of prices, first {missing[0]}")
    ic = information_coefficient_by_date(wide, prices, period, delay=delay)
    # on the price bars: shift by delay + period bars so the IC of s arrives at s + delay + period
    on_bars = ic.reindex(prices.index)
    known = on_bars.shift(delay + period)
    trailing = known.rolling(window, min_periods=min_periods).mean()
    return trailing.reindex(wide.index)
