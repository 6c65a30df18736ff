"""Inference on means of overlapping-horizon series: Newey-West (HAC) tests.

An N-bar forward return overlaps the next N - 1 ones, so the daily IC,
spread or factor return of an N-bar horizon is autocorrelated and a plain
t-test, which treats the dates as independent, overstates significance (for
persistent noise factors at a 10-bar horizon it rejects about half the time
at 5%). The mean is tested here with Newey-West standard errors (Bartlett
kernel): ``statsmodels``' ``OLS(x, 1).fit(cov_type="HAC",
cov_kwds={"maxlags": L})`` (statsmodels is imported on first use).

Lag rule
--------
``L = (N - 1) + floor(4 * (n / 100) ** (2 / 9))``: the ``N - 1`` lags the
overlap of an N-bar horizon induces, plus Newey and West's (1994) plug-in
default for the serial correlation a persistent factor adds on top (n is the
number of observations). For a 10-bar horizon over 1,430 dates L = 16. Pass
``lags=`` to choose another; every result reports the L it used.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError

__all__ = ["HAC_COLUMNS", "hac_lags", "hac_mean_test"]

#: Columns of :func:`hac_mean_test`.
HAC_COLUMNS = ("mean", "HAC std. err.", "HAC t-stat", "HAC p-value", "HAC 95% CI low", "HAC 95% CI high",
               "HAC lags", "n")


def hac_lags(n_obs: int, horizon: int = 1) -> int:
    """Newey-West lags for the mean of ``n_obs`` observations of an ``horizon``-bar overlapping series.

    ``(horizon - 1) + floor(4 * (n_obs / 100) ** (2 / 9))`` (see the module notes), at most ``n_obs - 1``.
    """
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ParameterError(f"horizon must be a positive number of bars, got {horizon!r}")
    if n_obs < 2:
        return 0
    lags = (int(horizon) - 1) + int(np.floor(4.0 * (n_obs / 100.0) ** (2.0 / 9.0)))
    return int(min(lags, n_obs - 1))


def _hac_fit(x: np.ndarray, lags: int):
    """statsmodels' OLS of ``x`` on a constant with Newey-West (Bartlett kernel) covariance."""
    # slow to import: only when a test is asked for, and only the regression module (statsmodels.api
    # would load every model, 0.2 s more in a fresh process)
    from statsmodels.regression.linear_model import OLS

    return OLS(x, np.ones((len(x), 1))).fit(cov_type="HAC", cov_kwds={"maxlags": int(lags)})


def hac_mean_test(values: pd.Series | pd.DataFrame | np.ndarray, *, horizons: Sequence[int] | int = 1,
                  lags: int | Sequence[int] | None = None) -> pd.DataFrame:
    """Test that the mean of each series is 0 with Newey-West (HAC) standard errors.

    Parameters
    ----------
    values : pd.Series, pd.DataFrame (dates, columns) or ndarray
        One series per column (e.g. the daily IC per horizon); NaN are left
        out (the series is the sequence of its valid values).
    horizons : int or sequence of int, default 1
        Horizon in bars of each column (one value for all, or one per
        column), for the lag rule.
    lags : int or sequence of int, optional
        Lags instead of the rule :func:`hac_lags`.

    Returns
    -------
    pd.DataFrame, shape (columns, 8)
        Index: the columns; columns :data:`HAC_COLUMNS`: the mean, its HAC
        standard error, t-stat (mean / se), two-sided p-value and 95%
        confidence interval from the normal distribution (as statsmodels for
        HAC), the lags used and the number of observations. NaN with fewer
        than 2 observations or no variation.
    """
    frame = values.to_frame() if isinstance(values, pd.Series) else pd.DataFrame(values)
    k = frame.shape[1]
    hz = [horizons] * k if isinstance(horizons, (int, np.integer)) else list(horizons)
    lg = [lags] * k if lags is None or isinstance(lags, (int, np.integer)) else list(lags)
    if len(hz) != k or len(lg) != k:
        raise ParameterError(f"horizons and lags need one value per column ({k}), got {horizons!r}, {lags!r}")
    rows = []
    for j, column in enumerate(frame.columns):
        x = frame[column].to_numpy(dtype="float64")
        x = x[~np.isnan(x)]
        n = len(x)
        L = hac_lags(n, int(hz[j])) if lg[j] is None else int(lg[j])
        if L < 0:
            raise ParameterError(f"lags must be >= 0, got {L}")
        if n < 2:
            rows.append((x.mean() if n else np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, L, n))
            continue
        mean = float(x.mean())
        if not np.ptp(x) > 0:   # no variation: no test (statsmodels would divide by a zero variance)
            rows.append((mean, np.nan, np.nan, np.nan, np.nan, np.nan, L, n))
            continue
        fit = _hac_fit(x, min(L, n - 1))
        low, high = fit.conf_int(alpha=0.05)[0]
        rows.append((mean, float(fit.bse[0]), float(fit.tvalues[0]), float(fit.pvalues[0]), float(low),
                     float(high), L, n))
    out = pd.DataFrame(rows, index=frame.columns, columns=list(HAC_COLUMNS))
    out["HAC lags"] = out["HAC lags"].astype(np.int64)
    out["n"] = out["n"].astype(np.int64)
    return out
