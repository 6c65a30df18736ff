"""Newey-West (HAC) inference on overlapping-horizon means (factorlab.factor._inference).

Golden values from statsmodels' OLS on a constant with cov_type="HAC"; a
calibration test on persistent noise factors over the real S&P 500 panel.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.errors import ParameterError
from factorlab.factor import hac_lags, hac_mean_test

sm = pytest.importorskip("statsmodels.api")


def _statsmodels(x: np.ndarray, lags: int):
    x = x[~np.isnan(x)]
    return sm.OLS(x, np.ones((len(x), 1))).fit(cov_type="HAC", cov_kwds={"maxlags": lags})


@pytest.mark.parametrize("lags", [0, 1, 4, 9, 25])
def test_hac_mean_test_equals_statsmodels(rng, lags):
    # an MA(9) series with a mean: overlapping 10-bar returns look like this
    x = np.convolve(rng.normal(size=700), np.ones(10), "valid") * 0.01 + 0.003
    x[[5, 70, 71]] = np.nan   # left out, as statsmodels' missing='drop'
    ours = hac_mean_test(pd.Series(x, name="10D"), lags=lags).loc["10D"]
    ref = _statsmodels(x, lags)
    assert ours["HAC lags"] == lags and ours["n"] == len(x) - 3
    assert ours["mean"] == pytest.approx(ref.params[0], rel=1e-12)
    assert ours["HAC std. err."] == pytest.approx(ref.bse[0], rel=1e-10)
    assert ours["HAC t-stat"] == pytest.approx(ref.tvalues[0], rel=1e-10)
    assert ours["HAC p-value"] == pytest.approx(ref.pvalues[0], rel=1e-8, abs=1e-15)
    np.testing.assert_allclose(ours[["HAC 95% CI low", "HAC 95% CI high"]].to_numpy(dtype=float),
                               ref.conf_int()[0], rtol=1e-9)


def test_hac_standard_error_by_hand():
    # x = 1, 2, 3, 4, 6; one lag: u = x - 3.2; gamma0 = sum u^2 = 14.8, gamma1 = sum u_t u_(t-1) = 4.96;
    # S = gamma0 + 2 (1 - 1/2) gamma1 = 19.76; var(mean) = S / n^2 = 0.7904 (Bartlett weights, no correction)
    out = hac_mean_test(pd.Series([1.0, 2.0, 3.0, 4.0, 6.0], name="x"), lags=1).loc["x"]
    assert out["mean"] == pytest.approx(3.2)
    assert out["HAC std. err."] == pytest.approx(np.sqrt(0.7904), rel=1e-12)
    assert out["HAC t-stat"] == pytest.approx(3.2 / np.sqrt(0.7904), rel=1e-12)
    from scipy import stats
    assert out["HAC p-value"] == pytest.approx(2 * stats.norm.sf(3.2 / np.sqrt(0.7904)), rel=1e-10)


def test_lag_rule_and_degenerate_input():
    assert hac_lags(1430, 10) == 9 + 7 and hac_lags(1430, 1) == 7 and hac_lags(100, 5) == 4 + 4
    assert hac_lags(5, 10) == 4          # never more than n - 1
    with pytest.raises(ParameterError, match="horizon"):
        hac_lags(100, 0)
    out = hac_mean_test(pd.DataFrame({"a": [np.nan, 1.0], "b": [2.0, 2.0]}))
    assert np.isnan(out.loc["a", "HAC t-stat"]) and out.loc["a", "n"] == 1
    assert np.isnan(out.loc["b", "HAC t-stat"])  # no variation
    with pytest.raises(ParameterError, match="one value per column"):
        hac_mean_test(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 3.0]}), horizons=[1, 2, 3])


def test_ic_summary_hac_columns_equal_statsmodels_with_reported_lags(sp500_prices, reversal_factor):
    prices = sp500_prices.iloc[:600, :100]
    fac = reversal_factor[reversal_factor.index.get_level_values("asset").isin(prices.columns)]
    fac = fac[fac.index.get_level_values("date") <= prices.index[-1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(fac, prices, periods=(1, 5, 10))
    ic = fl.information_coefficient(fd)
    table = fl.ic_summary(ic)
    for n, label in zip(fd.periods, fd.labels):
        L = int(table.loc[label, "HAC lags"])
        assert L == hac_lags(int(ic[label].notna().sum()), n)
        ref = _statsmodels(ic[label].to_numpy(), L)
        assert table.loc[label, "HAC t-stat(IC)"] == pytest.approx(ref.tvalues[0], rel=1e-9)
        assert table.loc[label, "HAC p-value(IC)"] == pytest.approx(ref.pvalues[0], rel=1e-7)
    # the labels give the horizons: the same as passing them
    pd.testing.assert_frame_equal(table, fl.ic_summary(ic, periods=fd.periods))


def test_calibration_on_persistent_noise_factors(sp500_prices):
    """100 persistent pure-noise factors at a 10-bar horizon: the naive t-test calls about half
    significant at 5%; the HAC test at most 12%."""
    prices = sp500_prices
    fwd = fl.forward_returns(prices, periods=(10,))
    rng = np.random.default_rng(2)
    T, A = prices.shape
    phi = 0.98
    naive = hac = 0
    n_factors = 100
    for _ in range(n_factors):
        e = rng.normal(size=(T, A))
        x = np.empty((T, A))
        x[0] = e[0]
        for t in range(1, T):   # AR(1) per asset: a persistent factor, independent of returns
            x[t] = phi * x[t - 1] + np.sqrt(1 - phi ** 2) * e[t]
        fd = fl.prepare_factor_data(pd.DataFrame(x, index=prices.index, columns=prices.columns), fwd,
                                    periods=(10,))
        row = fl.ic_summary(fl.information_coefficient(fd)).loc["10D"]
        naive += row["p-value(IC)"] < 0.05
        hac += row["HAC p-value(IC)"] < 0.05
    print(f"persistent noise, 10-bar horizon: naive t-test significant {naive}/{n_factors}, "
          f"HAC {hac}/{n_factors}")
    assert naive >= 0.3 * n_factors
    assert hac <= 0.12 * n_factors
