"""The verdict (factorlab.metrics._verdict): significance after HAC, break-even cost, deflated Sharpe."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import factorlab as fl
from factorlab.errors import ParameterError


def _prepare(factor, prices, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fl.prepare_factor_data(factor, prices, **kw)


@pytest.fixture(scope="module")
def prices(sp500_prices):
    return sp500_prices.iloc[:700, :100]


def test_factor_with_a_known_ic_is_significant(prices):
    rng = np.random.default_rng(5)
    future = prices.shift(-5) / prices - 1           # what the factor should predict (known IC > 0)
    factor = future + rng.normal(0, 3 * float(np.nanstd(future.to_numpy())), future.shape)
    fd = _prepare(factor.iloc[:-5], prices, periods=(5,))
    v = fl.factor_verdict(fd, cost_bps=5)
    row = v.table.loc["5D"]
    assert 0.1 < row["IC mean"] < 0.5
    assert row["significant"] and row["direction"] == "positive" and row["IC HAC p-value"] < 1e-6
    assert row["Sharpe gross"] > row["Sharpe net"] > 0 and row["break-even cost (bps)"] > 5
    assert "significant" in v.sentences["5D"] and "5D" in str(v)
    assert "Verdict" in v._repr_html_() and "bars/year" in v._repr_html_()


def test_noise_is_not_significant_and_the_naive_test_is_reported(prices):
    factor = pd.DataFrame(np.random.default_rng(8).normal(size=prices.shape), index=prices.index,
                          columns=prices.columns)
    fd = _prepare(factor, prices, periods=(1, 10))
    v = fl.factor_verdict(fd)
    assert not v.table["significant"].any()
    assert v.sentences.str.startswith("no evidence").all()
    assert {"IC naive p-value", "HAC lags"} <= set(v.table.columns)


def test_break_even_cost_is_where_the_net_sharpe_crosses_zero(prices):
    factor = -(prices / prices.shift(5) - 1)
    fd = _prepare(factor, prices, periods=(5,))
    w = fl.factor_weights(fd)
    be = fl.break_even_cost(w, prices, 5)
    assert be > 0
    # bisection on the net Sharpe of the exact sleeves, independently of the root finder used
    lo, hi = 0.0, 4 * be

    def sharpe(c):
        r = fl.interleaved_returns(w, prices, 5, cost_bps=c).returns
        return r.mean() / r.std()

    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if sharpe(mid) > 0 else (lo, mid)
    assert be == pytest.approx((lo + hi) / 2, abs=1e-3)
    assert fl.factor_verdict(fd).table.loc["5D", "break-even cost (bps)"] == pytest.approx(be, abs=1e-9)
    # the opposite portfolio loses before costs: it breaks even at 0
    assert sharpe(0) > 0 and fl.interleaved_returns(-w, prices, 5).returns.mean() < 0
    assert fl.break_even_cost(-w, prices, 5) == 0.0


def test_deflated_sharpe_ratio_hand_computed(rng):
    x = rng.normal(0.001, 0.01, 500)
    sr = x.mean() / x.std(ddof=1)
    g3 = stats.skew(x)
    g4 = stats.kurtosis(x, fisher=False)
    T = len(x)

    def psr(sr0):
        return stats.norm.cdf((sr - sr0) * np.sqrt(T - 1) / np.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr ** 2))

    assert fl.deflated_sharpe_ratio(x, 1) == pytest.approx(psr(0.0), rel=1e-10)
    n = 100
    gamma = 0.5772156649015329
    sr0 = np.sqrt(1 / (T - 1)) * ((1 - gamma) * stats.norm.ppf(1 - 1 / n) + gamma * stats.norm.ppf(1 - 1 / (n * np.e)))
    assert fl.deflated_sharpe_ratio(x, n) == pytest.approx(psr(sr0), rel=1e-10)
    assert fl.deflated_sharpe_ratio(x, n) < fl.deflated_sharpe_ratio(x, 1)
    with pytest.raises(ParameterError, match="n_trials"):
        fl.deflated_sharpe_ratio(x, 0)


def test_trials_adjust_p_values(prices):
    factor = -(prices / prices.shift(5) - 1)
    fd = _prepare(factor, prices, periods=(5,))
    one = fl.factor_verdict(fd).table.loc["5D"]
    many = fl.factor_verdict(fd, n_trials=20).table.loc["5D"]
    assert many["IC HAC p-value adjusted"] == pytest.approx(min(1.0, 20 * one["IC HAC p-value"]))
    assert many["deflated Sharpe"] < one["deflated Sharpe"]
    with pytest.raises(ParameterError, match="n_trials"):
        fl.factor_verdict(fd, n_trials=0)
