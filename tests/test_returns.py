"""Quantile returns, factor returns, alpha/beta: parity with alphalens-reloaded, golden values."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.errors import ParameterError
from factorlab.factor import FactorData

al = pytest.importorskip("alphalens")

from _oracle import ATOL, RTOL, al_frame, assert_same, run_al  # noqa: E402


# --------------------------------------------------------------------------- helpers
NATIVE = {"demeaned": "long_short", "group_adjust": "group_neutral", "equal_weight": "equal_weight"}


def native(kwargs: dict) -> dict:
    return {NATIVE.get(k, k): v for k, v in kwargs.items()}


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def mom_frame(momentum_factor, sp500_prices, sp500_sectors):
    """12-1 momentum, full universe (471 assets), about 640 dates."""
    return al_frame(momentum_factor, sp500_prices, sp500_sectors, dates=slice(250, 900))


@pytest.fixture(scope="module")
def mom_fd(mom_frame):
    return FactorData.from_frame(mom_frame)


@pytest.fixture(scope="module")
def rev_frame(reversal_factor, sp500_prices, sp500_sectors):
    """5-day reversal, 150 assets x 80 dates (alphalens' group-adjusted weights are slow)."""
    return al_frame(reversal_factor, sp500_prices, sp500_sectors, n_assets=150, dates=slice(0, 90))


@pytest.fixture(scope="module")
def tiny_real(reversal_factor, sp500_prices, sp500_sectors):
    """60 assets x 25 dates: alphalens' equal-weight group-neutral weights are slower still."""
    return al_frame(reversal_factor, sp500_prices, sp500_sectors, n_assets=60, dates=slice(400, 435))


# --------------------------------------------------------------------------- parity
@pytest.mark.parametrize("kwargs", [dict(), dict(by_date=True), dict(by_group=True),
                                    dict(by_group=True, by_date=True), dict(demeaned=False)])
def test_mean_return_by_quantile_matches_alphalens(mom_frame, mom_fd, kwargs):
    mean_e, se_e = run_al(al.performance.mean_return_by_quantile, mom_frame, **kwargs)
    mean_a, se_a = fl.mean_return_by_quantile(mom_fd, **kwargs)
    assert_same(mean_a, mean_e)
    assert_same(se_a, se_e)


@pytest.mark.parametrize("kwargs", [dict(group_adjust=True), dict(group_adjust=True, by_date=True, by_group=True)])
def test_mean_return_by_quantile_group_adjusted(rev_frame, kwargs):
    mean_e, se_e = run_al(al.performance.mean_return_by_quantile, rev_frame, **kwargs)
    mean_a, se_a = fl.mean_return_by_quantile(FactorData.from_frame(rev_frame), **kwargs)
    assert_same(mean_a, mean_e)
    assert_same(se_a, se_e)


def test_mean_return_by_quantile_without_groups(rev_frame):
    frame = rev_frame.drop(columns="group")
    mean_e, se_e = run_al(al.performance.mean_return_by_quantile, frame, by_date=True)
    mean_a, se_a = fl.mean_return_by_quantile(FactorData.from_frame(frame), by_date=True)
    assert_same(mean_a, mean_e)
    assert_same(se_a, se_e)


@pytest.mark.parametrize("kwargs", [dict(), dict(demeaned=False)])
def test_factor_returns_and_alpha_beta_match_alphalens(mom_frame, mom_fd, kwargs):
    returns = run_al(al.performance.factor_returns, mom_frame, **kwargs)
    assert_same(fl.factor_returns(mom_fd, **native(kwargs)), returns)
    expected = run_al(al.performance.factor_alpha_beta, mom_frame, returns=returns)
    assert_same(fl.factor_alpha_beta(mom_fd, **native(kwargs)), expected)


@pytest.mark.parametrize("kwargs", [dict(group_adjust=True), dict(equal_weight=True)])
def test_weighting_options_match_alphalens(rev_frame, kwargs):
    returns = run_al(al.performance.factor_returns, rev_frame, **kwargs)
    fd = FactorData.from_frame(rev_frame)
    assert_same(fl.factor_returns(fd, **native(kwargs)), returns)
    expected = run_al(al.performance.factor_alpha_beta, rev_frame, returns=returns)
    assert_same(fl.factor_alpha_beta(fd, **native(kwargs)), expected)


def test_equal_weight_group_neutral_matches_alphalens(tiny_real):
    returns = run_al(al.performance.factor_returns, tiny_real, group_adjust=True, equal_weight=True)
    fd = FactorData.from_frame(tiny_real)
    assert_same(fl.factor_returns(fd, group_neutral=True, equal_weight=True), returns)


def test_factor_returns_by_asset_matches_alphalens(rev_frame):
    expected = run_al(al.performance.factor_returns, rev_frame, by_asset=True)
    assert_same(fl.factor_returns(FactorData.from_frame(rev_frame), by_asset=True), expected)


def test_quantile_statistics_match_alphalens(mom_frame, mom_fd):
    expected = run_al(al.plotting.plot_quantile_statistics_table, mom_frame, return_df=True)
    pd.testing.assert_frame_equal(fl.quantile_statistics(mom_fd), expected, rtol=RTOL, atol=ATOL)


def test_rate_of_return_and_std_conversion_match_alphalens(mom_fd):
    mean, se = fl.mean_return_by_quantile(mom_fd, by_date=True)
    expected = mean.apply(al.utils.rate_of_return, axis=0, base_period="1D")
    pd.testing.assert_frame_equal(fl.rate_of_return(mean, "1D"), expected, rtol=RTOL, atol=ATOL)
    pd.testing.assert_series_equal(fl.rate_of_return(mean["5D"], "1D"), expected["5D"], rtol=RTOL, atol=ATOL)
    expected = se.apply(al.utils.std_conversion, axis=0, base_period="1D")
    pd.testing.assert_frame_equal(fl.std_conversion(se, "1D"), expected, rtol=RTOL, atol=ATOL)
    pd.testing.assert_series_equal(fl.std_conversion(se["10D"], "1D"), expected["10D"], rtol=RTOL, atol=ATOL)


def test_mean_return_spread_matches_alphalens(mom_fd):
    mean, se = fl.mean_return_by_quantile(mom_fd, by_date=True)
    exp_spread, exp_se = al.performance.compute_mean_returns_spread(mean, 5, 1, se)
    spread, spread_se = fl.mean_return_spread(mean, 5, 1, se)
    pd.testing.assert_frame_equal(spread, exp_spread)
    pd.testing.assert_frame_equal(spread_se, exp_se)
    # alphalens-reloaded 0.5 convention: half the raw difference (50% long, 50% short)
    raw = mean.xs(5, level="factor_quantile") - mean.xs(1, level="factor_quantile")
    pd.testing.assert_frame_equal(spread * 2, raw)
    assert fl.mean_return_spread(mean, 5, 1)[1] is None


def test_mean_return_spread_of_the_period_means(mom_fd):
    # alphalens' xs(level=) needs a MultiIndex and raises on this layout; factorlab accepts it
    mean, se = fl.mean_return_by_quantile(mom_fd)
    with pytest.raises(TypeError):
        al.performance.compute_mean_returns_spread(mean, 5, 1, se)
    spread, spread_se = fl.mean_return_spread(mean, 5, 1, se)
    pd.testing.assert_series_equal(spread, (mean.loc[5] - mean.loc[1]) / 2, check_names=False)
    np.testing.assert_allclose(spread_se, np.sqrt(se.loc[5] ** 2 + se.loc[1] ** 2) / 2)
    assert list(spread.index) == list(mom_fd.labels)


# --------------------------------------------------------------------------- golden values
def tiny_frame(factor_rows, return_rows, groups=("g1", "g1", "g2", "g2")) -> pd.DataFrame:
    """Alphalens-layout frame, 4 assets, one '1D' period; quantile 2 above the row median, else 1."""
    dates = pd.date_range("2020-01-01", periods=len(factor_rows), freq="D", name="date")
    idx = pd.MultiIndex.from_product([dates, list("ABCD")], names=["date", "asset"])
    quant = np.ravel([np.where(np.asarray(f) > np.median(f), 2, 1) for f in factor_rows])
    return pd.DataFrame({"1D": np.ravel(return_rows).astype(float), "factor": np.ravel(factor_rows).astype(float),
                         "group": np.tile(groups, len(factor_rows)), "factor_quantile": quant}, index=idx)


FACTOR = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 1, 3, 4]]
RETURNS = [[0.01, 0.02, 0.03, 0.04], [0.04, 0.03, 0.02, 0.01], [0.01, 0.02, 0.03, 0.04]]


def test_factor_weights_and_returns_golden():
    fd = FactorData.from_frame(tiny_frame(FACTOR, RETURNS))
    # long-short, day 1: factor - 2.5 = (-1.5, -.5, .5, 1.5), gross 4 -> (-.375, -.125, .125, .375)
    # return = -.375*.01 - .125*.02 + .125*.03 + .375*.04 = .0125; day 2 reversed returns: -.0125
    # day 3: factor - 2.25 = (-1.25, -1.25, .75, 1.75), gross 5 -> (-.25, -.25, .15, .35)
    # return = -.0025 - .005 + .0045 + .014 = .011
    np.testing.assert_allclose(fl.factor_returns(fd)["1D"], [0.0125, -0.0125, 0.011], rtol=1e-13)
    # equal weight, day 1: sign of factor - median 2.5, each side 1/2 of gross: (-.25, -.25, .25, .25)
    # return = .25 * (-.01 - .02 + .03 + .04) = .01
    assert fl.factor_returns(fd, equal_weight=True)["1D"].iloc[0] == pytest.approx(0.01, rel=1e-13)
    # group neutral, day 1: each pair demeaned to (-.5, .5), all four scaled to gross 1:
    # (-.25, .25, -.25, .25) -> .25 * (-.01 + .02 - .03 + .04) = .005
    assert fl.factor_returns(fd, group_neutral=True)["1D"].iloc[0] == pytest.approx(0.005, rel=1e-13)
    # long only, day 1: w = f / 10 -> (.1*.01 + .2*.02 + .3*.03 + .4*.04) = .03
    assert fl.factor_returns(fd, long_short=False)["1D"].iloc[0] == pytest.approx(0.03, rel=1e-13)
    by_asset = fl.factor_returns(fd, by_asset=True)
    np.testing.assert_allclose(by_asset.loc[fd.dates[0], "1D"], [-0.00375, -0.0025, 0.00375, 0.015], rtol=1e-13)


def test_mean_return_by_quantile_golden():
    fd = FactorData.from_frame(tiny_frame(FACTOR, RETURNS))
    mean, se = fl.mean_return_by_quantile(fd, by_date=True)
    # demeaned returns: day 1 and 3 (-.015, -.005, .005, .015), day 2 reversed;
    # quantile 1 = A, B: -.01, .01, -.01; quantile 2 = C, D: the opposite
    np.testing.assert_allclose(mean.loc[1, "1D"], [-0.01, 0.01, -0.01], atol=1e-15)
    np.testing.assert_allclose(mean.loc[2, "1D"], [0.01, -0.01, 0.01], atol=1e-15)
    # within a day, std of (-.015, -.005) is .01 / sqrt(2); se = std / sqrt(2) = .005
    np.testing.assert_allclose(se["1D"], 0.005, rtol=1e-12)
    mean, se = fl.mean_return_by_quantile(fd)
    # over days: mean of (-1, 1, -1) * .01 = -.01/3; std = 2/sqrt(3) * .01; se = std/sqrt(3) = .02/3
    np.testing.assert_allclose(mean["1D"], [-0.01 / 3, 0.01 / 3], rtol=1e-12)
    np.testing.assert_allclose(se["1D"], [0.02 / 3, 0.02 / 3], rtol=1e-12)
    raw, _ = fl.mean_return_by_quantile(fd, demeaned=False)
    # quantile 1 raw: day 1 .015, day 2 .035, day 3 .015 -> .065 / 3
    assert raw.loc[1, "1D"] == pytest.approx(0.065 / 3, rel=1e-12)
    stats = fl.quantile_statistics(fd)
    assert list(stats["count"]) == [6, 6] and list(stats["count %"]) == [50.0, 50.0]
    assert stats.loc[1, "max"] == 2.0 and stats.loc[2, "mean"] == 3.5


def test_alpha_beta_golden():
    # universe mean returns x and portfolio returns y = a + b x exactly
    x = np.array([0.01, -0.02, 0.03, 0.0, 0.015])
    a, b = 0.001, 0.5
    rows = [[u - 0.01, u - 0.005, u + 0.005, u + 0.01] for u in x]  # mean of each row is u
    fd = FactorData.from_frame(tiny_frame([[1, 2, 3, 4]] * 5, rows))
    returns = pd.DataFrame({"1D": a + b * x}, index=fd.dates)
    table = fl.factor_alpha_beta(fd, returns=returns)
    assert table.loc["beta", "1D"] == pytest.approx(b, rel=1e-12)
    # daily bars through a weekend (2020-01-01 .. 05): a 24/7 calendar, '1D' compounds 365 times a year
    assert table.loc["Ann. alpha", "1D"] == pytest.approx((1 + a) ** 365 - 1, rel=1e-10)
    given = fl.factor_alpha_beta(fd, returns=returns, periods_per_year=252)
    assert given.loc["Ann. alpha", "1D"] == pytest.approx((1 + a) ** 252 - 1, rel=1e-10)
    assert list(table.index) == ["Ann. alpha", "beta"]
    # a Series is matched to the period its name gives
    series = fl.factor_alpha_beta(fd, returns=returns["1D"])
    pd.testing.assert_frame_equal(series, table)


def test_rate_of_return_golden():
    r = pd.DataFrame({"1D": [0.01], "5D": [0.05], "10D": [1.1 ** 10 - 1]})  # 10% a day for 10 days
    out = fl.rate_of_return(r, "1D")
    np.testing.assert_allclose(out.iloc[0], [0.01, 1.05 ** 0.2 - 1, 0.1], rtol=1e-12)
    out = fl.std_conversion(pd.DataFrame({"4D": [0.02]}), "1D")
    assert out.iloc[0, 0] == pytest.approx(0.01)


def test_factor_returns_scale_and_shift_invariant(rev_frame):
    base = fl.factor_returns(FactorData.from_frame(rev_frame))
    frame = rev_frame.copy()
    frame["factor"] = 3.0 * frame["factor"] + 11.0  # demeaned weights are unchanged
    np.testing.assert_allclose(fl.factor_returns(FactorData.from_frame(frame)), base, rtol=1e-10, atol=1e-15)


# --------------------------------------------------------------------------- degenerate inputs
def test_flat_factor_date_has_zero_weights_and_return(quiet):
    frame = tiny_frame([[5, 5, 5, 5], [1, 2, 3, 4]], [[0.01, 0.02, 0.03, 0.04]] * 2)
    fd = FactorData.from_frame(frame)
    out = fl.factor_returns(fd)
    # no spread -> nothing to hold -> 0 (alphalens' convention), not NaN
    assert out["1D"].iloc[0] == 0.0 and out["1D"].iloc[1] == pytest.approx(0.0125)
    assert_same(out, al.performance.factor_returns(frame))


def test_one_date_input():
    fd = FactorData.from_frame(tiny_frame([[1, 2, 3, 4]], [[0.01, 0.02, 0.03, 0.04]]))
    mean, se = fl.mean_return_by_quantile(fd)
    np.testing.assert_allclose(mean["1D"], [-0.01, 0.01])
    assert se.isna().all(axis=None)  # one date: no dispersion over dates
    table = fl.factor_alpha_beta(fd)
    assert table.isna().all(axis=None)  # one observation: no regression


def test_inputs_not_mutated(rev_frame):
    frame = rev_frame.copy()
    fd = FactorData.from_frame(frame)
    saved = {k: v.copy() for k, v in fd.returns.items()}
    factor = fd.factor.copy()
    fl.mean_return_by_quantile(fd, group_adjust=True, by_date=True)
    fl.mean_return_by_quantile(fd, by_group=True)
    returns = fl.factor_returns(fd, group_neutral=True)
    returns_copy = returns.copy()
    series = returns["5D"].copy()
    fl.factor_alpha_beta(fd, returns=returns)
    fl.factor_alpha_beta(fd, returns=series)
    fl.rate_of_return(returns, "1D")
    pd.testing.assert_frame_equal(returns, returns_copy)
    assert series.name == "5D"
    for k, v in saved.items():
        pd.testing.assert_frame_equal(fd.returns[k], v)
    pd.testing.assert_frame_equal(fd.factor, factor)
    pd.testing.assert_frame_equal(frame, rev_frame)


def test_bad_arguments_raise(rev_frame):
    fd = FactorData.from_frame(rev_frame.drop(columns="group"))
    with pytest.raises(ParameterError, match="groupby"):
        fl.mean_return_by_quantile(fd, by_group=True)
    with pytest.raises(ParameterError, match="groupby"):
        fl.mean_return_by_quantile(fd, group_adjust=True)
    mean, _ = fl.mean_return_by_quantile(fd)
    with pytest.raises(ParameterError, match=r"quantile\(s\) \[7\]"):
        fl.mean_return_spread(mean, 7, 1)
    with pytest.raises(ParameterError, match="factor_quantile"):
        fl.mean_return_spread(mean.reset_index(drop=True), 5, 1)
    with pytest.raises(ParameterError, match="name"):
        fl.rate_of_return(pd.Series([0.01]), "1D")
    with pytest.raises(ParameterError, match="duration"):
        fl.rate_of_return(pd.DataFrame({"five days": [0.01]}), "1D")
    with pytest.raises(ParameterError, match="not periods"):
        fl.factor_alpha_beta(fd, returns=pd.DataFrame({"3D": [0.0]}))


@pytest.mark.parametrize("kwargs", [{}, {"demeaned": False}, {"group_adjust": True}, {"by_group": True}])
def test_both_layouts_from_one_pass_equal_separate_calls(mom_fd, kwargs):
    from factorlab.factor._returns import mean_returns_by_quantile_both

    both = mean_returns_by_quantile_both(mom_fd, **kwargs)
    for by_date in (False, True):
        mean, err = fl.mean_return_by_quantile(mom_fd, by_date=by_date, **kwargs)
        pd.testing.assert_frame_equal(both[by_date][0], mean, check_exact=True)
        pd.testing.assert_frame_equal(both[by_date][1], err, check_exact=True)


@pytest.mark.parametrize("demeaned", [True, False])
def test_row_weights_are_each_rows_nansum_formula_bit_for_bit(demeaned, monkeypatch):
    """Row weights are ``w / nansum(|w|)`` with ``w = x - nansum(x) / count`` (or ``x``), computed a block
    of rows at a time: the same numbers, bit for bit, as the whole-panel formula, across block edges,
    on rows all NaN, all equal (0/0: NaN, as in Alphalens), of one name and of huge and tiny values."""
    from factorlab.portfolio import _weights

    rng = np.random.default_rng(3)
    x = rng.standard_normal((41, 13)) * 10.0 ** rng.integers(-200, 200, (41, 13))
    x[rng.random(x.shape) < 0.3] = np.nan
    x[0] = np.nan                      # nobody
    x[1] = np.where(np.isnan(x[1]), np.nan, 2.5)  # everyone equal
    x[2] = np.nan
    x[2, 4] = -1.5                     # one name
    with np.errstate(invalid="ignore", divide="ignore"):
        w = x - np.nansum(x, axis=1, keepdims=True) / np.sum(~np.isnan(x), axis=1, keepdims=True) \
            if demeaned else x.copy()
        expected = w / np.nansum(np.abs(w), axis=1, keepdims=True)
    monkeypatch.setattr(_weights, "_SUM_BLOCK_CELLS", 13 * 4)  # blocks of 4 rows: 11 blocks, the last of 1
    got = _weights.row_weights(x, demeaned=demeaned)
    np.testing.assert_array_equal(got, expected)
    assert np.isnan(got[0]).all() and (np.isnan(got[1]).all() if demeaned else np.nansum(np.abs(got[1])) == 1)
    assert np.isnan(got[2, 4]) if demeaned else got[2, 4] == -1.0  # one name: 0/0 demeaned, else all short
    finite = np.isfinite(got).any(axis=1)
    np.testing.assert_allclose(np.nansum(np.abs(got[finite]), axis=1), 1.0, rtol=1e-12)
