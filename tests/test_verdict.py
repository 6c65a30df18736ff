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


def test_break_even_costs_in_step_equal_each_periods_own_search(prices):
    from factorlab.metrics import break_even_costs
    from factorlab.portfolio._interleaved_quantiles import mean_returns_at_costs

    factor = -(prices / prices.shift(5) - 1)
    fd = _prepare(factor, prices, periods=(1, 3, 5, 10))
    w = fl.factor_weights(fd)
    periods = [1, 3, 5, 10]
    own = {p: fl.break_even_cost(w, prices, p, delay=1) for p in periods}
    together = break_even_costs(w, prices, periods, delay=1)
    assert together == own  # exactly: the same secant steps on runs equal bit for bit
    assert all(c > 0 for c in own.values()) and len(set(own.values())) == len(periods)
    # a period that loses before costs stops at 0 while the others go on searching
    mixed = break_even_costs(-w, prices, [5, 10], delay=1)
    assert mixed == {5: fl.break_even_cost(-w, prices, 5, delay=1), 10: fl.break_even_cost(-w, prices, 10, delay=1)}
    # the shared means at any mix of costs equal single runs
    means = mean_returns_at_costs(w, prices, [3, 10], delay=1)
    got = means({10: 7.5, 3: 2.0})
    assert got[10] == fl.interleaved_returns(w, prices, 10, delay=1, cost_bps=7.5).returns.mean()
    assert got[3] == fl.interleaved_returns(w, prices, 3, delay=1, cost_bps=2.0).returns.mean()
    with pytest.raises(ParameterError, match="not prepared"):
        means({5: 1.0})
    with pytest.raises(ParameterError):
        means({3: -1.0})
    # the verdict's break-even column is this search
    v = fl.factor_verdict(fd, cost_bps=5)
    assert v.table["break-even cost (bps)"].tolist() == [fl.break_even_cost(w, prices, p, delay=fd.delay)
                                                         for p in periods]


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


@pytest.mark.parametrize("long_short, group_neutral", [(True, False), (False, False), (True, True)])
def test_top_bottom_spread_equals_the_verdicts(prices, sp500_sectors, long_short, group_neutral):
    """The screen's spread from the two quantiles' means alone equals the verdict's (from every
    quantile's by-date means), demeaned by date, raw, or by group."""
    from factorlab.factor._returns import top_bottom_spread_per_bar

    factor = -prices.pct_change(5, fill_method=None)
    fd = _prepare(factor, prices, periods=(1, 5, 10), groupby=sp500_sectors)
    spread = top_bottom_spread_per_bar(fd, demeaned=long_short, group_adjust=group_neutral)
    table = fl.factor_verdict(fd, long_short=long_short, group_neutral=group_neutral).table
    np.testing.assert_allclose(spread.to_numpy(), table["spread per bar"].to_numpy(), rtol=1e-12, atol=0)


def test_top_bottom_spread_by_hand():
    """Two dates, four names, two quantiles, 2-bar returns: demeaned top and bottom means per date,
    averaged over dates, then per-bar rates differenced."""
    from factorlab.factor._returns import top_bottom_spread_per_bar

    dates = pd.bdate_range("2022-01-03", periods=2)
    idx = pd.MultiIndex.from_product([dates, list("abcd")], names=["date", "asset"])
    r = np.array([0.02, 0.04, -0.01, 0.03, 0.10, 0.00, 0.05, np.nan])
    frame = pd.DataFrame({"2D": r, "factor": [1.0, 2.0, 3.0, 4.0] * 2,
                          "factor_quantile": [1, 1, 2, 2, 1, 1, 2, 2]}, index=idx)
    fd = fl.FactorData.from_frame(frame)
    # date 1: mean 0.02; top (c, d) -0.01, 0.03 -> 0.01 - 0.02 = -0.01; bottom (a, b) 0.03 - 0.02 = 0.01
    # date 2 (d has no return): mean 0.05; top (c) 0.05 - 0.05 = 0; bottom (a, b) 0.05 - 0.05 = 0
    top, bottom = (-0.01 + 0.0) / 2, (0.01 + 0.0) / 2
    expected = (1 + top) ** 0.5 - (1 + bottom) ** 0.5
    got = top_bottom_spread_per_bar(fd)["2D"]
    assert fd.bar_label == "1D"
    assert got == pytest.approx(expected, rel=1e-12)
    raw = top_bottom_spread_per_bar(fd, demeaned=False)["2D"]
    assert raw == pytest.approx((1 + (0.01 + 0.05) / 2) ** 0.5 - (1 + (0.03 + 0.05) / 2) ** 0.5, rel=1e-12)


def test_verdict_reads_an_information_table_already_computed(prices):
    """A tear sheet's IC and its information table (HAC tests fitted once) give the verdict's own
    numbers exactly; a table of other columns, or a table without its IC, is refused."""
    factor = -(prices / prices.shift(3) - 1)
    fd = _prepare(factor, prices, periods=(1, 5))
    own = fl.factor_verdict(fd, cost_bps=5)
    ic = fl.information_coefficient(fd)
    table = fl.ic_summary(ic, periods=fd.periods)
    given = fl.factor_verdict(fd, cost_bps=5, ic=ic, ic_table=table)
    pd.testing.assert_frame_equal(given.table, own.table, check_exact=True)
    with pytest.raises(ParameterError, match="give both"):
        fl.factor_verdict(fd, ic_table=table)
    with pytest.raises(ParameterError, match="one row per IC column"):
        fl.factor_verdict(fd, ic=ic, ic_table=table.iloc[:1])
