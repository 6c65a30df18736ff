"""Alphalens (the test oracle) helpers shared by the parity tests."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

al = pytest.importorskip("alphalens")

RTOL, ATOL = 1e-9, 1e-12


def al_frame(factor, prices, sectors, n_assets=None, dates=slice(None)):
    """Alphalens' clean frame (the oracle's own input), optionally on a sub-universe / date range."""
    prices = prices.iloc[dates, :n_assets]
    keep = factor.index.get_level_values(0).isin(prices.index[:-10]) & factor.index.get_level_values(1).isin(
        prices.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return al.utils.get_clean_factor_and_forward_returns(
            factor[keep], prices, groupby=None if sectors is None else sectors.to_dict(), quantiles=5, periods=(1, 5, 10), filter_zscore=None)


def run_al(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def assert_same(actual: pd.DataFrame | pd.Series, expected: pd.DataFrame | pd.Series) -> float:
    """Same labels (level by level, ignoring dtype) and values to 1e-9; returns the max abs difference."""
    assert actual.shape == expected.shape
    for i in range(expected.index.nlevels):
        a = np.asarray(actual.index.get_level_values(i), dtype=object)
        e = np.asarray(expected.index.get_level_values(i), dtype=object)
        assert (a == e).all(), f"index level {i} differs"
    if isinstance(expected, pd.DataFrame):
        assert list(actual.columns) == list(expected.columns)
    a, e = np.asarray(actual, dtype="float64"), np.asarray(expected, dtype="float64")
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e))
    np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL)
    return float(np.nanmax(np.abs(a - e))) if np.isfinite(e).any() else 0.0
