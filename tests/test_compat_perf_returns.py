"""factorlab.compat.alphalens.performance (IC and returns): same layouts and numbers as alphalens."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.compat.alphalens import performance as cp
from factorlab.factor import FactorData

al = pytest.importorskip("alphalens")

RTOL, ATOL = 1e-9, 1e-12


def run_al(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def assert_equal(actual, expected) -> None:
    """Strict pandas equality (index dtypes, categorical levels, names) up to 1e-9 in values."""
    if isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(actual, expected, rtol=RTOL, atol=ATOL)
    else:
        pd.testing.assert_frame_equal(actual, expected, rtol=RTOL, atol=ATOL)


@pytest.fixture(scope="module")
def frame(reversal_factor, sp500_prices, sp500_sectors):
    """Alphalens frame, 80 assets x 40 dates, Energy rows removed (a category with no entries)."""
    prices = sp500_prices.iloc[:50, :80]
    keep = reversal_factor.index.get_level_values(1).isin(prices.columns) & \
        reversal_factor.index.get_level_values(0).isin(prices.index[:40])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = al.utils.get_clean_factor_and_forward_returns(
            reversal_factor[keep], prices, groupby=sp500_sectors.to_dict(), quantiles=5, periods=(1, 5, 10),
            filter_zscore=None)
    return out[out["group"] != "Energy"]


@pytest.mark.parametrize("kwargs", [dict(), dict(group_adjust=True), dict(by_group=True),
                                    dict(by_group=True, group_adjust=True)])
def test_factor_information_coefficient(frame, kwargs):
    assert_equal(cp.factor_information_coefficient(frame, **kwargs),
                 run_al(al.performance.factor_information_coefficient, frame, **kwargs))


@pytest.mark.parametrize("kwargs", [dict(), dict(by_group=True), dict(by_time="ME"),
                                    dict(by_group=True, by_time="ME")])
def test_mean_information_coefficient(frame, kwargs):
    assert_equal(cp.mean_information_coefficient(frame, **kwargs),
                 run_al(al.performance.mean_information_coefficient, frame, **kwargs))


def test_mean_ic_old_month_alias_where_alphalens_fails_on_pandas3(frame):
    if int(pd.__version__.split(".")[0]) >= 3:
        with pytest.raises(ValueError, match="ME"):
            run_al(al.performance.mean_information_coefficient, frame, by_time="M")
    assert_equal(cp.mean_information_coefficient(frame, by_time="M"),
                 run_al(al.performance.mean_information_coefficient, frame, by_time="ME"))


@pytest.mark.parametrize("kwargs", [dict(), dict(by_date=True), dict(by_group=True),
                                    dict(by_group=True, by_date=True), dict(demeaned=False),
                                    dict(group_adjust=True), dict(group_adjust=True, by_group=True)])
def test_mean_return_by_quantile(frame, kwargs):
    mean, se = cp.mean_return_by_quantile(frame, **kwargs)
    exp_mean, exp_se = run_al(al.performance.mean_return_by_quantile, frame, **kwargs)
    assert_equal(mean, exp_mean)
    assert_equal(se, exp_se)


def test_compute_mean_returns_spread(frame):
    mean, se = cp.mean_return_by_quantile(frame, by_date=True)
    spread, spread_se = cp.compute_mean_returns_spread(mean, 5, 1, se)
    exp_spread, exp_se = al.performance.compute_mean_returns_spread(mean, 5, 1, se)
    assert_equal(spread, exp_spread)
    assert_equal(spread_se, exp_se)


@pytest.mark.parametrize("kwargs", [dict(), dict(group_adjust=True), dict(equal_weight=True),
                                    dict(demeaned=False), dict(group_adjust=True, equal_weight=True)])
def test_weights_returns_alpha_beta(frame, kwargs):
    # alphalens orders group-adjusted weights by (date, group); factorlab keeps the frame's order
    assert_equal(cp.factor_weights(frame, **kwargs).sort_index(),
                 run_al(al.performance.factor_weights, frame, **kwargs).sort_index())
    returns = run_al(al.performance.factor_returns, frame, **kwargs)
    assert_equal(cp.factor_returns(frame, **kwargs), returns)
    if not kwargs:  # the full call once; otherwise on the returns just checked (alphalens is slow)
        assert_equal(cp.factor_alpha_beta(frame), run_al(al.performance.factor_alpha_beta, frame))
    else:
        assert_equal(cp.factor_alpha_beta(frame, **kwargs),
                     run_al(al.performance.factor_alpha_beta, frame, returns=returns))


def test_factor_returns_by_asset(frame):
    assert_equal(cp.factor_returns(frame, by_asset=True),
                 run_al(al.performance.factor_returns, frame, by_asset=True))


def test_alpha_beta_with_given_returns(frame):
    returns = cp.factor_returns(frame, equal_weight=True)
    assert_equal(cp.factor_alpha_beta(frame, returns=returns),
                 run_al(al.performance.factor_alpha_beta, frame, returns=returns))


def test_alpha_beta_series_quirk_without_mutation(frame):
    # alphalens regresses a returns Series on the *first* period's universe return and renames
    # the caller's Series to '1D'; the compat function gives the same numbers, renaming nothing
    series = cp.factor_returns(frame)["5D"]
    mine = series.copy()
    theirs = series.copy()
    expected = run_al(al.performance.factor_alpha_beta, frame, returns=theirs)
    assert theirs.name == "1D"
    assert_equal(cp.factor_alpha_beta(frame, returns=mine), expected)
    assert mine.name == "5D"
    # the native function matches a named Series to its own period instead
    native = fl.factor_alpha_beta(FactorData.from_frame(frame), returns=mine)
    assert list(native.columns) == ["5D"]


def test_flat_factor_date_gives_zero_weights(frame):
    flat = frame.copy()
    first = flat.index.get_level_values("date") == flat.index.get_level_values("date")[0]
    flat.loc[first, "factor"] = 1.0
    for kwargs in (dict(), dict(group_adjust=True), dict(equal_weight=True)):
        weights = cp.factor_weights(flat, **kwargs)
        assert (weights[first] == 0.0).all()
        assert_equal(weights.sort_index(), run_al(al.performance.factor_weights, flat, **kwargs).sort_index())
    assert_equal(cp.factor_returns(flat), run_al(al.performance.factor_returns, flat))


def test_results_follow_the_date_frequency_grid(frame):
    # alphalens puts per-date results on the frame's date frequency (CustomBusinessDay here):
    # a date missing from the frame becomes a NaN row
    dates = frame.index.get_level_values("date").unique()
    holed = frame[frame.index.get_level_values("date") != dates[5]]
    assert holed.index.levels[0].freq is not None
    ic = cp.factor_information_coefficient(holed)
    assert ic.loc[dates[5]].isna().all()
    assert_equal(ic, run_al(al.performance.factor_information_coefficient, holed))
    assert_equal(cp.factor_returns(holed), run_al(al.performance.factor_returns, holed))


def test_compat_equals_native_on_prepared_data(reversal_factor, sp500_prices, sp500_sectors):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prices = sp500_prices.iloc[:400]
        fd = fl.prepare_factor_data(reversal_factor[reversal_factor.index.get_level_values(0) <= prices.index[-11]],
                                    prices, groupby=sp500_sectors)
    frame = fd.frame
    pd.testing.assert_frame_equal(cp.factor_information_coefficient(frame), fl.information_coefficient(fd))
    mean, _ = cp.mean_return_by_quantile(frame, by_date=True)
    pd.testing.assert_frame_equal(mean, fl.mean_return_by_quantile(fd, by_date=True)[0])
    pd.testing.assert_frame_equal(cp.factor_returns(frame, group_adjust=True),
                                  fl.factor_returns(fd, group_neutral=True))
    pd.testing.assert_frame_equal(cp.factor_alpha_beta(frame), fl.factor_alpha_beta(fd))


def test_frame_not_mutated(frame):
    before = frame.copy()
    cp.factor_information_coefficient(frame, by_group=True, group_adjust=True)
    cp.mean_return_by_quantile(frame, by_group=True, group_adjust=True)
    cp.factor_alpha_beta(frame, group_adjust=True, equal_weight=True)
    pd.testing.assert_frame_equal(frame, before)
    assert np.isfinite(frame["factor"]).all()
