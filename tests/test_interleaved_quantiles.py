"""Tests of fl.quantile_interleaved_returns: per-quantile interleaved returns for every period."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.errors import ParameterError


def _prepare(factor, prices, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fl.prepare_factor_data(factor, prices, **kw)


@pytest.fixture(scope="module")
def fd(reversal_factor, sp500_prices):
    return _prepare(reversal_factor, sp500_prices, periods=(1, 5, 10), quantiles=5)


@pytest.fixture(scope="module")
def qr(fd):
    return fl.quantile_interleaved_returns(fd)


def test_layout(qr, fd):
    assert qr.labels == ("1D", "5D", "10D") and qr.periods == (1, 5, 10)
    for label in qr.labels:
        r = qr[label]
        assert list(r.columns) == [1, 2, 3, 4, 5, "long_short"]
        assert r.index[0] == fd.dates[0]
        assert r.notna().all().all()
    # each period stops at the end of the last signal's holding period
    pos = fd.prices.index.get_loc(fd.dates[-1])
    for n, label in zip(qr.periods, qr.labels):
        assert qr[label].index[-1] == fd.prices.index[min(pos + n, len(fd.prices) - 1)]
    assert (qr.gap_events.to_numpy() == 0).all()


def test_one_bar_basket_is_the_quantile_mean_forward_return(qr, fd):
    """N=1, delay 0: the basket bought at t earns the mean 1D forward return of its names at t."""
    fwd = fd.returns["1D"].to_numpy()
    q = fd.quantile.to_numpy()
    r = qr["1D"]
    # point in time the last factor date has quantiles and weights too; its 1D return is past the data
    assert fd.dates[-1] == fd.prices.index[-1] and np.isnan(fwd[-1]).all()
    for k in (1, 3, 5):
        expected = np.nanmean(np.where(q == k, fwd, np.nan)[:-1], axis=1)   # per factor date t
        np.testing.assert_allclose(r[k].to_numpy()[1:], expected, rtol=0, atol=1e-12)
    w = fl.factor_weights(fd).to_numpy()
    np.testing.assert_allclose(r["long_short"].to_numpy()[1:], np.nansum((w * fwd)[:-1], axis=1), rtol=0,
                               atol=1e-12)


def test_equals_single_runs(qr, fd):
    end = fd.prices.index.get_loc(fd.dates[-1]) + 5 + 1
    cases = ((2, fl.factor_weights(fd, quantiles=2, long_short=False)), ("long_short", fl.factor_weights(fd)))
    for col, w in cases:
        single = fl.interleaved_returns(w, fd.prices.iloc[:end], 5)
        np.testing.assert_array_equal(qr["5D"][col].to_numpy(), single.returns.to_numpy())
    tq = qr.turnover["5D"]
    # a signal on every bar up to the last: one sleeve trades on every bar after the first N
    assert tq.shape == qr["5D"].shape and (tq.iloc[5:] > 0).all().all()


def test_cumulative_and_summary(qr):
    cum = qr.cumulative("10D")
    np.testing.assert_allclose(cum.to_numpy(), (1 + qr["10D"]).cumprod().to_numpy() - 1, atol=1e-12)
    s = qr.summary()
    assert list(s.index) == ["1D", "5D", "10D"]
    cum_last = qr.cumulative("5D")[5].iloc[-1]
    assert s.loc["5D", 5] == pytest.approx(cum_last) and np.isfinite(cum_last)
    # short-term reversal on these data: the top quintile beats the bottom one
    assert (s[5] > s[1]).all()
    np.testing.assert_allclose(qr.spread("1D"), qr["1D"][5] - qr["1D"][1])
    assert "Interleaved quantile returns" in qr._repr_html_() and "5D" in repr(qr)
    with pytest.raises(ParameterError, match="available"):
        qr.cumulative("3D")


def test_delay_and_costs(reversal_factor, sp500_prices):
    p = sp500_prices.iloc[:400, :80]
    f = reversal_factor[reversal_factor.index.get_level_values(1).isin(p.columns)]
    f = f[f.index.get_level_values(0) <= p.index[-1]]
    fd1 = _prepare(f, p, periods=(1, 3), quantiles=4, delay=1)
    free = fl.quantile_interleaved_returns(fd1)
    paid = fl.quantile_interleaved_returns(fd1, cost_bps=25)
    assert free["3D"].index[0] == p.index[p.index.get_loc(fd1.dates[0]) + 1]
    assert (paid.summary() < free.summary()).all().all()
    w = fl.factor_weights(fd1, quantiles=4, long_short=False)
    end = p.index.get_loc(fd1.dates[-1]) + 1 + 3 + 1
    single = fl.interleaved_returns(w, p.iloc[:end], 3, delay=1, cost_bps=25)
    np.testing.assert_array_equal(paid["3D"][4].to_numpy(), single.returns.to_numpy())


def test_bad_input(fd):
    with pytest.raises(ParameterError, match="FactorData"):
        fl.quantile_interleaved_returns(fd.frame)
    no_prices = fl.FactorData.from_frame(fd.frame.iloc[:2000])
    with pytest.raises(ParameterError, match="prices"):
        fl.quantile_interleaved_returns(no_prices)
    with pytest.raises(ParameterError, match="cost_bps"):
        fl.quantile_interleaved_returns(fd, cost_bps=-5)


def test_gaps_equal_single_runs(reversal_factor, sp500_prices):
    """Prices missing mid-run and a delisting: every basket equals its own run, gap events included."""
    clean = sp500_prices.iloc[:300, :60]
    f = reversal_factor[reversal_factor.index.get_level_values(1).isin(clean.columns)]
    f = f[f.index.get_level_values(0) <= clean.index[-1]]
    p = clean.copy()
    p.iloc[100:120, 3] = np.nan   # a gap while held and targeted
    p.iloc[200:, 7] = np.nan      # delisted
    p.iloc[150, 11] = 0.0         # a zero price cannot be traded either
    fd = fl.FactorData.from_frame(_prepare(f, clean, periods=(1, 4), quantiles=3).frame, prices=p)
    qr = fl.quantile_interleaved_returns(fd, cost_bps=10)
    assert qr.gap_events.to_numpy().sum() > 0
    for n, label in zip((1, 4), ("1D", "4D")):
        end = p.index.get_loc(fd.dates[-1]) + n + 1
        for col in (1, 2, 3, "long_short"):
            w = fl.factor_weights(fd) if col == "long_short" else fl.factor_weights(fd, quantiles=col,
                                                                                       long_short=False)
            single = fl.interleaved_returns(w, p.iloc[:end], n, cost_bps=10)
            np.testing.assert_array_equal(qr[label][col].to_numpy(), single.returns.to_numpy())
            np.testing.assert_array_equal(qr.turnover[label][col].to_numpy(), single.turnover.to_numpy())
            assert qr.gap_events.loc[label, col] == single.n_gap_events


def _runner_case(reversal_factor, sp500_prices, gaps: bool):
    """Long-short weights of the reversal factor on 260 x 50 prices (with a gap and a delisting)."""
    prices = sp500_prices.iloc[:260, :50].copy()
    if gaps:
        prices.iloc[100:120, 3] = np.nan
        prices.iloc[200:, 7] = np.nan
    f = reversal_factor[reversal_factor.index.get_level_values(1).isin(prices.columns)]
    fd = _prepare(f[f.index.get_level_values(0) <= prices.index[-1]], prices, periods=(3,))
    return fl.factor_weights(fd), prices


@pytest.mark.parametrize("gaps", [False, True])
def test_mean_returns_at_costs_equal_single_runs(reversal_factor, sp500_prices, gaps):
    """The break-even search's runner: each cost's mean per-bar return is interleaved_returns' exactly."""
    from factorlab.portfolio._interleaved_quantiles import mean_returns_at_costs

    w, prices = _runner_case(reversal_factor, sp500_prices, gaps)
    for delay in (0, 2):
        means = mean_returns_at_costs(w, prices, [3], delay=delay)
        for cost in (0.0, 7.5, 40.0):
            single = fl.interleaved_returns(w, prices, 3, delay=delay, cost_bps=cost).returns.mean()
            assert means({3: cost})[3] == single


@pytest.mark.parametrize("gaps", [False, True])
def test_runs_at_several_costs_equal_single_runs(reversal_factor, sp500_prices, gaps):
    """Gross and net sleeves in one loop (the screen's runs): returns and turnover equal
    interleaved_returns' at each cost, bit for bit."""
    from factorlab.portfolio._interleaved_quantiles import interleaved_periods_at_costs

    w, prices = _runner_case(reversal_factor, sp500_prices, gaps)
    for delay in (0, 2):
        runs = interleaved_periods_at_costs(w, prices, (3,), (0.0, 12.5, 40.0), delay=delay)[3]
        for cost, (returns, turnover) in zip((0.0, 12.5, 40.0), runs):
            single = fl.interleaved_returns(w, prices, 3, delay=delay, cost_bps=cost)
            pd.testing.assert_series_equal(returns, single.returns, check_exact=True, check_names=False)
            pd.testing.assert_series_equal(turnover, single.turnover, check_exact=True, check_names=False)


@pytest.mark.parametrize("gaps", [False, True])
def test_periods_from_one_preparation_equal_single_runs(reversal_factor, sp500_prices, gaps):
    """Every period's gross and net sleeves from one preparation of the weights (the screen's runs):
    returns and turnover equal interleaved_returns' for each period and cost, bit for bit."""
    from factorlab.portfolio._interleaved_quantiles import interleaved_periods_at_costs

    w, prices = _runner_case(reversal_factor, sp500_prices, gaps)
    runs = interleaved_periods_at_costs(w, prices, (1, 4, 7), (0.0, 12.5), delay=1)
    assert list(runs) == [1, 4, 7]
    for period, by_cost in runs.items():
        for cost, (returns, turnover) in zip((0.0, 12.5), by_cost):
            single = fl.interleaved_returns(w, prices, period, delay=1, cost_bps=cost)
            pd.testing.assert_series_equal(returns, single.returns, check_exact=True, check_names=False)
            pd.testing.assert_series_equal(turnover, single.turnover, check_exact=True, check_names=False)


def test_one_bar_baskets_equal_single_runs_and_other_periods_leave_them_alone(qr, fd):
    """The tear sheet's 1D baskets equal interleaved_returns' run of each basket (to 1e-14), and are
    the same numbers whether the 1D period runs alone or in step with the 5D and 10D periods."""
    end = fd.prices.index.get_loc(fd.dates[-1]) + 1 + 1
    for col in (1, 3, "long_short"):
        w = fl.factor_weights(fd) if col == "long_short" else fl.factor_weights(fd, quantiles=col,
                                                                                   long_short=False)
        single = fl.interleaved_returns(w, fd.prices.iloc[:end], 1)
        np.testing.assert_allclose(qr["1D"][col].to_numpy(), single.returns.to_numpy(), rtol=0, atol=1e-14)
        np.testing.assert_allclose(qr.turnover["1D"][col].to_numpy(), single.turnover.to_numpy(), rtol=0,
                                   atol=1e-14)
    alone = fl.quantile_interleaved_returns(fl.FactorData.from_frame(
        fd.frame[["1D", "factor", "factor_quantile"]], prices=fd.prices))
    pd.testing.assert_frame_equal(alone["1D"], qr["1D"], check_exact=True)


def test_one_or_two_threads_give_the_same_numbers(fd, qr, monkeypatch):
    """The kernel runs the portfolios on a thread each (both cores); one thread gives identical tables."""
    from factorlab.portfolio import _kernel

    monkeypatch.setattr(_kernel, "_threads", lambda: 1)
    one = fl.quantile_interleaved_returns(fd)
    for label in qr.labels:
        pd.testing.assert_frame_equal(one[label], qr[label], check_exact=True)
        pd.testing.assert_frame_equal(one.turnover[label], qr.turnover[label], check_exact=True)
